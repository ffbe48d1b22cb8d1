//! Which file a URL names: only a file whose canonical path lies inside the served folder (no
//! `..`, no encoded `..`, no symlink leading out of it), and the content type it is sent with.

use std::path::{Component, Path, PathBuf};

/// The file a request target (`/post/?x=1`) names under `root`, canonical; `None` for anything
/// that is missing, not a file, or outside `root` once symlinks are followed.
pub fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path)?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    let mut p = root.join(rel);
    if p.is_dir() {
        p = p.join("index.html");
    }
    // A symlink inside the site may point anywhere: what is served is where it leads, and only
    // when that is inside the site.
    let canonical = p.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    (canonical.starts_with(&root) && canonical.is_file()).then_some(canonical)
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Type of a file the site holds, from its extension.
pub fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "xml" => "application/atom+xml; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "md" => "text/markdown; charset=utf-8",
        "json" => "application/json",
        "js" => "text/javascript",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_stay_inside_the_root() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("post")).unwrap();
        std::fs::write(root.join("post/index.html"), "x").unwrap();
        std::fs::write(root.join("a b.png"), "x").unwrap();
        assert_eq!(resolve(&root, "/post/"), Some(root.join("post/index.html")));
        assert_eq!(resolve(&root, "/a%20b.png?x=1"), Some(root.join("a b.png")));
        assert_eq!(resolve(&root, "/../etc/passwd"), None);
        assert_eq!(resolve(&root, "/%2e%2e/x"), None);
        assert_eq!(resolve(&root, "/post/%2e%2e/%2e%2e/x"), None);
        assert_eq!(resolve(&root, "/%2fetc/passwd"), None);
        assert_eq!(resolve(&root, "/a%2"), None);
        assert_eq!(resolve(&root, "/%ff"), None);
        assert_eq!(resolve(&root, "/missing.png"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_served_only_when_it_leads_inside_the_root() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("site");
        std::fs::create_dir_all(root.join("post")).unwrap();
        std::fs::write(root.join("post/index.html"), "x").unwrap();
        let link = |to: &Path, name: &str| std::os::unix::fs::symlink(to, root.join(name)).unwrap();
        link(&outside.path().join("secret.txt"), "leak.txt");
        link(outside.path(), "leakdir");
        link(&root.join("post/index.html"), "inside.html");
        assert_eq!(resolve(&root, "/leak.txt"), None);
        assert_eq!(resolve(&root, "/leakdir/secret.txt"), None);
        assert_eq!(
            resolve(&root, "/inside.html"),
            Some(root.canonicalize().unwrap().join("post/index.html"))
        );
    }
}
