//! A websocket client written out by hand (RFC 6455, blocking, std only), so that a test can be
//! the careless or hostile client the orchestrator must survive: no token, a wrong one, frames
//! of a message that never ends, messages out of order.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// An open websocket.
pub struct Ws {
    pub stream: TcpStream,
}

/// Asks `127.0.0.1:port/route` for a websocket, with `Authorization: Bearer token` when given:
/// the response's status line, and the socket when the server agreed (101).
pub fn open(port: u16, route: &str, token: Option<&str>) -> (String, Option<Ws>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "GET /{route} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n{auth}\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head.lines().next().unwrap_or("").to_owned();
    let ws = status.contains(" 101 ").then_some(Ws { stream });
    (status, ws)
}

impl Ws {
    /// One whole binary message.
    pub fn send(&mut self, payload: &[u8]) -> std::io::Result<()> {
        self.frame(true, 2, payload)
    }

    /// One frame: `fin` ends the message; opcode 2 starts a binary one, 0 continues it.
    pub fn frame(&mut self, fin: bool, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        let mut head = vec![(u8::from(fin) << 7) | opcode];
        // Masked (a client must), with a key of zeros: the payload goes as it is.
        match payload.len() {
            n if n < 126 => head.push(0x80 | n as u8),
            n if n <= u16::MAX as usize => {
                head.push(0x80 | 126);
                head.extend((n as u16).to_be_bytes());
            }
            n => {
                head.push(0x80 | 127);
                head.extend((n as u64).to_be_bytes());
            }
        }
        head.extend([0u8; 4]);
        self.stream.write_all(&head)?;
        self.stream.write_all(payload)
    }

    /// The next message's payload; `None` when the server closes (or the read times out).
    pub fn recv(&mut self) -> Option<Vec<u8>> {
        let mut two = [0u8; 2];
        self.stream.read_exact(&mut two).ok()?;
        let len = match two[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                self.stream.read_exact(&mut b).ok()?;
                u16::from_be_bytes(b) as usize
            }
            127 => {
                let mut b = [0u8; 8];
                self.stream.read_exact(&mut b).ok()?;
                u64::from_be_bytes(b) as usize
            }
            n => n as usize,
        };
        let mut payload = vec![0u8; len];
        self.stream.read_exact(&mut payload).ok()?;
        // Opcode 8: the server closes.
        (two[0] & 0x0f != 8).then_some(payload)
    }
}
