//! `report check`: builds into a temporary folder (site/ and images/ stay as they are) and lists
//! what the author should know: every problem (TODOs left, unresolved link placeholders, broken
//! links and images, figures named but not drawable, failed claims, bad directives, bad or
//! unfinished runs), every note (an author's image used in place of a figure), and for each
//! draft the experiments it uses and their runs. Non-zero exit when there is a problem; notes
//! are not problems.

use crate::build::{build, BuildOptions};
use crate::post::claims::audit::Record;
use crate::post::claims::Kind as ClaimKind;
use crate::post::{Kind, Problem};
use std::path::PathBuf;

/// What a check found.
#[derive(Debug, Default)]
pub struct Checked {
    pub problems: Vec<Problem>,
    pub notes: Vec<Problem>,
    /// About the runs (torn lines, missing summaries) and the site config.
    pub warnings: Vec<String>,
    /// Per draft, the experiments it uses and their runs, one line each.
    pub uses: Vec<(PathBuf, Vec<String>)>,
    /// Every claim with the sentence it follows and what it checked.
    pub claims: Vec<crate::post::claims::audit::Record>,
}

/// A build of `o`'s inputs into a temporary folder, and what it found.
pub fn check(o: &BuildOptions) -> crate::Result<Checked> {
    let tmp = crate::temp::TempDir::new("report-check")?;
    let mut o = o.clone();
    o.out = tmp.path().join("site");
    o.images = tmp.path().join("images");
    let outcome = build(&o)?;
    let (notes, problems) = outcome
        .problems
        .into_iter()
        .partition(|p| p.kind == Kind::Note);
    Ok(Checked {
        problems,
        notes,
        warnings: outcome.warnings,
        uses: outcome.uses,
        claims: outcome.claims,
    })
}

/// Kinds whose numbers `report check` always prints: what a test found (a p-value, what the
/// runs could have detected, an interval, a record's bound), which the prose rests on.
fn prints_numbers(that: &str) -> bool {
    ClaimKind::parse(that).is_ok_and(|k| {
        matches!(
            k,
            ClaimKind::Significant
                | ClaimKind::NotSignificant
                | ClaimKind::Equivalent
                | ClaimKind::MeanBelow
        )
    })
}

/// How `report check` shows a claim: with `all` (`--claims`) every claim, its sentence, scope
/// and findings; else only the numbers of a test that holds (a failed claim is a problem,
/// printed as such).
pub fn claim_lines(r: &Record, all: bool) -> Vec<String> {
    let at = format!("{}:{}", r.path.display(), r.line);
    let Ok(audit) = &r.outcome else {
        return match (&r.outcome, all) {
            (Err(why), true) => vec![
                format!("{at}: claim \"{}\" (that=\"{}\"): FAILED", r.claim, r.that),
                format!("  follows: \"{}\"", r.sentence),
                format!("  {why}"),
            ],
            _ => Vec::new(),
        };
    };
    if !all {
        return if prints_numbers(&r.that) {
            vec![format!(
                "{at}: claim \"{}\": {}",
                r.claim,
                audit.found.join("; ")
            )]
        } else {
            Vec::new()
        };
    }
    let exp = r
        .experiment
        .as_deref()
        .map_or(String::new(), |e| format!(", experiment {e}"));
    let mut out = vec![
        format!(
            "{at}: claim \"{}\" (that=\"{}\"{exp}): holds",
            r.claim, r.that
        ),
        format!("  follows: \"{}\"", r.sentence),
        format!("  checked: {}", audit.scope()),
    ];
    out.extend(audit.found.iter().map(|f| format!("  found: {f}")));
    out.extend(audit.left_out.iter().map(|l| format!("  left out: {l}")));
    out
}
