//! `report serve`: a local preview. Builds the site, serves it over HTTP from a plain
//! std::net listener (one thread per connection, GET only, the request line and headers read
//! up to a fixed size), and rebuilds when a draft, a run, a template or site.toml changes
//! (polled every half second: no watcher library needed).

use crate::build::{build, BuildOptions, Outcome};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Serves files under a root folder.
pub struct Server {
    listener: TcpListener,
    root: PathBuf,
}

impl Server {
    /// `addr` like `127.0.0.1:8000` (port 0: any free port).
    pub fn bind(addr: &str, root: &Path) -> Result<Server, String> {
        let listener =
            TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        Ok(Server {
            listener,
            root: root.to_owned(),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Answers requests until the process ends.
    pub fn run(self) {
        for stream in self.listener.incoming().flatten() {
            let root = self.root.clone();
            std::thread::spawn(move || {
                let _ = respond(stream, &root);
            });
        }
    }
}

/// The longest request line read (a URL of a page here is far shorter); past it, 414.
pub const MAX_REQUEST_LINE: u64 = 8 * 1024;
/// The most header bytes read; past them, 431. Nothing is buffered beyond these limits.
pub const MAX_HEADERS: u64 = 32 * 1024;

fn respond(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    (&mut reader)
        .take(MAX_REQUEST_LINE)
        .read_line(&mut request)?;
    if !request.ends_with('\n') {
        if request.len() as u64 >= MAX_REQUEST_LINE {
            return refuse(&mut stream, "414 URI Too Long");
        }
        return Ok(()); // the client went away
    }
    // Drain the headers, within their budget.
    let mut budget = MAX_HEADERS;
    loop {
        let mut line = String::new();
        let n = (&mut reader).take(budget).read_line(&mut line)?;
        if n == 0 {
            break;
        }
        budget -= n as u64;
        if !line.ends_with('\n') {
            if budget == 0 {
                return refuse(&mut stream, "431 Request Header Fields Too Large");
            }
            break; // the client went away mid-line
        }
        if line.trim_end().is_empty() {
            break; // the blank line that ends the headers
        }
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let found = (method == "GET" || method == "HEAD")
        .then(|| resolve(root, target))
        .flatten()
        .and_then(|p| std::fs::read(&p).ok().map(|b| (p, b)));
    match found {
        Some((path, body)) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                content_type(&path),
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            if method == "GET" {
                stream.write_all(&body)?;
            }
        }
        None => {
            let body = b"not found\n";
            let head = format!(
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(body)?;
        }
    }
    stream.flush()
}

/// Answers a request that was too large and closes.
fn refuse(stream: &mut TcpStream, status: &str) -> std::io::Result<()> {
    let body = format!("{status}\n");
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()?;
    // Closing with unread input makes the kernel reset the connection, which can destroy the
    // answer before the client reads it: read on for a moment, keeping nothing.
    stream.shutdown(std::net::Shutdown::Write)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut sink = [0u8; 16 * 1024];
    while std::time::Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Ok(())
}

/// The file a URL path names under `root`; `None` for anything leaving it.
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
    p.is_file().then_some(p)
}

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

fn content_type(p: &Path) -> &'static str {
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

/// Notices changes to a build's inputs (drafts, runs, templates, site.toml) by polling.
pub struct Watch {
    options: BuildOptions,
    seen: Vec<(PathBuf, u64, Option<SystemTime>)>,
}

impl Watch {
    pub fn new(o: &BuildOptions) -> Watch {
        Watch {
            seen: fingerprint(o),
            options: o.clone(),
        }
    }

    /// Whether any input was added, removed or modified since the last call.
    pub fn changed(&mut self) -> bool {
        let now = fingerprint(&self.options);
        let changed = now != self.seen;
        self.seen = now;
        changed
    }
}

/// A fingerprint of the build's inputs: every file's path, size and modification time.
fn fingerprint(o: &BuildOptions) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut v = Vec::new();
    for root in [&o.posts, &o.runs, &o.templates, &o.config] {
        for e in walkdir::WalkDir::new(root).into_iter().flatten() {
            if let Ok(m) = e.metadata() {
                if m.is_file() {
                    v.push((e.path().to_owned(), m.len(), m.modified().ok()));
                }
            }
        }
    }
    v.sort();
    v
}

pub fn print_outcome(o: &Outcome) {
    for w in &o.warnings {
        eprintln!("{w}");
    }
    for p in &o.problems {
        eprintln!("{p}");
    }
}

/// Builds, serves `o.out` on `addr`, and rebuilds whenever an input changes. Never returns
/// unless the first build cannot start or the address is taken.
pub fn serve(o: &BuildOptions, addr: &str) -> Result<(), String> {
    let first = build(o)?;
    print_outcome(&first);
    let server = Server::bind(addr, &o.out)?;
    println!(
        "serving {} at http://127.0.0.1:{}/ (rebuilds on change; Ctrl-C stops)",
        o.out.display(),
        server.port()
    );
    std::thread::spawn(move || server.run());
    let mut watch = Watch::new(o);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        if watch.changed() {
            match build(o) {
                Ok(out) => {
                    print_outcome(&out);
                    println!(
                        "rebuilt: {} files written, {} unchanged",
                        out.written, out.unchanged
                    );
                }
                Err(e) => eprintln!("error: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_stay_inside_the_root() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("post")).unwrap();
        std::fs::write(d.path().join("post/index.html"), "x").unwrap();
        std::fs::write(d.path().join("a b.png"), "x").unwrap();
        assert_eq!(
            resolve(d.path(), "/post/"),
            Some(d.path().join("post/index.html"))
        );
        assert_eq!(
            resolve(d.path(), "/a%20b.png?x=1"),
            Some(d.path().join("a b.png"))
        );
        assert_eq!(resolve(d.path(), "/../etc/passwd"), None);
        assert_eq!(resolve(d.path(), "/%2e%2e/x"), None);
        assert_eq!(resolve(d.path(), "/missing.png"), None);
    }

    /// Sends `request` to a server on `root` and returns the status line of the answer.
    fn ask(root: &Path, request: &[u8]) -> String {
        let server = Server::bind("127.0.0.1:0", root).unwrap();
        let port = server.port();
        std::thread::spawn(move || server.run());
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        // The server may answer and close before all of an oversized request is sent.
        let _ = s.write_all(request);
        let mut answer = String::new();
        let _ = BufReader::new(s).read_line(&mut answer);
        answer.trim_end().to_string()
    }

    #[test]
    fn oversized_requests_are_refused_without_being_buffered() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("index.html"), "x").unwrap();
        assert_eq!(ask(d.path(), b"GET / HTTP/1.1\r\n\r\n"), "HTTP/1.1 200 OK");
        // A request line of 4 MiB with no end.
        let mut long = b"GET /".to_vec();
        long.resize(4 << 20, b'a');
        assert_eq!(ask(d.path(), &long), "HTTP/1.1 414 URI Too Long");
        // Headers without end.
        let mut headers = b"GET / HTTP/1.1\r\n".to_vec();
        while headers.len() < 4 << 20 {
            headers.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n");
        }
        assert_eq!(
            ask(d.path(), &headers),
            "HTTP/1.1 431 Request Header Fields Too Large"
        );
    }
}
