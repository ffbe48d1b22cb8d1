//! The table of final results, in markdown: per variant n, final val loss (mean ± std, min,
//! max), the Welch p-value against the baseline, val loss at a fixed training time with its
//! p-value, and train time. The best mean of each measure is in bold. Each p column's header
//! says which loss it tests; a `Table:` caption after it (labelled `results`, so a draft can
//! cite it with `ref(table="results")`) says how the numbers were made.

use crate::runs::RunSet;
use crate::stats::{self, StatsTable, Summary, TTest};
use crate::Result;

/// The label of the results table's caption (`ref(table="results")`).
pub const RESULTS_LABEL: &str = "results";

/// The markdown table for `runs`, followed by its caption saying what p and the fixed time are.
pub fn results_table(runs: &RunSet) -> Result<String> {
    Ok(markdown(&stats::compute(runs, None)?, true))
}

fn best(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .flatten()
        .fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.min(v))))
}

fn cell(s: Option<&Summary>, digits: usize, best: Option<f64>) -> String {
    let Some(s) = s else {
        return "–".into();
    };
    let text = match s.std {
        Some(sd) => format!("{:.digits$} ± {:.digits$}", s.mean, sd),
        None => format!("{:.digits$}", s.mean),
    };
    if best == Some(s.mean) {
        format!("**{text}**")
    } else {
        text
    }
}

fn p(t: Option<&TTest>) -> String {
    match t {
        Some(t) if t.p < 0.001 => "<0.001".into(),
        Some(t) => format!("{:.3}", t.p),
        None => "–".into(),
    }
}

/// The markdown for an already computed [`StatsTable`]; without `times`, the step-only columns
/// (for runs whose training times measure a shared machine's load, not the variants).
pub fn markdown(table: &StatsTable, times: bool) -> String {
    let at = table.at_time_s;
    let b = table.baseline;
    let best_loss = best(table.rows.iter().map(|r| Some(r.final_loss.mean)));
    let best_min = best(table.rows.iter().map(|r| Some(r.final_loss.min)));
    let best_at = best(table.rows.iter().map(|r| r.loss_at_time.map(|s| s.mean)));
    let best_time = best(table.rows.iter().map(|r| Some(r.train_time_s.mean)));
    let mut out = format!("| variant | n | final val loss | best run | p, final loss vs {b} |");
    let mut rule = String::from("|---|---:|---:|---:|---:|");
    if times {
        out.push_str(&format!(
            " val loss at {at:.1} s | p, loss at {at:.1} s vs {b} | train time (s) |"
        ));
        rule.push_str("---:|---:|---:|");
    }
    out.push_str(&format!("\n{rule}\n"));
    for r in &table.rows {
        let min = if best_min == Some(r.final_loss.min) {
            format!("**{:.4}**", r.final_loss.min)
        } else {
            format!("{:.4}", r.final_loss.min)
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |",
            r.variant,
            r.n,
            cell(Some(&r.final_loss), 4, best_loss),
            min,
            p(r.t_test_vs_baseline.as_ref()),
        ));
        if times {
            out.push_str(&format!(
                " {} | {} | {} |",
                cell(r.loss_at_time.as_ref(), 4, best_at),
                p(r.t_test_at_time.as_ref()),
                cell(Some(&r.train_time_s), 1, best_time),
            ));
        }
        out.push('\n');
    }
    let p_text = if times {
        format!(
            "Each p is a two-sided Welch t-test of the loss in the column before it against {b}'s. \
             Val loss at {at:.1} s of training time, interpolated on each run's curve."
        )
    } else {
        format!("p is a two-sided Welch t-test of the final loss against {b}'s.")
    };
    out.push_str(&format!(
        "\nTable: Final results per variant: mean ± std over runs (no std for n = 1), best in \
         bold. {p_text} {{#{RESULTS_LABEL}}}\n"
    ));
    out
}
