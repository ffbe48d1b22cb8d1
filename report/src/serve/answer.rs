//! One request, one answer: GET and HEAD only (405 otherwise), a request target of at most
//! [`MAX_TARGET`] bytes (414), a Host naming this machine when the server listens on a loopback
//! address (403: a web page elsewhere cannot read the preview through a DNS name of its own),
//! then `/__livereload` or a file of the site (404 for anything else).

use super::body::Body;
use super::files::{content_type, resolve};
use super::live::{Site, EVENTS_PATH};
use super::overlay::inject;
use hyper::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Response, StatusCode};
use std::sync::Arc;

/// The longest request target taken (a page's URL here is far shorter); past it, 414.
pub const MAX_TARGET: usize = 8 * 1024;

/// The answer to `req`. `loopback`: the server listens on a loopback address.
pub async fn answer<B>(req: Request<B>, site: Arc<Site>, loopback: bool) -> Response<Body> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served\n",
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let target = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if target.len() > MAX_TARGET {
        return plain(StatusCode::URI_TOO_LONG, "414 URI Too Long\n");
    }
    if loopback {
        if let Some(host) = req.headers().get(HOST) {
            if !is_loopback_host(host.as_bytes()) {
                return plain(
                    StatusCode::FORBIDDEN,
                    "report serve answers requests for localhost or 127.0.0.1 only (this one \
                     named another host); listen elsewhere with --addr\n",
                );
            }
        }
    }
    if site.live_reload() && req.uri().path() == EVENTS_PATH {
        return match site.events() {
            Some(body) => {
                let mut r = Response::new(body);
                let h = r.headers_mut();
                h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
                h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
            None => plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many pages listen for reloads; close some tabs\n",
            ),
        };
    }
    file(&site, target).await
}

/// A file of the site (HTML with the overlay and script when live), or the 404 page.
async fn file(site: &Site, target: String) -> Response<Body> {
    let state = site.now();
    let root = state.root.clone();
    // Reading a file blocks: off the thread that runs the connections.
    let found = tokio::task::spawn_blocking(move || {
        let path = resolve(&root, &target)?;
        std::fs::read(&path).ok().map(|bytes| (path, bytes))
    })
    .await
    .ok()
    .flatten();
    let Some((path, bytes)) = found else {
        let page = b"<!doctype html>\n<title>Not found</title>\n<body><h1>Not found</h1>\n<p>No \
                     file of the site has this address.</p>\n</body>\n";
        let body = if site.live_reload() {
            inject(page, &state) // the page appears by itself once a build writes it
        } else {
            page.to_vec()
        };
        return with_type(StatusCode::NOT_FOUND, "text/html; charset=utf-8", body);
    };
    let kind = content_type(&path);
    let body = if site.live_reload() && kind.starts_with("text/html") {
        inject(&bytes, &state)
    } else {
        bytes
    };
    with_type(StatusCode::OK, kind, body)
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    with_type(
        status,
        "text/plain; charset=utf-8",
        text.as_bytes().to_vec(),
    )
}

fn with_type(status: StatusCode, kind: &'static str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::full(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &[u8]) -> bool {
    let Ok(host) = std::str::from_utf8(host) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn only_names_of_this_machine_are_loopback_hosts() {
        for ok in [
            "localhost",
            "LOCALHOST:8000",
            "127.0.0.1:8000",
            "127.1.2.3",
            "[::1]:8000",
        ] {
            assert!(is_loopback_host(ok.as_bytes()), "{ok}");
        }
        for no in [
            "evil.example:8000",
            "localhost.evil.example",
            "10.0.0.1:80",
            "[::2]",
            "",
        ] {
            assert!(!is_loopback_host(no.as_bytes()), "{no}");
        }
    }
}
