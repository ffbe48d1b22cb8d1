//! Directives: `{{ ... }}` in a draft's prose (never in its code), each rendered by tera with the
//! functions below before the markdown is parsed. Each directive is rendered on its own, so an
//! error names its line.

use super::claims;
use super::facts::Facts;
use super::generate;
use super::md_escape;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use tera::{Context, Tera, Value};

/// Function name and what it gives; the list an unknown name is answered with.
pub const FUNCTIONS: &[(&str, &str)] = &[
    (
        "final_loss",
        "final_loss(variant=\"x01\", digits=4): mean final val loss",
    ),
    (
        "mean_std",
        "mean_std(variant=\"x01\", metric=\"final_loss\", digits=4): mean ± std (n)",
    ),
    (
        "train_time",
        "train_time(variant=\"x01\", digits=1): mean training time in seconds",
    ),
    (
        "p_value",
        "p_value(variant=\"x01\", metric=\"final_loss\"): Welch t-test against the baseline",
    ),
    ("n_seeds", "n_seeds(variant=\"x01\"): number of runs"),
    (
        "at_time",
        "at_time(): the training time (s) of loss_at_time",
    ),
    (
        "results_table",
        "results_table(): final results, best in bold",
    ),
    (
        "lambda_table",
        "lambda_table(variant=\"x01\"): final lambdas per component",
    ),
    (
        "figure",
        "figure(name=\"val_loss-step.png\", caption=\"...\")",
    ),
    (
        "heatmap",
        "heatmap(variant=\"x01\", caption=\"...\"): lambda heatmap, mean over seeds",
    ),
    ("setup", "setup(): the description of the runs"),
    (
        "check",
        "check(claim=\"...\", that=\"falls\", metric=\"final_loss\", ...)",
    ),
];

/// A directive found in the text: its byte range (braces included) and its inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub range: Range<usize>,
    pub body: String,
}

/// Finds `{{ ... }}` inside each prose range. Err: the offset of a `{{` that is never closed.
pub fn find(text: &str, prose: &[Range<usize>]) -> Result<Vec<Directive>, usize> {
    let mut out = Vec::new();
    for r in prose {
        let seg = &text[r.clone()];
        let mut at = 0;
        while let Some(i) = seg[at..].find("{{") {
            let open = at + i;
            let Some(j) = seg[open + 2..].find("}}") else {
                return Err(r.start + open);
            };
            let close = open + 2 + j + 2;
            out.push(Directive {
                range: r.start + open..r.start + close,
                body: seg[open + 2..close - 2].to_string(),
            });
            at = close;
        }
    }
    Ok(out)
}

/// Checks a directive names a known function before tera sees it (a clearer message than tera's).
pub fn precheck(body: &str) -> Result<(), String> {
    let b = body.trim();
    let name: String = b
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after = b[name.len()..].trim_start();
    if name.is_empty() || !after.starts_with('(') {
        return Err(format!(
            "directive `{{{{{body}}}}}` does not call a function; known functions: {}",
            known_names()
        ));
    }
    if !FUNCTIONS.iter().any(|(n, _)| *n == name) {
        return Err(format!(
            "unknown function `{name}`; known functions: {}",
            known_names()
        ));
    }
    Ok(())
}

pub fn known_names() -> String {
    FUNCTIONS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Validates a figure name and says why it cannot be drawn.
pub type FigureCheck = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

type Args<'a> = &'a HashMap<String, Value>;
/// A directive function: its arguments -> markdown, or what is wrong.
type DirectiveFn = Arc<dyn Fn(Args) -> Result<String, String> + Send + Sync>;

/// A tera instance with every directive function bound to these facts.
pub fn engine(facts: Arc<Facts>, figure_ok: FigureCheck) -> Tera {
    let mut t = Tera::default();
    let reg = |t: &mut Tera, name: &str, f: DirectiveFn| {
        t.register_function(name, move |a: Args| {
            f(a).map(Value::String).map_err(tera::Error::msg)
        });
    };
    let f = facts.clone();
    reg(
        &mut t,
        "final_loss",
        Arc::new(move |a| {
            Ok(format!(
                "{:.*}",
                digits(a, 4),
                f.variant(variant(a)?)?.metric("final_loss")?.mean
            ))
        }),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "mean_std",
        Arc::new(move |a| {
            let m = str_arg(a, "metric").unwrap_or("final_loss");
            Ok(f.variant(variant(a)?)?.metric(m)?.display(digits(a, 4)))
        }),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "train_time",
        Arc::new(move |a| {
            Ok(format!(
                "{:.*} s",
                digits(a, 1),
                f.variant(variant(a)?)?.metric("train_time")?.mean
            ))
        }),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "p_value",
        Arc::new(move |a| {
            let m = str_arg(a, "metric").unwrap_or("final_loss");
            let v = f.variant(variant(a)?)?;
            Ok(match v.p_value(m)? {
                Some(p) if p < 0.001 => format!("{p:.1e}"),
                Some(p) => format!("{p:.3}"),
                None => format!(
                    "n/a ({} has n={}; a t-test needs n≥2 on both sides)",
                    md_escape(&v.name),
                    v.seeds.len()
                ),
            })
        }),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "n_seeds",
        Arc::new(move |a| Ok(f.variant(variant(a)?)?.seeds.len().to_string())),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "at_time",
        Arc::new(move |_| {
            f.at_time_s
                .map(|s| format!("{s:.1} s"))
                .ok_or_else(|| "no common training time: no finished runs".to_string())
        }),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "results_table",
        Arc::new(move |_| {
            if f.results_table.is_empty() {
                Err("no results table: no finished runs".into())
            } else {
                Ok(f.results_table.clone())
            }
        }),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "lambda_table",
        Arc::new(move |a| Ok(generate::lambda_table(&f, f.variant(variant(a)?)?))),
    );
    let ok = figure_ok.clone();
    reg(
        &mut t,
        "figure",
        Arc::new(move |a| {
            let name = str_arg(a, "name")
                .ok_or("figure(...) needs `name`, e.g. name=\"val_loss-step.png\"")?;
            ok(name)?;
            let caption = str_arg(a, "caption").unwrap_or(name);
            Ok(format!("![{}](images/{name})", md_escape(caption)))
        }),
    );
    let f = facts.clone();
    reg(
        &mut t,
        "heatmap",
        Arc::new(move |a| {
            let v = f.variant(variant(a)?)?;
            let fig = generate::heatmap_figure(&v.name);
            let caption = str_arg(a, "caption")
                .map(md_escape)
                .unwrap_or_else(|| format!("Lambdas of {} by layer", md_escape(&v.name)));
            Ok(format!("![{caption}](images/{fig})"))
        }),
    );
    let f = facts.clone();
    reg(&mut t, "setup", Arc::new(move |_| Ok(generate::setup(&f))));
    let f = facts;
    reg(
        &mut t,
        "check",
        Arc::new(move |a| claims::check(&f, a).map(|_| String::new())),
    );
    t
}

/// Renders one directive. The error is the deepest message tera gives (ours, from the function).
pub fn render(t: &mut Tera, d: &Directive) -> Result<String, String> {
    t.render_str(&format!("{{{{{}}}}}", d.body), &Context::new())
        .map_err(|e| {
            let mut msg = e.to_string();
            let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
            while let Some(s) = src {
                msg = s.to_string();
                src = s.source();
            }
            msg
        })
}

fn str_arg<'a>(a: &'a HashMap<String, Value>, k: &str) -> Option<&'a str> {
    a.get(k).and_then(Value::as_str)
}

fn variant(a: &HashMap<String, Value>) -> Result<&str, String> {
    str_arg(a, "variant").ok_or_else(|| "needs `variant`, e.g. variant=\"x01\"".to_string())
}

fn digits(a: &HashMap<String, Value>, default: usize) -> usize {
    a.get("digits")
        .and_then(Value::as_u64)
        .map_or(default, |d| d.min(12) as usize)
}
