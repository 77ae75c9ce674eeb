#!/usr/bin/env bash
# Engine integration tests with real processes: the riskgate daemon with a
# sim venue, strategy processes (riskgate-loadgen and a hostile one) and
# riskctl.  Each test starts its own engine on a unique instance.
#
#   engine_test.sh BUILD_DIR SOURCE_DIR TEST_NAME
set -uo pipefail
build=$1 src=$2 name=$3
engine=$build/engine/daemon/riskgate
loadgen=$build/tools/riskgate-loadgen
riskctl=$build/tools/riskctl
garbage=$build/tests/integration/garbage_strategy
script=$build/tests/integration/reason_script
instance="it$$"
venue="SIM$$"
work=$(mktemp -d /tmp/rg-it.XXXXXX)
config=$work/config.json
prices="AAPL=190,MSFT=420,BTC-USD=65000"
engine_pid=""

fail() { echo "FAIL ($name): $*"; [ -f "$work/engine.log" ] && sed 's/^/  engine: /' "$work/engine.log"; exit 1; }

cleanup() {
  [ -n "$engine_pid" ] && kill -TERM "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null
  rm -f "/dev/shm/rg.$instance".* "/dev/shm/rg.rate.$venue"*
  rm -rf "$work"
}
trap cleanup EXIT

# The default config on a unique instance and venue, with roomy limits so
# that two strategies can trade without tripping exposure.
sed -e "s/\"instance\": \"demo\"/\"instance\": \"$instance\"/" -e "s/\"SIM\"/\"$venue\"/g" -e "s|/tmp/riskgate-demo/journal|$work/journal|" \
  "$src/examples/default.json" >"$config"

start_engine() {
  "$engine" --config "$config" >"$work/engine.log" 2>&1 &
  engine_pid=$!
  # "serving instance" is printed once the engine is up and has said
  # everything about its start (a reclaim, for one).
  for _ in $(seq 200); do
    grep -q "serving instance" "$work/engine.log" 2>/dev/null &&
      "$riskctl" status --instance "$instance" >/dev/null 2>&1 && return 0
    kill -0 "$engine_pid" 2>/dev/null || fail "engine exited at start"
    sleep 0.05
  done
  fail "engine did not come up"
}

stop_engine() {
  kill -TERM "$engine_pid" || fail "engine not running"
  wait "$engine_pid"
  local rc=$?
  engine_pid=""
  [ $rc -eq 0 ] || fail "engine exited $rc on SIGTERM"
}

run_loadgen() { # STRATEGY ARGS...
  local s=$1
  shift
  "$loadgen" --instance "$instance" --strategy "$s" --price "$prices" "$@"
}

stat_of() { # KEY: one counter from riskctl stats --json
  "$riskctl" stats --instance "$instance" --json | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" | head -1
}

# venue_limits POLICY LIMITS_JSON: the venue's rate limits, policy, a 20 ms
# jitter margin and a log of arrivals at the sim venue.
venue_limits() {
  sed -i -e "s|\"on_throttle\": \"reject\"|\"on_throttle\": \"$1\", \"rate_margin_us\": 20000|" \
    -e "s|\"rate_limits\": \[ { \"count\": 50000, \"per_ms\": 1000, \"burst\": 500 } \]|\"rate_limits\": $2|" \
    -e "s|\"sim\": { \"seed\": 42 }|\"sim\": { \"seed\": 42, \"receive_log\": \"$work/arrivals\" }|" "$config"
  grep -q "\"on_throttle\": \"$1\"" "$config" && grep -q receive_log "$config" && grep -qF "\"rate_limits\": $2" "$config" ||
    fail "could not set the venue limits"
}

# max_in_window MS: the most arrivals any window of MS milliseconds holds,
# from the sim venue's own receive timestamps.
max_in_window() {
  cut -d' ' -f1 "$work/arrivals" | sort -n | awk -v w="$1" '
    { t[NR] = $1 }
    END { best = 0; j = 1
          for (i = 1; i <= NR; i++) { while (j <= NR && t[j] < t[i] + w * 1000000) j++; if (j - i > best) best = j - i }
          print best }'
}

wait_arrivals() { # N: until the venue has seen N orders (15 s at most)
  for _ in $(seq 300); do
    [ "$(wc -l <"$work/arrivals" 2>/dev/null || echo 0)" -ge "$1" ] && return 0
    sleep 0.05
  done
  fail "the venue saw $(wc -l <"$work/arrivals") orders, expected $1"
}

case $name in
two_strategies)
  # Two strategy processes at once, good and bad orders: every message of
  # each gets exactly one decision (riskgate-loadgen verifies and exits 1 if not).
  start_engine
  run_loadgen alpha --rate 5000 --duration 2 --bad-pct 20 --cancel-pct 5 --seed 3 >"$work/a.out" &
  a=$!
  run_loadgen beta --rate 500 --duration 2 --bad-pct 20 --seed 5 --symbols AAPL,MSFT >"$work/b.out" &
  b=$!
  wait $a || { cat "$work/a.out"; fail "alpha not verified"; }
  wait $b || { cat "$work/b.out"; fail "beta not verified"; }
  grep -q "rejected BAD_QTY" "$work/a.out" || fail "bad orders were not rejected with their reason"
  grep -q "fills" "$work/a.out" || fail "no fills"
  in=$(stat_of msgs_in)
  sent=$(( $(sed -n 's/^loadgen: \([0-9]*\) messages.*/\1/p' "$work/a.out") + $(sed -n 's/^loadgen: \([0-9]*\) messages.*/\1/p' "$work/b.out") ))
  [ "$in" = "$sent" ] || fail "engine counted $in messages, strategies sent $sent"
  stop_engine
  ;;
second_engine_refuses)
  start_engine
  out=$("$engine" --config "$config" 2>&1) && fail "a second engine started"
  echo "$out" | grep -q "already served by engine pid $engine_pid" || fail "unclear refusal: $out"
  run_loadgen alpha --count 100 >/dev/null || fail "first engine disturbed"
  stop_engine
  ;;
crashed_engine_reclaimed)
  start_engine
  kill -KILL "$engine_pid"
  wait "$engine_pid" 2>/dev/null
  engine_pid=""
  [ -e "/dev/shm/rg.$instance.ctl" ] || fail "expected leftovers after SIGKILL"
  start_engine
  grep -q "reclaimed the segments of a crashed engine" "$work/engine.log" || fail "no reclaim message"
  run_loadgen alpha --count 1000 >/dev/null || fail "reclaimed instance does not serve"
  stop_engine
  ;;
strategy_killed_and_restarted)
  # A strategy killed mid-stream disturbs no one; a restarted one reattaches.
  start_engine
  run_loadgen beta --rate 1000 --duration 3 --seed 9 --symbols AAPL,MSFT >"$work/b.out" &
  b=$!
  "$loadgen" --instance "$instance" --strategy alpha --price "$prices" --rate 0 --duration 30 >/dev/null 2>&1 &
  a=$! # the loadgen process itself, not a subshell: SIGKILL must hit the strategy
  sleep 0.5
  kill -KILL $a
  wait $a 2>/dev/null
  wait $b || { cat "$work/b.out"; fail "beta disturbed by alpha's death"; }
  run_loadgen alpha --count 2000 --seed 11 >"$work/a2.out" || { cat "$work/a2.out"; fail "alpha could not reattach"; }
  stop_engine
  ;;
sigterm_drains)
  # Orders still in the ring when SIGTERM arrives are answered, not lost.
  start_engine
  run_loadgen alpha --rate 0 --duration 2 >"$work/a.out" 2>&1 &
  a=$!
  sleep 1
  kill -TERM "$engine_pid"
  wait "$engine_pid" || fail "engine exit status on SIGTERM"
  engine_pid=""
  wait $a
  # loadgen stops when the engine is gone; what it sent must all be decided
  # (ACCEPTED, REJECTED or ENGINE_STOPPING): no "got no decision".
  grep -q "got no decision" "$work/a.out" && { cat "$work/a.out"; fail "messages lost at shutdown"; }
  grep -q "decided" "$work/a.out" || { cat "$work/a.out"; fail "no summary"; }
  [ ! -e "/dev/shm/rg.$instance.ctl" ] || fail "control segment left behind"
  ;;
garbage_is_rejected)
  # A strategy writing random bytes into its ring gets each message rejected
  # and disturbs neither the engine nor the other strategy.
  start_engine
  run_loadgen beta --rate 500 --duration 2 --seed 7 --symbols AAPL,MSFT >"$work/b.out" &
  b=$!
  "$garbage" "$instance" alpha 20000 || fail "garbage strategy"
  wait $b || { cat "$work/b.out"; fail "beta disturbed"; }
  run_loadgen alpha --count 500 >/dev/null || fail "alpha's session unusable after garbage"
  stop_engine
  ;;
breaker_opens_on_venue_failures)
  # The sim venue rejects every order: after the breaker's 5 consecutive
  # failures, orders to that venue are refused CIRCUIT_OPEN by the engine.
  sed -i 's/"sim": { "seed": 42 }/"sim": { "seed": 42, "reject_pct": 100 }/' "$config"
  grep -q '"reject_pct": 100' "$config" || fail "could not set up failure injection"
  start_engine
  run_loadgen alpha --rate 200 --count 100 --symbols AAPL,MSFT >"$work/a.out" || { cat "$work/a.out"; fail "not verified"; }
  grep -q "rejected CIRCUIT_OPEN" "$work/a.out" || { cat "$work/a.out"; fail "breaker did not open"; }
  vrej=$(sed -n 's/.* \([0-9]*\) venue rejects/\1/p' "$work/a.out")
  # At least the 5 that open it; a few more when orders were already on their
  # way to the venue as the fifth reject came back (how many depends on the
  # machine's load, so only a loose upper bound: far fewer than were sent).
  [ "${vrej:-0}" -ge 5 ] && [ "${vrej:-0}" -le 20 ] || { cat "$work/a.out"; fail "expected 5 venue rejects (a few more at most) before the breaker opened, got $vrej"; }
  stop_engine
  ;;
venue_limit_queue_holds_at_arrival)
  # A burst far over the venue's limits, on_throttle queue: every order is
  # approved and reaches the venue, and no window of either length holds
  # more than its limit at the venue's own arrival times.
  venue_limits queue '[ { "count": 5, "per_ms": 200 }, { "count": 12, "per_ms": 1000 } ]'
  start_engine
  run_loadgen alpha --rate 0 --count 40 --symbols AAPL,MSFT >"$work/a.out" || { cat "$work/a.out"; fail "not verified"; }
  grep -q "rejected" "$work/a.out" && grep -q "rejected VENUE_THROTTLED" "$work/a.out" && { cat "$work/a.out"; fail "queued orders were refused"; }
  held=$(stat_of held)
  [ "${held:-0}" -gt 0 ] || fail "riskctl stats shows no held orders during the burst"
  wait_arrivals 40
  m200=$(max_in_window 200) m1000=$(max_in_window 1000)
  # Without bursts the slower bucket sets the pace (one per 85 ms): the
  # 1 s window is nearly full, which shows the queue does not dawdle.
  [ "$m200" -le 5 ] || fail "$m200 arrivals in a 200 ms window (limit 5)"
  [ "$m1000" -le 12 ] && [ "$m1000" -ge 10 ] || fail "$m1000 arrivals in a 1 s window (limit 12, expected 10 at least)"
  [ "$(stat_of sent)" = 40 ] || fail "venue sent $(stat_of sent), expected 40"
  [ "$(stat_of held)" = 0 ] || fail "$(stat_of held) still held"
  # Resting orders cancelled at once: those still held leave the queue
  # CANCELLED and never reach the venue (the first one finds a token).
  sleep 0.2
  run_loadgen alpha --rate 0 --count 20 --cancel-pct 100 --seed 4 --symbols AAPL,MSFT >"$work/c.out" ||
    { cat "$work/c.out"; fail "not verified"; }
  cancelled=$(sed -n 's/.* \([0-9]*\) cancelled,.*/\1/p' "$work/c.out")
  [ "$cancelled" = 20 ] || { cat "$work/c.out"; fail "expected 20 cancelled, got $cancelled"; }
  sleep 0.3
  reached=$(( $(wc -l <"$work/arrivals") - 40 ))
  [ "$reached" -ge 1 ] && [ "$reached" -lt 20 ] || fail "$reached of 20 cancelled orders reached the venue"
  [ "$(stat_of held)" = 0 ] || fail "$(stat_of held) still held after the cancels"
  stop_engine
  ;;
venue_limit_reject_holds_at_arrival)
  # on_throttle reject: orders beyond the limit are refused VENUE_THROTTLED,
  # the rest reach the venue within the limit, and the counts agree.
  venue_limits reject '[ { "count": 5, "per_ms": 200, "burst": 3 } ]'
  start_engine
  run_loadgen alpha --rate 100 --count 100 --symbols AAPL,MSFT >"$work/a.out" || { cat "$work/a.out"; fail "not verified"; }
  thr=$(sed -n 's/^  rejected VENUE_THROTTLED *\([0-9]*\)$/\1/p' "$work/a.out")
  [ "${thr:-0}" -gt 0 ] || { cat "$work/a.out"; fail "nothing was throttled"; }
  [ "$(stat_of throttled)" = "$thr" ] || fail "engine counted $(stat_of throttled) throttled, the strategy $thr"
  wait_arrivals $((100 - thr))
  sleep 0.2
  [ "$(wc -l <"$work/arrivals")" -eq $((100 - thr)) ] || fail "venue saw $(wc -l <"$work/arrivals"), expected $((100 - thr))"
  m200=$(max_in_window 200)
  [ "$m200" -le 5 ] || fail "$m200 arrivals in a 200 ms window (limit 5)"
  stop_engine
  ;;
every_reject_reason)
  # tests/integration/reasons.json makes every reason a strategy can provoke
  # reachable; reason_script sends one message per reason through the
  # sessions of several strategies and checks each report's reason.  Then,
  # with SIGTERM sent, orders are answered ENGINE_STOPPING.  NO_REFERENCE_PRICE
  # comes from a symbol at a FIX venue nobody listens for (no prices ever),
  # DRAWDOWN from fills marked under the day's equity peak.  (Kill, halts and
  # REDUCE_ONLY need operator controls; REPORT_RING_FULL, VENUE_QUEUE_FULL and
  # AUDIT_BACKPRESSURE are back-pressure, not input.)
  sed -e "s/@INSTANCE@/$instance/" -e "s/@V@/$venue/g" -e "s|@JOURNAL@|$work/journal|" -e "s|@WORK@|$work|" \
    "$src/tests/integration/reasons.json" >"$config"
  start_engine
  "$script" "$instance" >"$work/script.out" || { cat "$work/script.out"; fail "a report carried the wrong reason"; }
  steps=$(sed -n 's/^reason_script: \([0-9]*\) steps ok, 0 failed$/\1/p' "$work/script.out")
  [ "${steps:-0}" -ge 57 ] || { cat "$work/script.out"; fail "script incomplete"; }
  reasons=$(grep '^ok   [A-Z]' "$work/script.out" | awk '{print $2}' | sort -u | wc -l)
  [ "$reasons" -ge 39 ] || { cat "$work/script.out"; fail "only $reasons reasons hit"; }
  for r in NO_REFERENCE_PRICE DRAWDOWN; do
    grep -q "^ok   $r " "$work/script.out" || { cat "$work/script.out"; fail "$r not reached"; }
  done
  "$script" "$instance" stopping >"$work/stop.out" &
  s=$!
  sleep 0.3
  kill -TERM "$engine_pid"
  wait $s || { cat "$work/stop.out"; fail "no ENGINE_STOPPING during the drain"; }
  wait "$engine_pid" || fail "engine exit status on SIGTERM"
  engine_pid=""
  ;;
fills_move_positions_and_pnl)
  # Buy 100, sell 40 at the sim venue: the engine's risk view (riskctl
  # positions) shows the position, average cost and realized PnL the fills
  # imply, unrealized PnL at the mark, and day PnL as their sum.
  sed -e "s/@INSTANCE@/$instance/" -e "s/@V@/$venue/g" -e "s|@JOURNAL@|$work/journal|" -e "s|@WORK@|$work|" \
    "$src/tests/integration/reasons.json" >"$config"
  start_engine
  "$script" "$instance" fills >"$work/fills.out" || { cat "$work/fills.out"; fail "trades did not complete"; }
  read -r _ _ pos _ avg _ realized < <(grep '^expect' "$work/fills.out")
  sleep 0.1 # one heartbeat sweep at least
  "$riskctl" positions --instance "$instance" --json >"$work/pos.json" || fail "riskctl positions"
  "$riskctl" positions --instance "$instance" >"$work/pos.txt"
  # Flatten the two objects we need into "key value" lines.
  acct=$(tr -d '\n ' <"$work/pos.json" | grep -o '{"account":"ACCG"[^}]*}' | head -1)
  posn=$(tr -d '\n ' <"$work/pos.json" | grep -o '{"account":"ACCG","symbol":"BBB"[^}]*}' | head -1)
  [ -n "$acct" ] && [ -n "$posn" ] || { cat "$work/pos.txt"; fail "ACCG / BBB missing from riskctl positions"; }
  field() { echo "$1" | grep -o "\"$2\":\"[^\"]*\"" | cut -d'"' -f4; }
  near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 0.000001 && d > -0.000001) }'; }
  near "$(field "$posn" position)" "$pos" || { cat "$work/pos.txt"; fail "position $(field "$posn" position), expected $pos"; }
  near "$(field "$posn" avg_price)" "$avg" || { cat "$work/pos.txt"; fail "average price $(field "$posn" avg_price), expected $avg"; }
  near "$(field "$acct" realized)" "$realized" || { cat "$work/pos.txt"; fail "realized $(field "$acct" realized), expected $realized"; }
  upnl=$(awk -v m="$(field "$posn" mark)" -v a="$avg" -v p="$pos" 'BEGIN { printf "%.8f", (m - a) * p }')
  near "$(field "$posn" unrealized)" "$upnl" || { cat "$work/pos.txt"; fail "unrealized $(field "$posn" unrealized), expected $upnl at the mark"; }
  day=$(awk -v r="$realized" -v u="$(field "$acct" unrealized)" 'BEGIN { printf "%.8f", r + u }')
  near "$(field "$acct" day_pnl)" "$day" || { cat "$work/pos.txt"; fail "day PnL $(field "$acct" day_pnl), expected $day"; }
  stop_engine
  ;;
*)
  fail "unknown test"
  ;;
esac
echo "PASS ($name)"
