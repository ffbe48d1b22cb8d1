//! One line of a modded-nanogpt log: an evaluation (`step:S/T val_loss:L train_time:Nms
//! step_avg:Xms`, or `train_time:F.FFFs` as the optimization track prints it), a list of learned
//! scalars (`step:S/T NAME_lambdas:[v, v, ...]`), or anything else (the script's source,
//! nvidia-smi, per-step timing lines), which is skipped. report/docs/import-formats.md lists the
//! forms of every era of modded-nanogpt's records folder.
//!
//! A `step:` line glued to other text (`## 61 3step:0/5820 val_loss:...`, as published results
//! files have it where a header lost its newline) is read from its `step:` on, and says so.

use super::fault::Fault;

/// What a line holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    Eval {
        step: u64,
        total: u64,
        loss: f64,
        time_ms: f64,
        step_avg_ms: Option<f64>,
    },
    Scalars {
        step: u64,
        total: u64,
        name: &'a str,
        values: Vec<f64>,
    },
}

/// A line read: what it holds, and the text before its `step:` when it was glued to some.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<'a> {
    pub line: Line<'a>,
    pub glued_to: Option<&'a str>,
}

/// `Ok(None)` for a line that is no evaluation and no scalars; `Err` for one that claims to be
/// (its `step:S/T` prefix and keyword are there) but does not read.
pub fn read(raw: &str) -> Result<Option<Read<'_>>, Fault> {
    let trimmed = raw.trim();
    let (glued_to, text) = match trimmed.strip_prefix("step:") {
        Some(_) => (None, trimmed),
        None => match glued_step(trimmed) {
            Some(at) => (Some(trimmed[..at].trim_end()), &trimmed[at..]),
            None => return Ok(None),
        },
    };
    let Some((step, total, rest)) = split_step(text) else {
        // An evaluation but for its step (`step:nan/3325 val_loss:...`): a step it needs.
        if let Some(head) = text
            .split_whitespace()
            .next()
            .filter(|_| text.contains(" val_loss:"))
        {
            return Err(Fault(format!(
                "`{head}` is not step:<S>/<T> (whole numbers) in an evaluation line"
            )));
        }
        return Ok(None);
    };
    let line = if let Some(fields) = rest.strip_prefix("val_loss:") {
        eval(step, total, fields)?
    } else if let Some((name, list)) = rest.split_once("_lambdas:") {
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Ok(None);
        }
        let values = parse_list(list).ok_or(format!("{name}_lambdas is not a list of numbers"))?;
        Line::Scalars {
            step,
            total,
            name,
            values,
        }
    } else {
        // Per-step timing lines: the evaluations carry everything the report needs.
        return Ok(None);
    };
    Ok(Some(Read { line, glued_to }))
}

/// The fields after `val_loss:`: the loss first, then `key:value` fields in any order. Only
/// `train_time` is needed besides the loss; `step_avg` is kept when it reads as a finite number
/// of ms (`nanms` at step 0 is normal), and other fields (`val_ema_loss`, `ema_beta`, `handoff`,
/// ...) are not read, whatever they hold.
fn eval(step: u64, total: u64, fields: &str) -> Result<Line<'static>, Fault> {
    let mut tokens = fields.split_whitespace();
    let loss = tokens.next().unwrap_or("");
    let loss = parse_float(loss).ok_or(format!("val_loss '{loss}' is not a number"))?;
    let (mut time, mut avg) = (None, None);
    for t in tokens {
        if let Some(v) = t.strip_prefix("train_time:") {
            time = time.or(Some(v));
        } else if let Some(v) = t.strip_prefix("step_avg:") {
            avg = avg.or(Some(v));
        }
    }
    let time = time.ok_or("val_loss line without train_time:<N>ms or train_time:<F>s")?;
    let time_ms = time_ms(time).ok_or(format!(
        "train_time '{time}' is not a time like 28089ms or 505.319s"
    ))?;
    let step_avg_ms = avg
        .and_then(|a| a.strip_suffix("ms"))
        .and_then(parse_float)
        .filter(|a| a.is_finite());
    Ok(Line::Eval {
        step,
        total,
        loss,
        time_ms,
        step_avg_ms,
    })
}

/// A training time as the log states it, in ms: `28089ms` as it is, `505.319s` with its decimal
/// point moved three places (505319), never multiplied (`261.770 * 1000.0` is
/// 261769.99999999997). `None` for anything but a plain decimal (`nan`, `1e3s`).
pub fn time_ms(text: &str) -> Option<f64> {
    match text.strip_suffix("ms") {
        Some(ms) => shifted(ms, 0),
        None => shifted(text.strip_suffix('s')?, 3),
    }
}

/// The decimal `-?D+(.D+)?` with its point moved `places` to the right, read once as f64 (so the
/// result is the double nearest the number the text states).
fn shifted(text: &str, places: usize) -> Option<f64> {
    let (sign, body) = match text.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", text),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) if !f.is_empty() => (i, f),
        Some(_) => return None,
        None => (body, ""),
    };
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    let moved = frac.len().min(places);
    let mut s = format!("{sign}{int}{}", &frac[..moved]);
    s.extend(std::iter::repeat_n('0', places - moved));
    if frac.len() > moved {
        s.push('.');
        s.push_str(&frac[moved..]);
    }
    s.parse().ok()
}

/// Where a `step:<digits>/<digits> ` starts inside a line that does not begin with it.
pub(super) fn glued_step(line: &str) -> Option<usize> {
    line.match_indices("step:")
        .map(|(i, _)| i)
        .find(|&i| split_step(&line[i..]).is_some())
}

/// `step:S/T rest` -> (S, T, rest); `None` for any other text.
fn split_step(line: &str) -> Option<(u64, u64, &str)> {
    let rest = line.strip_prefix("step:")?;
    let (s, rest) = rest.split_once('/')?;
    let (t, rest) = rest.split_once(' ')?;
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(s) || !digits(t) {
        return None;
    }
    Some((s.parse().ok()?, t.parse().ok()?, rest.trim()))
}

/// Python prints NaN as `nan` and infinities as `inf`; Rust's parser takes both.
fn parse_float(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

fn parse_list(s: &str) -> Option<Vec<f64>> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim().is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(parse_float).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluations_scalars_and_glued_lines() {
        let e = read("step:125/5960 val_loss:4.324540 train_time:28089ms step_avg:224.72ms")
            .unwrap()
            .unwrap();
        assert_eq!(
            e.line,
            Line::Eval {
                step: 125,
                total: 5960,
                loss: 4.32454,
                time_ms: 28089.0,
                step_avg_ms: Some(224.72)
            }
        );
        assert_eq!(e.glued_to, None);
        let g = read("## 61 3step:0/5820 val_loss:10.83 train_time:0ms step_avg:0.1ms")
            .unwrap()
            .unwrap();
        assert_eq!(g.glued_to, Some("## 61 3"));
        assert!(matches!(
            g.line,
            Line::Eval {
                step: 0,
                total: 5820,
                ..
            }
        ));
        let s = read("step:0/10 x01_lambdas:[0.0, -1e-3, nan]")
            .unwrap()
            .unwrap();
        match s.line {
            Line::Scalars { name, values, .. } => {
                assert_eq!(name, "x01");
                assert!(values[1] == -1e-3 && values[2].is_nan());
            }
            other => panic!("{other:?}"),
        }
        for skipped in [
            "step:126/5960 train_time:28321ms step_avg:224.77ms",
            "print0(f\"step:{step}/{train_steps} val_loss:{val_loss:.4f}\")",
            "| 0 NVIDIA H100 |",
            "",
        ] {
            assert_eq!(read(skipped), Ok(None), "{skipped}");
        }
        assert!(read("step:1/5 val_loss:abc train_time:1ms").is_err());
        assert!(read("step:1/5 x_lambdas:[1, b]").is_err());
    }
}
