#!/bin/bash
# GPU check for a machine without Rust or network: copy this script and the stripped binary that
# `make gpu-check-build` leaves in target/gpu-check/ (under 64 MiB together), then run
# `./gpu-check.sh` there. It trains the medium preset on the generated corpus for a few steps,
# on one GPU and on all visible GPUs, and prints ms per step, tokens/s, peak GPU memory and the
# final validation loss of each. Each run is limited to 4 minutes (10 in all at most).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/trainer"
steps="${GPU_CHECK_STEPS:-4}"
gpus="$(nvidia-smi -L | grep -c '^GPU ')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
counts=(1)
if [ "$gpus" -gt 1 ]; then counts+=("$gpus"); fi
printf '%-6s %10s %10s %14s %10s\n' gpus ms/step tok/s peak-MiB val-loss
for n in "${counts[@]}"; do
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 \
        >"$work/mem-$n.txt" &
    smi=$!
    status=0
    timeout 240 "$bin" run --preset medium --device cuda --devices "$n" --steps "$steps" \
        --eval-every "$steps" --val-tokens 65536 --out "$work/runs-$n" --experiment gpu-check \
        --quiet >"$work/run-$n.log" 2>&1 || status=$?
    kill "$smi" 2>/dev/null || true
    wait "$smi" 2>/dev/null || true
    if [ "$status" -ne 0 ]; then
        echo "$n GPU(s): the run failed (exit $status):"
        tail -n 20 "$work/run-$n.log"
        continue
    fi
    summary="$work/runs-$n/gpu-check/x00-s0/summary.json"
    field() { sed -n "s/.*\"$1\": *\([-0-9.eE+]*\).*/\1/p" "$summary" | head -n 1; }
    peak="$(sort -n "$work/mem-$n.txt" | tail -n 1)"
    printf '%-6s %10.1f %10.0f %14s %10s\n' "$n" "$(field step_avg_ms)" "$(field tokens_per_s)" \
        "$peak" "$(field final_val_loss)"
done
