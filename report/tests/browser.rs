//! A real browser: headless Chromium loads the built page from the preview server, every image
//! must have loaded (naturalWidth > 0), and screenshots (desktop and phone width) are kept in
//! the target folder for a person to look at. Skips with a message when chromium is absent.

mod site_common;
use common::{listed, Project};
use site_common as common;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file())
        })
}

/// Runs headless Chromium with the flags a sandboxed CI machine needs and a fresh profile.
fn run_chromium(bin: &Path, profile: &Path, args: &[String]) -> String {
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The seed draft with the x0-experiment runs when the fixtures are there, else a draft with
/// the same kinds of content on generated runs.
fn project() -> (Project, &'static str) {
    if let (Some(logs), Some(seed)) = (common::fixture("x0-experiment"), common::seed_draft()) {
        let p = Project::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(logs)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        let opts = report::runs::import::ImportOptions {
            hardware: Some("8xH100".into()),
            ..Default::default()
        };
        report::runs::import::import_logs(&files, &p.runs(), &opts).unwrap();
        p.draft(
            "embeddings-extravaganza-1.md",
            &std::fs::read_to_string(seed).unwrap(),
        );
        return (p, "embeddings-extravaganza-1");
    }
    let p = Project::with_runs();
    p.draft(
        "generated.md",
        "# Generated\n\n## Setup\n\nTODO\n\n## Losses\n\n![Loss by step](images/val_loss-step.png)\n\n\
         {{ results_table() }}\n\n## Lambdas\n\n### x01\n\nTODO\n\n```python\nx = 1\n```\n",
    );
    (p, "generated")
}

/// The page in an iframe; a script waits for its images and writes what it found into the DOM,
/// which `--dump-dom` prints.
const HARNESS: &str = r#"<!doctype html><html><body>
<iframe id="f" src="/SLUG/" style="width:1000px;height:900px"></iframe>
<pre id="result">pending</pre>
<script>
const f = document.getElementById('f');
f.addEventListener('load', () => {
  const imgs = [...f.contentDocument.images];
  Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = r; i.onerror = r; })))
    .then(() => {
      const bad = imgs.filter(i => !(i.naturalWidth > 0)).map(i => i.getAttribute('src'));
      document.getElementById('result').textContent =
        'images=' + imgs.length + ' broken=' + bad.length + ' ' + bad.join(' ');
    });
});
</script></body></html>"#;

#[test]
fn chromium_loads_the_page_with_every_image_and_takes_screenshots() {
    let Some(bin) = chromium() else {
        println!(
            "skipped: chromium not found (Debian: apt-get install chromium; .ci/run installs it)"
        );
        return;
    };
    let (p, slug) = project();
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    std::fs::write(p.out().join("harness.html"), HARNESS.replace("SLUG", slug)).unwrap();
    let server = report::serve::Server::bind("127.0.0.1:0", &p.out()).unwrap();
    let port = server.port();
    std::thread::spawn(move || server.run());
    let profile = tempfile::tempdir().unwrap();
    let dom = run_chromium(
        &bin,
        profile.path(),
        &[
            "--virtual-time-budget=15000".into(),
            "--dump-dom".into(),
            format!("http://127.0.0.1:{port}/harness.html"),
        ],
    );
    let result = dom
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or("no result in the DOM");
    println!("chromium: {result}");
    let images: usize = result
        .strip_prefix("images=")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("harness did not finish: {result}"));
    assert!(images >= 2, "{result}");
    assert!(result.contains(" broken=0"), "{result}");

    // Screenshots for a person to look at: desktop, and a phone in dark mode.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // Blink's preferredColorScheme: 0 dark, 1 light; the page follows prefers-color-scheme.
    for (name, size, scheme) in [
        ("desktop.png", "1000,6000", 1),
        ("phone-dark.png", "390,9000", 0),
    ] {
        let path = shots.join(name);
        let _ = std::fs::remove_file(&path);
        let mut args = vec![
            format!("--window-size={size}"),
            format!("--screenshot={}", path.display()),
        ];
        args.push(format!("--blink-settings=preferredColorScheme={scheme}"));
        args.push(format!("http://127.0.0.1:{port}/{slug}/"));
        run_chromium(&bin, profile.path(), &args);
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "no screenshot at {}",
            path.display()
        );
        println!("screenshot: {}", path.display());
    }
}
