//! Generated markdown: the setup description, a variant's lambda section, number formatting.
//! Everything here states only what the facts hold; where the runs are silent, it says so.

use super::facts::{Facts, VariantFacts};
use super::md_escape;
use runlog::Variant;

/// File name of a variant's lambda heatmap (mean over its seeds), as the figures stage names it.
pub fn heatmap_figure(variant: Variant) -> String {
    format!("lambdas-{variant}.png")
}

/// The description of the runs that fills a TODO in a setup section.
pub fn setup(f: &Facts) -> String {
    let s = &f.setup;
    let mut out = String::new();
    let exp = f
        .experiment
        .as_deref()
        .map(|e| format!(" of experiment `{}`", e.replace('`', "'")))
        .unwrap_or_default();
    out.push_str(&format!(
        "**Runs.** {} run{}{exp}: {}.\n\n",
        s.runs,
        if s.runs == 1 { "" } else { "s" },
        f.variants
            .iter()
            .map(|v| format!("{} ({})", v.variant, runs_phrase(v)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let unfinished: Vec<&str> = f
        .variants
        .iter()
        .flat_map(|v| v.unfinished.iter().map(String::as_str))
        .collect();
    if !unfinished.is_empty() {
        out.push_str(&format!(
            "Runs that have not finished are left out of every number and figure: {}.\n\n",
            md_escape(&unfinished.join("; "))
        ));
    }
    out.push_str(&format!(
        "**Baseline.** `{}` is modded-nanogpt's GPT: before every layer, the residual stream x and \
         the normed token embedding x00 enter a weighted sum, λx·x + λ00·x00, with one learned \
         scalar (a lambda) per term and layer.\n\n",
        f.baseline
    ));
    let extra: Vec<&VariantFacts> = f
        .variants
        .iter()
        .filter(|v| v.variant != f.baseline)
        .collect();
    if !extra.is_empty() {
        out.push_str(
            "**Variants.** Each variant adds embedding layers of its own to the weighted sum and \
             is named by the highest one: x01 adds one embedding (λx·x + λ00·x00 + λ01·x01), x02 \
             adds two, and so on. Each added embedding gets its own lambda in every layer. Here:\n\n",
        );
        for v in &extra {
            let n = v.variant.extra_embeddings();
            let terms: Vec<String> = (0..=n).map(|i| format!("λ{i:02}·x{i:02}")).collect();
            out.push_str(&format!(
                "- {}: {} added embedding{}, input λx·x + {}\n",
                v.variant,
                n,
                if n == 1 { "" } else { "s" },
                terms.join(" + ")
            ));
        }
        out.push('\n');
    }
    out.push_str("**Initialisation.** ");
    if s.init_lambdas.is_empty() {
        out.push_str("The runs do not log the lambdas at step 0. ");
    } else {
        // Grouped by value, in the order met: `λx = 1; λ00, λ01 = 0`.
        let mut groups: Vec<(f64, Vec<String>)> = Vec::new();
        for (k, v) in &s.init_lambdas {
            match groups.iter_mut().find(|(g, _)| g == v) {
                Some((_, names)) => names.push(lambda_label(k)),
                None => groups.push((*v, vec![lambda_label(k)])),
            }
        }
        let init: Vec<String> = groups
            .iter()
            .map(|(v, names)| format!("{} = {v}", names.join(", ")))
            .collect();
        out.push_str(&format!(
            "At step 0 the logged lambdas are {} in every layer: the added embeddings start \
             switched off and the model learns how much of each to use. ",
            init.join("; ")
        ));
    }
    match &s.embedding_init {
        Some(e) => out.push_str(&format!("The embedding tables are initialised {e}.\n\n")),
        None => {
            out.push_str("The runs do not record how the embedding tables are initialised.\n\n")
        }
    }
    out.push_str("**Training.** ");
    let mut parts = Vec::new();
    if let Some(l) = s.layers {
        parts.push(format!("{l} layers"));
    }
    if let Some(w) = s.width {
        parts.push(format!("width {w}"));
    }
    match s.steps.as_slice() {
        [] => parts.push("step count not recorded".into()),
        [one] => parts.push(format!("{one} steps")),
        many => parts.push(format!(
            "{} steps",
            many.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
    match s.tokens {
        Some((a, b)) if a == b => parts.push(format!("{} tokens", thousands(a))),
        Some((a, b)) => parts.push(format!("{} to {} tokens", thousands(a), thousands(b))),
        None => parts.push("tokens not recorded".into()),
    }
    if s.params.is_empty() {
        parts.push("model size not recorded".into());
    } else {
        let p: Vec<String> = s
            .params
            .iter()
            .map(|(v, n)| format!("{} {}", md_escape(v), params_phrase(*n)))
            .collect();
        parts.push(format!("parameters: {}", p.join(", ")));
    }
    if !s.presets.is_empty() {
        parts.push(format!("preset {}", md_escape(&s.presets.join(", "))));
    }
    if s.hardware.is_empty() {
        parts.push("hardware not recorded".into());
    } else {
        parts.push(format!("on {}", md_escape(&s.hardware.join(", "))));
    }
    out.push_str(&sentence(&parts.join("; ")));
    if s.imported > 0 {
        out.push_str(&format!(
            " {} of the {} runs were imported from modded-nanogpt text logs, which record \
             losses, times and lambdas only.",
            s.imported, s.runs
        ));
    }
    out.push('\n');
    out
}

/// A variant's lambda section: its heatmap (mean over seeds) and a short table per component.
pub fn lambda_section(f: &Facts, v: &VariantFacts) -> String {
    let name = v.variant;
    let over = match v.seeds.len() {
        1 => "one seed".to_string(),
        n => format!("mean over {n} seeds"),
    };
    let mut out = format!(
        "![Lambdas of {name} at the end of training by layer ({over})](images/{})\n\n",
        heatmap_figure(v.variant)
    );
    out.push_str(&lambda_table(f, v));
    out
}

/// Per component: first and last layer, mean, and where the extremes sit.
pub fn lambda_table(_f: &Facts, v: &VariantFacts) -> String {
    let Some(l) = &v.lambdas else {
        return format!("The runs of {} log no lambdas.\n", v.variant);
    };
    let mut out = String::from(
        "| lambda | layer 0 | last layer | mean | min (layer) | max (layer) |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (k, vals) in l {
        if vals.is_empty() {
            continue;
        }
        let (imin, min) = extreme(vals, |a, b| a < b);
        let (imax, max) = extreme(vals, |a, b| a > b);
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        out.push_str(&format!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} ({imin}) | {:.2} ({imax}) |\n",
            md_escape(&lambda_label(k)),
            vals[0],
            vals[vals.len() - 1],
            mean,
            min,
            max
        ));
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

fn extreme(v: &[f64], better: impl Fn(f64, f64) -> bool) -> (usize, f64) {
    let mut best = (0, v[0]);
    for (i, &x) in v.iter().enumerate() {
        if better(x, best.1) {
            best = (i, x);
        }
    }
    best
}

fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

/// The finished seeds, and how many runs have not finished where there are any:
/// `3 seeds: 0–2`, `2 seeds: 0, 1; 1 of 3 not finished`, `0 of 3 finished`.
fn runs_phrase(v: &VariantFacts) -> String {
    let all = v.seeds.len() + v.unfinished.len();
    match (v.seeds.len(), v.unfinished.len()) {
        (_, 0) => seeds_phrase(&v.seeds),
        (0, _) => format!("0 of {all} finished"),
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
