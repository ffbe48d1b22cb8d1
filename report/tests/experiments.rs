//! Posts over several experiments: each number, claim and figure from the experiment it names;
//! what happens when it names none or one the post does not use; an author's image in place of a
//! figure; `report check` listing the experiments and runs a post uses; and claims about the
//! original study's committed runs (runs/x0-experiment), the false one failing the build.

mod site_common;
use common::{listed, report, write_run, Project};
use report::build::BuildOptions;
use report::post::Kind;
use site_common as common;
use std::path::{Path, PathBuf};

/// `exp` (standard runs: x00 3.00/3.02 ... x02 2.90/2.92) and `big`, whose baseline is lowest.
fn two_experiments() -> Project {
    let p = Project::with_runs();
    for (v, losses, t) in [("x00", [2.50, 2.52], 1000.0), ("x01", [2.60, 2.62], 1100.0)] {
        for (seed, loss) in losses.iter().enumerate() {
            write_run(&p.runs(), "big", v, seed as u64, *loss, t + seed as f64);
        }
    }
    p
}

const BOTH: &str = r#"---
title: Two scales
date: 2026-01-01
experiments: [exp, big]
---
# Two scales

Small: x01 ends at {{ final_loss(variant="x01", experiment="exp") }}; large: at
{{ final_loss(variant="x01", experiment="big") }}, over {{ n_seeds(variant="x01", experiment="big") }} seeds.
{{ check(claim="x01 beats the baseline in the small runs", that="below", variant="x01", than="x00", experiment="exp") }}
{{ check(claim="the baseline is lowest in the large runs", that="lowest", variant="x00", experiment="big") }}

![small](images/exp/val_loss-step.png)

![large](images/big/val_loss-step.png)

{{ figure(name="lambdas-layers-x01.png", caption="large, across layers", experiment="big") }}

## Setup of the large runs

{{ setup(experiment="big") }}
"#;

#[test]
fn each_number_claim_and_figure_comes_from_the_experiment_it_names() {
    let p = two_experiments();
    p.draft("both.md", BOTH);
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let md = p.read("both/both.md");
    assert!(
        md.contains("Small: x01 ends at 2.9550; large: at\n2.6100, over 2 seeds."),
        "{md}"
    );
    assert!(
        md.contains("**Runs.** 4 runs of experiment `big`: x00 (2 seeds: 0, 1), x01"),
        "{md}"
    );
    // Figures of an experiment are drawn into its own folder, next to the page too.
    for exp in ["exp", "big"] {
        for file in ["val_loss-step.png", "val_loss-step.phone.png"] {
            assert!(
                p.out().join("images/both").join(exp).join(file).is_file(),
                "{exp}/{file}"
            );
            assert!(
                p.out().join("both").join(exp).join(file).is_file(),
                "{exp}/{file}"
            );
        }
        assert!(md.contains(&format!("]({exp}/val_loss-step.png)")), "{md}");
    }
    assert!(md.contains("](big/lambdas-layers-x01.png)"), "{md}");
    let html = p.read("both/index.html");
    assert!(
        html.contains("srcset=\"big/val_loss-step.phone.png\""),
        "{html}"
    );
    // The two experiments' figures differ: each is drawn from its own runs.
    let read = |exp: &str| std::fs::read(p.out().join("both").join(exp).join("val_loss-step.png"));
    assert_ne!(read("exp").unwrap(), read("big").unwrap());
}

#[test]
fn naming_no_experiment_or_one_the_post_does_not_use_is_an_error() {
    let p = two_experiments();
    let head = "---\nexperiments: [exp, big]\n---\n# T\n\n";
    p.draft(
        "d.md",
        &format!("{head}{{{{ final_loss(variant=\"x01\") }}}}\n"),
    );
    p.draft(
        "e.md",
        &format!("{head}{{{{ final_loss(variant=\"x01\", experiment=\"other\") }}}}\n"),
    );
    p.draft("f.md", &format!("{head}![f](images/val_loss-step.png)\n"));
    p.draft("g.md", &format!("{head}## The setup\n\nTODO\n"));
    p.draft(
        "h.md",
        &format!("{head}{{{{ check(claim=\"c\", that=\"lowest\", variant=\"x00\") }}}}\n"),
    );
    // A folder that is none of the post's experiments keeps its old meaning: a file path.
    p.draft(
        "i.md",
        &format!("{head}![i](images/other/val_loss-step.png)\n"),
    );
    let o = p.build();
    let text = listed(&o);
    for says in [
        "d.md:6: error: final_loss(...): this post draws on several experiments (exp, big): name one, as in experiment=\"exp\"",
        "e.md:6: error: final_loss(...): experiment \"other\" is not one this post draws on; its front matter names: exp, big",
        "f.md:6: figure: `images/val_loss-step.png`: this post draws on several experiments (exp, big)",
        "link the figure as images/<experiment>/val_loss-step.png",
        "g.md:8: TODO left: TODO under `The setup`: this post draws on several experiments",
        "write {{ setup(experiment=\"...\") }} instead",
        "h.md:6: error: check(...): this post draws on several experiments",
        "i.md:6: figure: `images/other/val_loss-step.png` is neither a figure the tool can draw nor a file next to the draft",
    ] {
        assert!(text.contains(says), "{says}\n{text}");
    }
    // With one experiment, naming it is allowed and naming another is not.
    let p = two_experiments();
    p.draft(
        "one.md",
        "---\nexperiment: big\n---\n# T\n\n{{ final_loss(variant=\"x00\", experiment=\"big\") }} \
         {{ final_loss(variant=\"x00\") }}\n\n{{ final_loss(variant=\"x00\", experiment=\"exp\") }}\n",
    );
    let o = p.build();
    assert_eq!(o.problems.len(), 1, "{}", listed(&o));
    assert!(listed(&o).contains("one.md:8: error: final_loss(...): experiment \"exp\" is not one"));
}

#[test]
fn an_authors_image_wins_over_the_figure_of_its_name_and_check_notes_it() {
    let p = two_experiments();
    p.draft("both.md", BOTH);
    // The author's own picture under the name of a figure of experiment `big`.
    let mine = p.path().join("posts/images/big/val_loss-step.png");
    std::fs::create_dir_all(mine.parent().unwrap()).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::copy(
        repo.join("images/embeddings-extravaganza-1/x0-experiment/lambdas-x04.png"),
        &mine,
    )
    .unwrap();
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    let notes: Vec<_> = o.problems.iter().filter(|p| p.kind == Kind::Note).collect();
    assert_eq!(notes.len(), 1, "{}", listed(&o));
    assert!(
        notes[0]
            .to_string()
            .contains("both.md:15: note: `images/big/val_loss-step.png` is the author's image"),
        "{}",
        notes[0]
    );
    // Used as is, never redrawn: the page shows the author's bytes, and nothing is drawn there.
    assert_eq!(
        std::fs::read(p.out().join("both/big/val_loss-step.png")).unwrap(),
        std::fs::read(&mine).unwrap()
    );
    assert!(!p.out().join("images/both/big/val_loss-step.png").exists());
    assert!(p.out().join("images/both/exp/val_loss-step.png").is_file());

    // `report check`: the experiments and runs the post uses, the note, and no problem.
    let (ok, text) = report(
        p.path(),
        &["check", "--out", "checked", "--config", "site.toml"],
    );
    assert!(ok, "{text}");
    for says in [
        "posts/both.md uses:",
        "  experiment exp: 6 run(s): x00 (2 seeds: 0, 1), x01 (2 seeds: 0, 1), x02 (2 seeds: 0, 1)",
        "  experiment big: 4 run(s): x00 (2 seeds: 0, 1), x01 (2 seeds: 0, 1)",
        "posts/both.md:15: note: `images/big/val_loss-step.png` is the author's image",
        "check: no problems",
    ] {
        assert!(text.contains(says), "{says}\n{text}");
    }
}

/// Builds `draft` (as posts/p.md) against the repository's committed runs.
fn build_on_committed_runs(draft: &str) -> (tempfile::TempDir, report::build::Outcome) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = tempfile::tempdir().unwrap();
    let posts: PathBuf = tmp.path().join("posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(posts.join("p.md"), draft).unwrap();
    let mut o = BuildOptions::new(posts, repo.join("runs"), Some(tmp.path().join("out")));
    o.config = repo.join("site.toml");
    o.templates = repo.join("templates");
    let out = report::build::build(&o).unwrap();
    (tmp, out)
}

#[test]
fn a_false_claim_about_the_original_runs_fails_naming_the_layers() {
    let claim = "{{ check(claim=\"x00's lambda is positive in every layer of the x01 runs\", \
                 that=\"lambda_positive\", variant=\"x01\", component=\"x00\", \
                 experiment=\"x0-experiment\") }}";
    let draft = format!(
        "---\nexperiments: [embeddings-extravaganza-1, x0-experiment]\n---\n# P\n\nText.\n{claim}\n"
    );
    let (tmp, o) = build_on_committed_runs(&draft);
    assert!(o.failed());
    let text = listed(&o);
    assert!(
        text.contains(
            "p.md:7: claim failed: claim \"x00's lambda is positive in every layer of the x01 \
             runs\" is false: λx00 of x01 is not above zero at layer 8 in 4 of 5 runs (x01-r0 \
             -0.26, x01-r1 -0.14, x01-r2 -0.02, x01-r3 -0.18); layer 14 in 5 of 5 runs (x01-r0 \
             -1.43, x01-r1 -1.41, x01-r2 -1.38, x01-r3 -1.39, x01-r4 -1.37); layer 15 in 5 of 5 \
             runs"
        ),
        "{text}"
    );
    assert!(!tmp.path().join("out/p/index.html").exists());
    // At layer 1 (the first where x00 stands apart from x) and the last, the claim holds in the
    // CPU runs: one claim per experiment.
    let cpu = claim.replace(
        "component=\"x00\", experiment=\"x0-experiment\"",
        "component=\"x00\", layers=[1, 15], experiment=\"embeddings-extravaganza-1\"",
    );
    assert_ne!(cpu, claim);
    let (_tmp, o) = build_on_committed_runs(&draft.replace(claim, &cpu));
    assert!(o.problems.is_empty(), "{}", listed(&o));
}

#[test]
fn the_original_runs_hold_what_the_article_says_of_them() {
    let draft = r#"---
experiment: x0-experiment
---
# P

x00 at layer 14: {{ lambda_mean(variant="x01", component="x00", layer=14, digits=1) }}, at 15: {{ lambda_mean(variant="x01", component="x00", layer=15, digits=1) }}.
x01 at 15, plain: {{ lambda_mean(variant="x01", component="x01", layer=15) }}; aligned: {{ lambda_mean(variant="x01", component="x01", layer=15, aligned=true) }}.
Lowest by time at {{ lowest_count(variant="x00", axis="time") }}; x01 below x00 by step at {{ below_count(variant="x01", than="x00", axis="step") }}.
{{ check(claim="x00 negative at the last two layers", that="lambda_negative", variant="x01", component="x00", layers=[14, 15]) }}
{{ check(claim="x01's sign is the seed's choice", that="lambda_sign_varies", variant="x01", component="x01") }}
{{ check(claim="x01 grows towards the output", that="lambda_grows", variant="x01", component="x01") }}
{{ check(claim="by time the baseline leads most of the run", that="lowest_most", variant="x00", axis="time") }}
{{ check(claim="x01 below the baseline at most steps", that="below_most", variant="x01", than="x00") }}
"#;
    let (tmp, o) = build_on_committed_runs(draft);
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let md = std::fs::read_to_string(tmp.path().join("out/p/p.md")).unwrap();
    assert!(
        md.contains("x00 at layer 14: -1.4 ± 0.0 (n=5), at 15: -3.1 ± 0.1 (n=5)."),
        "{md}"
    );
    // One seed of five learned x01 negative: the plain mean is pulled towards zero.
    assert!(
        md.contains("x01 at 15, plain: 2.71 ± 3.39 (n=5); aligned: 4.05 ± 0.40 (n=5)."),
        "{md}"
    );
    assert!(md.contains("Lowest by time at 730 of 738;"), "{md}");
    // The claim fails where the data say otherwise: by step the baseline does not lead.
    let (_tmp, o) = build_on_committed_runs(&draft.replace(
        "that=\"lowest_most\", variant=\"x00\", axis=\"time\"",
        "that=\"lowest_most\", variant=\"x00\", axis=\"step\"",
    ));
    assert!(
        listed(&o)
            .contains("x00's mean loss is the lowest at 1 of the 49 evaluations in 0-5960.0 steps"),
        "{}",
        listed(&o)
    );
}

#[test]
fn the_original_articles_views_of_the_lambdas_draw_from_both_experiments() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let all = report::runs::RunSet::load(&repo.join("runs")).unwrap();
    let out = tempfile::tempdir().unwrap();
    for (exp, flipped) in [
        ("x0-experiment", "1 of 5 flipped"),
        ("embeddings-extravaganza-1", "3 of 5 flipped"),
    ] {
        let runs = all.only_experiment(exp).unwrap();
        let dir = out.path().join(exp);
        let plain = report::figures::draw_figure("lambdas-layers-x01.png", &runs, &dir).unwrap();
        let aligned =
            report::figures::draw_figure("lambdas-layers-x01-aligned.png", &runs, &dir).unwrap();
        for d in [&plain, &aligned] {
            // Every rendition: wide, tablet and phone, each drawn at its own width.
            assert_eq!(d.files.len(), 3, "{exp}");
            assert_eq!(d.files[0].1 .0, 1800);
            assert_eq!(d.files[1].1 .0, 1080);
            assert_eq!(d.files[2].1 .0, 640);
            assert!(d.files.iter().all(|(p, _)| p.is_file()));
        }
        assert!(plain.gist.contains("mean ± std of"), "{}", plain.gist);
        // The alignment is stated on the figure (its title, which the gist quotes).
        assert!(
            aligned
                .gist
                .contains("signs aligned (x01 of each seed × the sign of its mean over layers; ")
                && aligned.gist.contains(flipped),
            "{exp}: {}",
            aligned.gist
        );
        let heat = report::figures::draw_figure("lambdas-x01-aligned.png", &runs, &dir).unwrap();
        assert!(heat.gist.contains(flipped), "{}", heat.gist);
    }
    // By training time: the note, and the mean finals where they really are.
    let x0 = all.only_experiment("x0-experiment").unwrap();
    let t = report::figures::draw_figure("val_loss-time-1400-1550.png", &x0, out.path()).unwrap();
    assert!(
        t.gist.contains("Each line ends where its fastest seed ends; the seeds' mean final loss and time: x00 2.9191 at 1446.2 s, x01 2.9170 at 1467.5 s"),
        "{}",
        t.gist
    );
}

#[test]
fn an_experiment_named_like_a_file_of_the_page_is_refused() {
    let p = two_experiments();
    p.draft("pg.md", "---\nexperiments: [exp, pg.md]\n---\n# T\n");
    let o = p.build();
    assert!(
        listed(&o).contains("pg.md:2: error: experiment `pg.md`: its figures' folder next to the page would take the name of the page's own file"),
        "{}",
        listed(&o)
    );
}
