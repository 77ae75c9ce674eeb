#!/usr/bin/env bash
# The main job: installs what is missing, builds, starts the riskgate engine
# with the bundled default config (examples/default.json: sim venue, three
# symbols, two strategies), drives it for about ten seconds from a strategy
# process with good and deliberately bad orders, prints what it decided and
# how fast, and stops everything cleanly.  Everything is journaled, and at the
# end the run's journal is verified with riskctl audit verify.
#
# Each user gets an instance of their own (demo-<uid>) and each run a fresh
# journal directory (/tmp/riskgate-demo-<uid>/<instance>/run-<time>-<pid>, the
# three latest runs kept), so runs never replay each other's journals and two
# users (or two instances) can run the demo side by side.  Overrides:
#   RG_DEMO_INSTANCE  the instance name (1-31 of A-Z a-z 0-9 _ -)
#   RG_DEMO_DIR       where run directories go
#   RG_DEMO_BUILD     a build directory to take the binaries from as they are
#                     (no dependency check, no build)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
uid=$(id -u)
instance=${RG_DEMO_INSTANCE:-demo-$uid}
base=${RG_DEMO_DIR:-/tmp/riskgate-demo-$uid}/$instance
build=${RG_DEMO_BUILD:-}
if [ -z "$build" ]; then
  build=./build
  ./tools/deps.sh
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target riskgate riskgate-loadgen riskctl >/dev/null
fi

run=$base/run-$(date -u +%Y%m%dT%H%M%S)-$$
mkdir -p "$run"
chmod 700 "${RG_DEMO_DIR:-/tmp/riskgate-demo-$uid}" "$base" "$run"
# The three latest runs are kept; older ones (their journals) go.
ls -1d "$base"/run-* 2>/dev/null | sort | head -n -3 | xargs -r rm -rf
journal_dir=$run/journal
log=$run/engine.log
config=$run/config.json
# The bundled config on this instance, journal directory and a venue of this
# user's own (a venue's rate-limit segment is shared by every engine on the
# host that trades it), its engine on the last core when there is no core 1.
core=1
[ "$(nproc)" -gt 1 ] || core=0
sed -e "s|\"instance\": \"demo\"|\"instance\": \"$instance\"|" -e "s|/tmp/riskgate-demo/journal|$journal_dir|" \
  -e "s|\"SIM\"|\"SIM-$uid\"|g" -e "s|\"core\": 1,|\"core\": $core,|" examples/default.json >"$config"

engine=$build/engine/daemon/riskgate
loadgen=$build/tools/riskgate-loadgen
riskctl=$build/tools/riskctl

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

# riskctl status exits 0 only once the engine is RUNNING (6 while it is
# STARTING, replaying a journal); the strategy's session opens only then.
up=0
for _ in $(seq 300); do
  if $riskctl status --instance "$instance" >/dev/null 2>&1; then up=1; break; fi
  kill -0 "$engine_pid" 2>/dev/null || break
  sleep 0.1
done
if [ $up = 0 ]; then
  echo "demo: the engine did not start:" >&2
  cat "$log" >&2
  exit 1
fi
echo
echo "== engine (instance $instance, run directory $run) =="
$riskctl status --instance "$instance"
echo
echo "== strategy 'alpha': ${seconds}s at 20000 orders/s, 10% deliberately bad, 5% resting then cancelled =="
$loadgen --instance "$instance" --strategy alpha --rate 20000 --duration "$seconds" --bad-pct 10 --cancel-pct 5 \
  --price AAPL=190,MSFT=420,BTC-USD=65000 --progress --cpu 0
echo
echo "== engine counters (riskctl stats) =="
$riskctl stats --instance "$instance"
echo
echo "== positions and PnL (riskctl positions) =="
$riskctl positions --instance "$instance"
echo
echo "== stopping the engine (SIGTERM: drain, close) =="
stop_engine
trap - EXIT
cat "$log"
echo
echo "== audit journal (riskctl audit verify $journal_dir/journal-*.rgj) =="
if $riskctl audit verify "$journal_dir"/journal-*.rgj; then
  echo "audit journal verified: every block's SHA-256 chain holds"
else
  echo "audit journal FAILED verification"
  exit 1
fi
