#!/usr/bin/env bash
# Continue the shipped stance model on the team's real-news pairs on a lent GPU, several recipes
# side by side (MiniLM at batch 32 leaves most of one GPU idle), and bring back the one checkpoint
# the pre-registered rule picks (docs/prereg/news3.md): the best news-dev macro-F1 among
# checkpoints whose pool-dev macro-F1 stays within 0.01 of the shipped model's.
#   train/gpu_news.sh CARRY_DIR OUT_DIR [MINUTES] [GUARD_MIN]
# CARRY_DIR: pool-news.jsonl.xz (the shipped model's pool), news-train.jsonl.xz and
# news-dev.jsonl.xz (python -m train.news_annotation build), arch/ (config.json and tokenizer of
# the stance model: the weights come from index/stance/weights/model.onnx).
# MINUTES is a hard stop for the training runs. DEVICE=cpu LIMIT=200 makes a smoke test of it.
set -euo pipefail
carry=$1 out=$2 minutes=${3:-7} guard=${4:-0}
device=${DEVICE:-cuda}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
work=$(mktemp -d)
mkdir -p "$out"

# A GPU machine has torch, transformers and onnx but not claimbot's own dependencies (SQLAlchemy,
# faiss, spaCy ...). Training needs two light modules of the product: the stance labels and the
# metrics; give it just those under the package name when claimbot is not installed.
if [ -n "${FORCE_SHIM:-}" ] || ! python3 -c "import claimbot.index.evaluation" 2>/dev/null; then
  shim="$work/shim/claimbot"
  mkdir -p "$shim/index/stance" "$shim/index/evaluation"
  : >"$shim/__init__.py"
  : >"$shim/index/__init__.py"
  cp index/stance/model.py "$shim/index/stance/model.py"
  cp index/evaluation/metrics.py "$shim/index/evaluation/metrics.py"
  echo "from claimbot.index.stance.model import LABELS, StanceModel, packaged_model_dir, softmax" \
    >"$shim/index/stance/__init__.py"
  echo "from claimbot.index.evaluation.metrics import expected_calibration_error, f1_per_label, macro_f1, read_jsonl" \
    >"$shim/index/evaluation/__init__.py"
  export PYTHONPATH="$work/shim:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi

for f in pool-news news-train news-dev; do  # python's lzma: the machine may have no xz
  python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" \
    "$carry/$f.jsonl.xz" "$work/$f.jsonl"
done
python3 -m train.stance_from_onnx --model-dir index/stance/weights --base-model "$carry/arch" --out "$work/shipped"

# name  repeat  replay  lr  batch  epochs  warmup
# RECIPES overrides them: lines of the same seven fields.
if [ -n "${RECIPES:-}" ]; then
  mapfile -t recipes <<<"$RECIPES"
else
  recipes=(
    "a     2 16000 2e-5 32 2 100"
    "mid   4 48000 2e-5 32 2 100"
    "full4 4 all   2e-5 32 1 200"
    "full8 8 all   3e-5 64 1 200"
  )
fi
hard=$(date -u -d "+$(python3 -c "print(round(60 * float('$minutes')))") sec" +%Y-%m-%dT%H:%M:%S)
pids=()
runs=()
for r in "${recipes[@]}"; do
  read -r name repeat replay lr batch epochs warmup <<<"$r"
  python3 -m train.news_pools --pool "$work/pool-news.jsonl" --news-train "$work/news-train.jsonl" \
    --news-dev "$work/news-dev.jsonl" --repeat "$repeat" --replay "$replay" --pool-dev --out "$work/pool-$name.jsonl"
  n=$(grep -c '"split": "train"' "$work/pool-$name.jsonl")
  [ -n "${LIMIT:-}" ] && n=$LIMIT
  every=$(((n + batch - 1) / batch / 4))  # four checkpoints an epoch
  python3 -m train.stance --pool "$work/pool-$name.jsonl" --base-model "$work/shipped" --out-dir "$work/$name" \
    --device "$device" $([ "$device" = cuda ] && echo --bf16) --threads 3 --lr "$lr" --batch-size "$batch" \
    --epochs "$epochs" --warmup-steps "$warmup" --seed 13 --ckpt-every-steps "$((every > 0 ? every : 1))" \
    --ckpt-minutes 1000 --keep 1 --dev-max 100000 --select-prefix news- --guard-min "$guard" \
    --hard-stop "$hard" ${LIMIT:+--limit $LIMIT} >"$work/$name.log" 2>&1 &
  pids+=($!)
  runs+=("$work/$name")
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=$?; done
for r in "${runs[@]}"; do
  echo "== $(basename "$r")"
  grep -E "train pairs|DEV|HARD STOP|DONE|Error|error" "$r/train.log" || tail -5 "$r.log"
done | tee "$out/logs.txt"
for r in "${runs[@]}"; do cp "$r/run.json" "$work/run-$(basename "$r").json" 2>/dev/null || true; done
# What comes back is capped at 8 files of 16 MiB: the weights in three parts, the rest in one tarball.
python3 -m train.pack_fp16 "$work/model" "${runs[@]}" --part-mb 15.9 2>&1 | tee -a "$out/logs.txt" || rc=1
mv "$work"/model/model.fp16.safetensors.part-* "$out/" 2>/dev/null || rc=1
mkdir -p "$work/model"
tar -czf "$out/meta.tar.gz" -C "$work" model $(cd "$work" && ls run-*.json 2>/dev/null)
exit $rc
