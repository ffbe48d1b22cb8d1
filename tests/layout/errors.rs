//! The report's errors are typed: at most `MAX_STRING_RESULTS` results with a `String` error.

use crate::sources::{root, rs_files};
use std::fs;

const MAX_STRING_RESULTS: usize = 5;

/// How many `Result<T, String>` a line holds: the error type is `String` (a `Result<String>`
/// of the crate's own error does not count).
fn string_errors(line: &str) -> usize {
    let mut n = 0;
    for (at, _) in line.match_indices("Result<") {
        let (mut depth, mut comma) = (0, None);
        for (i, c) in line[at + 6..].char_indices() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        let args = &line[at + 7..at + 6 + i];
                        let err = comma.map(|k: usize| args[k..].trim());
                        n += usize::from(err == Some("String"));
                        break;
                    }
                }
                ',' if depth == 1 => comma = Some(i),
                _ => {}
            }
        }
    }
    n
}

#[test]
fn the_string_error_count_reads_the_error_type() {
    assert_eq!(string_errors("fn f() -> Result<Vec<u8>, String> {"), 1);
    assert_eq!(string_errors("fn f() -> Result<String> {"), 0);
    assert_eq!(string_errors("fn f() -> Result<String, Error> {"), 0);
    assert_eq!(
        string_errors(
            "let g = |a: Result<(u8, u8), String>| -> std::result::Result<String, String> {"
        ),
        2
    );
}

#[test]
fn the_report_returns_typed_errors_not_strings() {
    let mut files = Vec::new();
    rs_files(&root().join("report/src"), &mut files);
    let mut hits = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            if string_errors(line) > 0 {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.len() <= MAX_STRING_RESULTS,
        "{} results with a String error in report/src (at most {MAX_STRING_RESULTS}):\n{}",
        hits.len(),
        hits.join("\n")
    );
}
