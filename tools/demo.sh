#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts the riskgate engine
# with the bundled default config (examples/default.json: sim venue, three
# symbols, two strategies), drives it for about ten seconds from a strategy
# process with good and deliberately bad orders, prints what it decided and
# how fast, and stops everything cleanly.  Everything is journaled (the
# config's "journal.dir", /tmp/riskgate-demo/journal): at the end the day's
# journal is verified with riskctl audit verify.  The engine replays that
# journal at start, so positions carry over between demo runs of one day.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
config=examples/default.json
./tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target riskgate riskgate-loadgen riskctl >/dev/null

engine=./build/engine/daemon/riskgate
loadgen=./build/tools/riskgate-loadgen
riskctl=./build/tools/riskctl
log=$(mktemp /tmp/riskgate-demo.XXXXXX.log)

$engine --check-config "$config"
$engine --config "$config" >"$log" 2>&1 &
engine_pid=$!
stop_engine() {
  if kill -0 "$engine_pid" 2>/dev/null; then
    kill -TERM "$engine_pid"
    wait "$engine_pid" || true
  fi
}
trap stop_engine EXIT

for _ in $(seq 50); do
  $riskctl status --instance demo >/dev/null 2>&1 && break
  kill -0 "$engine_pid" 2>/dev/null || break
  sleep 0.1
done
if ! kill -0 "$engine_pid" 2>/dev/null; then
  echo "demo: the engine did not start:" >&2
  cat "$log" >&2
  exit 1
fi
echo
echo "== engine =="
$riskctl status --instance demo
echo
echo "== strategy 'alpha': ${seconds}s at 20000 orders/s, 10% deliberately bad, 5% resting then cancelled =="
$loadgen --instance demo --strategy alpha --rate 20000 --duration "$seconds" --bad-pct 10 --cancel-pct 5 \
  --price AAPL=190,MSFT=420,BTC-USD=65000 --progress
echo
echo "== engine counters (riskctl stats) =="
$riskctl stats --instance demo
echo
echo "== positions and PnL (riskctl positions) =="
$riskctl positions --instance demo
echo
echo "== stopping the engine (SIGTERM: drain, close) =="
stop_engine
trap - EXIT
cat "$log"
echo
journal_dir=$(sed -n 's/.*"journal": *{ *"dir": *"\([^"]*\)".*/\1/p' "$config")
echo "== audit journal (riskctl audit verify $journal_dir/journal-*.rgj) =="
if $riskctl audit verify "$journal_dir"/journal-*.rgj; then
  echo "audit journal verified: every block's SHA-256 chain holds"
else
  echo "audit journal FAILED verification"
  exit 1
fi
