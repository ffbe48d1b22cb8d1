//! The sweep's closing table: one row per run of the grid, saying what was done with it and how
//! it ended.

use std::fmt::Write;

/// One row: the run, what the sweep did, and how the run stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub run: String,
    /// `trained`, `restarted`, `resumed from 40`, `skipped`, `busy`, `not run`.
    pub done: String,
    /// `finished`, `diverged`, `interrupted`, or what went wrong.
    pub status: String,
    pub final_val_loss: Option<f64>,
    pub minutes: Option<f64>,
}

pub fn render(rows: &[Row]) -> String {
    let header = ["run", "done", "status", "val loss", "minutes"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.run.clone(),
                r.done.clone(),
                r.status.clone(),
                r.final_val_loss
                    .map_or_else(|| "-".into(), |v| format!("{v:.4}")),
                r.minutes.map_or_else(|| "-".into(), |m| format!("{m:.1}")),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: &[String]| {
        let parts: Vec<String> = cols
            .iter()
            .zip(width)
            .enumerate()
            .map(|(i, (c, w))| {
                // Numbers align right, words left.
                if i >= 3 {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(&header.map(String::from));
    line(&width.map(|w| "-".repeat(w)));
    for row in &cells {
        line(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let rows = [
            Row {
                run: "x00-s0".into(),
                done: "skipped".into(),
                status: "finished".into(),
                final_val_loss: Some(3.21234),
                minutes: None,
            },
            Row {
                run: "x01-s0".into(),
                done: "resumed from 40".into(),
                status: "interrupted".into(),
                final_val_loss: None,
                minutes: Some(1.25),
            },
        ];
        let t = render(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("run     done             status       val loss  minutes"));
        assert!(
            lines[2].contains("skipped          finished       3.2123        -"),
            "{t}"
        );
        assert!(
            lines[3].contains("resumed from 40  interrupted         -      1.2"),
            "{t}"
        );
    }
}
