#!/usr/bin/env bash
# The x0 study's runs on the record codebase, brought into runs/x0-record-codebase/ with
# `report import`: the sections of results.md (snimu/modded-nanogpt-experiments,
# experiments/00004-x0) after the x00..x04 ablation: x00, x01 and x02 on the record codebase of
# the time (`*-record-*`, 5960 steps), then x01 with 5 value embeddings (`5`) and the baseline and
# x01 with 4 and 5 value embeddings at 5820 steps (`60`-`62`). The runs set no seed: each is a
# repeat (`--repeat N`, numbered per variant in file order). What the log does not print but the
# sections differ in is recorded with `--config`: the study's training script, by its section
# name (`script=0-record`, `script=62`; the file in the study's runs/ folder is named in
# `--source`), and the number of value embeddings it uses. One header is glued to its first log line
# (`## 61 3step:0/5820 ...`): the import reads it, with a warning naming the line. `## 61 4`
# repeats `## 61 3` line for line (every loss and time; the file's copy, not a fifth run): the
# run checks refuse it as the same run, so 61 is imported as its 4 runs, 0..3. Rerun with
# `make import-x0`; a test imports again and compares every file byte for byte.
#
# Environment: REPORT (the report binary), FIXTURES (the study's folder), OUT (the runs folder).
set -euo pipefail
cd "$(dirname "$0")/.."
REPORT="${REPORT:-target/release/report}"
FIXTURES="${FIXTURES:-../shared/fixtures/x0-study}"
OUT="${OUT:-runs}"
STUDY="https://github.com/snimu/modded-nanogpt-experiments"
FILE="experiments/00004-x0/results.md"

declare -A repeat=([x00]=0 [x01]=0 [x02]=0)
# sections (`N` stands for 0..count-1) | count | variant | training script | value embeddings
while IFS='|' read -r pattern count variant script ves; do
  for ((i = 0; i < count; i++)); do
    section="${pattern/N/$i}"
    "$REPORT" import "$FIXTURES/results.md" --section "$section" --out "$OUT" \
      --experiment x0-record-codebase --variant "$variant" --repeat "${repeat[$variant]}" \
      --preset medium --hardware 8xH100 --force \
      --config "script=${pattern%%[ -]N}" --config "value_embeddings=$ves" \
      --source "$STUDY, $FILE, section \"## $section\", script experiments/00004-x0/runs/$script"
    repeat[$variant]=$((repeat[$variant] + 1))
  done
done <<'TABLE'
0-record-N|5|x01|0-2025-08-24-record.py|3
1-record-N|5|x02|1-2025-08-24-record.py|3
999-record-N|5|x00|999-2025-08-24-record.py|3
5 N|6|x01|5-2025-08-28-x00-x01-with-extra-valembs.py|5
60 N|5|x00|60-2025-09-03-baseline-5-valembs.py|5
61 N|4|x01|61-2025-09-03-record-4-valembs-x01.py|4
62 N|5|x01|62-2025-09-03-record-5-valembs-x01.py|5
TABLE
