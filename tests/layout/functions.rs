//! No function outside tests over `MAX_FN_LINES` lines without a comment above it saying why.

use crate::sources::{modules, root, Module};
use crate::CRATES;
use std::path::PathBuf;

const MAX_FN_LINES: usize = 80;

/// Functions outside tests longer than `MAX_FN_LINES`, without a why-comment above them.
fn long_functions(m: &Module) -> Vec<String> {
    let lines: Vec<&str> = m.text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let head = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("async ")
            .trim_start_matches("unsafe ");
        if !head.starts_with("fn ") || line.trim_end().ends_with(';') {
            continue;
        }
        let close = format!("{indent}}}");
        let Some(len) = lines[i + 1..]
            .iter()
            .position(|l| l.trim_end() == close)
            .map(|k| k + 2)
        else {
            continue;
        };
        let above = lines[..i]
            .iter()
            .rev()
            .take_while(|l| {
                let t = l.trim_start();
                t.starts_with("//") || t.starts_with("#[")
            })
            .any(|l| l.contains("over 80 lines"));
        if len > MAX_FN_LINES && !above {
            let fn_name: String = head[3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(format!(
                "{}:{}: fn {fn_name} is {len} lines",
                m.file.strip_prefix(root()).unwrap_or(&m.file).display(),
                i + 1
            ));
        }
    }
    found
}

#[test]
fn no_function_outside_tests_runs_over_80_lines_without_saying_why() {
    let long: Vec<String> = CRATES
        .iter()
        .flat_map(|k| modules(k))
        .flat_map(|m| long_functions(&m))
        .collect();
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them, or say why in a comment above \
         containing \"over 80 lines\"):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_counts_a_function_to_its_closing_brace() {
    let body = |n: usize| "        let x = 1;\n".repeat(n);
    let m = |text: String| Module {
        file: PathBuf::from("x.rs"),
        path: vec![],
        text,
    };
    let long = m(format!(
        "impl A {{\n    fn f() {{\n{}    }}\n}}\n",
        body(79)
    ));
    assert_eq!(long_functions(&long), vec!["x.rs:2: fn f is 81 lines"]);
    let fits = m(format!("    fn f() {{\n{}    }}\n", body(78)));
    assert!(long_functions(&fits).is_empty());
    let said = m(format!(
        "    // A kernel's loop, over 80 lines: it reads best whole.\n    #[inline]\n    fn f() {{\n{}    }}\n",
        body(100)
    ));
    assert!(long_functions(&said).is_empty());
}
