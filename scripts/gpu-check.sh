#!/bin/bash
# GPU check for a machine without Rust or network: copy this script and the stripped binary that
# `make gpu-check-build` (CUDA) or `make gpu-check-build GPU=wgpu` (any GPU with a Vulkan or Metal
# driver: AMD, Intel, Apple, NVIDIA) leaves in target/gpu-check/ (under 64 MiB together), then
# run `./gpu-check.sh` there (`./gpu-check.sh wgpu` for the wgpu build). It trains the medium
# preset on the generated corpus for a few steps, on one GPU and on all visible GPUs (CUDA; wgpu
# takes adapter 0, or adapters 0..N-1 with GPU_CHECK_DEVICES=N), and prints ms per step,
# tokens/s, peak GPU memory (nvidia-smi; "-" elsewhere) and the final validation loss of each.
# The generated validation split is smaller than one medium batch, so the check validates on a
# copy of the training split: the loss is a sanity check, not a result. Each run is limited to
# 4 minutes (10 in all at most).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/trainer"
device="${1:-cuda}"
steps="${GPU_CHECK_STEPS:-4}"
case "$device" in
    cuda) gpus="$(nvidia-smi -L | grep -c '^GPU ')" ;;
    wgpu) gpus="${GPU_CHECK_DEVICES:-1}" ;;
    *) echo "usage: $0 [cuda|wgpu]" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" data --out "$work/shards" >/dev/null
cp "$work/shards/stories_train_000000.bin" "$work/shards/stories_val_000001.bin"
counts=(1)
if [ "$gpus" -gt 1 ]; then counts+=("$gpus"); fi
printf '%-6s %10s %10s %14s %10s\n' gpus ms/step tok/s peak-MiB val-loss
for n in "${counts[@]}"; do
    smi=""
    if command -v nvidia-smi >/dev/null 2>&1; then
        nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 \
            >"$work/mem-$n.txt" &
        smi=$!
    fi
    status=0
    timeout 240 "$bin" run --preset medium --device "$device" --devices "$n" --steps "$steps" \
        --eval-every "$steps" --val-tokens 65536 --data "$work/shards" --out "$work/runs-$n" \
        --experiment gpu-check --quiet >"$work/run-$n.log" 2>&1 || status=$?
    if [ -n "$smi" ]; then
        kill "$smi" 2>/dev/null || true
        wait "$smi" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ]; then
        echo "$n GPU(s): the run failed (exit $status):"
        tail -n 20 "$work/run-$n.log"
        continue
    fi
    summary="$work/runs-$n/gpu-check/x00-s0/summary.json"
    field() { sed -n "s/.*\"$1\": *\([-0-9.eE+]*\).*/\1/p" "$summary" | head -n 1; }
    peak="$( (sort -n "$work/mem-$n.txt" 2>/dev/null || true) | tail -n 1)"
    printf '%-6s %10.1f %10.0f %14s %10s\n' "$n" "$(field step_avg_ms)" "$(field tokens_per_s)" \
        "${peak:--}" "$(field final_val_loss)"
done
