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
    /// GPUs per node each run takes (`--gres=gpu:N`; 0: no GPU request).
    pub gpus: usize,
    /// Machines per run: above 1, the first starts the orchestrator and `srun` starts one
    /// process per machine.
    pub nodes: usize,
}

/// The orchestrator's port of array task i is this plus i (several runs may share a node).
pub const BASE_PORT: u16 = 29500;

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
        if self.nodes > 1 {
            // To every process of the run (node 0 checkpoints, the others follow it).
            let _ = writeln!(s, "#SBATCH --signal=INT@120");
            let _ = writeln!(s, "#SBATCH --nodes={}", self.nodes);
            let _ = writeln!(s, "#SBATCH --ntasks-per-node=1");
        } else {
            let _ = writeln!(s, "#SBATCH --signal=B:INT@120");
        }
        if self.gpus > 0 {
            let _ = writeln!(s, "#SBATCH --gres=gpu:{}", self.gpus);
        }
        for opt in self.sbatch {
            let _ = writeln!(s, "#SBATCH {opt}");
        }
        let _ = writeln!(s, "set -euo pipefail");
        let _ = writeln!(s, "cd {}", quote(self.workdir));
        let _ = writeln!(
            s,
            "case \"${{SLURM_ARRAY_TASK_ID:?submit this script with sbatch}}\" in"
        );
        // One machine: the task becomes the trainer. Several: the task's command is set, then
        // started on every machine by the block after `esac`.
        let start = if self.nodes > 1 { "set --" } else { "exec" };
        for (i, run) in grid.iter().enumerate() {
            let argv: Vec<String> = command(run).iter().map(|a| quote(a)).collect();
            let _ = writeln!(s, "  {i}) {start} {} ;;", argv.join(" "));
        }
        let _ = writeln!(
            s,
            "  *) echo \"no run for array task $SLURM_ARRAY_TASK_ID (0-{})\" >&2; exit 2 ;;",
            n.saturating_sub(1)
        );
        let _ = writeln!(s, "esac");
        if self.nodes > 1 {
            self.multi_node(&mut s);
        }
        s
    }

    /// The orchestrator on this (the first) machine, then one `trainer run` per machine, told
    /// its rank and address through torchrun's variables; only constant text goes to `bash -c`
    /// (the run's arguments travel as its positional parameters).
    fn multi_node(&self, s: &mut String) {
        let n = self.nodes;
        for line in [
            r#"export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)""#,
            &format!("export MASTER_PORT=$(( {BASE_PORT} + SLURM_ARRAY_TASK_ID % 1000 ))"),
            &format!("export NNODES={n}"),
            r#""$1" orchestrator --port "$MASTER_PORT" &"#,
            "orchestrator=$!",
            r#"trap 'kill "$orchestrator" 2>/dev/null' EXIT"#,
            &format!(
                r#"srun --nodes={n} --ntasks-per-node=1 bash -c {} trainer "$@""#,
                r#"'NODE_RANK="$SLURM_NODEID" exec "$@" --node-address "$(hostname)"'"#
            ),
        ] {
            let _ = writeln!(s, "{line}");
        }
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
            gpus: 0,
            nodes: 1,
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
    fn multi_gpu_and_multi_node_jobs_start_the_orchestrator_and_one_process_per_node() {
        let g = grid(
            &parse_variants("x00,x01").unwrap(),
            &parse_seeds("0").unwrap(),
        );
        let hostile = "exp $(touch /tmp/owned)'";
        let s = SlurmScript {
            experiment: hostile,
            workdir: "/w",
            log_dir: "/w/runs",
            sbatch: &[],
            gpus: 8,
            nodes: 2,
        }
        .render(&g, |r| {
            ["/bin/trainer", "run", "--experiment", hostile, "--variant"]
                .map(String::from)
                .into_iter()
                .chain([r.variant.to_string()])
                .collect()
        });
        let arm = format!(
            "  1) set -- /bin/trainer run --experiment {} --variant x01 ;;",
            quote(hostile)
        );
        for line in [
            "#SBATCH --gres=gpu:8",
            "#SBATCH --nodes=2",
            "#SBATCH --ntasks-per-node=1",
            "#SBATCH --signal=INT@120",
            &arm,
            "export NNODES=2",
            r#""$1" orchestrator --port "$MASTER_PORT" &"#,
        ] {
            assert!(s.lines().any(|l| l == line), "no line {line:?} in\n{s}");
        }
        assert!(
            s.contains("srun --nodes=2 --ntasks-per-node=1 bash -c"),
            "{s}"
        );
        assert!(!s.contains("B:INT"), "{s}");
        // The script parses as bash.
        let out = std::process::Command::new("bash")
            .args(["-n", "-c", &s])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
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
