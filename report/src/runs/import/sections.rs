//! `## NAME` sections: published results files (the x0 study's results.md) gather many runs in
//! one file, each under its own header. One run is one section, so a file whose log lines sit
//! in two or more sections is refused (at the first log line of the second) unless
//! `--section NAME` picks one; a file with one section (or none) imports whole, its header read
//! as a title.
//!
//! A header is a line starting with `## `; a header that lost its newline (`## 61 3step:0/5820
//! val_loss:...`) is named by the text before its `step:`, and its log line belongs to it.

use super::fault::Fault;
use super::lines::glued_step;

/// One header: its name and its line (1-based).
#[derive(Debug, Clone)]
struct Header {
    name: String,
    line: usize,
}

/// Which lines of a log are read, followed line by line.
#[derive(Debug)]
pub(super) struct Sections<'a> {
    wanted: Option<&'a str>,
    headers: Vec<Header>,
    /// Per group of lines (before any header, then one per header): its first log line.
    first_log_line: Vec<Option<usize>>,
}

impl<'a> Sections<'a> {
    pub(super) fn new(wanted: Option<&'a str>) -> Self {
        Sections {
            wanted,
            headers: Vec::new(),
            first_log_line: vec![None],
        }
    }

    /// Notes the header `raw` may be (line `n`); true when the line belongs to the section read.
    pub(super) fn enter(&mut self, raw: &str, n: usize) -> bool {
        if let Some(title) = raw.strip_prefix("## ") {
            let name = match glued_step(title) {
                Some(at) => &title[..at],
                None => title,
            };
            self.headers.push(Header {
                name: name.trim().to_owned(),
                line: n,
            });
            self.first_log_line.push(None);
        }
        match (self.wanted, self.headers.last()) {
            (None, _) => true,
            (Some(w), Some(h)) => h.name == w,
            (Some(_), None) => false,
        }
    }

    /// Notes that line `n`, in the current section, is a log line; `Err` when it is the first
    /// of a second section with log lines and no `--section` was given.
    pub(super) fn log_line(&mut self, n: usize) -> Result<(), Fault> {
        let current = self.first_log_line.len() - 1;
        if self.first_log_line[current].is_some() {
            return Ok(());
        }
        self.first_log_line[current] = Some(n);
        let earlier = self.first_log_line[..current]
            .iter()
            .position(Option::is_some);
        match (self.wanted, earlier) {
            (None, Some(first)) => Err(Fault(format!(
                "log lines under a second `## ` header ({}; the first: {}): one run is one \
                 section, never spliced from several; import one with --section NAME",
                self.describe(current),
                self.describe(first)
            ))),
            _ => Ok(()),
        }
    }

    /// A group of lines, for messages: its header and line, or where its log lines start.
    fn describe(&self, group: usize) -> String {
        match group.checked_sub(1).map(|h| &self.headers[h]) {
            Some(h) => format!("line {} `## {}`", h.line, h.name.escape_debug()),
            None => format!(
                "log lines from line {}, before any `## ` header",
                self.first_log_line[0].unwrap_or(0)
            ),
        }
    }

    /// With `--section`: `Err((line, message))` when the file has no such section, or two.
    pub(super) fn finish(&self) -> Result<(), (Option<usize>, String)> {
        match self.wanted {
            None => Ok(()),
            Some(w) => self.the_wanted(w),
        }
    }

    fn the_wanted(&self, wanted: &str) -> Result<(), (Option<usize>, String)> {
        let found: Vec<&Header> = self.headers.iter().filter(|h| h.name == wanted).collect();
        match found.as_slice() {
            [_] => Ok(()),
            [] => {
                let names: Vec<String> = self
                    .headers
                    .iter()
                    .take(8)
                    .map(|h| format!("`{}`", h.name.escape_debug()))
                    .collect();
                let known = match self.headers.len() {
                    0 => "it has no `## ` header".to_owned(),
                    n if n > 8 => format!("its sections: {}, ... ({n} in all)", names.join(", ")),
                    _ => format!("its sections: {}", names.join(", ")),
                };
                Err((
                    None,
                    format!("--section {wanted:?}: no `## {wanted}` header; {known}"),
                ))
            }
            [a, b, ..] => Err((
                Some(b.line),
                format!(
                    "--section {wanted:?}: a second `## {wanted}` header (the first: line {}); \
                     which one is the run cannot be told",
                    a.line
                ),
            )),
        }
    }
}
