//! `trainer sweep --emit slurm`: the grid as a Slurm job array, for users who outgrow one
//! machine. Array task i runs `trainer run` for the i-th run of the grid (the sweep's order),
//! every task writing into the same runs/ tree; the run-folder lock and the sweep's plan make a
//! resubmitted array skip finished runs and resume interrupted ones.

use crate::sweep::grid::RunSpec;
use std::fmt::Write;

/// What the script needs beyond the grid.
#[derive(Debug, Clone)]
pub struct SlurmScript<'a> {
    pub experiment: &'a str,
    /// Absolute folder the tasks start in (relative paths in the commands resolve from here).
    pub workdir: &'a str,
    /// Where the task logs go (`<dir>/slurm-<job>_<task>.log`); must exist before submission.
    pub log_dir: &'a str,
    /// Extra `#SBATCH` options, verbatim (`--partition=gpu`, `--time=04:00:00`, ...).
    pub sbatch: &'a [String],
}

impl SlurmScript<'_> {
    /// The script; `command(run)` is the full argv (program first) of the task training `run`.
    pub fn render(&self, grid: &[RunSpec], command: impl Fn(&RunSpec) -> Vec<String>) -> String {
        let n = grid.len();
        let mut s = String::new();
        let _ = writeln!(s, "#!/bin/bash");
        let _ = writeln!(
            s,
            "# Slurm job array written by `trainer sweep --emit slurm`: experiment {}, {n} runs,\n\
             # one array task per run. Submit with `sbatch <this file>`. Submitting it again is\n\
             # safe: a finished run is skipped, an interrupted one resumes from its checkpoint,\n\
             # and a run folder is locked while a task trains it.",
            self.experiment
        );
        let _ = writeln!(s, "#SBATCH --job-name={}", quote(self.experiment));
        let _ = writeln!(s, "#SBATCH --array=0-{}", n.saturating_sub(1));
        let _ = writeln!(s, "#SBATCH --output={}/slurm-%A_%a.log", self.log_dir);
        let _ = writeln!(s, "#SBATCH --open-mode=append");
        // SIGINT two minutes before the time limit: the run checkpoints and marks itself
        // interrupted instead of being killed mid-step (B: the batch shell, which `exec` makes
        // the trainer itself).
        let _ = writeln!(s, "#SBATCH --signal=B:INT@120");
        for opt in self.sbatch {
            let _ = writeln!(s, "#SBATCH {opt}");
        }
        let _ = writeln!(s, "set -euo pipefail");
        let _ = writeln!(s, "cd {}", quote(self.workdir));
        let _ = writeln!(
            s,
            "case \"${{SLURM_ARRAY_TASK_ID:?submit this script with sbatch}}\" in"
        );
        for (i, run) in grid.iter().enumerate() {
            let argv: Vec<String> = command(run).iter().map(|a| quote(a)).collect();
            let _ = writeln!(s, "  {i}) exec {} ;;", argv.join(" "));
        }
        let _ = writeln!(
            s,
            "  *) echo \"no run for array task $SLURM_ARRAY_TASK_ID (0-{})\" >&2; exit 2 ;;",
            n.saturating_sub(1)
        );
        let _ = writeln!(s, "esac");
        s
    }
}

/// Quotes a word for bash only when it needs it.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./=:,@%+-".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::grid::{grid, parse_seeds, parse_variants};

    fn script(grid: &[RunSpec]) -> String {
        let opts = vec!["--time=02:00:00".to_owned()];
        SlurmScript {
            experiment: "exp one",
            workdir: "/work/my repo",
            log_dir: "runs/exp",
            sbatch: &opts,
        }
        .render(grid, |r| {
            let (variant, seed) = (r.variant.to_string(), r.seed.to_string());
            [
                "/bin/trainer",
                "run",
                "--variant",
                &variant,
                "--seed",
                &seed,
            ]
            .map(String::from)
            .to_vec()
        })
    }

    #[test]
    fn five_by_three_grid_is_fifteen_tasks_of_one_command_each() {
        let g = grid(
            &parse_variants("x00,x01,x02,x03,x04").unwrap(),
            &parse_seeds("0,1,2").unwrap(),
        );
        let s = script(&g);
        assert!(s.contains("\n#SBATCH --array=0-14\n"), "{s}");
        assert!(s.contains("\n#SBATCH --time=02:00:00\n"), "{s}");
        let arms: Vec<&str> = s
            .lines()
            .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            .collect();
        assert_eq!(arms.len(), 15);
        for (i, (arm, run)) in arms.iter().zip(&g).enumerate() {
            let expected = format!(
                "  {i}) exec /bin/trainer run --variant {} --seed {} ;;",
                run.variant, run.seed
            );
            assert_eq!(*arm, expected);
            assert_eq!(arm.matches("trainer").count(), 1, "{arm}");
        }
        assert!(s.contains("cd '/work/my repo'\n"), "{s}");
        assert!(s.contains("--job-name='exp one'"), "{s}");
    }

    #[test]
    fn quoting_survives_bash() {
        assert_eq!(quote("runs/x-1"), "runs/x-1");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        let out = std::process::Command::new("bash")
            .args(["-c", &format!("printf %s {}", quote("a 'b' $c"))])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a 'b' $c");
    }
}
