//! A run's folder against its run.json: run.json decides who a run is.

use crate::problem::Problem;
use crate::types::{RunInfo, RUN_FILE};
use std::path::Path;

/// A run lives in `<experiment>/<variant>-s<seed>/` (or `-r<repeat>`): a problem for each part of `dir`'s path
/// that says otherwise than `info`.
pub fn folder_problems(dir: &Path, info: &RunInfo) -> Vec<Problem> {
    let id = info.identity();
    let file = dir.join(RUN_FILE);
    let name = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    };
    let mut out = Vec::new();
    let folder = name(Some(dir));
    if folder.as_deref() != Some(id.dir_name().as_str()) {
        out.push(Problem::new(
            &file,
            None,
            format!(
                "the folder is named `{}` but run.json says {} {}, whose folder is `{}`; \
                 run.json decides who a run is (a copy or backup of a run is the same run: \
                 remove it, or fix the name)",
                folder.unwrap_or_default(),
                id.variant,
                id.replica,
                id.dir_name()
            ),
        ));
    }
    let parent = name(dir.parent());
    if parent.as_deref() != Some(info.experiment.as_str()) {
        out.push(Problem::new(
            &file,
            None,
            format!(
                "the run sits in folder `{}` but run.json says experiment `{}`; a run lives in \
                 <runs>/<experiment>/{} (move it, or fix run.json)",
                parent.unwrap_or_default(),
                info.experiment,
                id.dir_name()
            ),
        ));
    }
    out
}
