#!/usr/bin/env bash
# The x0 study's record hunt, brought into runs/x0-record-hunt/ with `report import`: the 198 runs
# of t-test-results.md (snimu/modded-nanogpt-experiments, experiments/00004-x0), x01 on the
# record codebase (5 value embeddings) at several step counts, each section a repeat of one
# training script. The runs set no seed: each is recorded as a repeat (`--repeat N`, folders
# x01-r0..x01-r197, numbered in file order). What the log does not print but the sections differ
# in is recorded with `--config`: the study's training script, by the number its file name in
# the study's runs/ folder starts with (`script=692`; the file is named in `--source`; 65 and
# 692 run the same code, 692 printing its run id, and 692 is the record) and how the last layers
# share the value embeddings (691 and 693 reverse them: `ve_share=inverse`). `68 (old)` and `68` ran
# one script at one length: one configuration. The file's prose says 5790 steps; the runs log
# their own length (`/5690` in 65 and 692), which is what is recorded. Rerun with
# `make import-x0`; a test imports again and compares every file byte for byte.
#
# Environment: REPORT (the report binary), FIXTURES (the study's folder), OUT (the runs folder).
set -euo pipefail
cd "$(dirname "$0")/.."
REPORT="${REPORT:-target/release/report}"
FIXTURES="${FIXTURES:-../shared/fixtures/x0-study}"
OUT="${OUT:-runs}"
STUDY="https://github.com/snimu/modded-nanogpt-experiments"
FILE="experiments/00004-x0/t-test-results.md"

repeat=0
# section prefix | sections | training script (experiments/00004-x0/runs/) | value-embedding share
while IFS='|' read -r prefix count script share; do
  for ((i = 0; i < count; i++)); do
    section="$prefix $i"
    "$REPORT" import "$FIXTURES/t-test-results.md" --section "$section" --out "$OUT" \
      --experiment x0-record-hunt --variant x01 --repeat "$repeat" \
      --preset medium --hardware 8xH100 --force \
      --config "script=${script%%-*}" --config "ve_share=$share" \
      --source "$STUDY, $FILE, section \"## $section\", script experiments/00004-x0/runs/$script"
    repeat=$((repeat + 1))
  done
done <<'TABLE'
999|2|999-2025-09-03-record.py|same
65|33|65-2025-09-03-record-5-valembs-x01-5690steps.py|same
66|12|66-2025-09-03-record-5-valembs-x01-5640steps.py|same
67|5|67-2025-09-03-record-5-valembs-x01-5660steps.py|same
68 (old)|31|68-2025-09-03-record-5-valembs-x01-5675steps.py|same
68|49|68-2025-09-03-record-5-valembs-x01-5675steps.py|same
690|16|690-2025-09-03-record-5-valembs-x01-5680steps.py|same
691|14|691-2025-09-03-record-5-valembs-x01-5680steps-inverse-valemb-share.py|inverse
692|19|692-2025-09-03-record-5-valembs-x01-5690steps.py|same
693|17|693-2025-09-03-record-5-valembs-x01-5690steps-inverse-valemb-share.py|inverse
TABLE
