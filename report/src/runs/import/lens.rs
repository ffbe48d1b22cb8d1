//! `report import-lens`: a published logit-lens printout ([`super::predictions`]) -> an
//! experiment's imported lens, `<out>/<experiment>/lens-<variant>.json` (`runlog::Lens`), with
//! what its tokens support computed and what they do not said.
//!
//! Supported: per component the top-1 next-token rate and the copy rate, over the positions
//! where both comparisons can be decided. Two decoded tokens are the same token exactly when
//! their texts are equal and neither holds `�` (GPT-2 gives every token its own bytes; `�`
//! stands for bytes that are not whole UTF-8, so two `�` may be different tokens); a `�` against
//! a text without one is a different token. Not supported, and said in the lens's notes: the
//! cross-entropy and entropy (only the top-k were printed), the bigram rate (no bigram table of
//! the study's training data), anything across runs (one run).

use super::fault::Fault;
use super::predictions::{self, Predictions};
use crate::{Error, Result};
use runlog::check::experiment_lens_problems;
use runlog::{
    check_name, experiment_lens_file, lens_components, lens_layers, Guess, Lens, LensNorms,
    LensSample, LensStats, Variant, LENS_SCHEMA_VERSION,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the user adds to the printout.
#[derive(Debug, Clone, Default)]
pub struct LensImport {
    pub experiment: String,
    /// Default: the highest `x0N` component.
    pub variant: Option<String>,
    /// Where it was published: repository, file.
    pub source: String,
    /// What the printout does not say about itself (its script, its tokens' origin).
    pub notes: Vec<String>,
    /// Replace a lens imported before that differs (an import never replaces one otherwise).
    pub force: bool,
}

/// What an import did to the experiment's lens file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LensWrite {
    New,
    /// It already held exactly this import: nothing written.
    Unchanged,
    /// `--force`: it held another lens, now replaced.
    Replaced,
}

/// The replacement character: what a token that is half of a character decodes to.
const REPLACEMENT: char = '\u{FFFD}';

/// Whether two decoded tokens are the same token; `None` when their texts cannot tell.
pub fn same_token(a: &str, b: &str) -> Option<bool> {
    if a.contains(REPLACEMENT) && b.contains(REPLACEMENT) {
        None
    } else {
        Some(a == b)
    }
}

/// Imports the printout at `file` into `out`: the path of the lens, and what was done there.
pub fn import_lens(file: &Path, out: &Path, opts: &LensImport) -> Result<(PathBuf, LensWrite)> {
    let bad = |message: String| Error::Import {
        path: file.to_owned(),
        line: None,
        message,
    };
    check_name("--experiment", &opts.experiment).map_err(|e| bad(e.to_string()))?;
    let p = predictions::read(file)?;
    let lens = to_lens(&p, file, opts).map_err(|f| f.at(file, None))?;
    let path = out
        .join(&opts.experiment)
        .join(experiment_lens_file(lens.variant));
    // Written only if the reader will take it back: the checks of every imported lens.
    if let Some(p) = experiment_lens_problems(&lens, &path).first() {
        return Err(bad(format!("would not make a valid lens: {}", p.message)));
    }
    let text = runlog::lens_text(&lens).map_err(|e| bad(e.to_string()))?;
    let done = what_is_there(&path, &text, file, opts.force)?;
    if done != LensWrite::Unchanged {
        runlog::write_atomic(&path, text.as_bytes())?;
    }
    Ok((path, done))
}

/// Refuses to replace a lens that differs from `text` without `force`, as run imports do.
fn what_is_there(path: &Path, text: &str, file: &Path, force: bool) -> Result<LensWrite> {
    let old = match std::fs::read(path) {
        Ok(old) => old,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LensWrite::New),
        // Unreadable is not absent: what it holds cannot be told, so nothing is written over it.
        Err(e) => return Err(Error::io(path, e)),
    };
    if old == text.as_bytes() {
        return Ok(LensWrite::Unchanged);
    }
    if force {
        return Ok(LensWrite::Replaced);
    }
    let was = runlog::read_lens(path).map_or_else(
        |_| "a file that is no readable lens".to_string(),
        |l| {
            format!(
                "a lens of {} from {}",
                l.variant,
                l.source
                    .as_deref()
                    .unwrap_or("an unnamed source")
                    .escape_debug()
            )
        },
    );
    Err(Error::Import {
        path: path.to_owned(),
        line: None,
        message: format!(
            "already holds {was}, which differs from this import of {}: an import never replaces \
             a lens; pass --force to replace it",
            file.display()
        ),
    })
}

/// The lens of a printout; an error says what does not fit the contract.
pub fn to_lens(
    p: &Predictions,
    file: &Path,
    opts: &LensImport,
) -> std::result::Result<Lens, Fault> {
    let names: Vec<String> = p.components.iter().map(|(n, _)| n.clone()).collect();
    let variant = variant_of(&names, opts.variant.as_deref())?;
    let layers = lens_layers(&names);
    let want = lens_components(variant, layers);
    if let Some(odd) = names.iter().find(|n| !want.contains(n)) {
        return Err(Fault(format!(
            "component `{}` is none of those a lens of {variant} with {layers} layers decodes ({})",
            odd.escape_debug(),
            want.join(", ")
        )));
    }
    let mut components = BTreeMap::new();
    let mut top = BTreeMap::new();
    let mut decided = Vec::new();
    for (name, lists) in &p.components {
        let stats = rates(&p.tokens, lists);
        decided.push(stats.tokens);
        components.insert(name.clone(), stats);
        let guesses = lists
            .iter()
            .map(|l| l.iter().map(|(pr, t)| Guess(t.clone(), *pr)).collect())
            .collect();
        top.insert(name.clone(), guesses);
    }
    let file_name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut notes = computed_notes(p, &decided);
    notes.extend(opts.notes.iter().cloned());
    let n = p.tokens.len();
    Ok(Lens {
        schema_version: LENS_SCHEMA_VERSION,
        variant,
        experiment: Some(opts.experiment.clone()),
        config_hash: None,
        step: None,
        measured_on: format!("the {n} tokens printed in {file_name}"),
        bigram_table: None,
        source: Some(opts.source.clone()),
        notes,
        components,
        sample: LensSample {
            text: format!("the {n} tokens printed in {file_name}"),
            tokens: p.tokens.clone(),
            top,
        },
        norms: p.norms.as_ref().and_then(norms),
    })
}

/// The variant decoded: `--variant`, which must agree with the highest `x0N` component, else
/// that component.
fn variant_of(names: &[String], given: Option<&str>) -> std::result::Result<Variant, Fault> {
    let highest = names.iter().filter_map(|n| Variant::parse(n).ok()).max();
    match (given, highest) {
        (Some(v), h) => {
            let v = Variant::parse(v)?;
            match h {
                Some(h) if h != v => Err(Fault(format!(
                    "--variant {v} contradicts the printout, whose embeddings go up to {h}"
                ))),
                _ => Ok(v),
            }
        }
        (None, Some(h)) => Ok(h),
        (None, None) => Err("no component x00, x01, ...: pass --variant".into()),
    }
}

/// What the printout supports and what it does not, from its numbers (`decided`: the
/// positions each component's rates were counted on).
fn computed_notes(p: &Predictions, decided: &[u64]) -> Vec<String> {
    let n = p.tokens.len();
    let k = p
        .components
        .iter()
        .flat_map(|(_, l)| l.iter().map(Vec::len))
        .max()
        .unwrap_or(0);
    let short: usize = p
        .components
        .iter()
        .map(|(_, l)| l.iter().filter(|g| g.len() < k).count())
        .sum();
    vec![
        format!(
            "next_top1 and copy_top1 per component over the positions where both can be decided \
             ({}..{} of {} positions, by component): two tokens printed as `{REPLACEMENT}` \
             (half of a character each) cannot be told apart",
            decided.iter().min().unwrap_or(&0),
            decided.iter().max().unwrap_or(&0),
            n.saturating_sub(1)
        ),
        format!(
            "no cross_entropy or entropy: the printout gives only the top {k} tokens of each \
             position"
        ),
        "no bigram_top1: there is no bigram table of the publication's training data".into(),
        "one run: rates of one model on one text, with no spread across runs".into(),
        format!(
            "{short} of {} position lists hold fewer than {k} tokens: the printout keyed them by \
             probability, so tokens of equal probability overwrote each other; a top-1 that tied \
             is one of the tied tokens",
            n * p.components.len()
        ),
    ]
}

/// The rates of one component's printed top-1s, over the positions that can be decided.
fn rates(tokens: &[String], lists: &[Vec<(f64, String)>]) -> LensStats {
    let (mut counted, mut next, mut copy) = (0u64, 0u64, 0u64);
    for i in 0..tokens.len().saturating_sub(1) {
        let Some((_, top)) = lists[i].first() else {
            continue;
        };
        if let (Some(n), Some(c)) = (same_token(top, &tokens[i + 1]), same_token(top, &tokens[i])) {
            counted += 1;
            next += u64::from(n);
            copy += u64::from(c);
        }
    }
    let share = |k: u64| k as f64 / counted.max(1) as f64;
    LensStats {
        tokens: counted,
        cross_entropy: None,
        next_top1: share(next),
        copy_top1: share(copy),
        bigram_top1: None,
        entropy: None,
    }
}

/// The printed norms, with x00's as the per-element unit (x00 is RMS-normed: its norm is that
/// of a vector of ones the same size); none without an x00 norm.
fn norms(p: &predictions::PrintedNorms) -> Option<LensNorms> {
    let inputs: BTreeMap<String, f64> = p.inputs.iter().cloned().collect();
    let per_element = *inputs.get("x00")?;
    Some(LensNorms {
        kind: "as printed: the norm over the whole batch (every token and dimension), in bf16; \
               divided by per_element (x00's, which is RMS-normed) it is an RMS per element"
            .into(),
        x: p.x.clone(),
        inputs,
        per_element,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_characters_decide_nothing_between_them() {
        assert_eq!(same_token(" the", " the"), Some(true));
        assert_eq!(same_token(" the", "the"), Some(false));
        assert_eq!(same_token("\u{FFFD}", " the"), Some(false));
        assert_eq!(same_token("\u{FFFD}", "\u{FFFD}"), None);
    }
}
