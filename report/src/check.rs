//! `report check`: builds into a temporary folder (site/ and images/ stay as they are) and lists
//! what the author should know: every problem (TODOs left, unresolved link placeholders, broken
//! links and images, figures named but not drawable, failed claims, bad directives, bad or
//! unfinished runs), every note (an author's image used in place of a figure), and for each
//! draft the experiments it uses and their runs. Non-zero exit when there is a problem; notes
//! are not problems.

use crate::build::{build, BuildOptions};
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
}

/// A build of `o`'s inputs into a temporary folder, and what it found.
pub fn check(o: &BuildOptions) -> Result<Checked, String> {
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
    })
}
