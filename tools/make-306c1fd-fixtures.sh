#!/usr/bin/env bash
# Makes Tests/Fixtures/306c1fd: run folders written by NeuralKit at commit 306c1fd (before model graphs, integer
# tensors and the exact-resume checkpoint fields), so the tests can check that today's code still loads them.
# Usage: bash tools/make-306c1fd-fixtures.sh   (builds 306c1fd in a temporary worktree; takes ~10 minutes)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
git -C "$repo" worktree add "$work/old" 306c1fd
trap 'git -C "$repo" worktree remove --force "$work/old"; rm -rf "$work"' EXIT
(cd "$work/old" && swift build -c release --product neuralkit)
old="$work/old/.build/release/neuralkit"
out="$repo/Tests/Fixtures/306c1fd"
rm -rf "$out" && mkdir -p "$out"
cd "$work"
cp "$repo/tools/fixtures/iris-small.json" "$repo/tools/fixtures/digits-conv.json" .
"$old" train --dataset iris --model-file iris-small.json --epochs 4 --checkpoint-every 3 --early-stopping 3 --output iris-small
"$old" train --dataset digits --model-file digits-conv.json --augment flip --epochs 2 --output digits-conv
for run in iris-small digits-conv; do
    dataset=$([ "$run" = iris-small ] && echo iris || echo digits)
    mkdir -p "$out/$run"
    cp "$run"/{model.json,final.safetensors,latest.ckpt.safetensors,previous.ckpt.safetensors,history.csv} "$out/$run/"
    "$old" evaluate --model-dir "$run" --dataset "$dataset" > "$out/$run/evaluate.txt"
done
