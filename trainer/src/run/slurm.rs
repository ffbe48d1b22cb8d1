//! `trainer sweep --emit slurm`: the grid as a Slurm job array, for users who outgrow one
//! machine. Array task i runs `trainer run` for the i-th run of the grid (the sweep's order),
//! every task writing into the same runs/ tree; the run-folder lock and the sweep's plan make a
//! resubmitted array skip finished runs and resume interrupted ones.
//!
//! What reaches the script is checked first ([`SlurmScript::check`]): the experiment is a plain
//! name, each `--sbatch` value one option without spaces, quotes or control characters, and no
//! path holds a control character (a line break would end a `#SBATCH` line and start a command).

use crate::run::grid::RunSpec;
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
    /// The run's token file (`--token-file`), for the orchestrator too; without one, each task
    /// makes a token of its own in TRAINER_TOKEN (unless the submitter set one).
    pub token_file: Option<&'a str>,
}

/// The orchestrator's port of array task i is this plus i (several runs may share a node).
pub const BASE_PORT: u16 = 29500;

/// Why an `--sbatch` value cannot go into the script, if it cannot: one option, `-x`, `--name`
/// or `--name=value`, of visible ASCII without quotes, backslashes or `#`.
pub fn check_sbatch(opt: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "--sbatch value {opt:?} is not one sbatch option: {why} (allowed: --name or \
             --name=value, visible ASCII without spaces, quotes, backslashes or `#`)"
        ))
    };
    if let Some(c) = opt
        .chars()
        .find(|c| !c.is_ascii_graphic() || matches!(c, '\'' | '"' | '\\' | '`' | '#'))
    {
        return refuse(match c {
            '\n' | '\r' => "it holds a line break",
            c if c.is_whitespace() => "it holds white space",
            c if c.is_control() => "it holds a control character",
            _ => "it holds a character outside the allowed ones",
        });
    }
    let name = opt.split_once('=').map_or(opt, |(n, _)| n);
    let plain = name
        .trim_start_matches('-')
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !name.starts_with('-') || name.trim_start_matches('-').is_empty() || !plain {
        return refuse("it does not start with an option name (`--time=...`)");
    }
    Ok(())
}

impl SlurmScript<'_> {
    /// An error naming what cannot go into the script, if anything.
    pub fn check(&self) -> Result<(), String> {
        runlog::check_name("--experiment", self.experiment).map_err(|e| e.to_string())?;
        for opt in self.sbatch {
            check_sbatch(opt)?;
        }
        let paths = [
            ("the working folder", self.workdir),
            ("the log folder (--out)", self.log_dir),
            ("--token-file", self.token_file.unwrap_or("")),
        ];
        for (what, path) in paths {
            if path.chars().any(char::is_control) {
                return Err(format!(
                    "{what} {path:?} holds a control character (a line break?): it cannot go \
                     into a script"
                ));
            }
        }
        Ok(())
    }

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
            &self.orchestrator(),
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

impl SlurmScript<'_> {
    /// The orchestrator's line: every interface of the first machine (the others reach it
    /// there), the run's token required (a fresh one per task unless given).
    fn orchestrator(&self) -> String {
        let start = r#""$1" orchestrator --port "$MASTER_PORT" --bind 0.0.0.0"#;
        match self.token_file {
            Some(file) => format!("{start} --token-file {} &", quote(file)),
            None => format!(
                "export TRAINER_TOKEN=\"${{TRAINER_TOKEN:-$(od -An -N32 -tx1 /dev/urandom | \
                 tr -d ' \\n')}}\"\n{start} &"
            ),
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
    use crate::run::grid::{grid, parse_seeds, parse_variants};

    fn script(grid: &[RunSpec]) -> String {
        let opts = vec!["--time=02:00:00".to_owned()];
        SlurmScript {
            experiment: "exp one",
            workdir: "/work/my repo",
            log_dir: "runs/exp",
            sbatch: &opts,
            gpus: 0,
            nodes: 1,
            token_file: None,
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
            token_file: None,
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
            r#"export TRAINER_TOKEN="${TRAINER_TOKEN:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}""#,
            r#""$1" orchestrator --port "$MASTER_PORT" --bind 0.0.0.0 &"#,
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
    fn names_options_and_paths_that_would_break_out_of_the_script_are_refused() {
        let ok = [
            "--time=04:00:00",
            "--partition=gpu",
            "-N2",
            "--constraint=a100|h100",
        ];
        for opt in ok {
            assert_eq!(check_sbatch(opt), Ok(()), "{opt}");
        }
        for (opt, why) in [
            ("--time=1\ntouch PWNED", "it holds a line break"),
            ("--time=1 --wrap=id", "it holds white space"),
            ("--comment='x'", "outside the allowed ones"),
            ("--x=\u{7}", "control character"),
            ("time=1", "does not start with an option name"),
            ("--", "does not start with an option name"),
        ] {
            let err = check_sbatch(opt).unwrap_err();
            assert!(err.contains(why), "{opt:?}: {err}");
        }
        let script = |experiment, sbatch: &[String], log_dir, token_file| {
            SlurmScript {
                experiment,
                workdir: "/w",
                log_dir,
                sbatch,
                gpus: 0,
                nodes: 2,
                token_file,
            }
            .check()
        };
        assert_eq!(script("x0-study", &[], "/w/runs", Some("/w/token")), Ok(()));
        let err = script("x\ntouch PWNED #", &[], "/w/runs", None).unwrap_err();
        assert!(
            err.contains("--experiment") && err.contains("line break"),
            "{err}"
        );
        let opts = vec!["--time=1\ntouch PWNED".to_owned()];
        assert!(script("x", &opts, "/w/runs", None).is_err());
        let err = script("x", &[], "/w/runs\ntouch PWNED", None).unwrap_err();
        assert!(err.contains("the log folder (--out)"), "{err}");
        assert!(script("x", &[], "/w/runs", Some("/w/t\nok")).is_err());
        // A given token file goes to the orchestrator too, quoted; no token is made then.
        let s = SlurmScript {
            experiment: "x",
            workdir: "/w",
            log_dir: "/w/runs",
            sbatch: &[],
            gpus: 0,
            nodes: 2,
            token_file: Some("/w/my token"),
        }
        .render(&[], |_| vec!["/bin/trainer".into()]);
        assert!(
            s.contains(r#""$1" orchestrator --port "$MASTER_PORT" --bind 0.0.0.0 --token-file '/w/my token' &"#),
            "{s}"
        );
        assert!(!s.contains("TRAINER_TOKEN="), "{s}");
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
