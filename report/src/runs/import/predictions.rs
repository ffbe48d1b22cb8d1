//! Reading a logit-lens printout of the x0 study (experiments/00004-x0/predictions.md of
//! snimu/modded-nanogpt-experiments, printed by its script 4-...-with-word-logging.py): three
//! lines of Python literals,
//!
//! - `tokens={0: 'mail', 1: ' account', ...}`: the input tokens, decoded one by one;
//! - `predictions={'x-0': {0: {0.258: ' address', ...}, ...}, ...}`: per component and
//!   position, the top-k next tokens keyed by their probability;
//! - `x_norms={'x': [...], 'x00': 8192., ...}`: the norms printed beside them.
//!
//! Its quirks are read as they are: a token that is half of a character decodes to `�`, and
//! the study keyed each position's predictions by probability, so tokens of equal probability
//! overwrote each other and some positions hold fewer than k (a key printed twice would be
//! kept twice here). Every component must hold exactly the token list's positions.

use super::fault::Fault;
use super::pylit::{self, Py};
use crate::{Error, Result};
use std::path::Path;

/// One component's predictions: per position the (probability, token) pairs as printed.
pub type Guesses = Vec<Vec<(f64, String)>>;

/// The printout, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    pub tokens: Vec<String>,
    /// Per component, in the printed order.
    pub components: Vec<(String, Guesses)>,
    /// `x`: per layer; each other key one number.
    pub norms: Option<PrintedNorms>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrintedNorms {
    pub x: Vec<f64>,
    pub inputs: Vec<(String, f64)>,
}

/// Reads the printout at `path`; an error names the file, the line and what is wrong there.
pub fn read(path: &Path) -> Result<Predictions> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let err = |line: usize, message: String| Error::Import {
        path: path.to_owned(),
        line: Some(line),
        message,
    };
    let find = |name: &str| -> Result<Option<(usize, Py)>> {
        let prefix = format!("{name}=");
        let Some((i, line)) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.starts_with(&prefix))
        else {
            return Ok(None);
        };
        let (v, _) = pylit::parse(&line[prefix.len()..]).map_err(|(at, m)| {
            err(
                i + 1,
                format!("`{name}=` at column {}: {m}", prefix.len() + at + 1),
            )
        })?;
        Ok(Some((i + 1, v)))
    };
    let missing = |name: &str| Error::Import {
        path: path.to_owned(),
        line: None,
        message: format!("no line starting `{name}=`: not a lens printout"),
    };
    let (tl, tokens) = find("tokens")?.ok_or_else(|| missing("tokens"))?;
    let tokens = token_list(&tokens).map_err(|f| f.at(path, Some(tl)))?;
    let (pl, preds) = find("predictions")?.ok_or_else(|| missing("predictions"))?;
    let components = component_lists(&preds, tokens.len()).map_err(|f| f.at(path, Some(pl)))?;
    let norms = match find("x_norms")? {
        Some((nl, v)) => Some(printed_norms(&v).map_err(|f| f.at(path, Some(nl)))?),
        None => None,
    };
    Ok(Predictions {
        tokens,
        components,
        norms,
    })
}

fn dict<'a>(v: &'a Py, what: &str) -> Result<&'a [(Py, Py)], Fault> {
    match v {
        Py::Dict(e) => Ok(e),
        other => Err(Fault(format!("{what} is {}, not a dict", other.kind()))),
    }
}

/// Positions keyed 0, 1, 2, ... in order: their values, or what is wrong with the keys.
fn positions<'a>(entries: &'a [(Py, Py)], what: &str) -> Result<Vec<&'a Py>, Fault> {
    let keys: Vec<Option<i64>> = entries
        .iter()
        .map(|(k, _)| match k {
            Py::Int(i) => Some(*i),
            _ => None,
        })
        .collect();
    if let Some(i) = keys.iter().position(|k| k.is_none()) {
        return Err(Fault(format!(
            "{what}: key {} is {}, not a position",
            i + 1,
            entries[i].0.kind()
        )));
    }
    if let Some(i) = keys
        .iter()
        .enumerate()
        .position(|(i, k)| *k != Some(i as i64))
    {
        return Err(Fault(format!(
            "{what}: position {} stands where position {i} should (positions run 0, 1, 2, ...)",
            keys[i].unwrap_or_default()
        )));
    }
    Ok(entries.iter().map(|(_, v)| v).collect())
}

fn token_list(v: &Py) -> Result<Vec<String>, Fault> {
    let entries = dict(v, "tokens")?;
    positions(entries, "tokens")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| match t {
            Py::Str(s) => Ok(s.clone()),
            other => Err(Fault(format!(
                "tokens: position {i} is {}, not a string",
                other.kind()
            ))),
        })
        .collect()
}

fn component_lists(v: &Py, n: usize) -> Result<Vec<(String, Guesses)>, Fault> {
    let mut out = Vec::new();
    for (k, v) in dict(v, "predictions")? {
        let Py::Str(name) = k else {
            return Err(Fault(format!(
                "predictions: a component named by {}",
                k.kind()
            )));
        };
        let what = format!("component `{}`", name.escape_debug());
        let at = positions(dict(v, &what)?, &what)?;
        if at.len() != n {
            return Err(Fault(format!(
                "{what} has {} positions (0..{}), the token list {n}: its predictions are not of \
                 these tokens",
                at.len(),
                at.len().saturating_sub(1)
            )));
        }
        let mut lists = Vec::with_capacity(n);
        for (i, p) in at.into_iter().enumerate() {
            let mut guesses = Vec::new();
            for (prob, tok) in dict(p, &format!("{what}, position {i}"))? {
                let (Some(prob), Py::Str(tok)) = (prob.number(), tok) else {
                    return Err(Fault(format!(
                        "{what}, position {i}: an entry {}: {} is not probability: token",
                        prob.kind(),
                        tok.kind()
                    )));
                };
                if !(0.0..=1.0).contains(&prob) {
                    return Err(Fault(format!(
                        "{what}, position {i}: probability {prob} is outside [0, 1]"
                    )));
                }
                guesses.push((prob, tok.clone()));
            }
            lists.push(guesses);
        }
        out.push((name.clone(), lists));
    }
    Ok(out)
}

fn printed_norms(v: &Py) -> Result<PrintedNorms, Fault> {
    let mut x = None;
    let mut inputs = Vec::new();
    for (k, v) in dict(v, "x_norms")? {
        let Py::Str(name) = k else {
            return Err(Fault(format!("x_norms: a key that is {}", k.kind())));
        };
        let bad = || {
            format!(
                "x_norms `{}` is not a number or a list of numbers",
                name.escape_debug()
            )
        };
        match (name.as_str(), v) {
            ("x", Py::List(items)) => {
                let nums: Option<Vec<f64>> = items.iter().map(Py::number).collect();
                x = Some(nums.ok_or_else(bad)?);
            }
            (_, v) => inputs.push((name.clone(), v.number().ok_or_else(bad)?)),
        }
    }
    Ok(PrintedNorms {
        x: x.ok_or("x_norms has no `x` list of per-layer norms")?,
        inputs,
    })
}
