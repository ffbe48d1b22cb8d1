//! Where a build reads and writes ([`BuildOptions`]), and the one rule for reading drafts and
//! their images: only from inside the drafts folder. Below the build and the pipeline, which
//! both use it.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub posts: PathBuf,
    pub runs: PathBuf,
    /// The site: `<out>/<slug>/index.html`, `<out>/index.html`, `<out>/atom.xml`, ...
    pub out: PathBuf,
    /// Figures of the posts, `<images>/<slug>/`: images/ by default, `<out>/images` with --out.
    pub images: PathBuf,
    pub config: PathBuf,
    pub templates: PathBuf,
}

impl BuildOptions {
    /// The defaults of `make post` (paths relative to the repository root), or everything under
    /// `out` when given.
    pub fn new(posts: PathBuf, runs: PathBuf, out: Option<PathBuf>) -> BuildOptions {
        let (out, images) = match out {
            Some(o) => (o.clone(), o.join("images")),
            None => (PathBuf::from("site"), PathBuf::from("images")),
        };
        BuildOptions {
            posts,
            runs,
            out,
            images,
            config: PathBuf::from("site.toml"),
            templates: PathBuf::from("templates"),
        }
    }
}

/// Reads under posts/ happen only for files that resolve inside it: a symlink to a file
/// elsewhere would publish that file.
pub fn inside(path: &Path, posts: &Path) -> Result<()> {
    let canon = |p: &Path| p.canonicalize().map_err(|e| Error::io(p, e));
    let (file, root) = (canon(path)?, canon(posts)?);
    if file.starts_with(&root) {
        Ok(())
    } else {
        Err(Error::Draft {
            message: format!(
                "{} resolves to {}, outside the drafts folder {}; refused (a draft or image is \
                 read only from inside it)",
                path.display(),
                file.display(),
                posts.display()
            ),
        })
    }
}
