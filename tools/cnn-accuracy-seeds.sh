#!/usr/bin/env bash
# The cnn preset's test accuracy after 2 epochs over several seeds, NeuralKit and the peers alternately (one seed
# tells little: the spread between seeds is ~0.005). Needs the peers' venv (make bench-peers sets it up).
# Accuracy does not depend on timing, so the machine may be busy meanwhile.
#
#   SEEDS="1 2 3 4 5 6 7 8 9 10" PEERS="tf torch jax" tools/cnn-accuracy-seeds.sh    # results in .build/cnn-seeds/
#
# INPUTS=standardized runs NeuralKit's cnn-normalized section (the preset's per-channel standardization) and the
# peers through tools/peer-standardized.py (the same standardization of their inputs); results in
# .build/cnn-seeds-standardized/. The default, INPUTS=pixels, is the peers' own workload (pixels / 255).
#
# INPUTS=paired runs NeuralKit's cnn section from the draws TensorFlow's script makes for the same seed (its
# initial weights and batch orders, written by tools/peer-draws.py), against PEERS=tf: seed s is then the same start
# and the same batches on both sides, and the summary also gives the per-seed (paired) differences. Results in
# .build/cnn-seeds-paired/.
#
# BENCHMARKS_BINARY=path runs that Benchmarks binary instead of building one (e.g. a copy, so that builds meanwhile
# do not replace it). A seed whose result file already exists is not run again.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEERS_DIR=${PEERS_DIR:-$ROOT/.build/peers}
INPUTS=${INPUTS:-pixels}
case "$INPUTS" in
  pixels) SECTION=cnn; WRAP=""; OUT=${OUT:-$ROOT/.build/cnn-seeds} ;;
  standardized) SECTION=cnn-normalized; WRAP="$ROOT/tools/peer-standardized.py"; OUT=${OUT:-$ROOT/.build/cnn-seeds-standardized} ;;
  paired) SECTION=cnn; WRAP=""; OUT=${OUT:-$ROOT/.build/cnn-seeds-paired} ;;
  *) echo "cnn-accuracy-seeds: INPUTS must be pixels, standardized or paired, found '$INPUTS'" >&2; exit 1 ;;
esac
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
PEERS=${PEERS:-tf}
[ -x "$PEERS_DIR/.venv/bin/python" ] || { echo "cnn-accuracy-seeds: run make bench-peers once first (peers venv)" >&2; exit 1; }
BIN=${BENCHMARKS_BINARY:-}
if [ -z "$BIN" ]; then swift build -c release --product Benchmarks; BIN=$ROOT/.build/release/Benchmarks; fi
mkdir -p "$OUT"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export BENCH_THREADS=2 TF_CPP_MIN_LOG_LEVEL=2
for s in $SEEDS; do
  draws=""
  if [ "$INPUTS" = paired ] && [ ! -s "$OUT/neuralkit$s.json" ]; then
    draws="$OUT/draws$s" && "$PEERS_DIR/.venv/bin/python" tools/peer-draws.py --seed "$s" --out "$draws"
  fi
  [ -s "$OUT/neuralkit$s.json" ] || NEURALKIT_DRAWS=$draws NEURALKIT_SEED=$s NEURALKIT_RESULTS="$OUT/neuralkit$s.json" \
    "$BIN" "$SECTION" >/dev/null
  for p in $PEERS; do
    [ -s "$OUT/$p$s.json" ] || (cd "$PEERS_DIR" && .venv/bin/python $WRAP "bench_$p.py" --task cnn --out "$OUT/$p$s.json" --seed "$s" >/dev/null 2>&1)
  done
  echo "seed $s done ($(date +%T))"
done
"$PEERS_DIR/.venv/bin/python" - "$OUT" "$SEEDS" "$INPUTS" neuralkit $PEERS <<'PY'
import json, math, statistics as st, sys
out, seeds, inputs, names = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4:]
read = lambda d: d["result"]["test_acc"] if "result" in d else next(v["test_accuracy"] for k, v in d.items() if k.startswith("cnn"))
for name in names:
    accs = [read(json.load(open(f"{out}/{name}{s}.json"))) for s in seeds]
    sd = st.stdev(accs) if len(accs) > 1 else 0
    print(f"{name:10s} n {len(accs):3d}  mean {st.mean(accs):.4f} ± {sd:.4f} (standard error {sd / math.sqrt(len(accs)):.4f})"
          f"  median {st.median(accs):.4f}  range {min(accs):.4f}–{max(accs):.4f}")
# NeuralKit against each peer: the difference of the means, its standard error and 95% interval. "below" only when
# the whole interval is below zero (issue 7's "≥ the best peer" read as "not below it beyond the seeds' noise").
ours = [read(json.load(open(f"{out}/neuralkit{s}.json"))) for s in seeds]
for name in names[1:]:
    theirs = [read(json.load(open(f"{out}/{name}{s}.json"))) for s in seeds]
    if len(seeds) < 2:
        break
    d = st.mean(ours) - st.mean(theirs)
    se = math.sqrt(st.variance(ours) / len(ours) + st.variance(theirs) / len(theirs))
    low, high = d - 1.96 * se, d + 1.96 * se
    verdict = "above" if low > 0 else "below" if high < 0 else "level"
    print(f"neuralkit − {name}: {d:+.4f} ± {se:.4f} (95% interval {low:+.4f} to {high:+.4f}): {verdict}")
    if inputs == "paired":
        diffs = [a - b for a, b in zip(ours, theirs)]
        d, se = st.mean(diffs), st.stdev(diffs) / math.sqrt(len(diffs))
        low, high = d - 1.96 * se, d + 1.96 * se
        verdict = "above" if low > 0 else "below" if high < 0 else "level"
        print(f"  paired, seed by seed: {d:+.4f} ± {se:.4f} (95% interval {low:+.4f} to {high:+.4f}): {verdict};"
              f" |difference| median {st.median(abs(x) for x in diffs):.4f}, largest {max(abs(x) for x in diffs):.4f}")
PY
