#!/usr/bin/env bash
# make browser-test: the Playground in real headless Chromium. Starts `neuralkit playground` on a free loopback
# port, opens the page with an XOR setup and ?play (the page presses Play), lets it run for up to 30 s, then checks
# the displayed test loss is below 0.1 and that the decision-surface canvas is painted; saves a screenshot under .build/.
# Then a diverging setup must show its loss as "diverged", and ?backprop=3 the table of one point's backward pass.
set -euo pipefail
cd "$(dirname "$0")/.."
BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || { echo "browser-test: chromium is not installed" >&2; exit 1; }
PORT=${PORT:-$((20000 + RANDOM % 20000))}
.build/release/neuralkit playground --port "$PORT" > .build/playground-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break
  sleep 0.1
done
CONFIG='%7B%22dataset%22%3A%22xor%22%2C%22hidden%22%3A%5B%7B%22neurons%22%3A8%2C%22activation%22%3A%22tanh%22%7D%2C%7B%22neurons%22%3A8%2C%22activation%22%3A%22tanh%22%7D%5D%2C%22optimizer%22%3A%22adam%22%2C%22learningRate%22%3A0.03%7D'
URL="http://127.0.0.1:$PORT/?play#$CONFIG"
FLAGS=(--headless --no-sandbox --disable-gpu --virtual-time-budget=30000)
timeout 90 "$BROWSER" "${FLAGS[@]}" --dump-dom "$URL" 2>/dev/null > .build/playground-dom.html
loss=$(grep -o 'id="testLoss">[0-9.]*' .build/playground-dom.html | sed 's/.*>//')
epoch=$(grep -o 'id="epoch">[0-9]*' .build/playground-dom.html | sed 's/.*>//')
painted=$(grep -o 'data-painted="[0-9]*"' .build/playground-dom.html | grep -o '[0-9]*' || echo 0)
timeout 90 "$BROWSER" "${FLAGS[@]}" --window-size=1400,1000 --screenshot=.build/playground.png "$URL" >/dev/null 2>&1 || true
echo "browser-test: epoch ${epoch:-?}, displayed test loss ${loss:-none}, painted surface pixels $painted; screenshot .build/playground.png"
if [ -z "$loss" ] || ! awk -v l="$loss" 'BEGIN { exit !(l < 0.1) }'; then echo "browser-test: FAILED (test loss not below 0.1)" >&2; exit 1; fi
if [ "$painted" -lt 1000 ]; then echo "browser-test: FAILED (decision surface is blank)" >&2; exit 1; fi
# A run that diverges (SGD at the largest rate on the regression plane): its overflowing losses arrive as JSON null
# and the page shows "diverged" and keeps going, rather than failing to parse the state.
DIVERGING='%7B%22dataset%22%3A%22plane%22%2C%22hidden%22%3A%5B%7B%22neurons%22%3A8%2C%22activation%22%3A%22relu%22%7D%2C%7B%22neurons%22%3A8%2C%22activation%22%3A%22relu%22%7D%5D%2C%22optimizer%22%3A%22sgd%22%2C%22learningRate%22%3A10%7D'
timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom \
  "http://127.0.0.1:$PORT/?play#$DIVERGING" 2>/dev/null > .build/playground-diverged.html
shown=$(grep -o 'id="trainLoss">[a-z0-9.]*' .build/playground-diverged.html | sed 's/.*>//')
depoch=$(grep -o 'id="epoch">[0-9]*' .build/playground-diverged.html | sed 's/.*>//')
echo "browser-test: diverging run at epoch ${depoch:-?} shows train loss ${shown:-none}"
if [ "$shown" != "diverged" ] || [ "${depoch:-0}" -lt 2 ]; then echo "browser-test: FAILED (a diverged run is not shown as such)" >&2; exit 1; fi
# Backprop of one training point (?backprop=3): the page shows its table, from the weights to the loss.
timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom \
  "http://127.0.0.1:$PORT/?backprop=3#$CONFIG" 2>/dev/null > .build/playground-backprop.html
timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --window-size=1400,1400 \
  --screenshot=.build/playground-backprop.png "http://127.0.0.1:$PORT/?backprop=3#$CONFIG" >/dev/null 2>&1 || true
point=$(grep -o 'Training point 3: [^<]*' .build/playground-backprop.html || true)
rows=$(grep -o '<table id="backprop">.*</table>' .build/playground-backprop.html | grep -o '<tr>' | wc -l)
weights=$(grep -o '<td>layers\.0\.weight</td>' .build/playground-backprop.html | wc -l)
echo "browser-test: backprop shows '${point:-nothing}' in $rows rows ($weights first-layer weight row)"
if [ -z "$point" ] || [ "$rows" -lt 10 ] || [ "$weights" -ne 1 ]; then echo "browser-test: FAILED (no backprop table)" >&2; exit 1; fi
echo "browser-test: passed"
