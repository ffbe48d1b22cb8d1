//! Raw HTTP for the preview server's tests: requests written byte for byte (hostile ones too),
//! answers read whole, and a client listening on `/__livereload`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Sends `request` as it is and returns the whole answer (the server closes after it, or the
/// read gives up after 20 s). The server may answer before an oversized request is all sent.
pub fn raw(port: u16, request: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = s.write_all(request);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// `METHOD path` with a Host naming this machine, closing after the answer.
pub fn ask(port: u16, method: &str, path: &str) -> String {
    raw(
        port,
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
}

pub fn get(port: u16, path: &str) -> String {
    ask(port, "GET", path)
}

/// The first line of an answer.
pub fn status(answer: &str) -> &str {
    answer.lines().next().unwrap_or("")
}

/// The body of an answer (after the blank line).
pub fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// A client of `/__livereload`, as a page's EventSource is.
pub struct Listener {
    reader: BufReader<TcpStream>,
}

impl Listener {
    pub fn connect(port: u16) -> Listener {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET /__livereload HTTP/1.1\r\nHost: localhost:{port}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        Listener {
            reader: BufReader::new(s),
        }
    }

    /// The data of the next `state` event, or `None` when none comes before `deadline`.
    pub fn next_state(&mut self, deadline: Instant) -> Option<String> {
        let mut in_state = false;
        while Instant::now() < deadline {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(_) => continue, // the read timed out: look at the deadline again
            }
            let line = line.trim_end();
            if line == "event: state" {
                in_state = true;
            } else if let (true, Some(data)) = (in_state, line.strip_prefix("data: ")) {
                return Some(data.to_string());
            }
        }
        None
    }
}
