//! The preview server as a hostile client meets it: what it answers to oversized, odd and
//! escaping requests, symlinks out of the site, too many connections, idle clients; and what
//! it adds to the pages it serves (never to the files on disk).

mod http_common;
use http_common::{ask, body, get, raw, status, Listener};
use report::serve::overlay::{MARKER, OVERLAY_ID};
use report::serve::{Limits, Server, Site, MAX_TARGET};
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A small site: a page, the index, a stylesheet, a figure, the feed, the filled markdown.
fn site(root: &Path) {
    std::fs::create_dir_all(root.join("post")).unwrap();
    let page = "<!doctype html><html><body><h1>Post</h1></body></html>";
    std::fs::write(root.join("post/index.html"), page).unwrap();
    std::fs::write(root.join("index.html"), "<html><body>Index</body></html>").unwrap();
    std::fs::write(root.join("style.css"), "body { margin: 0 }\n").unwrap();
    std::fs::write(root.join("post/fig.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    std::fs::write(root.join("atom.xml"), "<feed/>").unwrap();
    std::fs::write(root.join("post/post.md"), "# Post\n").unwrap();
}

fn start(site: Arc<Site>, limits: Limits) -> u16 {
    let server = Server::bind_site("127.0.0.1:0", site, limits).unwrap();
    let port = server.port();
    std::thread::spawn(move || server.run());
    port
}

fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    answer.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn files_are_served_with_their_types_and_nothing_else_is() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("site");
    site(&root);
    std::fs::write(d.path().join("secret.txt"), "secret").unwrap();
    let port = start(Site::fixed(&root), Limits::default());
    for (path, kind) in [
        ("/", "text/html; charset=utf-8"),
        ("/post/", "text/html; charset=utf-8"),
        ("/post/index.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/post/fig.png", "image/png"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/post/post.md", "text/markdown; charset=utf-8"),
    ] {
        let a = get(port, path);
        assert_eq!(status(&a), "HTTP/1.1 200 OK", "{path}: {a}");
        assert_eq!(header(&a, "content-type"), Some(kind), "{path}: {a}");
    }
    // A fixed folder is served as it is: no script.
    assert!(!get(port, "/post/").contains(MARKER));
    // HEAD: the headers of GET, no body.
    let a = ask(port, "HEAD", "/style.css");
    assert_eq!(status(&a), "HTTP/1.1 200 OK", "{a}");
    assert_eq!(header(&a, "content-length"), Some("19"), "{a}");
    assert_eq!(body(&a), "", "{a}");
    // Other methods.
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let a = ask(port, method, "/");
        assert_eq!(
            status(&a),
            "HTTP/1.1 405 Method Not Allowed",
            "{method}: {a}"
        );
        assert_eq!(header(&a, "allow"), Some("GET, HEAD"), "{a}");
    }
    // Nothing outside the site, however the path is spelled.
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/post/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/missing.html",
        "/%ff",
    ] {
        let a = get(port, path);
        assert_eq!(status(&a), "HTTP/1.1 404 Not Found", "{path}: {a}");
        assert!(
            !a.contains("secret\n") && !a.ends_with("secret"),
            "{path}: {a}"
        );
    }
    let a = raw(
        port,
        b"GET ../secret.txt HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(status(&a).starts_with("HTTP/1.1 4"), "{a}");
    assert!(!a.ends_with("secret"), "{a}");
    // The 404 page is a page.
    let a = get(port, "/nothing/");
    assert_eq!(header(&a, "content-type"), Some("text/html; charset=utf-8"));
    assert!(body(&a).contains("Not found"), "{a}");
}

#[cfg(unix)]
#[test]
fn a_symlink_leading_out_of_the_site_is_not_followed() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("site");
    site(&root);
    let outside = d.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("leakdir")).unwrap();
    std::os::unix::fs::symlink(root.join("style.css"), root.join("same.css")).unwrap();
    let port = start(Site::fixed(&root), Limits::default());
    for path in ["/leak.txt", "/leakdir/secret.txt", "/leakdir/"] {
        let a = get(port, path);
        assert_eq!(status(&a), "HTTP/1.1 404 Not Found", "{path}: {a}");
        assert!(!a.ends_with("secret"), "{path}: {a}");
    }
    // A symlink to a file inside the site is that file.
    let a = get(port, "/same.css");
    assert_eq!(status(&a), "HTTP/1.1 200 OK", "{a}");
    assert!(a.ends_with("body { margin: 0 }\n"), "{a}");
}

#[test]
fn oversized_requests_are_refused_without_being_buffered() {
    let d = tempfile::tempdir().unwrap();
    site(d.path());
    let port = start(Site::fixed(d.path()), Limits::default());
    // A request target longer than MAX_TARGET, whole.
    let long = format!(
        "GET /{} HTTP/1.1\r\nConnection: close\r\n\r\n",
        "a".repeat(MAX_TARGET + 1)
    );
    assert_eq!(
        status(&raw(port, long.as_bytes())),
        "HTTP/1.1 414 URI Too Long"
    );
    // A request line of 4 MiB that never ends: the head outgrows its limit.
    let mut endless = b"GET /".to_vec();
    endless.resize(4 << 20, b'a');
    assert_eq!(
        status(&raw(port, &endless)),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    // Headers that never end.
    let mut headers = b"GET / HTTP/1.1\r\n".to_vec();
    while headers.len() < 4 << 20 {
        headers.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    assert_eq!(
        status(&raw(port, &headers)),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    // Still serving.
    assert_eq!(status(&get(port, "/")), "HTTP/1.1 200 OK");
}

#[test]
fn a_request_for_another_host_is_refused_on_a_loopback_address() {
    let d = tempfile::tempdir().unwrap();
    site(d.path());
    let port = start(Site::fixed(d.path()), Limits::default());
    // A page of evil.example whose name resolves to 127.0.0.1 (DNS rebinding) cannot read it.
    let a = raw(
        port,
        b"GET / HTTP/1.1\r\nHost: evil.example:8000\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status(&a), "HTTP/1.1 403 Forbidden", "{a}");
    assert!(body(&a).contains("localhost or 127.0.0.1 only"), "{a}");
    for host in ["localhost:1", "127.0.0.1", "[::1]:8000"] {
        let req = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        assert_eq!(
            status(&raw(port, req.as_bytes())),
            "HTTP/1.1 200 OK",
            "{host}"
        );
    }
}

#[test]
fn connections_are_bounded_and_idle_clients_block_no_one() {
    let d = tempfile::tempdir().unwrap();
    site(d.path());
    let limits = Limits {
        connections: 4,
        listeners: 1,
        head_time: Duration::from_secs(2),
        ..Limits::default()
    };
    let port = start(Site::live(d.path(), Vec::new(), limits.listeners), limits);
    // Three clients that start a request and stall, and one listening for reloads.
    let idle: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(b"GET / HT").unwrap();
            s
        })
        .collect();
    let mut listener = Listener::connect(port);
    assert!(listener
        .next_state(Instant::now() + Duration::from_secs(20))
        .is_some());
    // All four connections are taken: one more is told so and closed.
    let a = raw(port, b"");
    assert_eq!(status(&a), "HTTP/1.1 503 Service Unavailable", "{a}");
    // The stalled ones are closed after the head time; then others are served again (the
    // listener stays).
    let deadline = Instant::now() + Duration::from_secs(60);
    let served = loop {
        let a = get(port, "/");
        if status(&a) == "HTTP/1.1 200 OK" || Instant::now() > deadline {
            break a;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status(&served), "HTTP/1.1 200 OK", "{served}");
    drop(idle);
    // A second listener beyond the listeners' bound is refused, not queued.
    let a = get(port, "/__livereload");
    assert_eq!(status(&a), "HTTP/1.1 503 Service Unavailable", "{a}");
}

#[test]
fn served_pages_get_the_script_and_the_problems_and_the_files_do_not() {
    let d = tempfile::tempdir().unwrap();
    site(d.path());
    let on_disk = std::fs::read(d.path().join("post/index.html")).unwrap();
    let live = Site::live(d.path(), Vec::new(), 4);
    let port = start(live.clone(), Limits::default());
    let page = get(port, "/post/");
    let token = live.now().token.clone();
    assert!(
        page.contains(MARKER) && page.contains(&format!("\"{token}\"")),
        "{page}"
    );
    assert!(!page.contains(OVERLAY_ID), "{page}");
    assert!(!get(port, "/style.css").contains(MARKER));
    // A listener is told the state at once, then each change.
    let mut listener = Listener::connect(port);
    let first = listener.next_state(Instant::now() + Duration::from_secs(20));
    assert_eq!(first.as_deref(), Some(token.as_str()));
    let problem = "posts/a.md:3: claim failed: x01 <beats> x00";
    live.show(d.path(), vec![problem.to_string()]);
    let told = listener.next_state(Instant::now() + Duration::from_secs(20));
    assert_eq!(told, Some(live.now().token.clone()));
    assert_ne!(told.as_deref(), Some(token.as_str()));
    let page = get(port, "/post/");
    assert!(page.contains(OVERLAY_ID), "{page}");
    assert!(
        page.contains("claim failed: x01 &lt;beats&gt; x00"),
        "{page}"
    );
    // Cleared by the next good state.
    live.show(d.path(), Vec::new());
    assert!(listener
        .next_state(Instant::now() + Duration::from_secs(20))
        .is_some());
    assert!(!get(port, "/post/").contains(OVERLAY_ID));
    assert_eq!(
        std::fs::read(d.path().join("post/index.html")).unwrap(),
        on_disk
    );
}
