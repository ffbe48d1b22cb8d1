#!/usr/bin/env bash
# The original study's runs, brought into runs/x0-experiment/ with `report import`: the 16
# modded-nanogpt medium-track logs of ../shared/fixtures/x0-experiment (snimu's x0 experiment,
# results file experiments/00004-x0/results.md). The flags say what the logs do not: the
# hardware, the preset (its shape: 16 layers, so the baselines, which log no lambdas, still have
# a layer count) and, per log, the section of the results file it was published under (the
# fixture README's table). Rerun with `make import-x0`; the runs it writes are committed as they
# are, and a test imports again and compares them byte for byte. `--force`: a rerun replaces the
# runs it wrote before where they differ (each named on stderr); a run left as it was is noted.
#
# Then the study's logit lens (predictions.md of the same folder): one x01 run decoded layer by
# layer, which none of the 16 logs carries, imported as the experiment's own lens,
# runs/x0-experiment/lens-x01.json, with what the printout does not say about itself
# (`--force` as above: a rerun replaces the lens it wrote before, saying so).
#
# Environment: REPORT (the report binary), FIXTURES (the logs' folder), STUDY_FIXTURES (the
# study's files, predictions.md among them), OUT (the runs folder).
set -euo pipefail
cd "$(dirname "$0")/.."
REPORT="${REPORT:-target/release/report}"
FIXTURES="${FIXTURES:-../shared/fixtures/x0-experiment}"
STUDY_FIXTURES="${STUDY_FIXTURES:-../shared/fixtures/x0-study}"
OUT="${OUT:-runs}"
STUDY="https://github.com/snimu/modded-nanogpt-experiments"
RESULTS="experiments/00004-x0/results.md"

# The runs set no seed: each is a repeat (`--repeat N`, folder x01-rN), N the number the log's
# file name gives it. The baselines (x00) are the study's runs of its earlier experiment,
# 00003-value-embeddings, which its results list under `999-N`: their source says so.
# log file, then the `## <name>` section of the results file it came from.
while read -r log section; do
  n="${log%.txt}"
  note=""
  [[ "$log" == x00-* ]] && note=" (a baseline of the study's earlier experiment 00003-value-embeddings)"
  "$REPORT" import "$FIXTURES/$log" --out "$OUT" --experiment x0-experiment \
    --preset medium --hardware 8xH100 --force --repeat "${n##*-s}" \
    --source "$STUDY, $RESULTS, section \"## $section\"$note"
done <<'TABLE'
x00-s0.txt 999-0
x00-s1.txt 999-1
x01-s0.txt 0
x01-s1.txt 0-1
x01-s2.txt 0-2
x01-s3.txt 0-3
x01-s4.txt 0-4
x02-s0.txt 1
x02-s1.txt 1-1
x02-s2.txt 1-2
x03-s0.txt 2
x04-s0.txt 3
x04-s1.txt 3-1
x04-s2.txt 3-2
x04-s3.txt 3-3
x04-s4.txt 3-4
TABLE

SCRIPT="experiments/00004-x0/runs/4-2025-08-22-x00-x01-with-word-logging.py"
"$REPORT" import-lens "$STUDY_FIXTURES/predictions.md" --out "$OUT" --experiment x0-experiment \
  --variant x01 --force --source "$STUDY, experiments/00004-x0/predictions.md" \
  --note "printed by $SCRIPT at the end of its x01 run of 5960 steps, a run that is none of this experiment's 16" \
  --note "its 128 tokens are the start of the training batch that follows the last step, not validation tokens" \
  --note "the study put only x-out through the head's final RMS norm; every other component went to the head (and its softcap) as it was, so a component with a large norm gives a flatter distribution there; this project's lens norms every component" \
  --note "ve{i}_o{j}: value embedding i times the value-embedding lambda of layer i (not of layer j), through layer j's attention output projection" \
  --note "x_norms: torch.linalg.norm over the batch's 65536 tokens x 1024 dimensions, printed in bf16"
