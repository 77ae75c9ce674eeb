#!/usr/bin/env bash
# REST end-to-end tests with real processes on loopback: the riskgate daemon
# with a "rest" venue (tests/adapters/rest/rest_engine.json) pointing at the
# local HTTPS + WebSocket venue (rest_venue.py, a self-signed certificate it
# makes at start, trusted through the config's ca_file: verification stays
# on), a scripted strategy (rest_strategy) and riskctl.  Each test has its
# own instance, venue name, venue process and journal.  The API key and
# secret reach the engine through a credentials file (mode 0600), never the
# config, and every test looks for them in everything the engine wrote.
#
#   rest_engine_test.sh BUILD_DIR SOURCE_DIR PYTHON TEST_NAME
set -uo pipefail
build=$1 src=$2 python=$3 name=$4
engine=$build/engine/daemon/riskgate
riskctl=$build/tools/riskctl
strategy=$build/tests/adapters/rest/rest_strategy
ring_export=$build/tests/journal/journal_ring_export
venue_py=$src/tests/adapters/rest/rest_venue.py
instance="rs$$"
venue="REST$$"
key="rg-test-key-$$-Zq81xV"
secret="rg-test-secret-$$-Hh27pW"
work=$(mktemp -d /tmp/rg-rest-it.XXXXXX)
venue_dir=$work/venue
config=$work/config.json
engine_pid="" venue_pid=""

# Waits are on events, each for at least DEADLINE seconds: a sanitizer build
# on a busy two-core machine can stretch anything.
DEADLINE=${RG_TEST_DEADLINE:-90}
ticks() { seq $((DEADLINE * 20)); } # for ... in $(ticks): sleep 0.05 a turn, DEADLINE s at least

fail() {
  echo "FAIL ($name): $*"
  [ -f "$work/engine.log" ] && sed 's/^/  engine: /' "$work/engine.log"
  [ -f "$venue_dir/events.log" ] && tail -40 "$venue_dir/events.log" | sed 's/^/  venue: /'
  [ -f "$venue_dir/requests.log" ] && tail -40 "$venue_dir/requests.log" | sed 's/^/  venue request: /'
  exit 1
}
. "$src/tests/integration/common.sh"

cleanup() {
  [ -n "$engine_pid" ] && kill -TERM "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null
  [ -n "$venue_pid" ] && kill -TERM "$venue_pid" 2>/dev/null && wait "$venue_pid" 2>/dev/null
  rm -f "/dev/shm/rg.$instance".* "/dev/shm/rg.rate.$venue"
  if [ -n "${RG_TEST_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The venue, and the config pointing at it with credentials KEY SECRET.
start_venue() { # [VENUE ARGS...]
  mkdir -p "$venue_dir"
  "$python" "$venue_py" --dir "$venue_dir" --api-key "$key" --api-secret "$secret" "$@" 2>"$work/venue.err" &
  venue_pid=$!
  for _ in $(ticks); do
    [ -s "$venue_dir/ready" ] && break
    kill -0 "$venue_pid" 2>/dev/null || { cat "$work/venue.err"; fail "venue exited at start"; }
    sleep 0.05
  done
  port=$(cat "$venue_dir/ready" 2>/dev/null) || fail "venue did not come up"
  write_credentials "$key" "$secret"
  sed -e "s/@INSTANCE@/$instance/" -e "s/@VENUE@/$venue/g" -e "s/@PORT@/$port/g" -e "s|@CA@|$venue_dir/cert.pem|" \
    -e "s|@JOURNAL@|$work/journal|" -e "s|@CREDENTIALS@|$work/credentials|" \
    "$src/tests/adapters/rest/rest_engine.json" >"$config"
}

write_credentials() { # KEY SECRET
  (umask 077 && printf '# test credentials\napi_key=%s\napi_secret=%s\n' "$1" "$2" >"$work/credentials")
}

start_engine() {
  "$engine" --config "$config" >>"$work/engine.log" 2>&1 &
  engine_pid=$!
  for _ in $(ticks); do
    grep -q "serving instance" "$work/engine.log" 2>/dev/null &&
      "$riskctl" status --instance "$instance" >/dev/null 2>&1 && return 0
    kill -0 "$engine_pid" 2>/dev/null || fail "engine exited at start"
    sleep 0.05
  done
  fail "engine did not come up"
}

# Waits until the engine's log has PATTERN at least N times.
wait_log() { # PATTERN N WHAT
  for _ in $(ticks); do
    [ "$(grep -c -- "$1" "$work/engine.log")" -ge "$2" ] && return 0
    sleep 0.05
  done
  fail "$3"
}

control() { # COMMANDS (one per line): handed to the venue, which runs them and removes the file
  printf '%s\n' "$1" >"$venue_dir/control.tmp" && mv "$venue_dir/control.tmp" "$venue_dir/control"
  for _ in $(ticks); do
    [ -e "$venue_dir/control" ] || return 0
    sleep 0.05
  done
  fail "venue did not take '$1'"
}

run() { # OUTPUT_NAME ARGS...: a strategy run that must pass
  local out=$work/$1.out
  shift
  "$strategy" "$instance" "$@" >"$out" 2>&1 || { cat "$out"; fail "strategy: $*"; }
}

seq_of() { # OUTPUT_NAME CLIENT_ID: the engine sequence the strategy printed
  local s
  s=$(sed -n "s/^order $2 engine_seq \([0-9]*\)$/\1/p" "$work/$1.out")
  [ -n "$s" ] || fail "no engine sequence for order $2"
  echo "$s"
}

position_of() { # SYMBOL: the engine's position as riskctl shows it
  "$riskctl" positions --instance "$instance" --json | tr -d '\n ' |
    grep -o "{\"account\":\"ACC\",\"symbol\":\"$1\"[^}]*}" | grep -o '"position":"[^"]*"' | cut -d'"' -f4
}

same_number() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'; }

wait_position() { # SYMBOL QTY
  local p=""
  for _ in $(ticks); do
    p=$(position_of "$1")
    same_number "${p:-0}" "$2" && return 0
    sleep 0.05
  done
  fail "$1 position ${p:-none}, expected $2"
}

# Journal records of TYPE (riskctl audit export names) about engine_seq SEQ, in the day files.
journal_count() { # TYPE SEQ
  "$riskctl" audit export "$work"/journal/* --jsonl --type "$1" 2>/dev/null | grep -c "\"engine_seq\":$2[,}]"
}

# The key and the secret appear nowhere the engine wrote or riskctl shows.
no_secrets() {
  "$riskctl" status --instance "$instance" >"$work/riskctl.out" 2>&1
  "$riskctl" stats --instance "$instance" >>"$work/riskctl.out" 2>&1
  "$riskctl" stats --instance "$instance" --json >>"$work/riskctl.out" 2>&1
  "$riskctl" positions --instance "$instance" --json >>"$work/riskctl.out" 2>&1
  "$riskctl" audit status --instance "$instance" >>"$work/riskctl.out" 2>&1
  "$ring_export" "$instance" >"$work/ring.jsonl" 2>&1
  "$riskctl" audit export "$work"/journal/* --jsonl >"$work/journal.jsonl" 2>&1
  [ -s "$work/journal.jsonl" ] || fail "the journal export is empty"
  for f in "$work/engine.log" "$work/riskctl.out" "$work/ring.jsonl" "$work/journal.jsonl" "$config" \
    "$work"/*.out; do
    grep -q -- "$key" "$f" && fail "the API key was written to $f"
    grep -q -- "$secret" "$f" && fail "the API secret was written to $f"
  done
  return 0
}

case $name in
routes_orders_fills_and_cancels)
  # Orders the engine approves reach the venue signed, with their fields;
  # acks, fills (three trades of one order), a cancel, an expiry and a venue
  # reject come back to the strategy; the fills move the engine's positions.
  start_venue
  start_engine
  wait_log "user stream up" 1 "the REST venue did not come up"
  control "fill_parts 3"
  run a place 1 BTCUSDT BUY 0.5 30100 IOC accepted ack filled:0.5
  grep -q "filled in 3 fills" "$work/a.out" || fail "expected three fills: $(cat "$work/a.out")"
  s1=$(seq_of a 1)
  grep -q "^rg-$s1 BTCUSDT BUY LIMIT 0.50000000 30100.00000000 IOC$" "$venue_dir/orders.log" ||
    fail "order 1 at the venue: $(cat "$venue_dir/orders.log")"
  run b place 2 ETHUSDT SELL 2 2100 GTC accepted ack
  run c cancel 3 2 ETHUSDT accepted cancelled
  s2=$(seq_of b 2)
  grep -q "^rg-$s2 ETHUSDT$" "$venue_dir/cancels.log" || fail "cancel at the venue: $(cat "$venue_dir/cancels.log")"
  run d place 4 ETHUSDT BUY 1 1900 IOC accepted ack cancelled
  control "reject_next 1"
  run e place 5 BTCUSDT BUY 0.1 29000 GTC accepted venue_reject:400
  wait_position BTCUSDT 0.5
  wait_position ETHUSDT 0
  [ "$(journal_count ORDER_FILLED "$s1")" -eq 3 ] || fail "expected 3 fill records for order 1 in the journal"
  [ "$(wc -l <"$venue_dir/orders.log")" -eq 3 ] || fail "expected 3 orders in the venue's book"
  [ "$(grep -c "^POST /api/v3/order " "$venue_dir/requests.log")" -eq 4 ] || fail "expected 4 new orders sent"
  [ "$(cut -d' ' -f1 "$venue_dir/orders.log" | sort | uniq -d)" = "" ] || fail "an order reached the venue twice"
  stop_engine
  no_secrets
  ;;
replaces_through_the_engine)
  # Replaces the engine approves reach the venue as one signed
  # cancelReplace (STOP_ON_FAILURE): price up with quantity down, then price
  # down with quantity up, each answered REPLACED with the new total, price
  # and leaves.  A replace of an unknown order never leaves riskgate.  When
  # the venue cancels the old order but refuses the new one, the strategy
  # hears REPLACE_REJECTED for the replace and CANCELLED for its target, and
  # the engine holds nothing open for it.
  start_venue
  sed -i 's|"max_in_flight": 8,|"max_in_flight": 8, "cancel_replace": true,|' "$config"
  grep -q '"cancel_replace": true' "$config" || fail "could not switch cancel_replace on"
  start_engine
  wait_log "user stream up" 1 "the REST venue did not come up"
  run a place 1 BTCUSDT BUY 0.5 29000 GTC accepted ack
  s1=$(seq_of a 1)
  run b replace 2 1 BTCUSDT BUY 0.3 29100 accepted replaced:0.3:29100:0.3
  grep -q "^rg-$s1 BTCUSDT replace$" "$venue_dir/cancels.log" || fail "no cancelReplace of rg-$s1: $(cat "$venue_dir/cancels.log")"
  grep -q " BTCUSDT BUY LIMIT 0.30000000 29100.00000000 GTC$" "$venue_dir/orders.log" ||
    fail "the new leg is not in the venue's book: $(cat "$venue_dir/orders.log")"
  run c replace 3 2 BTCUSDT BUY 0.6 28900 accepted replaced:0.6:28900:0.6
  grep -q " BTCUSDT BUY LIMIT 0.60000000 28900.00000000 GTC$" "$venue_dir/orders.log" ||
    fail "the second leg is not in the venue's book: $(cat "$venue_dir/orders.log")"
  run d replace 4 99 BTCUSDT BUY 0.1 28000 rejected:UNKNOWN_ORDER
  control "replace_new_fails on"
  run e replace 5 3 BTCUSDT BUY 0.2 28800 accepted replace_rejected 3=cancelled
  # The order is done: a cancel of it is refused by the engine itself.
  run f cancel 6 3 BTCUSDT 6=rejected:UNKNOWN_ORDER
  [ "$(grep -c "^POST /api/v3/order/cancelReplace " "$venue_dir/requests.log")" -eq 3 ] ||
    fail "expected 3 cancelReplace requests: $(grep cancelReplace "$venue_dir/requests.log")"
  wait_position BTCUSDT 0
  stop_engine
  no_secrets
  ;;
rate_limit_answers_throttle_orders)
  # A 429 with Retry-After: the order is reported refused (429), and the
  # adapter holds the venue's shared rate limiter, so the engine throttles
  # the next order itself (VENUE_THROTTLED) instead of sending it.
  start_venue
  start_engine
  wait_log "user stream up" 1 "the REST venue did not come up"
  control "answer429 1 30"
  run a place 1 BTCUSDT BUY 0.1 29000 GTC accepted venue_reject:429
  run b place 2 BTCUSDT BUY 0.1 29000 GTC rejected:VENUE_THROTTLED
  [ -s "$venue_dir/orders.log" ] && fail "an order reached the venue during its back-off"
  "$riskctl" stats --instance "$instance" --json | tr -d '\n ' | grep -q '"throttled":[1-9]' ||
    fail "riskctl stats does not count the throttled order"
  grep -q "answered 429" "$work/engine.log" || fail "no log line about the 429"
  stop_engine
  no_secrets
  ;;
ban_opens_the_breaker)
  # A 418 ban: the order is refused (418), the venue's breaker opens at once
  # (a STATE_CHANGE in the journal) and the next order never leaves riskgate.
  start_venue
  start_engine
  wait_log "user stream up" 1 "the REST venue did not come up"
  control "answer418 60"
  run a place 1 BTCUSDT BUY 0.1 29000 GTC accepted venue_reject:418
  run b place 2 BTCUSDT BUY 0.1 29000 GTC rejected:CIRCUIT_OPEN
  [ -s "$venue_dir/orders.log" ] && fail "an order reached a venue that banned us"
  "$riskctl" audit export "$work"/journal/* --jsonl --type STATE_CHANGE | grep -q '"entity":"BREAKER".*"new_state":"OPEN"' ||
    { "$riskctl" audit export "$work"/journal/* --jsonl --type STATE_CHANGE; fail "no breaker STATE_CHANGE in the journal"; }
  stop_engine
  ;;
stream_drop_mid_fills_loses_no_fill)
  # The user stream drops between fills, and two fills happen while it is
  # down: after the reconnect the adapter fills the gap from the venue's
  # trades, so the position counts every fill once and the journal has one
  # record per trade.
  start_venue
  start_engine
  wait_log "user stream up" 1 "the REST venue did not come up"
  run a place 1 BTCUSDT BUY 1 29000 GTC accepted ack
  s=$(seq_of a 1)
  control "fill $s 0.1"
  wait_position BTCUSDT 0.1
  control "mute on
fill $s 0.2
fill $s 0.3
drop_stream
mute off"
  wait_log "user stream lost" 1 "the stream drop was not seen"
  wait_log "user stream up" 2 "the stream did not come back"
  wait_position BTCUSDT 0.6
  control "fill $s 0.4"
  wait_position BTCUSDT 1
  [ "$(journal_count ORDER_FILLED "$s")" -eq 4 ] || fail "expected 4 fill records for the order"
  [ "$(wc -l <"$venue_dir/orders.log")" -eq 1 ] || fail "expected 1 order at the venue"
  stop_engine
  no_secrets
  ;;
restart_reconciles_open_orders)
  # The engine is killed with two orders open at the venue; while it is
  # away one fills further and the other ends.  The restarted engine
  # recovers both from its journal and asks the adapter about them, which
  # has read the venue's open orders: the missed fill arrives once, the
  # ended order is cancelled, and the open one trades on.
  start_venue
  start_engine
  wait_log "user stream up" 1 "the REST venue did not come up"
  run a place 1 BTCUSDT BUY 1 29000 GTC accepted ack
  run b place 2 ETHUSDT SELL 1 2100 GTC accepted ack
  s1=$(seq_of a 1)
  s2=$(seq_of b 2)
  control "fill $s1 0.25"
  wait_position BTCUSDT 0.25
  kill -KILL "$engine_pid"
  wait "$engine_pid" 2>/dev/null
  engine_pid=""
  control "fill $s1 0.5
cancel $s2"
  start_engine
  wait_log "recovered open order.*engine_seq $s1 .*the venue is asked" 1 "order 1 not recovered from the journal"
  wait_log "user stream up" 2 "the REST venue did not come up after the restart"
  wait_position BTCUSDT 0.75
  for _ in $(ticks); do [ "$(journal_count ORDER_CANCELLED "$s2")" -ge 1 ] && break; sleep 0.05; done
  [ "$(journal_count ORDER_CANCELLED "$s2")" -eq 1 ] || fail "order 2 was not cancelled once"
  grep -q "order $s1 open at the venue since before this start" "$work/engine.log" || fail "order 1 was not adopted"
  control "fill $s1 0.25"
  wait_position BTCUSDT 1
  [ "$(journal_count ORDER_FILLED "$s1")" -eq 3 ] || fail "expected 3 fill records for order 1"
  [ "$(wc -l <"$venue_dir/orders.log")" -eq 2 ] || fail "expected 2 orders at the venue"
  stop_engine
  no_secrets
  ;;
wrong_key_fails_clearly)
  # A wrong API key: the engine says so in a line an operator understands,
  # the venue's breaker opens, orders never leave riskgate, retries follow
  # the back-off (no storm), and neither key nor secret is written anywhere.
  start_venue
  write_credentials "not-$key" "$secret"
  start_engine
  wait_log "refused the API key" 1 "no clear error about the API key"
  run a place 1 BTCUSDT BUY 0.1 29000 GTC rejected:CIRCUIT_OPEN
  t0=$(date +%s%N)
  sleep 2 # a window for the retries to show their pace
  refused() { grep -c "auth refused" "$venue_dir/events.log"; }
  for _ in $(ticks); do [ "$(refused)" -ge 2 ] && break; sleep 0.05; done
  n=$(refused) ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$n" -ge 2 ] || fail "the adapter did not retry"
  # The back-off (100 ms doubling to 400 ms) allows some 3 attempts a
  # second, however long the window took on a busy machine; a storm, hundreds.
  [ "$n" -le $((5 + ms * 3 / 1000)) ] || fail "$n refused attempts in $ms ms: a retry storm"
  [ "$(grep -c "refused the API key" "$work/engine.log")" -eq 1 ] || fail "the error should be said once"
  [ -s "$venue_dir/orders.log" ] && fail "an order reached the venue"
  grep -q -- "-2015" "$work/engine.log" || fail "the venue's code is not in the log"
  stop_engine
  key="not-$key" no_secrets
  no_secrets
  ;;
*)
  fail "unknown test"
  ;;
esac
echo "PASS ($name)"
