#!/usr/bin/env bash
# make bench-peers: NeuralKit's benchmarks and the peer frameworks' (../shared/bench/peers) in one run, interleaved
# round by round (NeuralKit, numpy, PyTorch, JAX, TensorFlow, then the next round), each as its own process, with
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset and 2 threads for everyone. Prints medians, spreads and ratios.
#
#   RUNS=3 TASKS="mlp tiny cnn" FRAMEWORKS="numpy torch jax tf" tools/bench-peers.sh
#   RUNS=1 TASKS=charlstm FRAMEWORKS="torch jax tf keras" tools/bench-peers.sh   # the character model (no numpy version)
#
# Round r passes seed r to every framework. NeuralKit's cnn round starts from the draws TensorFlow's script makes for
# that seed (its initial weights and batch orders, tools/peer-draws.py), so that the two accuracies compare the same
# start and batches; PAIRED=0 gives NeuralKit its own draws instead.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEERS=${PEERS_DIR:-$ROOT/.build/peers}
RUNS=${RUNS:-3}
TASKS=${TASKS:-"mlp tiny cnn"}
FRAMEWORKS=${FRAMEWORKS:-"numpy torch jax tf"}
OUT=${OUT:-$ROOT/.build/bench-peers}
PAIRED=${PAIRED:-1}

if [ ! -d "$PEERS" ]; then
  [ -d ../shared/bench/peers ] || { echo "bench-peers: ../shared/bench/peers is missing" >&2; exit 1; }
  mkdir -p "$(dirname "$PEERS")"
  cp -r ../shared/bench/peers "$PEERS"
fi
[ -x "$PEERS/.venv/bin/python" ] || (cd "$PEERS" && bash setup.sh)
swift build -c release --product Benchmarks
rm -rf "$OUT" && mkdir -p "$OUT"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export BENCH_THREADS=2 TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1

for r in $(seq 1 "$RUNS"); do
  for task in $TASKS; do
    echo "== round $r: $task / neuralkit ($(date +%T))"
    draws=""
    if [ "$task" = cnn ] && [ "$PAIRED" = 1 ]; then
      draws="$OUT/draws$r" && "$PEERS/.venv/bin/python" tools/peer-draws.py --seed "$r" --out "$draws"
    fi
    NEURALKIT_DRAWS=$draws NEURALKIT_SEED=$r NEURALKIT_RESULTS="$OUT/${task}__neuralkit__run$r.json" \
      "$ROOT/.build/release/Benchmarks" "$task" >/dev/null
    for fw in $FRAMEWORKS; do
      case "$task" in char*) [ "$fw" = numpy ] && continue ;; esac
      echo "== round $r: $task / $fw ($(date +%T))"
      extra=""
      [ "$fw" = numpy ] && [ "$task" = cnn ] && extra="--cnn-batches 100"
      (cd "$PEERS" && TEXT_FILE="$ROOT/Sources/Datasets/Resources/shakespeare.txt.gz" .venv/bin/python "bench_$fw.py" --task "$task" --out "$OUT/${task}__${fw}__run$r.json" --seed "$r" $extra \
        >/dev/null 2>&1) || echo "!! $task / $fw / round $r failed"
    done
  done
done
"$PEERS/.venv/bin/python" "$ROOT/tools/summarize_peers.py" "$OUT" | tee "$OUT/summary.md"
