//! A real browser on `report serve`: headless Chromium opens a long page and scrolls down; the
//! draft is edited, then broken by a false claim. The page must reload by itself each time, come
//! back at the same scroll position, and show the problems panel while the build fails. The page
//! reports after each load (a test template's script loads an image from this test's listener),
//! so the test needs no DevTools protocol. Latencies are printed, never asserted beyond a
//! generous deadline.
//!
//! Without Chromium the test skips with a message, and fails under CI (`.ci/run` installs it).

mod site_common;
use site_common::chromium::{chromium, FLAGS};
use site_common::missing::missing;
use site_common::Project;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// Chromium starting on a busy 2-core machine is slow: far above the second expected.
const DEADLINE: Duration = Duration::from_secs(180);

/// What the page said after one load: its load count, scroll position, which version it
/// shows, whether the problems panel is on it.
#[derive(Debug, PartialEq)]
struct Load {
    n: u32,
    y: i64,
    version: u32,
    panel: bool,
}

/// The repository's base template with a script that scrolls down on the first load and, after
/// every load, reports to `port` (an image request; the page needs no other permission).
fn instrumented_base(port: u16) -> String {
    let base = include_str!("../../templates/base.html");
    let script = format!(
        r#"<script>
addEventListener("load", () => setTimeout(() => {{
  const n = Number(sessionStorage.getItem("test-loads") || 0) + 1;
  sessionStorage.setItem("test-loads", String(n));
  if (n === 1) window.scrollTo(0, 1500);
  const v = document.querySelector("main").textContent.includes("Version two") ? 2 : 1;
  const o = document.getElementById("report-serve-problems") ? 1 : 0;
  new Image().src = "http://127.0.0.1:{port}/load?n=" + n + "&y=" + Math.round(window.scrollY) + "&v=" + v + "&o=" + o;
}}, 700));
</script>
</body>"#
    );
    base.replace("</body>", &script)
}

/// Listens for the page's reports.
fn reports() -> (u16, Receiver<Load>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut line = String::new();
            let _ = BufReader::new(&s).read_line(&mut line);
            let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
            if let Some(load) = parse(&line) {
                let _ = tx.send(load);
            }
        }
    });
    (port, rx)
}

/// `GET /load?n=1&y=1500&v=1&o=0 HTTP/1.1`
fn parse(line: &str) -> Option<Load> {
    let query = line.split_whitespace().nth(1)?.strip_prefix("/load?")?;
    let field = |k: &str| -> Option<i64> {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    Some(Load {
        n: field("n")? as u32,
        y: field("y")?,
        version: field("v")? as u32,
        panel: field("o")? == 1,
    })
}

/// Processes ended when dropped (the test may fail midway).
struct Killed(Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn draft(version: &str, claim: &str) -> String {
    let filler: String = (0..150)
        .map(|i| format!("Paragraph {i}: text long enough to fill a line or two of the page.\n\n"))
        .collect();
    format!("# Live\n\n{version}\n\n{filler}{claim}\n")
}

#[test]
fn a_page_reloads_itself_keeps_its_scroll_and_shows_a_failed_build() {
    let Some(bin) = chromium() else {
        missing(
            "chromium",
            "Debian: apt-get install chromium; .ci/run installs it",
        );
        return;
    };
    let (port, loads) = reports();
    let p = Project::with_runs();
    std::fs::create_dir_all(p.path().join("templates")).unwrap();
    std::fs::write(
        p.path().join("templates/base.html"),
        instrumented_base(port),
    )
    .unwrap();
    p.draft("live.md", &draft("Version one.", ""));
    let tmp = tempfile::tempdir().unwrap();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_report"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(p.path())
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(serve.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    // Read on, so serve's later lines never meet a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let mut running = Killed(vec![serve]);
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    let profile = tempfile::tempdir().unwrap();
    let browser = Command::new(bin)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("{url}live/"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    running.0.push(browser);
    let next = |what: &str| {
        loads
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("no load of the page after {what}"))
    };
    let opened = next("opening it");
    assert_eq!(
        (opened.n, opened.version, opened.panel),
        (1, 1, false),
        "{opened:?}"
    );
    assert_eq!(
        opened.y, 1500,
        "the page is long enough to scroll: {opened:?}"
    );

    let saved = Instant::now();
    p.draft("live.md", &draft("Version two.", ""));
    let edited = next("an edit");
    println!(
        "edit: the browser showed it {:.2?} after the save",
        saved.elapsed()
    );
    assert_eq!(
        edited,
        Load {
            n: 2,
            y: 1500,
            version: 2,
            panel: false
        }
    );

    let saved = Instant::now();
    let claim =
        "{{ check(claim=\"x00 is below x02\", that=\"below\", variant=\"x00\", than=\"x02\") }}";
    p.draft("live.md", &draft("Version three.", claim));
    let failed = next("a false claim");
    println!(
        "false claim: the panel showed {:.2?} after the save",
        saved.elapsed()
    );
    // The last good page (version two) with the panel over it, still scrolled.
    assert_eq!(
        failed,
        Load {
            n: 3,
            y: 1500,
            version: 2,
            panel: true
        }
    );
    drop(running);
}
