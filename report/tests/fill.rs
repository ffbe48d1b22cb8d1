//! Filling drafts from runs: each TODO rule, link placeholders, each directive, claim checks,
//! bad-draft errors (file, line, known names), code left alone, escaping of run names.

mod site_common;
use common::{listed, Project};
use report::post::Kind;
use site_common as common;

#[test]
fn todos_are_filled_by_section_and_others_kept_with_their_line() {
    let p = Project::with_runs();
    let draft = "# Title\n\nIntro with modded-nanogpt (LINK) and nanoGPT (LINK).\n\n## The setup\n\n\
                 TODO describe\n\n## Lambdas\n\n### x01\n\nTODO\n\n### x07\n\nTODO\n\n## Discussion\n\n\
                 TODO later\n";
    p.draft("a.md", draft);
    let o = p.build();
    let md = p.read("a/a.md");
    // Setup: what the runs record, nothing invented.
    assert!(md.contains("**Runs.** 6 runs of experiment `exp`: x00 (2 seeds: 0, 1), x01 (2 seeds: 0, 1), x02 (2 seeds: 0, 1)."), "{md}");
    assert!(md.contains("λx = 1; λ00, λ01, λ02 = 0"), "{md}");
    assert!(
        md.contains("4 layers; width 64; 100 steps; tokens not recorded"),
        "{md}"
    );
    assert!(md.contains("x01 1.0M"), "{md}");
    assert!(md.contains("on cpu (2 threads)"), "{md}");
    // x01 under Lambdas: its heatmap (mean over 2 seeds) and table.
    assert!(md.contains("![Lambdas of x01 at the end of training by layer (mean over 2 seeds)](lambdas-x01.png)"), "{md}");
    assert!(
        md.contains("| λ01 | -1.00 | 2.00 | 0.50 | -1.00 (0) | 2.00 (3) |"),
        "{md}"
    );
    assert!(p.out().join("a/lambdas-x01.png").is_file());
    assert!(p.out().join("images/a/lambdas-x01.png").is_file());
    // Links: the known one filled, the unknown one kept and reported with the known names.
    assert!(md.contains("[modded-nanogpt](https://github.com/KellerJordan/modded-nanogpt)"));
    assert!(md.contains("nanoGPT (LINK)"));
    let left: Vec<_> = o.problems.iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        left,
        [
            (3, Kind::UnresolvedLink),
            (17, Kind::TodoLeft),
            (21, Kind::TodoLeft)
        ],
        "{}",
        listed(&o)
    );
    let text = listed(&o);
    assert!(text.contains("known links: modded-nanogpt"), "{text}");
    assert!(
        text.contains("unknown variant `x07`; known variants: x00, x01, x02"),
        "{text}"
    );
    assert!(
        text.contains("a.md:21: TODO left: TODO under `Discussion`"),
        "{text}"
    );
    // Not fatal: the page is built, with the TODOs kept for the author to see.
    assert!(!o.failed());
    assert_eq!(md.matches("TODO").count(), 2);
}

#[test]
fn every_directive_renders_and_code_is_left_alone() {
    let p = Project::with_runs();
    let draft = r#"---
title: Directives
date: 2025-09-20
experiment: exp
---
# Ignored heading

Final x01: {{ final_loss(variant="x01") }}; with std {{ mean_std(variant="x02", digits=3) }};
time {{ train_time(variant="x00") }}; p {{ p_value(variant="x02") }}; n {{ n_seeds(variant="x01") }};
at {{ at_time() }}: {{ mean_std(variant="x00", metric="loss_at_time", digits=2) }}.
{{ check(claim="final val loss falls with every added embedding", that="falls") }}
{{ check(claim="x00 trains fastest", that="lowest", variant="x00", metric="train_time") }}
{{ check(claim="x02 beats x00", that="below", variant="x02", than="x00") }}

{{ results_table() }}

{{ results_table(times=false) }}

{{ lambda_table(variant="x02") }}

{{ figure(name="val_loss-step.png", caption="Loss by step") }}

{{ heatmap(variant="x02") }}

## Setup

{{ setup() }}

Only some parts: {{ setup(parts=["runs", "training"]) }}

```python
x = "{{ not a directive }}"  # TODO not a todo
```

Inline `{{ code }}` stays.
"#;
    p.draft("d.md", draft);
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let md = p.read("d/d.md");
    assert!(
        md.contains("Final x01: 2.9550; with std 2.910 ± 0.014 (n=2);"),
        "{md}"
    );
    assert!(md.contains("time 100.5 s;"), "{md}");
    assert!(md.contains("n 2;"), "{md}");
    assert!(md.contains("at 100.0 s: 3.05 ± 0.07 (n=2)."), "{md}");
    assert!(
        md.contains("(n=2).\n\n| variant |"),
        "a passing check on a line of its own leaves no blank line: {md}"
    );
    assert!(md.contains("| x00 | 2 |"), "{md}");
    assert!(md.contains("**2.9100 ± 0.0141**"), "best in bold: {md}");
    // times=false: the same rows without the three training-time columns.
    let tables: Vec<&str> = md.split("\n| variant | n |").skip(1).collect();
    assert_eq!(tables.len(), 2, "{md}");
    assert!(tables[0].contains("train time (s) |"), "{md}");
    assert!(
        !tables[1].split("Table:").next().unwrap().contains(" s |"),
        "{md}"
    );
    assert!(tables[1].contains("p is a two-sided Welch t-test of the final loss against x00's"));
    assert!(md.contains("| λ02 | -2.00 | 1.00 |"), "{md}");
    assert!(md.contains("![Loss by step](val_loss-step.png)"), "{md}");
    assert!(
        md.contains("![Lambdas of x02 by layer](lambdas-x02.png)"),
        "{md}"
    );
    assert!(md.contains("**Runs.** 6 runs"), "{md}");
    // setup(parts=...) keeps the parts named, in the template's order, and no others.
    let parts = md.split("Only some parts:").nth(1).unwrap();
    let parts = parts.split("```python").next().unwrap();
    assert!(parts.contains("**Runs.** 6 runs"), "{parts}");
    assert!(parts.contains("**Training.**"), "{parts}");
    assert!(
        !parts.contains("**Baseline.**") && !parts.contains("**Variants.**"),
        "{parts}"
    );
    assert!(
        md.contains("x = \"{{ not a directive }}\"  # TODO not a todo"),
        "{md}"
    );
    assert!(md.contains("Inline `{{ code }}` stays."), "{md}");
    // The p-value: Welch t-test of x02 (2.90, 2.92) against x00 (3.00, 3.02): t = -7.07, df 2.
    let p_text = md.split("; p ").nth(1).unwrap().split(';').next().unwrap();
    let pv: f64 = p_text.parse().unwrap();
    assert!((pv - 0.0194).abs() < 0.001, "p = {pv}");
    let html = p.read("d/index.html");
    assert!(html.contains("<title>Directives · Test site</title>"));
    assert!(html.contains("<time datetime=\"2025-09-20\">"));
    assert!(html.contains("<span class=\"hl-"), "python is highlighted");
    assert!(p
        .read("atom.xml")
        .contains("<updated>2025-09-20T00:00:00Z</updated>"));
    assert!(p.read("index.html").contains("href=\"d/\">Directives</a>"));
}

#[test]
fn a_false_claim_fails_the_build_naming_claim_and_numbers() {
    let p = Project::with_runs();
    // A page built while the claim held is removed when a rerun makes it false.
    p.draft(
        "c.md",
        "# C\n\nLoss falls.\n{{ check(claim=\"falls\", that=\"falls\") }}\n",
    );
    assert!(!p.build().failed());
    assert!(p.out().join("c/index.html").exists());
    p.draft(
        "c.md",
        "# C\n\nLoss rises.\n{{ check(claim=\"final val loss rises with every added embedding\", that=\"rises\") }}\n\n\
         {{ check(claim=\"x01 is significantly better\", that=\"significant\", variant=\"x01\", alpha=0.001) }}\n\n\
         {{ check(claim=\"x00 is fastest\", that=\"highest\", variant=\"x00\", metric=\"train_time\") }}\n",
    );
    let o = p.build();
    assert!(o.failed());
    let text = listed(&o);
    assert!(
        text.contains("c.md:4: claim failed: claim \"final val loss rises with every added embedding\" is false: final_loss: x00 3.01000 ± 0.01414 (n=2), x01 2.95500 ± 0.00707 (n=2), x02 2.91000 ± 0.01414 (n=2) (x01 is not above x00)"),
        "{text}"
    );
    assert!(text.contains("c.md:8: claim failed: claim \"x00 is fastest\" is false: train_time: x00 100.50000 ± 0.70711 (n=2), x01 110.50000 ± 0.70711 (n=2), x02 120.50000 ± 0.70711 (n=2) (x01 is not below x00)"), "{text}");
    assert!(text.contains("c.md:6: claim failed: claim \"x01 is significantly better\" is false: x01 - x00 on final_loss = -0.0550, Welch t-test p = 0.0693 (alpha 0.001;"), "{text}");
    assert!(
        !p.out().join("c/index.html").exists(),
        "no page states a false claim"
    );
}

#[test]
fn bad_drafts_name_file_line_and_known_names() {
    let p = Project::with_runs();
    p.draft(
        "b1.md",
        "# B\n\nText.\n\nUnclosed {{ final_loss(variant=\"x01\")\n",
    );
    p.draft("b2.md", "# B\n\n{{ final_los(variant=\"x01\") }}\n");
    p.draft(
        "b3.md",
        "# B\n\nLine 3.\n{{ final_loss(variant=\"x09\") }}\n",
    );
    p.draft("b4.md", "---\ntitle: t\nauthor: me\n---\n# B\n");
    p.draft("b5.md", "# B\n\n{{ check(claim=\"c\", that=\"sinks\") }}\n");
    let o = p.build();
    let text = listed(&o);
    assert!(
        text.contains("b1.md:5: error: unclosed directive"),
        "{text}"
    );
    assert!(
        text.contains("b2.md:3: error: unknown function `final_los`; known functions: final_loss, mean_std, train_time, p_value"),
        "{text}"
    );
    assert!(
        text.contains("b3.md:4: error: unknown variant `x09`; known variants: x00, x01, x02"),
        "{text}"
    );
    assert!(text.contains("b4.md:3: error: unknown front matter key `author`; known keys: title, date, experiment, experiments, summary"), "{text}");
    assert!(
        text.contains(
            "b5.md:3: error: unknown claim kind that=\"sinks\"; known kinds: falls, rises"
        ),
        "{text}"
    );
    assert!(o.failed());
    for b in ["b1", "b2", "b3", "b4", "b5"] {
        assert!(!p.out().join(b).join("index.html").exists(), "{b}");
    }
}

#[test]
fn runs_that_have_not_finished_are_named_and_never_counted() {
    let p = Project::with_runs();
    // Both x02 runs stop early: interrupted at step 0 of 100.
    for seed in 0..2 {
        let dir = p.runs().join(format!("exp/x02-s{seed}"));
        let metrics = std::fs::read_to_string(dir.join(runlog::METRICS_FILE)).unwrap();
        let first = metrics.lines().next().unwrap();
        std::fs::write(dir.join(runlog::METRICS_FILE), format!("{first}\n")).unwrap();
        let s = runlog::Summary {
            status: runlog::Status::Interrupted,
            final_val_loss: serde_json::from_str::<runlog::Metrics>(first)
                .unwrap()
                .val_loss,
            train_time_ms: 5.0,
            step_avg_ms: None,
            tokens_per_s: None,
            peak_rss_mb: None,
        };
        runlog::write_json_atomic(&dir.join(runlog::SUMMARY_FILE), &s).unwrap();
    }
    p.draft(
        "u.md",
        "# U\n\n## Setup\n\nTODO\n\n## Results\n\n{{ results_table() }}\n",
    );
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    let md = p.read("u/u.md");
    assert!(md.contains("x02 (0 of 2 finished)"), "{md}");
    assert!(
        md.contains("Left out, not finished: x02: 0 of 2 finished (x02-s0: interrupted at step 0 of 100; x02-s1: interrupted at step 0 of 100)"),
        "{md}"
    );
    assert!(!md.contains("| x02 |"), "no row for x02: {md}");
    let text = listed(&o);
    assert!(
        text.contains("x02-s0: not finished: exp/x02-s0: interrupted at step 0 of 100"),
        "{text}"
    );
    // A number or a claim about x02 needs a finished run: the build fails, naming why.
    p.draft(
        "u.md",
        "# U\n\n{{ check(claim=\"x02 is below x00\", that=\"below\", variant=\"x02\", than=\"x00\") }}\n",
    );
    let o = p.build();
    assert!(o.failed());
    assert!(
        listed(&o).contains("variant x02 has no final_loss: 0 of 2 finished"),
        "{}",
        listed(&o)
    );
    assert!(!p.out().join("u/index.html").exists());
}

#[test]
fn a_run_named_like_markup_is_refused_and_never_reaches_a_page() {
    let p = Project::new();
    common::write_run(&p.runs(), "exp", "x00", 0, 3.0, 100.0);
    common::write_run(&p.runs(), "exp", "x00", 1, 3.1, 100.0);
    common::write_run(&p.runs(), "exp", "x01", 0, 2.9, 90.0);
    let run_json = p.runs().join("exp/x01-s0").join(runlog::RUN_FILE);
    let text = std::fs::read_to_string(&run_json).unwrap();
    std::fs::write(&run_json, text.replace("\"x01\"", "\"<script>\"")).unwrap();
    p.draft(
        "e.md",
        "# E\n\n## Setup\n\nTODO\n\n## Results\n\n{{ results_table() }}\n",
    );
    let o = p.build();
    assert!(o.failed());
    let text = listed(&o);
    assert!(
        text.contains(&format!(
            "{}:5: bad run: variant `<script>` is not `x` and two digits",
            run_json.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("e.md:1: error: experiment exp has runs that fail their checks"),
        "{text}"
    );
    assert!(!p.out().join("e/index.html").exists());
    let index = p.read("index.html");
    assert!(!index.contains("<script>"), "{index}");
}

#[test]
fn image_links_leaving_the_output_are_refused() {
    let p = Project::with_runs();
    std::fs::write(p.path().join("x.png"), b"not really").unwrap();
    p.draft(
        "i.md",
        "# I\n\n![escape](../../x.png)\n\n![also](/etc/x.png)\n\n![missing](diagram.png)\n",
    );
    let o = p.build();
    let text = listed(&o);
    assert!(
        text.contains("i.md:3: image: image link `../../x.png` leaves the output folder; refused"),
        "{text}"
    );
    assert!(
        text.contains("i.md:5: image: image link `/etc/x.png` leaves the output folder"),
        "{text}"
    );
    assert!(
        text.contains("i.md:7: image: image `diagram.png` does not exist"),
        "{text}"
    );
    assert!(!p.out().join("i/index.html").exists());
    assert!(!p.path().join("../x.png").exists() || !p.out().join("x.png").exists());
}

#[test]
fn undrawable_figures_fail_with_the_known_names() {
    let p = Project::with_runs();
    p.draft(
        "f.md",
        "# F\n\n![a](images/val_loss-bogus.png)\n\n![b](images/val_loss-step-9000-9500.png)\n",
    );
    let o = p.build();
    let text = listed(&o);
    assert!(
        text.contains(
            "f.md:3: figure: `images/val_loss-bogus.png` is neither a figure the tool can draw"
        ),
        "{text}"
    );
    assert!(text.contains("val_loss-step-FROM-TO.png"), "{text}");
    assert!(text.contains("f.md:5: figure:"), "{text}");
    assert!(o.failed());
}

#[test]
fn the_setup_text_is_the_templates_own() {
    // The sentences of the setup description live in templates/setup.md, not in the code: a
    // project's own copy replaces them, for a TODO in a setup section and setup() alike.
    let p = Project::with_runs();
    std::fs::create_dir_all(p.path().join("templates")).unwrap();
    std::fs::write(
        p.path().join("templates/setup.md"),
        "{{ runs }} runs on {{ hardware }}; {{ layers }} layers, {{ steps | join(sep=\", \") }} steps.\n",
    )
    .unwrap();
    p.draft("s.md", "# S\n\n## Setup\n\nTODO\n\n{{ setup() }}\n");
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let md = p.read("s/s.md");
    assert_eq!(
        md.matches("6 runs on cpu (2 threads); 4 layers, 100 steps.")
            .count(),
        2,
        "{md}"
    );
    assert!(!md.contains("**Runs.**"), "{md}");
}
