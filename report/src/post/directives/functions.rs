//! The directive functions, in one table: each with the arguments it takes (an argument it does
//! not take is an error, so a typo never falls back to a default silently), their types, and
//! what it gives.

use super::FigureCheck;
use crate::post::claims;
use crate::post::facts::Facts;
use crate::post::generate;
use crate::post::md_escape;
use serde_json::Value;
use std::collections::BTreeMap;

/// What an argument must hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Type {
    Text,
    /// A whole number, 0 or more.
    Whole,
    Number,
    /// A list of strings, like `["x00", "x01"]`.
    Names,
}

impl Type {
    fn accepts(self, v: &Value) -> bool {
        match self {
            Type::Text => v.is_string(),
            Type::Whole => v.is_u64(),
            Type::Number => v.is_number(),
            Type::Names => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Type::Text => "a \"string\"",
            Type::Whole => "a whole number",
            Type::Number => "a number",
            Type::Names => "a list of names like [\"x00\", \"x01\"]",
        }
    }
}

/// The checked arguments of one call.
#[derive(Debug, Clone, Default)]
pub struct Args(BTreeMap<String, Value>);

impl Args {
    pub fn new(args: BTreeMap<String, Value>) -> Args {
        Args(args)
    }

    pub fn text(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(Value::as_str)
    }

    pub fn whole(&self, k: &str) -> Option<u64> {
        self.0.get(k).and_then(Value::as_u64)
    }

    pub fn number(&self, k: &str) -> Option<f64> {
        self.0.get(k).and_then(Value::as_f64)
    }

    pub fn names(&self, k: &str) -> Option<Vec<String>> {
        let a = self.0.get(k)?.as_array()?;
        a.iter().map(|v| v.as_str().map(str::to_string)).collect()
    }

    fn variant(&self) -> Result<&str, String> {
        self.text("variant")
            .ok_or_else(|| "needs `variant`, e.g. variant=\"x01\"".to_string())
    }

    fn digits(&self, default: usize) -> usize {
        self.whole("digits").map_or(default, |d| d.min(12) as usize)
    }
}

type Run = fn(&Facts, &FigureCheck, &Args) -> Result<String, String>;

/// One function: its name, how it is called, the arguments it takes, what it does.
pub struct Function {
    pub name: &'static str,
    pub usage: &'static str,
    pub args: &'static [(&'static str, Type)],
    run: Run,
}

const VARIANT: (&str, Type) = ("variant", Type::Text);
const METRIC: (&str, Type) = ("metric", Type::Text);
const DIGITS: (&str, Type) = ("digits", Type::Whole);
const CAPTION: (&str, Type) = ("caption", Type::Text);

/// Every function a directive may call.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "final_loss",
        usage: "final_loss(variant=\"x01\", digits=4): mean final val loss",
        args: &[VARIANT, DIGITS],
        run: |f, _, a| {
            let s = f.variant(a.variant()?)?.metric("final_loss")?;
            Ok(format!("{:.*}", a.digits(4), s.mean))
        },
    },
    Function {
        name: "mean_std",
        usage: "mean_std(variant=\"x01\", metric=\"final_loss\", digits=4): mean ± std (n)",
        args: &[VARIANT, METRIC, DIGITS],
        run: |f, _, a| {
            let m = a.text("metric").unwrap_or("final_loss");
            Ok(f.variant(a.variant()?)?.metric(m)?.display(a.digits(4)))
        },
    },
    Function {
        name: "train_time",
        usage: "train_time(variant=\"x01\", digits=1): mean training time in seconds",
        args: &[VARIANT, DIGITS],
        run: |f, _, a| {
            let s = f.variant(a.variant()?)?.metric("train_time")?;
            Ok(format!("{:.*} s", a.digits(1), s.mean))
        },
    },
    Function {
        name: "p_value",
        usage: "p_value(variant=\"x01\", metric=\"final_loss\"): Welch t-test against the baseline",
        args: &[VARIANT, METRIC],
        run: |f, _, a| {
            let m = a.text("metric").unwrap_or("final_loss");
            let v = f.variant(a.variant()?)?;
            // The numbers a p-value is about must exist: no finished run is an error here too.
            v.metric(m)?;
            Ok(match v.p_value(m)? {
                Some(p) if p < 0.001 => format!("{p:.1e}"),
                Some(p) => format!("{p:.3}"),
                None => format!(
                    "n/a ({} has n={}; a t-test needs n≥2 on both sides)",
                    v.variant,
                    v.seeds.len()
                ),
            })
        },
    },
    Function {
        name: "n_seeds",
        usage: "n_seeds(variant=\"x01\"): number of finished runs",
        args: &[VARIANT],
        run: |f, _, a| {
            let v = f.variant(a.variant()?)?;
            if v.seeds.is_empty() {
                return Err(format!("variant {} has {}", v.variant, v.finished_phrase()));
            }
            Ok(v.seeds.len().to_string())
        },
    },
    Function {
        name: "at_time",
        usage: "at_time(): the training time (s) of loss_at_time",
        args: &[],
        run: |f, _, _| {
            f.at_time_s
                .map(|s| format!("{s:.1} s"))
                .ok_or_else(|| "no common training time: no finished runs".to_string())
        },
    },
    Function {
        name: "results_table",
        usage: "results_table(): final results, best in bold",
        args: &[],
        run: |f, _, _| {
            if f.results_table.is_empty() {
                Err("no results table: no finished runs".into())
            } else {
                Ok(f.results_table.clone())
            }
        },
    },
    Function {
        name: "lambda_table",
        usage: "lambda_table(variant=\"x01\"): final lambdas per component",
        args: &[VARIANT],
        run: |f, _, a| {
            let v = f.variant(a.variant()?)?;
            if v.seeds.is_empty() {
                return Err(format!("variant {} has {}", v.variant, v.finished_phrase()));
            }
            Ok(generate::lambda_table(f, v))
        },
    },
    Function {
        name: "figure",
        usage: "figure(name=\"val_loss-step.png\", caption=\"...\")",
        args: &[("name", Type::Text), CAPTION],
        run: |_, ok, a| {
            let name = a
                .text("name")
                .ok_or("figure(...) needs `name`, e.g. name=\"val_loss-step.png\"")?;
            ok(name)?;
            let caption = a.text("caption").unwrap_or(name);
            Ok(format!("![{}](images/{name})", md_escape(caption)))
        },
    },
    Function {
        name: "heatmap",
        usage: "heatmap(variant=\"x01\", caption=\"...\"): lambda heatmap, mean over seeds",
        args: &[VARIANT, CAPTION],
        run: |f, _, a| {
            let v = f.variant(a.variant()?)?;
            let fig = generate::heatmap_figure(v.variant);
            let caption = a
                .text("caption")
                .map(md_escape)
                .unwrap_or_else(|| format!("Lambdas of {} by layer", v.variant));
            Ok(format!("![{caption}](images/{fig})"))
        },
    },
    Function {
        name: "setup",
        usage: "setup(): the description of the runs",
        args: &[],
        run: |f, _, _| Ok(generate::setup(f)),
    },
    Function {
        name: "check",
        usage: "check(claim=\"...\", that=\"falls\", metric=\"final_loss\", ...)",
        args: &[
            ("claim", Type::Text),
            ("that", Type::Text),
            METRIC,
            ("variants", Type::Names),
            VARIANT,
            ("than", Type::Text),
            ("alpha", Type::Number),
            ("component", Type::Text),
        ],
        run: |f, _, a| claims::check(f, a).map(|_| String::new()),
    },
];

pub fn known_names() -> String {
    FUNCTIONS
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Calls `name` with `args` after checking each against the function's list.
pub fn call(
    name: &str,
    args: BTreeMap<String, Value>,
    facts: &Facts,
    figure_ok: &FigureCheck,
) -> Result<String, String> {
    let Some(f) = FUNCTIONS.iter().find(|f| f.name == name) else {
        return Err(format!(
            "unknown function `{name}`; known functions: {}",
            known_names()
        ));
    };
    for (k, v) in &args {
        let Some((_, t)) = f.args.iter().find(|(n, _)| n == k) else {
            let takes: Vec<&str> = f.args.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "{name}(...) takes no argument `{k}`; it takes: {} ({})",
                if takes.is_empty() {
                    "none".to_string()
                } else {
                    takes.join(", ")
                },
                f.usage
            ));
        };
        if !t.accepts(v) {
            return Err(format!(
                "{name}(...): `{k}` must be {}, not {v}",
                t.describe()
            ));
        }
    }
    (f.run)(facts, figure_ok, &Args::new(args))
}
