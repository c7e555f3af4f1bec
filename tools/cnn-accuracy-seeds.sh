#!/usr/bin/env bash
# The cnn preset's test accuracy after 2 epochs over several seeds, NeuralKit and TensorFlow alternately (one seed
# tells little: the spread between seeds is ~0.005). Needs the peers' venv (make bench-peers sets it up).
#
#   SEEDS="1 2 3 4 5 6 7 8 9 10" tools/cnn-accuracy-seeds.sh      # results in .build/cnn-seeds/
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEERS=${PEERS_DIR:-$ROOT/.build/peers}
OUT=${OUT:-$ROOT/.build/cnn-seeds}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
[ -x "$PEERS/.venv/bin/python" ] || { echo "cnn-accuracy-seeds: run make bench-peers once first (peers venv)" >&2; exit 1; }
swift build -c release --product Benchmarks
mkdir -p "$OUT"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export BENCH_THREADS=2 TF_CPP_MIN_LOG_LEVEL=2
for s in $SEEDS; do
  NEURALKIT_SEED=$s NEURALKIT_RESULTS="$OUT/neuralkit$s.json" "$ROOT/.build/release/Benchmarks" cnn >/dev/null
  (cd "$PEERS" && .venv/bin/python bench_tf.py --task cnn --out "$OUT/tf$s.json" --seed "$s" >/dev/null 2>&1)
  echo "seed $s done ($(date +%T))"
done
"$PEERS/.venv/bin/python" - "$OUT" $SEEDS <<'PY'
import json, statistics as st, sys
out, seeds = sys.argv[1], sys.argv[2:]
for name, read in [("neuralkit", lambda d: d["cnn"]["test_accuracy"]), ("tf", lambda d: d["result"]["test_acc"])]:
    accs = [read(json.load(open(f"{out}/{name}{s}.json"))) for s in seeds]
    sd = st.stdev(accs) if len(accs) > 1 else 0
    print(f"{name:10s} mean {st.mean(accs):.4f} ± {sd:.4f}  median {st.median(accs):.4f}  range {min(accs):.4f}–{max(accs):.4f}  {accs}")
PY
