#!/usr/bin/env bash
# Train the stance model on a lent GPU machine in a fixed time budget: two recipes side by side
# on the one GPU (MiniLM at batch 32 leaves most of it idle), keep the one with the better dev
# macro-F1 and pack it in fp16 parts into OUT_DIR.  Epochs are fixed (a schedule sized from the
# first steps' speed came out far too short: the GPU warms up slowly); MINUTES is a hard stop.
#   train/gpu_run.sh BASE_DIR POOL_JSONL_GZ OUT_DIR [MINUTES]
# RECIPE_A / RECIPE_B override the two recipes (train.stance options), e.g. for a continuation
# from a trained model: RECIPE_A="--lr 2e-5 --epochs 1 --warmup-steps 200".
# BASE_DIR: the all-MiniLM-L6-v2 weights (fp16 is fine); the pool comes from train.stance_data.
set -euo pipefail
base=$1 pool_gz=$2 out=$3 minutes=${4:-7}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
work=$(mktemp -d)
gunzip -c "$pool_gz" > "$work/pool.jsonl"
hard=$(date -u -d "+${minutes} min" +%Y-%m-%dT%H:%M:%S)
common=(--pool "$work/pool.jsonl" --base-model "$base" --device cuda --bf16 --threads 6
        --end-by "" --hard-stop "$hard" --ckpt-minutes 1 --keep 1)
recipe_a=${RECIPE_A:-"--lr 6e-5 --epochs 3 --warmup-steps 600"}
recipe_b=${RECIPE_B:-"--lr 4e-5 --epochs 3 --warmup-steps 600"}
python3 -m train.stance "${common[@]}" --out-dir "$work/a" $recipe_a > "$work/a.log" 2>&1 &
pa=$!
python3 -m train.stance "${common[@]}" --out-dir "$work/b" $recipe_b > "$work/b.log" 2>&1 &
pb=$!
rc=0
wait $pa || rc=$?
wait $pb || rc=$?
mkdir -p "$out"
{ echo "== run a ($recipe_a)"; grep -v "Writing model" "$work/a.log"
  echo "== run b ($recipe_b)"; grep -v "Writing model" "$work/b.log"; } > "$out/logs.txt"
python3 -m train.pack_fp16 "$out" "$work/a" "$work/b"
exit $rc
