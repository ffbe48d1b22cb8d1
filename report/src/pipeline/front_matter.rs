//! Pass 1, front matter: the draft's front matter read (title, date, summary, the experiments
//! it draws on), and each experiment's runs and facts looked up ([`Sources`]). A front matter
//! that does not read, or an experiment whose runs fail their checks or do not exist, stops the
//! post. Records, for `report check`, which runs each experiment holds.

use super::pass::{Context, Flow, Pass, Post};
use crate::post::facts::Facts;
use crate::post::sources::{Source, Sources};
use crate::post::{generate, Draft, Kind};

pub struct FrontMatter;

impl Pass for FrontMatter {
    fn name(&self) -> &'static str {
        "front matter"
    }

    fn run(&self, post: &mut Post, cx: &Context) -> Flow {
        if !read(post) {
            return Flow::Stop;
        }
        let Some(named) = named(post, cx) else {
            return Flow::Go;
        };
        if takes_a_page_file(post, &named) {
            return Flow::Stop;
        }
        let list = sources(post, cx, named);
        if post.failed() {
            return Flow::Stop;
        }
        post.sources = Sources {
            list,
            unnamed: None,
        };
        Flow::Go
    }
}

/// Parses the draft's front matter (its notes kept as problems); `false` when it cannot be.
fn read(post: &mut Post) -> bool {
    match Draft::parse(&post.draft.path, std::mem::take(&mut post.draft.text)) {
        Ok(d) => {
            for (line, why) in &d.front.not_yaml {
                post.problems.push(crate::post::Problem {
                    path: d.path.clone(),
                    line: *line,
                    kind: Kind::Note,
                    message: why.clone(),
                });
            }
            post.draft = d;
            true
        }
        Err(p) => {
            post.problems.push(p);
            false
        }
    }
}

/// The experiments the post names (`None` for all runs, when it names none); `None` when it
/// names none and the runs hold several (the post then draws on no runs).
fn named(post: &mut Post, cx: &Context) -> Option<Vec<Option<String>>> {
    if !post.draft.front.experiments.is_empty() {
        return Some(
            post.draft
                .front
                .experiments
                .iter()
                .cloned()
                .map(Some)
                .collect(),
        );
    }
    let several = cx.runs.experiments();
    if several.len() > 1 {
        // Runs of different experiments are never pooled: a post that names none may
        // use no runs (whatever asks for them says how to name one).
        post.sources = Sources {
            list: Vec::new(),
            unnamed: Some(format!(
                "the runs hold experiments {}; name the one this post uses in its front \
                 matter (`experiment: {}`, or several: `experiments: [a, b]`): runs of \
                 different experiments are never pooled",
                several.join(", "),
                several[0]
            )),
        };
        return None;
    }
    Some(vec![None])
}

/// An experiment's figures go to <page>/<experiment>/: not over the page's own files. `true`
/// (with the problem) when one would.
fn takes_a_page_file(post: &mut Post, named: &[Option<String>]) -> bool {
    let own = ["index.html".to_string(), format!("{}.md", post.draft.slug)];
    let Some(bad) = named.iter().flatten().find(|e| own.contains(e)) else {
        return false;
    };
    let line = post.draft.line_in_front(bad).unwrap_or(1);
    post.problem_on(
        line,
        Kind::BadDraft,
        format!(
            "experiment `{bad}`: its figures' folder next to the page would take the name \
             of the page's own file; rename the experiment"
        ),
    );
    true
}

/// Each named experiment with its facts and runs; one that cannot be used is a problem on the
/// front matter's line naming it.
fn sources(post: &mut Post, cx: &Context, named: Vec<Option<String>>) -> Vec<Source> {
    let mut list = Vec::new();
    for exp in named {
        match cx.runs.get(exp.as_deref()) {
            Ok((facts, runs)) => {
                post.uses.push(uses(exp.as_deref(), &facts));
                list.push(Source {
                    experiment: exp,
                    facts,
                    runs,
                });
            }
            Err(e) => {
                let line = exp
                    .as_deref()
                    .and_then(|name| post.draft.line_in_front(name))
                    .unwrap_or(1);
                post.problem_on(line, Kind::BadDraft, e.to_string());
            }
        }
    }
    list
}

/// `x0-experiment: 16 runs: x00 (2 seeds: 0, 1), ...` (one experiment of a post, for `report
/// check`).
fn uses(exp: Option<&str>, facts: &Facts) -> String {
    let name = exp
        .or(facts.experiment.as_deref())
        .unwrap_or("(no experiment)");
    let runs: usize = facts
        .variants
        .iter()
        .map(|v| v.seeds.len() + v.unfinished.len())
        .sum();
    let variants: Vec<String> = facts
        .variants
        .iter()
        .map(|v| format!("{} ({})", v.variant, generate::runs_phrase(v)))
        .collect();
    let listed = if variants.is_empty() {
        "no runs".to_string()
    } else {
        format!("{runs} run(s): {}", variants.join(", "))
    };
    format!("experiment {name}: {listed}")
}
