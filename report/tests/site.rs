//! The site end to end: the seed draft with the runs it was written from, byte-identical
//! rebuilds, the draft untouched, --out, publishing to a local bare repository, the preview
//! server.

mod site_common;
use common::{git, listed, report, Project};
use report::runs::import::{import_logs, ImportOptions};
use site_common as common;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// The seed draft plus the 16 x0-experiment runs (imported) in a temporary project.
fn seed_project() -> Option<(Project, PathBuf)> {
    let logs_dir = common::fixture("x0-experiment")?;
    let seed = common::seed_draft()?;
    let p = Project::new();
    let mut logs: Vec<PathBuf> = std::fs::read_dir(&logs_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|f| f.extension().is_some_and(|e| e == "txt"))
        .collect();
    logs.sort();
    let opts = ImportOptions {
        hardware: Some("8xH100".into()),
        ..ImportOptions::default()
    };
    import_logs(&logs, &p.runs(), &opts).unwrap();
    let draft = p.draft(
        "embeddings-extravaganza-1.md",
        &std::fs::read_to_string(seed).unwrap(),
    );
    Some((p, draft))
}

#[test]
fn the_seed_draft_builds_with_no_todo_left_and_all_its_figures() {
    let Some((p, draft)) = seed_project() else {
        return;
    };
    let before = std::fs::read(&draft).unwrap();
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let slug = "embeddings-extravaganza-1";
    let md = p.read(&format!("{slug}/{slug}.md"));
    assert!(!md.contains("TODO"), "{md}");
    assert!(!md.contains("(LINK)"), "{md}");
    for f in [
        "val_loss-step.png",
        "val_loss-step-5500-6000.png",
        "val_loss-time-1400-1550.png",
        "lambdas-x01.png",
    ] {
        let copy = p.out().join(slug).join(f);
        let drawn = p.out().join("images").join(slug).join(f);
        assert!(copy.is_file() && drawn.is_file(), "{f}");
        assert_eq!(std::fs::read(&copy).unwrap()[..4], *b"\x89PNG");
        assert!(md.contains(&format!("]({f})")), "{f} linked");
    }
    // The x01 section shows the heatmap of x01's five seeds, and the setup what the logs hold.
    let x01 = md.split("### x01").nth(1).unwrap();
    assert!(x01.contains("![Lambdas of x01 at the end of training by layer (mean over 5 seeds)](lambdas-x01.png)"), "{x01}");
    assert!(md.contains("x01 (5 seeds: 0–4)"), "{md}");
    assert!(md.contains("16 layers; 5960 steps"), "{md}");
    assert!(md.contains("on 8xH100"), "{md}");
    assert!(md.contains("model size not recorded"), "{md}");
    let html = p.read(&format!("{slug}/index.html"));
    assert!(html.contains("</span> Validation losses over steps 5500-6000</figcaption>"));
    assert!(html
        .contains("<a href=\"https://github.com/KellerJordan/modded-nanogpt\">modded-nanogpt</a>"));
    assert!(html.contains("<h1>modded-nanogpt: Embeddings Extravaganza 1 (x00-x04)</h1>"));
    assert_eq!(
        std::fs::read(&draft).unwrap(),
        before,
        "the draft is never written"
    );
    let problems = report::check::check(&p.options()).unwrap().problems;
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_second_build_changes_no_byte_and_the_draft_stays_as_it_was() {
    let p = Project::with_runs();
    let text = "---\ntitle: Again\ndate: 2025-01-02\n---\n## Setup\n\nTODO\n\n![loss](images/val_loss-step.png)\n\n{{ results_table() }}\n";
    let draft = p.draft("again.md", text);
    let first = p.build();
    assert!(first.problems.is_empty(), "{}", listed(&first));
    let snap = snapshot(p.path());
    let second = p.build();
    assert_eq!(second.written, 0, "nothing rewritten");
    assert!(second.unchanged > 5);
    assert_eq!(snapshot(p.path()), snap);
    assert_eq!(std::fs::read_to_string(draft).unwrap(), text);
    // A second project with the same inputs gives the same bytes: no clock, no temp names.
    let q = Project::with_runs();
    q.draft("again.md", text);
    q.build();
    assert_eq!(p.read("again/index.html"), q.read("again/index.html"));
    assert_eq!(
        std::fs::read(p.out().join("again/val_loss-step.png")).unwrap(),
        std::fs::read(q.out().join("again/val_loss-step.png")).unwrap()
    );
    assert_eq!(p.read("atom.xml"), q.read("atom.xml"));
}

#[test]
fn default_paths_put_figures_in_images_and_never_write_into_posts() {
    let p = Project::with_runs();
    // Both link styles name the figure: the seed's images/NAME and the repository path.
    p.draft(
        "d.md",
        "# D\n\n![loss](images/val_loss-step.png)\n\n![t](../images/d/val_loss-time.png)\n",
    );
    let mut o = report::build::BuildOptions::new(p.path().join("posts"), p.runs(), None);
    o.out = p.path().join("site");
    o.images = p.path().join("images");
    o.config = p.path().join("site.toml");
    report::build::build(&o).unwrap();
    assert!(p.path().join("images/d/val_loss-step.png").is_file());
    assert!(p.path().join("site/d/val_loss-step.png").is_file());
    assert!(p.path().join("site/d/index.html").is_file());
    assert!(p.path().join("site/d/val_loss-time.png").is_file());
    assert!(std::fs::read_to_string(p.path().join("site/d/d.md"))
        .unwrap()
        .contains("![t](val_loss-time.png)"));
    o.out = p.path().join("posts/site");
    let e = report::build::build(&o).unwrap_err().to_string();
    assert!(e.contains("inside the drafts folder"), "{e}");
    assert!(!p.path().join("posts/site").exists());
}

#[test]
fn publish_commits_the_site_to_gh_pages_of_a_local_bare_remote() {
    if Command::new("git").arg("--version").output().is_err() {
        common::missing::missing("git", "Debian: apt-get install git");
        return;
    }
    let p = Project::with_runs();
    p.draft("pub.md", "# Pub\n\nHello.\n");
    p.build();
    let repo = p.path();
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare"]);
    git(repo, &["init", "-q"]);
    git(
        repo,
        &["remote", "add", "origin", remote.path().to_str().unwrap()],
    );
    let site = p.out();
    // A temporary file a killed write left behind is never published.
    std::fs::write(site.join("pub/.index.html.tmp-4194305"), "half").unwrap();
    let r1 = report::publish::publish(repo, &site, "origin", "gh-pages", "c0ffee").unwrap();
    let report::publish::Published::Pushed { commit: c1 } = r1 else {
        panic!("{r1:?}")
    };
    let files = git(remote.path(), &["ls-tree", "-r", "--name-only", "gh-pages"]);
    assert!(files.lines().any(|f| f == "pub/index.html"), "{files}");
    assert!(!files.contains(".tmp-"), "{files}");
    assert_eq!(
        git(remote.path(), &["log", "-1", "--format=%s", "gh-pages"]),
        "Publish site (built from c0ffee)"
    );
    assert!(
        files.lines().any(|f| f == "index.html") && files.lines().any(|f| f == ".nojekyll"),
        "{files}"
    );
    assert!(
        site.join(report::build::manifest::FILE).is_file()
            && !files
                .lines()
                .any(|f| f.ends_with(report::build::manifest::FILE)),
        "the build's manifest stays out of the published tree: {files}"
    );
    // The same site again: nothing pushed. A change: one commit on top of the first.
    let r2 = report::publish::publish(repo, &site, "origin", "gh-pages", "c0ffee").unwrap();
    assert_eq!(
        r2,
        report::publish::Published::Unchanged { commit: c1.clone() }
    );
    p.draft("pub.md", "# Pub\n\nHello again.\n");
    p.build();
    let r3 = report::publish::publish(repo, &site, "origin", "gh-pages", "c0ffee").unwrap();
    let report::publish::Published::Pushed { commit: c3 } = r3 else {
        panic!("{r3:?}")
    };
    assert_eq!(git(remote.path(), &["rev-parse", "gh-pages^"]), c1);
    assert_eq!(git(remote.path(), &["rev-parse", "gh-pages"]), c3);
    // The repository's own index and branch are untouched.
    assert!(git(repo, &["status", "--porcelain", "--untracked-files=no"]).is_empty());
    assert!(
        Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .status
            .code()
            != Some(0)
    );
    // No site: a clear error.
    let e = report::publish::publish(repo, &repo.join("nothing"), "origin", "gh-pages", "c0ffee")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no index.html"), "{e}");
}

fn get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn the_preview_watch_notices_changed_inputs() {
    let p = Project::with_runs();
    p.draft("w.md", "# W\n");
    let ignore = tempfile::tempdir().unwrap();
    let mut w = report::serve::Watch::new(&p.options(), ignore.path()).unwrap();
    let quiet = std::time::Duration::from_secs(1);
    assert_eq!(w.wait(quiet), None, "nothing changed yet");
    p.draft("w.md", "# W, longer\n");
    let burst = w
        .wait(std::time::Duration::from_secs(30))
        .expect("the edit is seen");
    assert!(burst.iter().any(|c| c.ends_with("posts/w.md")), "{burst:?}");
    assert_eq!(w.wait(quiet), None, "one edit, one burst");
    std::fs::write(p.path().join("site.toml"), "title = \"New\"\n").unwrap();
    let burst = w
        .wait(std::time::Duration::from_secs(30))
        .expect("site.toml is watched");
    assert!(burst.iter().any(|c| c.ends_with("site.toml")), "{burst:?}");
}

#[test]
fn the_preview_server_serves_the_built_site() {
    let p = Project::with_runs();
    p.draft("s.md", "# S\n\n![loss](images/val_loss-step.png)\n");
    p.build();
    let server = report::serve::Server::bind("127.0.0.1:0", &p.out()).unwrap();
    let port = server.port();
    std::thread::spawn(move || server.run());
    let page = get(port, "/s/");
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(
        page.contains("text/html") && page.contains("<h1>S</h1>"),
        "{page}"
    );
    assert!(get(port, "/s/val_loss-step.png").contains("image/png"));
    assert!(get(port, "/../site.toml").starts_with("HTTP/1.1 404"));
}

#[test]
fn the_cli_builds_with_make_post_defaults_and_check_fails_on_problems() {
    let p = Project::with_runs();
    p.draft(
        "ok.md",
        "# OK\n\n## Setup\n\nTODO\n\n![loss](images/val_loss-step.png)\n",
    );
    let (ok, text) = report(p.path(), &["build"]);
    assert!(ok, "{text}");
    assert!(p.path().join("site/ok/index.html").is_file(), "{text}");
    assert!(p.path().join("images/ok/val_loss-step.png").is_file());
    let (ok, text) = report(p.path(), &["check"]);
    assert!(ok && text.contains("check: no problems"), "{text}");
    p.draft(
        "bad.md",
        "# Bad\n\n## Notes\n\nTODO\n\n{{ final_loss(variant=\"x05\") }}\n",
    );
    let (ok, text) = report(p.path(), &["check"]);
    assert!(!ok, "{text}");
    assert!(text.contains("bad.md:5: TODO left"), "{text}");
    assert!(
        text.contains("bad.md:7: error: unknown variant `x05`"),
        "{text}"
    );
    let (ok, text) = report(p.path(), &["build"]);
    assert!(
        !ok && text.contains("1 problem(s) stop the build"),
        "{text}"
    );
}

#[test]
fn a_bad_link_deep_in_a_long_draft_is_named_by_its_own_line() {
    // Lines are found from an index, not by searching the text (which was quadratic): the
    // answer must still be the line of the link itself.
    let p = Project::new();
    let body = report::site_bench::links_draft(300_000);
    let lines = body.lines().count();
    let draft = format!(
        "{body}\nSee [a](https://example.org/page/3) again and [gone](#nowhere).\n\n[x](javascript:void(0))\n"
    );
    p.draft("notes.md", "# Notes\n");
    p.draft("long.md", &draft);
    let o = p.build();
    let text = listed(&o);
    assert!(
        text.contains(&format!(
            "long.md:{}: broken link: link `#nowhere` points at no heading of this page",
            lines + 2
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "long.md:{}: error: link `javascript:void(0)` is refused",
            lines + 4
        )),
        "{text}"
    );
    assert_eq!(o.problems.len(), 2, "{text}");
}
