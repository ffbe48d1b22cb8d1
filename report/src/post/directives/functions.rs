//! The directive functions, in one table: each with the arguments it takes (an argument it does
//! not take is an error, so a typo never falls back to a default silently), their types, and
//! what it gives. Every function takes `experiment="..."`, which picks the experiment (of the
//! post's) whose runs it reads; a post over several experiments must give it.

use super::{FigureCheck, Setup};
use crate::post::args::{Args, Markdown};
use crate::post::facts::Facts;
use crate::post::md_escape;
use crate::post::sources::{Source, Sources};
use crate::post::{claims, derived, generate, lens};
use crate::{Error, Result};
use serde_json::Value;
use std::cell::RefCell;
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
    /// A list of whole numbers, like `[14, 15]`.
    Wholes,
    /// `true` or `false`.
    Flag,
    /// A list of names, or one word standing for many (`"all"`, `"added"`).
    Scope,
}

impl Type {
    fn accepts(self, v: &Value) -> bool {
        match self {
            Type::Text => v.is_string(),
            Type::Whole => v.is_u64(),
            Type::Number => v.is_number(),
            Type::Names => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Type::Wholes => v.as_array().is_some_and(|a| a.iter().all(Value::is_u64)),
            Type::Flag => v.is_boolean(),
            Type::Scope => v.is_string() || Type::Names.accepts(v),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Type::Text => "a \"string\"",
            Type::Whole => "a whole number",
            Type::Number => "a number",
            Type::Names => "a list of names like [\"x00\", \"x01\"]",
            Type::Wholes => "a list of whole numbers like [14, 15]",
            Type::Flag => "true or false",
            Type::Scope => "a list of names like [\"x01\", \"x04\"], or \"all\"",
        }
    }
}

/// What a function runs on: the facts of the experiment it reads, the experiment when the
/// directive named it (figure links then name it too), and the build's checks and templates.
pub struct Scope<'a> {
    pub facts: &'a Facts,
    pub experiment: Option<&'a str>,
    pub figure_ok: &'a FigureCheck,
    pub setup: &'a Setup<'a>,
    /// What a claim checked, left here by `check(...)` for the caller.
    pub audit: RefCell<Option<claims::Audit>>,
}

impl Scope<'_> {
    /// `images/NAME`, or `images/<experiment>/NAME` when the directive named its experiment.
    fn image(&self, name: &str) -> String {
        match self.experiment {
            Some(e) => format!("images/{e}/{name}"),
            None => format!("images/{name}"),
        }
    }
}

type Run = fn(&Scope, &Args) -> Result<Markdown>;

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
const AXIS: (&str, Type) = ("axis", Type::Text);
/// Every function takes it (see [`call`]).
const EXPERIMENT: (&str, Type) = ("experiment", Type::Text);
/// Every function takes them too: the configuration of an experiment with several (steps,
/// an import's recorded setting), see [`call`].
const STEPS: (&str, Type) = ("steps", Type::Whole);
const CONFIG: (&str, Type) = ("config", Type::Text);
const EVERY: [&(&str, Type); 3] = [&EXPERIMENT, &STEPS, &CONFIG];

/// Every function a directive may call.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "final_loss",
        usage: "final_loss(variant=\"x01\", digits=4): mean final val loss",
        args: &[VARIANT, DIGITS],
        run: |s, a| {
            let m = s.facts.variant(a.variant()?)?.metric("final_loss")?;
            Ok(format!("{:.*}", a.digits(4), m.mean))
        },
    },
    Function {
        name: "mean_std",
        usage: "mean_std(variant=\"x01\", metric=\"final_loss\", digits=4): mean ± std (n)",
        args: &[VARIANT, METRIC, DIGITS],
        run: |s, a| {
            let m = a.text("metric").unwrap_or("final_loss");
            Ok(s.facts
                .variant(a.variant()?)?
                .metric(m)?
                .display(a.digits(4)))
        },
    },
    Function {
        name: "train_time",
        usage: "train_time(variant=\"x01\", digits=1): mean training time in seconds",
        args: &[VARIANT, DIGITS],
        run: |s, a| {
            let m = s.facts.variant(a.variant()?)?.metric("train_time")?;
            Ok(format!("{:.*} s", a.digits(1), m.mean))
        },
    },
    Function {
        name: "p_value",
        usage: "p_value(variant=\"x01\", metric=\"final_loss\"): Welch t-test against the baseline",
        args: &[VARIANT, METRIC],
        run: |s, a| {
            let m = a.text("metric").unwrap_or("final_loss");
            let v = s.facts.variant(a.variant()?)?;
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
        name: "difference",
        usage: "difference(variant=\"x01\", metric=\"final_loss\", digits=4): mean minus the \
                baseline's, with its 95% Welch interval",
        args: &[VARIANT, METRIC, DIGITS],
        run: |s, a| derived::difference(s.facts, a),
    },
    Function {
        name: "mde",
        usage: "mde(variant=\"x01\", metric=\"final_loss\", digits=4): the smallest difference to \
                the baseline these runs would detect (two-sided Welch, alpha 0.05, power 0.8)",
        args: &[VARIANT, METRIC, DIGITS],
        run: |s, a| derived::mde(s.facts, a),
    },
    Function {
        name: "record_p",
        usage:
            "record_p(variant=\"x01\", threshold=2.92, show=\"p\"): the record rule's one-sided \
                one-sample t-test of one configuration's mean final loss below threshold (pick it \
                with steps=/config=); show=\"upper\": the mean's upper 95% bound",
        args: &[
            VARIANT,
            ("threshold", Type::Number),
            ("show", Type::Text),
            DIGITS,
        ],
        run: |s, a| derived::record_p(s.facts, a),
    },
    Function {
        name: "n_seeds",
        usage: "n_seeds(variant=\"x01\"): number of finished runs",
        args: &[VARIANT],
        run: n_runs,
    },
    Function {
        name: "n_runs",
        usage: "n_runs(variant=\"x01\"): number of finished runs (seeds or repeats)",
        args: &[VARIANT],
        run: n_runs,
    },
    Function {
        name: "at_time",
        usage: "at_time(): the training time (s) of loss_at_time",
        args: &[],
        run: |s, _| {
            s.facts
                .at_time_s
                .map(|s| format!("{s:.1} s"))
                .ok_or_else(|| Error::NotInRuns("no common training time: no finished runs".into()))
        },
    },
    Function {
        name: "results_table",
        usage: "results_table(times=true): final results, best in bold (times=false: without \
                the training-time columns)",
        args: &[("times", Type::Flag)],
        run: |s, a| {
            let times = a.0.get("times").and_then(Value::as_bool).unwrap_or(true);
            let table = if times {
                &s.facts.results_table
            } else {
                &s.facts.results_table_by_step
            };
            if let Some(why) = s.facts.several.values().next() {
                Err(Error::NotInRuns(format!(
                    "no results table by variant: {why}"
                )))
            } else if table.is_empty() {
                Err(Error::NotInRuns(
                    "no results table: no finished runs".into(),
                ))
            } else {
                // Labelled by its experiment where the directive names one: two experiments'
                // tables are cited as ref(table="results", experiment="...").
                let label = crate::figures::table::RESULTS_LABEL;
                Ok(match s.experiment {
                    Some(e) => {
                        table.replace(&format!("{{#{label}}}"), &format!("{{#{e}/{label}}}"))
                    }
                    None => table.clone(),
                })
            }
        },
    },
    Function {
        name: "runs_table",
        usage: "runs_table(variant=\"x01\"): one row per finished run (configuration, steps, \
                final val loss, training time); every variant's without `variant`",
        args: &[VARIANT],
        run: |s, a| crate::post::run_table::runs_table(s.facts, a.text("variant")),
    },
    Function {
        name: "lambda_table",
        usage: "lambda_table(variant=\"x01\"): final lambdas per component",
        args: &[VARIANT],
        run: |s, a| {
            let v = s.facts.variant(a.variant()?)?;
            if v.seeds.is_empty() {
                return Err(unfinished(v));
            }
            Ok(generate::lambda_table(s.facts, v))
        },
    },
    Function {
        name: "figure",
        usage: "figure(name=\"val_loss-step.png\", caption=\"...\")",
        args: &[("name", Type::Text), CAPTION],
        run: |s, a| {
            let name = a.text("name").ok_or_else(|| Error::MissingArgument {
                call: Some("figure(...)".into()),
                arg: "name".into(),
                example: "name=\"val_loss-step.png\"".into(),
            })?;
            (s.figure_ok)(name)?;
            let caption = a.text("caption").unwrap_or(name);
            Ok(format!("![{}]({})", md_escape(caption), s.image(name)))
        },
    },
    Function {
        name: "heatmap",
        usage: "heatmap(variant=\"x01\", caption=\"...\", aligned=false): lambda heatmap, mean \
                over seeds (aligned: each seed's added-embedding signs aligned first)",
        args: &[VARIANT, CAPTION, ("aligned", Type::Flag)],
        run: |s, a| {
            let v = s.facts.variant(a.variant()?)?;
            let fig = generate::heatmap_figure(v.variant, a.flag("aligned"));
            let caption = a
                .text("caption")
                .map(md_escape)
                .unwrap_or_else(|| format!("Lambdas of {} by layer", v.variant));
            Ok(format!("![{caption}]({})", s.image(&fig)))
        },
    },
    Function {
        name: "setup",
        usage: "setup(parts=[\"runs\", \"training\"]): the description of the runs, or only the \
                parts named (runs, baseline, variants, initialisation, training): a post over two \
                experiments says what they share once",
        args: &[("parts", Type::Names)],
        run: |s, a| {
            let text = (s.setup)(s.facts)?;
            match a.names("parts") {
                None => Ok(text),
                Some(parts) => setup_parts(&text, &parts),
            }
        },
    },
    Function {
        name: "check",
        usage: "check(claim=\"...\", that=\"falls\", metric=\"final_loss\", ...)",
        args: &[
            ("claim", Type::Text),
            ("that", Type::Text),
            METRIC,
            ("variants", Type::Scope),
            VARIANT,
            ("than", Type::Text),
            ("alpha", Type::Number),
            ("within", Type::Number),
            ("mde_below", Type::Number),
            ("threshold", Type::Number),
            ("component", Type::Text),
            ("components", Type::Scope),
            ("layers", Type::Wholes),
            AXIS,
            ("share", Type::Number),
            ("normalized", Type::Flag),
            ("rate", Type::Text),
        ],
        run: |s, a| {
            let audit = claims::check(s.facts, a)?;
            *s.audit.borrow_mut() = Some(audit);
            Ok(String::new())
        },
    },
    Function {
        name: "lambda_mean",
        usage: "lambda_mean(variant=\"x01\", component=\"x00\", layer=15, digits=2, \
                aligned=false): a final lambda at one layer, mean ± std over seeds \
                (component=\"x+x00\" at layer 0, where x and x00 coincide)",
        args: &[
            VARIANT,
            ("component", Type::Text),
            ("layer", Type::Whole),
            DIGITS,
            ("aligned", Type::Flag),
        ],
        run: |s, a| derived::mean_at(s.facts, a),
    },
    Function {
        name: "lambda_share",
        usage: "lambda_share(variant=\"x01\", component=\"x00\", layer=15, digits=2, \
                aligned=false): a component's share of a layer's input at the last evaluation, \
                λ·RMS / Σ|λ·RMS| (signed), mean ± std over seeds; needs norms (component=\"x+x00\" \
                at layer 0)",
        args: &[
            VARIANT,
            ("component", Type::Text),
            ("layer", Type::Whole),
            DIGITS,
            ("aligned", Type::Flag),
        ],
        run: |s, a| derived::share_at(s.facts, a),
    },
    Function {
        name: "lowest_count",
        usage: "lowest_count(variant=\"x00\", axis=\"time\"): at how many of the evaluations \
                all variants cover the variant's mean loss is the lowest (`730 of 738`)",
        args: &[VARIANT, AXIS],
        run: |s, a| derived::lowest_count(s.facts, a),
    },
    Function {
        name: "lens_table",
        usage: "lens_table(variant=\"x01\", components=[\"x00\", \"x01\"], positions=\"0..16\", \
                seed=0, top=1): the decoded sample of a lens as a table, top tokens per component \
                and position (spaces shown as ␣, line breaks as ↵)",
        args: &[
            VARIANT,
            ("components", Type::Names),
            ("positions", Type::Text),
            ("seed", Type::Whole),
            ("top", Type::Whole),
        ],
        run: |s, a| lens::table(s.facts, a),
    },
    Function {
        name: "lens_rate",
        usage: "lens_rate(variant=\"x01\", component=\"x00\", rate=\"copy\", seed=0, digits=3, \
                percent=false, spread=false): a lens number (next, copy, bigram, cross_entropy, \
                entropy), mean over the variant's lenses",
        args: &[
            VARIANT,
            ("component", Type::Text),
            ("rate", Type::Text),
            ("seed", Type::Whole),
            DIGITS,
            ("percent", Type::Flag),
            ("spread", Type::Flag),
        ],
        run: |s, a| lens::rate(s.facts, a),
    },
    Function {
        name: "below_count",
        usage: "below_count(variant=\"x01\", than=\"x00\", axis=\"step\"): at how many of the \
                evaluations both cover the variant's mean loss is below the other's",
        args: &[VARIANT, ("than", Type::Text), AXIS],
        run: |s, a| derived::below_count(s.facts, a),
    },
];

/// The number of a variant's finished runs, whether they set seeds or are repeats.
fn n_runs(s: &Scope, a: &Args) -> Result<Markdown> {
    let v = s.facts.variant(a.variant()?)?;
    if v.seeds.is_empty() {
        return Err(unfinished(v));
    }
    Ok(v.seeds.len().to_string())
}

/// A variant none of whose runs finished, with how they stand.
fn unfinished(v: &crate::post::facts::VariantFacts) -> Error {
    Error::NotInRuns(format!("variant {} has {}", v.variant, v.finished_phrase()))
}

/// Every function's name, and `ref` (resolved by its own pass, once figures are numbered).
pub fn known_names() -> String {
    FUNCTIONS
        .iter()
        .map(|f| f.name)
        .chain([super::parse::REF])
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a call gave: its markdown, and for a claim what it checked.
#[derive(Debug, Clone)]
pub struct Called {
    pub text: String,
    pub audit: Option<claims::Audit>,
}

/// Calls `name` with `args` after checking each against the function's list, on the facts of
/// the experiment `experiment=` names (or the post's only one).
pub fn call(
    name: &str,
    args: BTreeMap<String, Value>,
    sources: &Sources,
    figure_ok: &FigureCheck,
    setup: &Setup<'_>,
) -> Result<Called> {
    let Some(f) = FUNCTIONS.iter().find(|f| f.name == name) else {
        return Err(Error::Call(format!(
            "unknown function `{name}`; known functions: {}",
            known_names()
        )));
    };
    for (k, v) in &args {
        let Some((_, t)) = f.args.iter().chain(EVERY).find(|(n, _)| n == k) else {
            let takes: Vec<&str> = f.args.iter().chain(EVERY).map(|(n, _)| *n).collect();
            return Err(Error::Call(format!(
                "{name}(...) takes no argument `{k}`; it takes: {} ({})",
                if takes.is_empty() {
                    "none".to_string()
                } else {
                    takes.join(", ")
                },
                f.usage
            )));
        };
        if !t.accepts(v) {
            return Err(Error::Call(format!(
                "{name}(...): `{k}` must be {}, not {v}",
                t.describe()
            )));
        }
    }
    let args = Args::new(args);
    let named = args.text("experiment");
    let source = sources
        .pick(named)
        .map_err(|e| Error::Call(format!("{name}(...): {e}")))?;
    let picked =
        pick_configuration(&args, source).map_err(|e| Error::Call(format!("{name}(...): {e}")))?;
    let scope = Scope {
        facts: picked.as_deref().unwrap_or(&source.facts),
        experiment: named,
        figure_ok,
        setup,
        audit: RefCell::new(None),
    };
    let text = (f.run)(&scope, &args)?;
    Ok(Called {
        text,
        audit: scope.audit.into_inner(),
    })
}

/// The facts of the configurations `steps=` and `config=` pick, when the call names either:
/// computed from those runs alone, so nothing is pooled across configurations.
fn pick_configuration(args: &Args, source: &Source) -> Result<Option<Box<Facts>>> {
    let (steps, config) = (args.whole("steps"), args.text("config"));
    if steps.is_none() && config.is_none() {
        return Ok(None);
    }
    let runs = source
        .runs
        .as_ref()
        .ok_or_else(|| Error::NotInRuns("steps=/config= pick runs, and there are none".into()))?;
    let picked = crate::stats::select(runs, steps, config)?;
    let stats = crate::stats::compute(&picked, None).ok();
    let table = |times: bool| {
        stats
            .as_ref()
            .map(|t| crate::figures::table::markdown(t, times))
            .unwrap_or_default()
    };
    let facts = crate::post::from_runs::facts(&picked, table(true));
    Ok(Some(Box::new(Facts {
        results_table_by_step: table(false),
        ..facts
    })))
}

/// The parts of the setup description a draft asks for: the template's paragraphs each open
/// with their bold name (`**Runs.**`), and a part runs until the next one opens.
fn setup_parts(text: &str, parts: &[String]) -> Result<Markdown> {
    const KNOWN: [&str; 5] = ["runs", "baseline", "variants", "initialisation", "training"];
    if let Some(bad) = parts.iter().find(|p| !KNOWN.contains(&p.as_str())) {
        return Err(Error::Call(format!(
            "setup(parts=...): no part `{bad}`; the parts are {}",
            KNOWN.join(", ")
        )));
    }
    let mut out = Vec::new();
    let mut keep = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("**") {
            if let Some((name, _)) = rest.split_once(".**") {
                keep = parts.iter().any(|p| p.eq_ignore_ascii_case(name));
            }
        }
        if keep {
            out.push(line);
        }
    }
    Ok(out.join("\n").trim_end().to_string() + "\n")
}
