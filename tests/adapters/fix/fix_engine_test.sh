#!/usr/bin/env bash
# FIX end-to-end tests with real processes on loopback: the riskgate daemon
# with a FIX venue (tests/adapters/fix/fix_engine.json) pointing at the
# QuickFIX acceptor (quickfix_acceptor, behind its fault-injecting wire), a
# scripted strategy (fix_strategy) and riskctl.  Each test has its own
# instance, venue, acceptor and session store.  The password reaches the
# engine through the environment variable the config names, never the config.
#
#   fix_engine_test.sh BUILD_DIR SOURCE_DIR TEST_NAME
set -uo pipefail
build=$1 src=$2 name=$3
engine=$build/engine/daemon/riskgate
riskctl=$build/tools/riskctl
acceptor=$build/tests/adapters/fix/quickfix_acceptor
strategy=$build/tests/adapters/fix/fix_strategy
ring_export=$build/tests/journal/journal_ring_export
dict=$src/tests/adapters/fix/FIX44-riskgate.xml
instance="fx$$"
venue="FIX$$"
password="Pa55-$$-word"
work=$(mktemp -d /tmp/rg-fix-it.XXXXXX)
venue_dir=$work/venue
config=$work/config.json
engine_pid="" acceptor_pid=""

# Waits are on events, each for at least DEADLINE seconds: a sanitizer build
# on a busy two-core machine can stretch anything.
DEADLINE=${RG_TEST_DEADLINE:-90}
ticks() { seq $((DEADLINE * 20)); } # for ... in $(ticks): sleep 0.05 a turn, DEADLINE s at least

fail() {
  echo "FAIL ($name): $*"
  [ -f "$work/engine.log" ] && sed 's/^/  engine: /' "$work/engine.log"
  [ -f "$venue_dir/events.log" ] && sed 's/^/  venue: /' "$venue_dir/events.log"
  exit 1
}
. "$src/tests/integration/common.sh"

cleanup() {
  [ -n "$engine_pid" ] && kill -TERM "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null
  [ -n "$acceptor_pid" ] && kill -TERM "$acceptor_pid" 2>/dev/null && wait "$acceptor_pid" 2>/dev/null
  rm -f "/dev/shm/rg.$instance".* "/dev/shm/rg.rate.$venue"
  if [ -n "${RG_TEST_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

start_acceptor() {
  mkdir -p "$venue_dir"
  "$acceptor" --port 0 --dir "$venue_dir" --dict "$dict" --password "$password" 2>"$work/acceptor.log" &
  acceptor_pid=$!
  for _ in $(ticks); do
    [ -s "$venue_dir/ready" ] && break
    kill -0 "$acceptor_pid" 2>/dev/null || { cat "$work/acceptor.log"; fail "acceptor exited at start"; }
    sleep 0.05
  done
  port=$(cat "$venue_dir/ready" 2>/dev/null) || fail "acceptor did not come up"
  sed -e "s/@INSTANCE@/$instance/" -e "s/@VENUE@/$venue/g" -e "s/@PORT@/$port/" -e "s|@STORE@|$work/rg.fixstore|" -e "s|@JOURNAL@|$work/journal|" \
    "$src/tests/adapters/fix/fix_engine.json" >"$config"
}

# The engine, with the password given as the config says: in RG_TEST_FIX_PASSWORD.
start_engine() { # [PASSWORD]
  RG_TEST_FIX_USER=riskgate RG_TEST_FIX_PASSWORD=${1:-$password} "$engine" --config "$config" >>"$work/engine.log" 2>&1 &
  engine_pid=$!
  for _ in $(ticks); do
    grep -q "serving instance" "$work/engine.log" 2>/dev/null &&
      "$riskctl" status --instance "$instance" >/dev/null 2>&1 && return 0
    kill -0 "$engine_pid" 2>/dev/null || fail "engine exited at start"
    sleep 0.05
  done
  fail "engine did not come up"
}

# Waits until the engine's log has LINE at least N times.
wait_log() { # PATTERN N WHAT
  for _ in $(ticks); do
    [ "$(grep -c -- "$1" "$work/engine.log")" -ge "$2" ] && return 0
    sleep 0.05
  done
  fail "$3"
}

control() { # COMMANDS: handed to the acceptor, which runs them and removes the file
  printf '%s\n' "$1" >"$venue_dir/control.tmp" && mv "$venue_dir/control.tmp" "$venue_dir/control"
  for _ in $(ticks); do
    [ -e "$venue_dir/control" ] || return 0
    sleep 0.05
  done
  fail "acceptor did not take '$1'"
}

run_strategy() { # SCRIPT [ID] > output
  "$strategy" "$instance" "$@"
}

# ClOrdID the venue saw for the order the strategy printed as "order ID engine_seq N".
venue_line_of() { # OUTPUT_FILE CLIENT_ID RUN
  local seq
  seq=$(sed -n "s/^order $2 engine_seq \([0-9]*\)$/\1/p" "$1")
  [ -n "$seq" ] || fail "no engine sequence for order $2"
  grep "^$3-$seq " "$venue_dir/orders.log"
}

no_duplicate_orders() {
  local dups
  dups=$(cut -d' ' -f1 "$venue_dir/orders.log" | sort | uniq -d)
  [ -z "$dups" ] || fail "orders reached the venue twice: $dups"
}

position_of() { # SYMBOL: the engine's position as riskctl shows it
  "$riskctl" positions --instance "$instance" --json | tr -d '\n ' |
    grep -o "{\"account\":\"ACC\",\"symbol\":\"$1\"[^}]*}" | grep -o '"position":"[^"]*"' | cut -d'"' -f4
}

open_notional_of() { # ACCOUNT: its open notional as riskctl shows it
  "$riskctl" positions --instance "$instance" --json | tr -d '\n ' |
    grep -o "{\"account\":\"$1\"[^}]*}" | head -1 | grep -o '"open_notional":"[^"]*"' | cut -d'"' -f4
}

same_number() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'; }

case $name in
routes_orders_and_fills_move_positions)
  # Orders the engine approves reach the venue with their fields; acks,
  # fills, a cancel and a venue reject come back to the strategy with its
  # own order ids; the fills move the engine's positions.
  start_acceptor
  start_engine
  wait_log "session up" 1 "FIX session did not come up"
  grep -q "^logon user=riskgate$" "$venue_dir/events.log" || fail "the venue did not see our Logon with the username"
  run_strategy trade >"$work/trade.out" || { cat "$work/trade.out"; fail "trade script"; }
  # ClOrdID Symbol Side OrderQty OrdType Price TimeInForce, as the venue received them.
  [ "$(venue_line_of "$work/trade.out" 1 1 | cut -d' ' -f2-)" = "AAPL 1 10 2 101.25 0" ] || fail "order 1 at the venue: $(cat "$venue_dir/orders.log")"
  [ "$(venue_line_of "$work/trade.out" 2 1 | cut -d' ' -f2-)" = "MSFT 2 200 2 101.25 1" ] || fail "order 2 at the venue"
  [ "$(venue_line_of "$work/trade.out" 4 1 | cut -d' ' -f2-)" = "ZZZZ 1 5 2 101.25 0" ] || fail "order 4 at the venue"
  [ "$(venue_line_of "$work/trade.out" 6 1 | cut -d' ' -f2-)" = "AAPL 2 10 2 101.25 0" ] || fail "order 6 at the venue"
  [ "$(venue_line_of "$work/trade.out" 7 1 | cut -d' ' -f2-)" = "AAPL 1 10 2 101.25 0" ] || fail "order 7 at the venue"
  [ "$(wc -l <"$venue_dir/orders.log")" -eq 5 ] || fail "expected 5 orders at the venue (order 5 refused by riskgate)"
  seq2=$(sed -n 's/^order 2 engine_seq \([0-9]*\)$/\1/p' "$work/trade.out")
  grep -q "^1-$seq2-C[0-9]* 1-$seq2 MSFT 2 200$" "$venue_dir/cancels.log" || fail "cancel at the venue: $(cat "$venue_dir/cancels.log")"
  no_duplicate_orders
  wait_heartbeats # one heartbeat sweep of the risk view
  same_number "$(position_of AAPL)" 10 || fail "AAPL position $(position_of AAPL), expected 10"
  same_number "$(position_of MSFT)" -100 || fail "MSFT position $(position_of MSFT), expected -100"
  stop_engine
  for _ in $(ticks); do grep -q "^logout$" "$venue_dir/events.log" && break; sleep 0.05; done
  grep -q "^logout$" "$venue_dir/events.log" || fail "the engine did not log out at SIGTERM"
  ;;
replaces_reach_the_venue)
  # A strategy's replaces go to QuickFIX as OrderCancelReplaceRequest (35=G),
  # each naming the ClOrdID the one before gave the order; REPLACED comes
  # back with the new leaves; a cancel afterwards names the latest ClOrdID; a
  # replace that a fill overtakes is REPLACE_REJECTED; nothing stays reserved.
  start_acceptor
  start_engine
  wait_log "session up" 1 "FIX session did not come up"
  run_strategy replace 500 >"$work/replace.out" || { cat "$work/replace.out"; fail "replace script"; }
  seq=$(sed -n 's/^order 500 engine_seq \([0-9]*\)$/\1/p' "$work/replace.out")
  [ -n "$seq" ] || { cat "$work/replace.out"; fail "no engine_seq"; }
  first=$(sed -n 1p "$venue_dir/replaces.log")
  second=$(sed -n 2p "$venue_dir/replaces.log")
  echo "$first" | grep -q "^1-$seq-R[0-9]* 1-$seq MSFT 1 1500 101 0$" || fail "first replace at the venue: $first"
  r1=${first%% *}
  echo "$second" | grep -q "^1-$seq-R[0-9]* $r1 MSFT 1 3000 101.5 0$" || fail "second replace at the venue: $second"
  r2=${second%% *}
  grep -q "^1-$seq-C[0-9]* $r2 MSFT 1 3000$" "$venue_dir/cancels.log" || fail "the cancel did not name $r2: $(cat "$venue_dir/cancels.log")"
  for _ in $(ticks); do [ "$(open_notional_of ACC)" = 0 ] && break; sleep 0.05; done
  [ "$(open_notional_of ACC)" = 0 ] || fail "ACC still reserves $(open_notional_of ACC)"
  stop_engine
  ;;
reconnects_without_duplicate_orders)
  # The venue drops the connection: the engine sees a venue failure, the
  # adapter logs on again, sequence numbers continue, and trading resumes
  # with no order sent twice.
  start_acceptor
  start_engine
  wait_log "session up" 1 "FIX session did not come up"
  run_strategy roundtrip 1 >"$work/a.out" || { cat "$work/a.out"; fail "first round trip"; }
  control drop
  wait_log "down (the venue closed the connection)" 1 "the drop was not seen"
  wait_log "session up" 2 "FIX session did not come back"
  run_strategy roundtrip 11 >"$work/b.out" || { cat "$work/b.out"; fail "round trip after the reconnect"; }
  [ "$(grep -c '^logon user=riskgate$' "$venue_dir/events.log")" -eq 2 ] || fail "expected two logons at the venue"
  [ "$(wc -l <"$venue_dir/orders.log")" -eq 4 ] || fail "expected 4 orders at the venue: $(cat "$venue_dir/orders.log")"
  no_duplicate_orders
  stop_engine
  ;;
session_drop_opens_the_breaker)
  # A session that drops is a venue failure for the engine: with a breaker
  # that opens at the first failure (and stays open a minute), the next
  # order is refused CIRCUIT_OPEN by the engine and never reaches the venue.
  start_acceptor
  sed -i -e 's/"consecutive_failures": 100/"consecutive_failures": 1/' -e 's/"recovery_s": 1 }/"recovery_s": 60 }/' "$config"
  grep -q '"consecutive_failures": 1,.*"recovery_s": 60' "$config" || fail "could not set up the breaker"
  start_engine
  wait_log "session up" 1 "FIX session did not come up"
  run_strategy roundtrip 1 >"$work/a.out" || { cat "$work/a.out"; fail "round trip before the drop"; }
  control drop
  wait_log "down (the venue closed the connection)" 1 "the drop was not seen"
  wait_log "session up" 2 "FIX session did not come back"
  run_strategy circuit 3 >"$work/b.out" || { cat "$work/b.out"; fail "the breaker did not open on the drop"; }
  [ "$(wc -l <"$venue_dir/orders.log")" -eq 2 ] || fail "expected only the 2 orders before the drop at the venue"
  stop_engine
  ;;
restart_continues_the_session)
  # A restarted engine continues the FIX session from the store: no reset
  # and no resend, and its orders get new ClOrdIDs although its sequence
  # starts again at 1.
  start_acceptor
  start_engine
  wait_log "session up" 1 "FIX session did not come up"
  run_strategy roundtrip 1 >"$work/a.out" || { cat "$work/a.out"; fail "round trip before the restart"; }
  stop_engine
  start_engine
  wait_log "session up" 2 "FIX session did not come up after the restart"
  run_strategy roundtrip 1 >"$work/b.out" || { cat "$work/b.out"; fail "round trip after the restart"; }
  venue_line_of "$work/b.out" 1 2 >/dev/null || fail "run 2's order not at the venue as 2-<seq>: $(cat "$venue_dir/orders.log")"
  [ "$(wc -l <"$venue_dir/orders.log")" -eq 4 ] || fail "expected 4 orders at the venue"
  no_duplicate_orders
  grep -q "^resend request" "$venue_dir/events.log" && fail "the restarted engine asked for a resend"
  grep -q "^gap fill" "$venue_dir/events.log" && fail "the restarted engine had to gap-fill"
  grep -q "MsgSeqNum too low" "$work/engine.log" "$work/acceptor.log" && fail "sequence numbers went backwards"
  stop_engine
  ;;
wrong_password_fails_logon_clearly)
  # A wrong password: the venue refuses the Logon, the engine says so in a
  # line an operator understands, orders are refused with "no session"
  # (1001) and never reach the venue, and the password appears nowhere.
  start_acceptor
  start_engine "wrong-$password"
  wait_log "logon rejected by venue VENUE: .*invalid password" 1 "no clear logon error in the engine log"
  run_strategy refused 1 >"$work/a.out" || { cat "$work/a.out"; fail "order not refused"; }
  grep -q "^logon refused$" "$venue_dir/events.log" || fail "the venue did not refuse the logon"
  [ -s "$venue_dir/orders.log" ] && fail "an order reached the venue without a session"
  "$riskctl" status --instance "$instance" >"$work/riskctl.out" 2>&1
  "$riskctl" stats --instance "$instance" >>"$work/riskctl.out" 2>&1
  "$riskctl" positions --instance "$instance" --json >>"$work/riskctl.out" 2>&1
  stop_engine
  grep -q -- "$password" "$work/engine.log" "$work/riskctl.out" "$config" && fail "the password was written out"
  ;;
malformed_input_is_journaled_and_counted)
  # Garbage bytes and a message with a field without a value from the venue:
  # the session stays up, and the engine journals each as a
  # VENUE_PROTOCOL_ERROR record (numbers only) and counts it for the venue.
  start_acceptor
  start_engine
  wait_log "session up" 1 "FIX session did not come up"
  run_strategy roundtrip 1 >"$work/a.out" || { cat "$work/a.out"; fail "round trip before the garbage"; }
  control garbage
  run_strategy roundtrip 11 >"$work/b.out" || { cat "$work/b.out"; fail "round trip after the garbage"; }
  control "garble 8"
  run_strategy roundtrip 21 >"$work/c.out" 2>&1 # the garbled ack is rejected; the order may end either way
  wait_log "Reject of MsgSeqNum .* tag 58, reason 4" 1 "no session Reject of the garbled message"
  errors=""
  for _ in $(ticks); do
    errors=$("$riskctl" stats --instance "$instance" --json | tr -d '\n ' | grep -o '"protocol_errors":[0-9]*' | cut -d: -f2)
    [ "${errors:-0}" -ge 2 ] && break
    sleep 0.05
  done
  [ "${errors:-0}" -ge 2 ] || fail "riskctl stats counts ${errors:-no} protocol errors, expected 2 or more"
  # the venue's row of the table: name, session, breaker, kill, sent, throttled, held, protocol errors
  "$riskctl" stats --instance "$instance" | grep -qE "^$venue +(UP|DOWN|UNKNOWN) +[A-Z_]+ +(yes|no) +[0-9]+ +[0-9]+ +[0-9]+ +$errors\$" ||
    fail "riskctl stats text lacks the count"
  "$ring_export" "$instance" VENUE_PROTOCOL_ERROR >"$work/records.jsonl" || fail "cannot read the journal ring"
  [ "$(wc -l <"$work/records.jsonl")" -eq "$errors" ] || { cat "$work/records.jsonl"; fail "expected $errors records"; }
  grep -q '"what":"GARBAGE"' "$work/records.jsonl" || { cat "$work/records.jsonl"; fail "no GARBAGE record"; }
  grep '"what":"GARBAGE"' "$work/records.jsonl" | grep -q '"bytes_skipped":[1-9]' || fail "garbage record without its byte count"
  grep '"what":"MALFORMED"' "$work/records.jsonl" | grep -q '"reject_sent":true.*"reject_reason":4.*"ref_tag":58' ||
    { cat "$work/records.jsonl"; fail "no MALFORMED record naming tag 58, reason 4"; }
  grep -q "\"venue_id\":0,\"venue_kind\":\"FIX\"" "$work/records.jsonl" || fail "records do not name the venue"
  stop_engine
  grep -q -- "$password" "$work/records.jsonl" && fail "the password reached a journal record"
  ;;
*)
  fail "unknown test"
  ;;
esac
echo "PASS ($name)"
