//! `report serve` as an author uses it: the binary serving a small project, a page and a
//! listener on `/__livereload` open, the draft edited, broken by a false claim, fixed. The
//! latencies are printed (`--nocapture`), never asserted beyond a generous deadline.

mod http_common;
mod site_common;
use http_common::{get, Listener};
use report::serve::overlay::{MARKER, OVERLAY_ID};
use site_common::{report, Project};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// How long a change may take to show before the test fails: far above the 2 s expected, for
/// a busy machine.
const DEADLINE: Duration = Duration::from_secs(60);

/// `report serve` running in a project, killed when dropped.
struct Serving {
    child: Child,
    lines: Receiver<String>,
    port: u16,
    builds: PathBuf,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(p: &Project, tmp: &std::path::Path) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_report"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(p.path())
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, lines) = channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = lines
        .recv_timeout(DEADLINE)
        .expect("serve says where it serves");
    // serving at http://127.0.0.1:PORT/ (building in DIR; ...
    let port = first
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    let builds = first
        .split("building in ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no folder in {first:?}"));
    Serving {
        child,
        lines,
        port,
        builds,
    }
}

/// Polls `path` until its answer satisfies `ok`; the answer and how long it took.
fn until(port: u16, path: &str, ok: impl Fn(&str) -> bool) -> (String, Duration) {
    let start = Instant::now();
    loop {
        let a = get(port, path);
        if ok(&a) || start.elapsed() > DEADLINE {
            return (a, start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

const GOOD: &str = "# A\n\nFirst version. x02 ends at {{ final_loss(variant=\"x02\") }}.\n";
const FALSE_CLAIM: &str = "# A\n\nThird version.\n\n{{ check(claim=\"x00 is below x02\", \
                           that=\"below\", variant=\"x00\", than=\"x02\") }}\n";

#[test]
fn edits_reload_the_page_and_a_failed_build_shows_its_problems_over_the_last_good_one() {
    let p = Project::with_runs();
    p.draft("a.md", GOOD);
    let tmp = tempfile::tempdir().unwrap();
    let s = serve(&p, tmp.path());
    let page = get(s.port, "/a/");
    assert!(
        page.contains("First version") && page.contains(MARKER),
        "{page}"
    );
    let mut listener = Listener::connect(s.port);
    let t0 = listener
        .next_state(Instant::now() + DEADLINE)
        .expect("a listener is told the state at once");

    // An edit: the page changes, the listener is told.
    let saved = Instant::now();
    p.draft("a.md", &GOOD.replace("First", "Second"));
    let (page, took) = until(s.port, "/a/", |a| a.contains("Second version"));
    assert!(page.contains("Second version"), "{page}");
    let t1 = listener
        .next_state(saved + DEADLINE)
        .expect("told of the edit");
    println!(
        "edit: page served {took:.2?}, listener told {:.2?} after the save",
        saved.elapsed()
    );
    assert_ne!(t1, t0);

    // A false claim: the last good page stays, with the claim's problem over it.
    let saved = Instant::now();
    p.draft("a.md", FALSE_CLAIM);
    let (page, took) = until(s.port, "/a/", |a| a.contains(OVERLAY_ID));
    println!("false claim: overlay served {took:.2?} after the save");
    assert!(
        page.contains("Second version") && !page.contains("Third"),
        "{page}"
    );
    assert!(
        page.contains("posts/a.md:5: claim failed: claim &quot;x00 is below x02&quot; is false"),
        "{page}"
    );
    let t2 = listener
        .next_state(saved + DEADLINE)
        .expect("told of the failure");
    assert_ne!(t2, t1);

    // Fixed: the overlay clears, the new page shows.
    let saved = Instant::now();
    p.draft(
        "a.md",
        &FALSE_CLAIM
            .replace("x00 is below x02", "x02 is below x00")
            .replace(
                "variant=\"x00\", than=\"x02\"",
                "variant=\"x02\", than=\"x00\"",
            ),
    );
    let (page, took) = until(s.port, "/a/", |a| a.contains("Third version"));
    println!("fixed: page served {took:.2?} after the save");
    assert!(
        page.contains("Third version") && !page.contains(OVERLAY_ID),
        "{page}"
    );
    assert!(listener
        .next_state(saved + DEADLINE)
        .is_some_and(|t| t != t2));

    // serve wrote nothing into the project; report build's site carries no script.
    assert!(!p.path().join("site").exists() && !p.path().join("images").exists());
    let (ok, text) = report(p.path(), &["build"]);
    assert!(ok, "{text}");
    let built: Vec<PathBuf> = walk(&p.path().join("site"));
    assert!(
        built.iter().any(|f| f.ends_with("a/index.html")),
        "{built:?}"
    );
    for f in built {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(MARKER) && !text.contains("__livereload") && !text.contains(OVERLAY_ID),
            "{} carries the preview's script",
            f.display()
        );
    }
    drop(s);
}

#[cfg(unix)]
#[test]
fn stopping_serve_removes_its_builds() {
    let p = Project::with_runs();
    p.draft("a.md", GOOD);
    let tmp = tempfile::tempdir().unwrap();
    let mut s = serve(&p, tmp.path());
    assert!(
        s.builds.starts_with(tmp.path()) && s.builds.is_dir(),
        "{:?}",
        s.builds
    );
    let killed = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let code = s.child.wait().unwrap().code();
    assert_eq!(code, Some(143));
    assert!(!s.builds.exists(), "{} is left", s.builds.display());
    while s.lines.try_recv().is_ok() {}
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_burst_of_saves_by_rename_is_one_change_and_scratch_files_none() {
    let p = Project::with_runs();
    p.draft("w.md", "# W\n");
    let ignore = tempfile::tempdir().unwrap();
    // A quiet time far above the few milliseconds the saves below take, so a busy machine
    // cannot split them.
    let mut w = report::serve::Watch::new(&p.options(), ignore.path())
        .unwrap()
        .with_quiet(Duration::from_secs(1));
    let posts = p.path().join("posts");
    // An editor's swap file and backup alone change nothing.
    std::fs::write(posts.join(".w.md.swp"), "swap").unwrap();
    std::fs::write(posts.join("w.md~"), "# W\n").unwrap();
    assert_eq!(w.wait(Duration::from_millis(1500)), None);
    // Ten saves as editors make them: a temporary file renamed over the draft.
    for i in 0..10 {
        let tmp = posts.join(format!(".w.md.tmp{i}"));
        std::fs::write(&tmp, format!("# W {i}\n")).unwrap();
        std::fs::rename(&tmp, posts.join("w.md")).unwrap();
    }
    let burst = w.wait(DEADLINE).expect("the saves are seen");
    assert!(burst.iter().any(|c| c.ends_with("posts/w.md")), "{burst:?}");
    assert_eq!(
        w.wait(Duration::from_millis(1500)),
        None,
        "one burst, one change"
    );
    // The preview's own builds are no input, even inside an input folder.
    let mut w = report::serve::Watch::new(&p.options(), &p.runs().join("builds")).unwrap();
    std::fs::create_dir_all(p.runs().join("builds/1")).unwrap();
    std::fs::write(p.runs().join("builds/1/index.html"), "x").unwrap();
    assert_eq!(w.wait(Duration::from_millis(1500)), None);
}
