//! Properties over generated inputs, each bounded in size so every case runs in milliseconds:
//! - the importer: whatever modded-nanogpt-style log it is given (times in ms or in seconds,
//!   lambda lines after each evaluation or grouped at the end, `v` without `ve`, glued lines,
//!   noise between), what it writes reads back through runlog unchanged and passes the run
//!   checks; on any bytes, and on real lines of every era mutated, it never panics, and every
//!   error names the file, and the line where one line is at fault;
//! - the draft filler and the markdown renderer: on any text (directives, TODOs, links, code
//!   fences, front matter mixed with noise) they never panic, and a directive never echoes an
//!   environment variable;
//! - the front matter reader, on hostile front matter (impossible dates, names outside the
//!   alphabet, a byte order mark, CRLF, no closing line): never a panic, every error names the
//!   draft and a line of it, and what it accepts is a calendar-shaped date and plain names.

use proptest::collection::vec;
use proptest::prelude::*;
use report::build::BuildOptions;
use report::config::SiteConfig;
use report::pipeline::experiments::PerDraft;
use report::pipeline::{self, Context, Post};
use report::runs::import::{parse_log, write_run, ImportOptions};
use report::site::Templates;
use std::collections::BTreeMap;

/// One generated evaluation: loss, and the lambda values of its components.
#[derive(Debug, Clone)]
struct Eval {
    loss: f64,
    lambdas: Vec<f64>,
}

#[derive(Debug, Clone)]
struct Log {
    variant: usize,
    evals: Vec<Eval>,
    steps_between: u64,
    /// Total steps beyond the last evaluation (0: the run finished).
    short_by: u64,
    grouped: bool,
    halves: (bool, bool),
    glued: bool,
    /// `train_time:F.FFFs` (the optimization track) instead of `train_time:Nms`.
    seconds: bool,
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![9 => 0.0..20.0f64, 1 => Just(1e200)]
}

fn log() -> impl Strategy<Value = Log> {
    (0usize..5, 1usize..6, 2usize..4).prop_flat_map(|(variant, n, layers)| {
        (
            Just(variant),
            vec(
                (number(), vec(-3.0..3.0f64, layers))
                    .prop_map(|(loss, lambdas)| Eval { loss, lambdas }),
                n,
            ),
            1u64..300,
            prop_oneof![Just(0u64), 1u64..50],
            any::<bool>(),
            (any::<bool>(), any::<bool>()),
            (any::<bool>(), any::<bool>()),
        )
            .prop_map(
                |(variant, evals, steps_between, short_by, grouped, halves, (glued, seconds))| {
                    Log {
                        variant,
                        evals,
                        steps_between,
                        short_by,
                        grouped,
                        halves,
                        glued,
                        seconds,
                    }
                },
            )
    })
}

/// The log's text, as modded-nanogpt's scripts print it (plus the quirks of published files).
fn text(l: &Log) -> String {
    let total = (l.evals.len() as u64 - 1) * l.steps_between + l.short_by;
    let step = |i: usize| i as u64 * l.steps_between;
    let list = |v: &[f64]| {
        let items: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
        format!("[{}]", items.join(", "))
    };
    let lambda_lines = |i: usize, e: &Eval| {
        let mut out = vec![format!(
            "step:{}/{total} x_lambdas:{}",
            step(i),
            list(&e.lambdas)
        )];
        for c in 0..=l.variant {
            out.push(format!(
                "step:{}/{total} x{c:02}_lambdas:{}",
                step(i),
                list(&e.lambdas)
            ));
        }
        if l.halves.0 {
            out.push(format!(
                "step:{}/{total} v_lambdas:{}",
                step(i),
                list(&e.lambdas)
            ));
        }
        if l.halves.1 {
            out.push(format!(
                "step:{}/{total} ve_lambdas:{}",
                step(i),
                list(&e.lambdas)
            ));
        }
        out
    };
    let mut lines = vec!["import torch  # step:{step}/{n} val_loss:{x} in the source".to_string()];
    for (i, e) in l.evals.iter().enumerate() {
        let glue = if l.glued && i == 0 { "## 61 3" } else { "" };
        let ms = step(i) * 7;
        let time = if l.seconds {
            format!("{}.{:03}s", ms / 1000, ms % 1000)
        } else {
            format!("{ms}ms")
        };
        lines.push(format!(
            "{glue}step:{}/{total} val_loss:{:?} train_time:{time} step_avg:1.5ms",
            step(i),
            e.loss,
        ));
        lines.push(format!(
            "step:{}/{total} train_time:{}ms",
            step(i) + 1,
            step(i) * 7 + 3
        ));
        if !l.grouped {
            lines.extend(lambda_lines(i, e));
        }
    }
    if l.grouped {
        for (i, e) in l.evals.iter().enumerate() {
            lines.extend(lambda_lines(i, e));
        }
    }
    lines.push("peak memory allocated: 1 MiB".into());
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn what_the_importer_writes_reads_back_unchanged_and_passes_the_checks(l in log()) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(format!("x{:02}-s3.txt", l.variant));
        std::fs::write(&path, text(&l)).unwrap();
        let opts = ImportOptions { experiment: Some("e".into()), ..Default::default() };
        let run = parse_log(&path, &opts).unwrap();
        // A glued line, and one half of the value-embedding lambdas without the other, warn.
        let halves = usize::from(l.halves.0 != l.halves.1);
        prop_assert_eq!(run.warnings.len(), usize::from(l.glued) + halves);
        prop_assert_eq!(run.metrics.len(), l.evals.len());
        for (i, (m, e)) in run.metrics.iter().zip(&l.evals).enumerate() {
            prop_assert_eq!(m.val_loss, Some(e.loss));
            prop_assert_eq!(m.train_time_ms, (i as u64 * l.steps_between * 7) as f64);
            let lam = m.lambdas.as_ref().unwrap();
            prop_assert_eq!(lam.len(), l.variant + 2);
            prop_assert!(lam.values().all(|v| v == &e.lambdas));
        }
        let dir = write_run(&run, &d.path().join("runs")).unwrap();
        let checked = runlog::check::check_dir(&dir);
        prop_assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        let back = checked.run.unwrap();
        prop_assert_eq!(&back.info, &run.info);
        prop_assert_eq!(back.summary.as_ref(), Some(&run.summary));
        // Written and read back: the same JSON, line for line (NaN halves included).
        let json = |ms: &[runlog::Metrics]| -> Vec<String> {
            ms.iter().map(|m| serde_json::to_string(m).unwrap()).collect()
        };
        prop_assert_eq!(json(&back.metrics), json(&run.metrics));
    }

    #[test]
    fn the_importer_never_panics(lines in vec(log_line(), 0..40)) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("x01-s0.txt");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let _ = parse_log(&path, &ImportOptions::default());
    }

    #[test]
    fn any_bytes_never_panic_and_errors_name_the_file(bytes in vec(any::<u8>(), 0..3000)) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("bytes.txt");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e) = parse_log(&path, &given()) {
            prop_assert!(names_file_and_line(&e, &path), "{}", e);
        }
    }

    #[test]
    fn mutated_real_lines_never_panic_and_errors_name_file_and_line(
        lines in vec(mutated_line(), 1..24)
    ) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mutated.txt");
        std::fs::write(&path, lines.join("\n")).unwrap();
        if let Err(e) = parse_log(&path, &given()) {
            prop_assert!(names_file_and_line(&e, &path), "{}", e);
        }
    }

    #[test]
    fn the_filler_and_the_renderer_never_panic(pieces in vec(draft_piece(), 0..60)) {
        let text: String = pieces.concat();
        render_draft(&text);
        let _ = report::site::markdown::render(&text);
    }
}

/// Lines that look like a log's, broken at random places.
fn log_line() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("step:".to_string()),
        Just("val_loss:".to_string()),
        Just("train_time:".to_string()),
        Just("_lambdas:[".to_string()),
        Just("ms".to_string()),
        Just("]".to_string()),
        Just(", ".to_string()),
        Just("/".to_string()),
        Just(" ".to_string()),
        Just("x01".to_string()),
        Just("nan".to_string()),
        Just("1e999".to_string()),
        "[0-9]{1,4}",
        "\\PC{0,6}",
    ];
    vec(word, 0..12).prop_map(|w| w.concat())
}

/// Options that leave the log alone to decide (the variant and seed given, as for a log named
/// like `bytes.txt`), so every error is about the log.
fn given() -> ImportOptions {
    ImportOptions {
        variant: Some("x01".into()),
        seed: Some(0),
        experiment: Some("e".into()),
        ..Default::default()
    }
}

/// Whether an import error names `path`, and the line wherever one line is at fault: only a
/// file with no evaluation at all, and a run whose checks fail (they list their lines), have
/// none of their own.
fn names_file_and_line(e: &report::Error, path: &std::path::Path) -> bool {
    match e {
        report::Error::Import {
            path: p,
            line,
            message,
        } => {
            p == path
                && (line.is_some()
                    || message.starts_with("no `step:S/T val_loss:...` line")
                    || message.starts_with("would not make a valid run: "))
        }
        _ => false,
    }
}

/// A line of each era's form (ms, seconds, `nanms`, extra fields, lambdas, headers), then cut,
/// stretched or overwritten at a random place.
fn mutated_line() -> impl Strategy<Value = String> {
    let real = prop_oneof![
        Just("step:0/3200 val_loss:10.8258 train_time:0ms step_avg:nanms"),
        Just("step:125/5960 val_loss:4.324540 train_time:28089ms step_avg:224.72ms"),
        Just("step:125/3325 val_loss:4.83759 train_time:29.896s step_avg:239.17ms"),
        Just("step:2900/3000 val_loss:3.28410 train_time:401.006s step_avg:138.28ms ema_beta:0.9"),
        Just("step:0/3000 val_loss:10.8 val_avg_loss:10.8 val_ema_loss:nan train_time:0.000s"),
        Just("step:126/5960 train_time:28321ms step_avg:224.77ms"),
        Just("step:125/5960 x01_lambdas:[0.25, -0.5, nan]"),
        Just("step:125/5960 ve_lambdas:[0.5, 0.25]"),
        Just("## 61 3step:0/5820 val_loss:10.83 train_time:0ms step_avg:0.1ms"),
        Just("## 0-1"),
        Just("s:0 tel:10.9830"),
    ];
    let cut = prop_oneof![
        Just(String::new()),
        Just("nan".to_string()),
        Just(" ".to_string()),
        Just("/".to_string()),
        Just("s".to_string()),
        Just("ms".to_string()),
        "[0-9.:]{1,5}",
        "\\PC{0,4}",
    ];
    (real, 0usize..90, 0usize..4, cut).prop_map(|(line, at, drop, with)| {
        let at = line.floor_char_boundary(at.min(line.len()));
        let end = line.floor_char_boundary((at + drop).min(line.len()));
        format!("{}{with}{}", &line[..at], &line[end..])
    })
}

/// Pieces of a draft: markdown structure, directives (good, bad, hostile), TODOs, links, noise.
fn draft_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---\ntitle: T\nexperiment: e\n---\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\n\n".to_string()),
        Just("# Setup\n".to_string()),
        Just("### x01\n".to_string()),
        Just("## Lambdas\n".to_string()),
        Just("TODO ".to_string()),
        Just("```\n".to_string()),
        Just("`".to_string()),
        Just("{{".to_string()),
        Just("}}".to_string()),
        Just("{{ final_loss(variant=\"x01\") }}".to_string()),
        Just("{{ get_env(name=\"SECRET_PROPTEST\") }}".to_string()),
        Just("{{ n_seeds(variant=\"x00\") ~ get_env(name=\"SECRET_PROPTEST\") }}".to_string()),
        Just("{{ check(claim=\"c\", that=\"falls\", variants=[\"x00\", [\"x01\"]]) }}".to_string()),
        Just("modded-nanogpt (LINK)".to_string()),
        Just("![f](images/val_loss-step.png)".to_string()),
        Just("$x^2$".to_string()),
        Just("| a | b |\n|---|---|\n".to_string()),
        "\\PC{0,12}",
    ]
}

/// Puts a secret into this test binary's environment, once, for the filler to (never) find.
fn secret() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("SECRET_PROPTEST", "proptest-secret-value"));
}

/// The text passes (front matter to links) over `text`, with no runs, then the renderer.
fn render_draft(text: &str) {
    secret();
    let options = BuildOptions::new("posts".into(), "runs".into(), None);
    let config = SiteConfig {
        links: BTreeMap::from([("modded-nanogpt".to_string(), "https://x".to_string())]),
        ..SiteConfig::default()
    };
    let templates = Templates::load(None).unwrap();
    let runs = PerDraft::new(None);
    let cx = Context {
        options: &options,
        config: &config,
        templates: &templates,
        runs: &runs,
    };
    let mut post = Post::new("posts/p.md".into(), text.to_string());
    pipeline::run(&mut post, &cx, pipeline::text_passes());
    let filled = post.filled();
    assert!(!filled.contains("proptest-secret-value"));
    let _ = report::site::markdown::render(&filled);
}

#[test]
fn an_environment_variable_is_never_echoed() {
    render_draft("# T\n\n{{ get_env(name=\"SECRET_PROPTEST\") }} and {{ n_seeds(variant=\"x00\") ~ get_env(name=\"SECRET_PROPTEST\") }}\n");
}

/// A front matter as careless or hostile authors write one: keys known and not, values with
/// colons, quotes, brackets, dates real and impossible, a byte order mark, CRLF, no closing line.
fn front_matter() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("title: \"A: b\"".to_string()),
        Just("date: 2026-02-30".to_string()),
        Just("date: 2024-02-29".to_string()),
        Just("date: 0000-00-00".to_string()),
        Just("experiment: exp".to_string()),
        Just("experiment: ../runs".to_string()),
        Just("experiments: [a, b".to_string()),
        Just("experiments: [a, a]".to_string()),
        Just("summary: it's".to_string()),
        Just("# a comment".to_string()),
        Just("no colon here".to_string()),
        Just("---".to_string()),
        "[a-z]{1,8}: \\PC{0,12}",
        "\\PC{0,16}",
    ];
    (
        any::<bool>(),
        any::<bool>(),
        vec(line, 0..8),
        any::<bool>(),
        "\\PC{0,40}",
    )
        .prop_map(|(bom, crlf, lines, close, body)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut t = String::new();
            if bom {
                t.push('\u{feff}');
            }
            t.push_str("---");
            t.push_str(nl);
            for l in lines {
                t.push_str(&l);
                t.push_str(nl);
            }
            if close {
                t.push_str("---");
                t.push_str(nl);
            }
            t.push_str(&body);
            t
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn front_matter_never_panics_and_every_error_names_the_draft_and_a_line(text in front_matter()) {
        let path = std::path::Path::new("posts/fuzzed.md");
        let lines = text.lines().count().max(1);
        match report::post::Draft::parse(path, text.clone()) {
            Ok(d) => {
                prop_assert!(d.body_start <= text.len() && text.is_char_boundary(d.body_start));
                if let Some(date) = &d.front.date {
                    prop_assert_eq!(date.len(), 10);
                }
                for e in &d.front.experiments {
                    prop_assert!(runlog::check_name("experiment", e).is_ok(), "{:?}", e);
                }
            }
            Err(p) => {
                prop_assert_eq!(&p.path, path);
                prop_assert!((1..=lines + 1).contains(&p.line), "line {} of {}: {}", p.line, lines, p);
                prop_assert!(p.to_string().starts_with("posts/fuzzed.md:"), "{}", p);
            }
        }
    }
}
