//! A real browser: headless Chromium loads the repository's article (its draft and committed
//! runs) and a page of every other kind of content, from the preview server, at a phone's width
//! (390 px) and a desktop's (1280 px), in the light and the dark scheme, and checks what a reader
//! would meet: no element wider than the screen except inside a table's visible scroll box,
//! every image loaded with its width and height set (figures in the rendition for the screen,
//! their smallest text at least 9 CSS px: its font px / the em ratio x the width the browser
//! shows the image at / the image's width), every heading's accessible name equal to its text.
//! The article is also read at 320, 559, 561, 768, 959, 960 and 1600 px, about the edges of the
//! renditions
//! ranges.
//! Screenshots of each go to target/browser-shots/ for a person to look at.
//!
//! Without Chromium the test skips with a message, and fails under CI (`.ci/run` installs it).

mod site_common;
use common::{chromium::chromium, chromium::FLAGS, listed, missing::missing};
use report::build::BuildOptions;
use report::figures::look::{RENDITIONS, SIZE_PER_EM};
use site_common as common;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium call may take before it counts as hung (a busy 2-core machine needs
/// about 10 s for the longest); a hung browser is killed and tried once more, never waited on.
const CHROMIUM_DEADLINE: Duration = Duration::from_secs(180);

/// Runs headless Chromium with the flags a sandboxed CI machine needs, a fresh profile, and
/// `scheme` as the colour scheme the page sees; returns what it printed.
fn run_chromium(bin: &Path, profile: &Path, scheme: &str, args: &[String]) -> String {
    for attempt in 1..=2 {
        match run_chromium_once(bin, profile, scheme, args) {
            Some(out) => return out,
            None => eprintln!(
                "chromium {args:?} ran past {} s (attempt {attempt}); killed",
                CHROMIUM_DEADLINE.as_secs()
            ),
        }
    }
    panic!(
        "chromium hung twice on {args:?}: each call was killed after {} s",
        CHROMIUM_DEADLINE.as_secs()
    );
}

/// One Chromium call; `None` when it ran past the deadline (it is killed).
fn run_chromium_once(bin: &Path, profile: &Path, scheme: &str, args: &[String]) -> Option<String> {
    // Blink's preferredColorScheme: 0 dark, 1 light.
    let prefer = if scheme == "dark" { 0 } else { 1 };
    let mut child = Command::new(bin)
        .args(FLAGS)
        // Element.computedName: the accessible name, as a screen reader gets it.
        .arg("--enable-blink-features=ComputedAccessibilityInfo")
        .arg(format!("--blink-settings=preferredColorScheme={prefer}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Read stdout beside the wait, so a large DOM dump cannot fill the pipe and stall Chromium.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let start = Instant::now();
    loop {
        if child
            .try_wait()
            .expect("chromium can be waited on")
            .is_some()
        {
            let text = reader.join().expect("stdout reader");
            return Some(String::from_utf8_lossy(&text).into_owned());
        }
        if start.elapsed() > CHROMIUM_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A draft with what the article lacks: a code block, a table wider than a desktop's column,
/// a heading holding code and one holding a link, an author's image, inline flags.
const EXTRAS: &str = "---\ntitle: Every kind of content\n---\n\n# Every kind of content\n\n\
Run `trainer sweep --preset medium --device cuda --micro-batch 1` to train, then `make post`.\n\n\
## The `--resume` flag\n\nText.\n\n## See [modded-nanogpt](https://github.com/KellerJordan/modded-nanogpt)\n\n\
```python\nx = lambdas[0] * x + lambdas[1] * x00  # the weighted sum\n```\n\n\
| run | variant | seed | steps | final val loss | train time (s) | ms per step | tokens per second | peak memory (MB) | status |\n\
|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n\
| embeddings-extravaganza-1/x04-s2 | x04 | 2 | 500 | 1.0543 | 118.9 | 237.8 | 17229.1 | 412.0 | finished |\n\n\
![A photo the author supplied](rig.png)\n";

/// The repository's drafts and the page above, built from the committed runs into `out`.
fn build_pages(tmp: &Path) -> (PathBuf, Vec<String>) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let posts = tmp.join("posts");
    std::fs::create_dir_all(&posts).unwrap();
    let mut slugs = Vec::new();
    for e in std::fs::read_dir(repo.join("posts")).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "md") {
            std::fs::copy(&p, posts.join(p.file_name().unwrap())).unwrap();
            slugs.push(p.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(!slugs.is_empty(), "the repository has a draft");
    slugs.sort();
    std::fs::write(posts.join("extras.md"), EXTRAS).unwrap();
    // A real image of the author's (a figure from the repository), next to the draft.
    let figure =
        repo.join("images/embeddings-extravaganza-1/x0-experiment/val_loss-step-5500-6000.png");
    std::fs::copy(figure, posts.join("rig.png")).unwrap();
    slugs.push("extras".into());
    let out = tmp.join("out");
    let mut o = BuildOptions::new(posts, repo.join("runs"), Some(out.clone()));
    o.config = repo.join("site.toml");
    o.templates = repo.join("templates");
    let outcome = report::build::build(&o).unwrap();
    assert!(outcome.problems.is_empty(), "{}", listed(&outcome));
    (out, slugs)
}

#[test]
fn pages_read_on_a_phone_and_a_desktop_in_light_and_dark() {
    let Some(bin) = chromium() else {
        missing(
            "chromium",
            "Debian: apt-get install chromium; .ci/run installs it",
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (out, slugs) = build_pages(tmp.path());
    let server = report::serve::Server::bind("127.0.0.1:0", &out).unwrap();
    let port = server.port();
    std::thread::spawn(move || server.run());
    let profile = tempfile::tempdir().unwrap();
    // Each post's page and the index at a phone's and a desktop's width; the article also at
    // the edges of each rendition's range.
    let mut cases: Vec<String> = slugs
        .iter()
        .map(|s| format!("/{s}/"))
        .chain(["/".to_string()])
        .flat_map(|path| [390, 1280].map(|w| format!("[\"{path}\", {w}]")))
        .collect();
    for w in [320, 559, 561, 768, 959, 960, 1600] {
        cases.push(format!("[\"/{}/\", {w}]", slugs[0]));
    }
    let looks: Vec<String> = RENDITIONS
        .iter()
        .map(|l| {
            let tag = l
                .file_name("x.png")
                .trim_start_matches("x.")
                .trim_end_matches("png")
                .trim_end_matches('.')
                .to_string();
            let max = l.max_viewport.map_or("null".to_string(), |m| m.to_string());
            format!(
                "{{\"tag\": \"{tag}\", \"max\": {max}, \"text\": {}}}",
                l.smallest_text()
            )
        })
        .rev()
        .collect();
    let mut report = String::new();
    for scheme in ["light", "dark"] {
        let harness = include_str!("browser/harness.html")
            .replace("__CASES__", &format!("[{}]", cases.join(", ")))
            .replace("__SCHEME__", scheme)
            .replace("__LOOKS__", &format!("[{}]", looks.join(", ")))
            .replace("__SIZE_PER_EM__", &SIZE_PER_EM.to_string());
        let name = format!("harness-{scheme}.html");
        std::fs::write(out.join(&name), harness).unwrap();
        let dom = run_chromium(
            &bin,
            profile.path(),
            scheme,
            &[
                "--virtual-time-budget=60000".into(),
                "--dump-dom".into(),
                format!("http://127.0.0.1:{port}/{name}"),
            ],
        );
        let result = dom
            .split("<pre id=\"result\">")
            .nth(1)
            .and_then(|s| s.split("</pre>").next())
            .unwrap_or("no result in the DOM")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"");
        report.push_str(&result);
        report.push('\n');
    }
    // Screenshots for a person to look at (the file viewer shows PNGs), also when a check fails.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("browser-shots");
    std::fs::create_dir_all(&shots).unwrap();
    for slug in &slugs {
        // A headless screenshot is one tall window, in which images far down are not "near the
        // screen": it is taken of a copy of the page without lazy loading (the checks above
        // scroll to every image of the page itself).
        let page = std::fs::read_to_string(out.join(slug).join("index.html")).unwrap();
        std::fs::write(
            out.join(slug).join("shot.html"),
            page.replace(" loading=\"lazy\"", ""),
        )
        .unwrap();
        for (width, height) in [(390, 16000), (1280, 12000)] {
            for scheme in ["light", "dark"] {
                let path = shots.join(format!("{slug}-{width}-{scheme}.png"));
                let _ = std::fs::remove_file(&path);
                run_chromium(
                    &bin,
                    profile.path(),
                    scheme,
                    &[
                        format!("--window-size={width},{height}"),
                        "--virtual-time-budget=10000".into(),
                        // Images decoded and drawn before the picture is taken, even when the
                        // machine is busy.
                        "--run-all-compositor-stages-before-draw".into(),
                        format!("--screenshot={}", path.display()),
                        format!("http://127.0.0.1:{port}/{slug}/shot.html"),
                    ],
                );
                let bytes = std::fs::read(&path).unwrap_or_default();
                assert!(
                    bytes.starts_with(b"\x89PNG"),
                    "no screenshot at {}",
                    path.display()
                );
                println!("screenshot: {}", path.display());
            }
        }
    }

    println!("{report}");
    assert_eq!(
        report.lines().filter(|l| *l == "done").count(),
        2,
        "{report}"
    );
    assert_eq!(
        report.matches("checked ").count(),
        2 * cases.len(),
        "{report}"
    );
    let problems: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("problem"))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The article's figures were all found, and its tables scroll on a phone only.
    let article = |w: u32, scheme: &str| {
        let label = format!("checked /{}/ at {w} px, {scheme}: ", slugs[0]);
        report
            .lines()
            .find_map(|l| l.strip_prefix(label.as_str()).map(str::to_owned))
            .unwrap_or_default()
    };
    // Every image of the page loaded (the count the browser saw is the count the page holds).
    let page = std::fs::read_to_string(out.join(&slugs[0]).join("index.html")).unwrap();
    let shown = page.matches("<img ").count();
    assert!(shown >= 10, "the article shows its figures: {shown}");
    assert!(
        article(390, "light").contains(&format!("images={shown} ")),
        "{report}"
    );
    assert!(
        !article(390, "dark").ends_with("scrolling-tables=0"),
        "{report}"
    );
    assert!(
        article(1280, "light").ends_with("scrolling-tables=0"),
        "{report}"
    );
}
