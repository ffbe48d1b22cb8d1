//! Generated markdown: what the setup description is made of ([`setup_view`]; its sentences are
//! the template `templates/setup.md`), a variant's lambda section, number formatting. Everything
//! here states only what the facts hold; where the runs are silent, the template says so.

use super::facts::{Facts, VariantFacts};
use super::md_escape;
use crate::figures::{FigureSpec, Format};
use crate::stats::coincide_at_0;
use runlog::Variant;
use serde::Serialize;

/// File name of a variant's lambda heatmap (mean over seeds, `-aligned`: each seed's added
/// embeddings' signs aligned first), as the figures stage names it.
pub fn heatmap_figure(variant: Variant, aligned: bool) -> String {
    FigureSpec::mean_heatmap(variant, aligned).file_name(Format::Png)
}

/// What the setup template (`templates/setup.md`) describes: everything the runs record about
/// how they were made, as numbers and names, escaped for markdown. The sentences are the
/// template's.
#[derive(Debug, Serialize)]
pub struct SetupView {
    pub runs: usize,
    pub experiment: Option<String>,
    /// Each variant with its finished seeds (`x01`, `3 seeds: 0–2`).
    pub variants: Vec<(String, String)>,
    /// The runs left out, `x04-s0: interrupted at step 100 of 500; ...` (empty when none).
    pub unfinished: String,
    pub baseline: String,
    pub extra: Vec<ExtraView>,
    /// Step-0 lambdas grouped by value: `(["λx"], "1")`, `(["λ00", "λ01"], "0")`.
    pub init: Vec<(Vec<String>, String)>,
    pub embedding_init: Option<String>,
    pub layers: Option<usize>,
    pub width: Option<usize>,
    pub steps: Vec<u64>,
    /// Tokens by the end of training, least and most over the runs, with thousands separators.
    pub tokens: Option<(String, String)>,
    /// Parameter count per variant (`x01 865.6k`).
    pub params: Vec<String>,
    pub presets: String,
    pub hardware: String,
    pub imported: usize,
    /// Runs that set no random seed (repeats).
    pub no_seed: usize,
}

/// A variant with added embeddings: its name, how many, and the terms of its layers' input.
#[derive(Debug, Serialize)]
pub struct ExtraView {
    pub name: String,
    pub n: u32,
    /// `λ00·x00`, `λ01·x01`, ...
    pub terms: Vec<String>,
}

/// The view of `f` the setup template renders.
pub fn setup_view(f: &Facts) -> SetupView {
    let s = &f.setup;
    // Grouped by value, in the order met: `λx = 1; λ00, λ01 = 0`.
    let mut init: Vec<(f64, Vec<String>)> = Vec::new();
    for (k, v) in &s.init_lambdas {
        match init.iter_mut().find(|(g, _)| g == v) {
            Some((_, names)) => names.push(lambda_label(k)),
            None => init.push((*v, vec![lambda_label(k)])),
        }
    }
    let unfinished: Vec<&str> = f
        .variants
        .iter()
        .flat_map(|v| v.unfinished.iter().map(String::as_str))
        .collect();
    SetupView {
        runs: s.runs,
        experiment: f.experiment.as_deref().map(|e| e.replace('`', "'")),
        variants: f
            .variants
            .iter()
            .map(|v| (v.variant.to_string(), runs_phrase(v)))
            .collect(),
        unfinished: md_escape(&unfinished.join("; ")),
        baseline: f.baseline.to_string(),
        extra: f
            .variants
            .iter()
            .filter(|v| v.variant != f.baseline)
            .map(|v| {
                let n = v.variant.extra_embeddings();
                ExtraView {
                    name: v.variant.to_string(),
                    n,
                    terms: (0..=n).map(|i| format!("λ{i:02}·x{i:02}")).collect(),
                }
            })
            .collect(),
        init: init
            .into_iter()
            .map(|(v, names)| (names, format!("{v}")))
            .collect(),
        embedding_init: s.embedding_init.clone(),
        layers: s.layers,
        width: s.width,
        steps: s.steps.clone(),
        tokens: s.tokens.map(|(a, b)| (thousands(a), thousands(b))),
        params: s
            .params
            .iter()
            .map(|(v, n)| format!("{} {}", md_escape(v), params_phrase(*n)))
            .collect(),
        presets: md_escape(&s.presets.join(", ")),
        hardware: md_escape(&s.hardware.join(", ")),
        imported: s.imported,
        no_seed: s.no_seed,
    }
}

/// A variant's lambda section: its heatmap (mean over seeds) and a short table per component.
pub fn lambda_section(f: &Facts, v: &VariantFacts) -> String {
    let name = v.variant;
    let over = match (v.seeds.len(), v.repeats) {
        (1, false) => "one seed".to_string(),
        (1, true) => "one run".to_string(),
        (n, false) => format!("mean over {n} seeds"),
        (n, true) => format!("mean over {n} runs"),
    };
    let mut out = format!(
        "![Lambdas of {name} at the end of training by layer ({over})](images/{})\n\n",
        heatmap_figure(v.variant, false)
    );
    out.push_str(&lambda_table(f, v));
    out
}

/// Per component: first and last layer, mean, and where the extremes sit. `x` and `x00` are
/// summarised from layer 1: at layer 0 they are the same vector, and a row of their own gives
/// the one number learned there, λx + λ00.
pub fn lambda_table(_f: &Facts, v: &VariantFacts) -> String {
    let Some(l) = &v.lambdas else {
        return format!("The runs of {} log no lambdas.\n", v.variant);
    };
    let sum0 = match (l.get("x"), l.get("x00")) {
        (Some(x), Some(x00)) => x.first().zip(x00.first()).map(|(a, b)| a + b),
        _ => None,
    };
    let mut out = String::from(
        "| lambda | layer 0 | last layer | mean | min (layer) | max (layer) |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (k, vals) in l {
        let from = usize::from(sum0.is_some() && coincide_at_0(k, 0));
        if vals.len() <= from {
            continue;
        }
        let (imin, min) = extreme(vals, from, |a, b| a < b);
        let (imax, max) = extreme(vals, from, |a, b| a > b);
        let mean = vals[from..].iter().sum::<f64>() / (vals.len() - from) as f64;
        let first = if from == 0 {
            format!("{:.2}", vals[0])
        } else {
            "in the sum".to_string()
        };
        out.push_str(&format!(
            "| {} | {first} | {:.2} | {:.2} | {:.2} ({imin}) | {:.2} ({imax}) |\n",
            md_escape(&lambda_label(k)),
            vals[vals.len() - 1],
            mean,
            min,
            max
        ));
    }
    if let Some(s) = sum0 {
        out.push_str(&format!("| λx + λ00 | {s:.2} | – | – | – | – |\n"));
    }
    out.push_str(&format!(
        "\nTable: Final lambdas of {0} by component, mean over its finished runs. \
         {{#lambdas-{0}}}\n",
        v.variant
    ));
    if sum0.is_some() {
        out.push_str(
            "\nFrom layer 1 for λx and λ00: at layer 0 the residual is x00 itself, so only their \
             sum is learned there.\n",
        );
    }
    out
}

/// `x` -> `λx`, `x01` -> `λ01`.
pub fn lambda_label(key: &str) -> String {
    match key {
        "x" => "λx".into(),
        k => format!("λ{}", k.strip_prefix('x').unwrap_or(k)),
    }
}

/// The best value of `v` from layer `from` on, with its layer.
fn extreme(v: &[f64], from: usize, better: impl Fn(f64, f64) -> bool) -> (usize, f64) {
    let mut best = (from, v[from]);
    for (i, &x) in v.iter().enumerate().skip(from) {
        if better(x, best.1) {
            best = (i, x);
        }
    }
    best
}

/// The finished seeds, and how many runs have not finished where there are any:
/// `3 seeds: 0–2`, `2 seeds: 0, 1; 1 of 3 not finished`, `0 of 3 finished`.
pub fn runs_phrase(v: &VariantFacts) -> String {
    let all = v.seeds.len() + v.unfinished.len();
    match (v.seeds.len(), v.unfinished.len()) {
        (n, 0) if v.repeats => format!("{n} run{}", if n == 1 { "" } else { "s" }),
        (_, 0) => seeds_phrase(&v.seeds),
        (0, _) => format!("0 of {all} finished"),
        (n, k) if v.repeats => format!(
            "{n} run{}; {k} of {all} not finished",
            if n == 1 { "" } else { "s" }
        ),
        (_, k) => format!("{}; {k} of {all} not finished", seeds_phrase(&v.seeds)),
    }
}

/// `0–4` for consecutive seeds, else a list.
pub fn seeds_phrase(seeds: &[u64]) -> String {
    let label = if seeds.len() == 1 { "seed" } else { "seeds" };
    let consecutive = seeds.windows(2).all(|w| w[1] == w[0] + 1);
    let list = if seeds.len() > 2 && consecutive {
        format!("{}–{}", seeds[0], seeds[seeds.len() - 1])
    } else {
        seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("{} {label}: {list}", seeds.len())
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        let left = s.len() - i;
        if i > 0 && left / 3 * 3 == left {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn params_phrase(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1}M", n as f64 / 1e6)
    } else if n >= 1000 {
        format!("{:.1}k", n as f64 / 1e3)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(seeds_phrase(&[0, 1, 2, 3, 4]), "5 seeds: 0–4");
        assert_eq!(seeds_phrase(&[0, 2]), "2 seeds: 0, 2");
        assert_eq!(seeds_phrase(&[3]), "1 seed: 3");
        assert_eq!(params_phrase(454_000_000), "454.0M");
    }
}
