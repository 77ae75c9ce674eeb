#!/usr/bin/env bash
# Risk-state checkpoints with real processes: the riskgate daemon writing
# checkpoints beside its journal (a cold thread replaying what the writer
# wrote), restarts that load them, riskctl reading the state back and
# auditing the files.  Each test has its own instance and journal directory.
#
#   checkpoint_test.sh BUILD_DIR SOURCE_DIR TEST_NAME
set -uo pipefail
build=$1 src=$2 name=$3
engine=$build/engine/daemon/riskgate
loadgen=$build/tools/riskgate-loadgen
riskctl=$build/tools/riskctl
instance="ck$$"
venue="CSIM$$"
work=$(mktemp -d /tmp/rg-ck.XXXXXX)
config=$work/config.json
journal=$work/journal
prices="AAPL=190,MSFT=420,BTC-USD=65000"
engine_pid=""

# Waits are on events, each for at least DEADLINE seconds.
DEADLINE=${RG_TEST_DEADLINE:-90}
ticks() { seq $((DEADLINE * 20)); }

fail() { echo "FAIL ($name): $*"; [ -f "$work/engine.log" ] && sed 's/^/  engine: /' "$work/engine.log" | tail -60; exit 1; }
. "$src/tests/integration/common.sh"

cleanup() {
  [ -n "$engine_pid" ] && kill -TERM "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null
  rm -f "/dev/shm/rg.$instance".* "/dev/shm/rg.rate.$venue"*
  rm -rf "$work"
}
trap cleanup EXIT

# config_with EVERY: the example config on this test's instance, venue and
# journal, a checkpoint every EVERY records (0: none), by count only.
config_with() {
  sed -e "s/\"instance\": \"demo\"/\"instance\": \"$instance\"/" -e "s/\"SIM\"/\"$venue\"/g" \
    -e "s|\"dir\": \"/tmp/riskgate-demo/journal\"|\"dir\": \"$journal\", \"checkpoint_every_records\": $1, \"checkpoint_interval_ms\": 0|" \
    "$src/examples/default.json" >"$config"
  grep -q "\"checkpoint_every_records\": $1" "$config" || fail "could not set the checkpoint interval"
}

starts=0
start() {
  starts=$((starts + 1))
  "$engine" --config "$config" >>"$work/engine.log" 2>&1 &
  engine_pid=$!
  for _ in $(ticks); do
    [ "$(grep -c "serving instance" "$work/engine.log" 2>/dev/null)" -ge "$starts" ] &&
      "$riskctl" status --instance "$instance" >/dev/null 2>&1 && return 0
    kill -0 "$engine_pid" 2>/dev/null || fail "engine exited at start"
    sleep 0.05
  done
  fail "engine did not come up"
}

written() { grep -c "checkpoint checkpoint-.* written" "$work/engine.log" 2>/dev/null; }

wait_written() { # N: until N checkpoints have been written in all
  for _ in $(ticks); do [ "$(written)" -ge "$1" ] && return 0; sleep 0.05; done
  fail "only $(written) checkpoint(s) written, waited for $1"
}

# The state a replay rebuilds, as riskctl shows it: each account's trading
# and loss state, realized PnL and orders today, each position and its
# average price (marks move with the sim's market: left out).
state_view() {
  "$riskctl" positions --instance "$instance" --json |
    jq -c '(.accounts[] | {account, state, loss_state, realized, orders_today}),
           (.positions[] | {account, symbol, position, avg_price})' | sort
}

# wait_state FILE: until the engine's state view is FILE's (it is refreshed
# on the engine's heartbeat); fails with the difference.
wait_state() {
  for _ in $(ticks); do
    state_view >"$work/state.now"
    cmp -s "$1" "$work/state.now" && return 0
    sleep 0.05
  done
  diff "$1" "$work/state.now"
  fail "the state after the restart differs from $1"
}

# wait_recovered FILE: until the view shows the recovered day (orders
# counted), then FILE is it.
wait_recovered() {
  for _ in $(ticks); do
    state_view >"$1"
    grep -q '"orders_today":[1-9]' "$1" && return 0
    sleep 0.05
  done
  fail "the restarted engine's view never showed the day's orders"
}

msgs_in() { "$riskctl" stats --instance "$instance" --json | sed -n 's/.*"msgs_in": \([0-9]*\).*/\1/p' | head -1; }

# flip FILE OFFSET: changes one byte of FILE.
flip() { # FILE OFFSET: inverts that byte's bits (writing a fixed byte changes nothing 1 time in 256)
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  [ -n "$b" ] || fail "no byte $2 in $1"
  printf "\\$(printf '%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

checkpoints() { ls "$journal" | grep '^checkpoint-.*\.rgc$' | sort; }

case $name in
restart_from_checkpoint_matches_full_replay)
  # SIGKILL in the middle of a burst, with checkpoints every 2000 records:
  # the restart loads the newest checkpoint and replays only the records
  # after it.  Its state is then compared with a restart of the same
  # journal -- a copy taken at the SIGKILL, with the journal ring's
  # leftovers -- with checkpoints off, which replays the whole file.  (Not
  # the same directory after the first restart: its start snapshots would
  # hand the full replay the first restart's state.)
  config_with 2000
  start
  run_loadgen alpha --count 4000 --rate 20000 --bad-pct 10 --cancel-pct 5 --seed 3 >"$work/a1.out" ||
    { cat "$work/a1.out"; fail "first burst not verified"; }
  run_loadgen beta --count 300 --rate 2000 --seed 5 --symbols AAPL,MSFT >"$work/b1.out" ||
    { cat "$work/b1.out"; fail "beta's burst not verified"; }
  wait_written 1
  # riskctl status shows the checkpoint thread's progress (the ops view the
  # exporter reads too): running, no failure, anchored at a file that exists.
  wait_heartbeats
  st=$("$riskctl" status --instance "$instance" --json)
  echo "$st" | jq -e '.checkpoints.state == "RUNNING" and .checkpoints.written >= 1 and .checkpoints.failures == 0' \
    >/dev/null || { echo "$st"; fail "riskctl status does not show the checkpoint written"; }
  anchor=$(printf '%020d' "$(echo "$st" | jq -r .checkpoints.anchor_seq)")
  checkpoints | grep -q -- "-$anchor\.rgc$" || { checkpoints; fail "status names anchor $anchor, no such checkpoint file"; }
  "$riskctl" status --instance "$instance" | grep -q "^checkpoints  *RUNNING, [1-9][0-9]* written, newest covers records below [0-9]* ([0-9]* after it)" ||
    fail "riskctl status text has no checkpoints line"
  echo "$st" | jq -e '.checkpoints.records_after | type == "number"' >/dev/null ||
    { echo "$st"; fail "no records_after in the status"; }
  # The thread yields its core to everything else there: nice 19.
  ps -L -o ni=,comm= -p "$engine_pid" | grep -q "^ *19 *rg-checkpoint" ||
    { ps -L -o ni,comm -p "$engine_pid"; fail "the checkpoint thread is not at nice 19"; }
  before=$(written)
  base=$(msgs_in)
  run_loadgen alpha --rate 20000 --duration 5 --seed 7 >"$work/a2.out" 2>&1 &
  a=$!
  for _ in $(ticks); do
    [ "$(msgs_in)" -ge $((base + 3000)) ] 2>/dev/null && [ "$(written)" -gt "$before" ] && break
    sleep 0.05
  done
  [ "$(written)" -gt "$before" ] || fail "no checkpoint during the burst"
  kill_engine
  wait $a
  [ -n "$(checkpoints)" ] || fail "no checkpoint file in $journal"
  mkdir "$work/full" && cp -p "$journal"/journal-*.rgj "$work/full/" || fail "cannot copy the journal"
  ring=/dev/shm/rg.$instance.journal
  [ -e "$ring" ] && { cp -p "$ring" "$work/ring.copy" || fail "cannot copy the journal ring"; }
  start
  grep -q "recovered after a crash" "$work/engine.log" || fail "the restart did not say it recovered"
  grep -q "checkpoint checkpoint-.* verified" "$work/engine.log" || fail "the restart loaded no checkpoint"
  line=$(grep "recovered after a crash" "$work/engine.log" | tail -1)
  echo "$line"
  echo "$line" | grep -q "after checkpoint checkpoint-" || fail "the restart's replay did not start from a checkpoint"
  tail_n=$(echo "$line" | sed -n 's/.*replayed \([0-9]*\) of journal.*/\1/p')
  [ "${tail_n:-0}" -gt 0 ] || fail "expected records after the checkpoint to replay (SIGKILL mid-burst)"
  wait_recovered "$work/state.ckpt"
  stop_engine
  "$riskctl" audit verify "$journal"/journal-*.rgj >"$work/verify.out" 2>&1 || { cat "$work/verify.out"; fail "audit verify refused the journal"; }
  # Each checkpoint left (the restart's shadow began from the loaded one) is
  # byte for byte the state a replay from the file's start reaches there.
  "$engine" --config "$config" --verify-checkpoints >"$work/vc.out" 2>&1 || { cat "$work/vc.out"; fail "a checkpoint is not what the replay reaches"; }
  cat "$work/vc.out"
  grep -q ": OK: reproduced by the replay" "$work/vc.out" || fail "--verify-checkpoints checked nothing"
  # The copy, checkpoints off: the whole file is replayed.
  journal=$work/full
  config_with 0
  [ -e "$work/ring.copy" ] && { cp -p "$work/ring.copy" "$ring" || fail "cannot put the ring back"; }
  verified=$(grep -c "checkpoint checkpoint-.* verified" "$work/engine.log")
  start
  line=$(grep "journal $journal: recovered after a crash" "$work/engine.log" | tail -1)
  echo "$line"
  [ -n "$line" ] || fail "the full replay did not recover the copy"
  echo "$line" | grep -q "after checkpoint" && fail "checkpoints off, yet the restart loaded one"
  [ "$(grep -c "checkpoint checkpoint-.* verified" "$work/engine.log")" -eq "$verified" ] || fail "checkpoints off, yet one was loaded"
  wait_state "$work/state.ckpt"
  stop_engine
  ;;
corrupt_checkpoint_falls_back)
  # A damaged newest checkpoint is refused and the older one used; files
  # another user could have written are refused; without any, the full
  # replay.  The state is the same every time.
  config_with 2000
  start
  run_loadgen alpha --count 4000 --rate 20000 --bad-pct 10 --seed 3 >"$work/a1.out" || { cat "$work/a1.out"; fail "burst not verified"; }
  wait_written 1
  stop_engine # and its last checkpoint
  [ "$(checkpoints | wc -l)" -eq 2 ] || { checkpoints; fail "expected the two newest checkpoints kept"; }
  # The reference: a start from the newest checkpoint (the live view could
  # still have moved with a late fill after it was read).
  start
  wait_recovered "$work/state.before"
  kill_engine
  [ "$(checkpoints | wc -l)" -eq 2 ] || { checkpoints; fail "a start wrote a checkpoint it had no records for"; }
  older=$(checkpoints | head -1)
  newest=$(checkpoints | tail -1)
  flip "$journal/$newest" 300
  start
  grep -q "checkpoint $newest refused: .*SHA-256 does not match.*; trying an older one" "$work/engine.log" ||
    fail "the damaged checkpoint was not refused"
  grep -q "checkpoint $older verified" "$work/engine.log" || fail "the older checkpoint was not loaded"
  wait_state "$work/state.before"
  kill_engine
  chmod 0666 "$journal"/checkpoint-*.rgc
  refused=$(checkpoints)
  start
  for f in $refused; do
    grep -q "checkpoint $f refused: .*writ" "$work/engine.log" || fail "$f, writable by others, was not refused"
  done
  grep -q "refused: .*; full replay" "$work/engine.log" || fail "no full replay after refusing every checkpoint"
  wait_state "$work/state.before"
  kill_engine
  rm -f "$journal"/checkpoint-*.rgc
  start
  grep -q "no checkpoint of journal-.*: full replay" "$work/engine.log" || fail "a start without checkpoints did not say so"
  wait_state "$work/state.before"
  stop_engine
  ;;
audit_verify_checks_checkpoints)
  # riskctl audit verify checks each checkpoint's digest and anchor, export
  # lists them; a tampered one fails verification.
  config_with 2000
  start
  run_loadgen alpha --count 4000 --rate 20000 --seed 3 >"$work/a1.out" || { cat "$work/a1.out"; fail "burst not verified"; }
  wait_written 1
  stop_engine
  n=$(checkpoints | wc -l)
  [ "$n" -ge 1 ] || fail "no checkpoint"
  "$riskctl" audit verify "$journal"/journal-*.rgj >"$work/v1.out" 2>&1 || { cat "$work/v1.out"; fail "verify refused good checkpoints"; }
  cat "$work/v1.out"
  [ "$(grep -c ": checkpoint checkpoint-.*: OK: " "$work/v1.out")" -eq "$n" ] || fail "verify did not check every checkpoint"
  "$riskctl" audit export "$journal"/journal-*.rgj --jsonl --checkpoints >"$work/export.jsonl" || fail "export failed"
  [ "$(grep '"event_type":"CHECKPOINT"' "$work/export.jsonl" | grep -c '"verified":true')" -eq "$n" ] ||
    fail "export did not list every checkpoint as verified"
  "$riskctl" audit verify --json "$journal"/journal-*.rgj | jq -e '.ok and (.files[0].checkpoints | length) >= 1' >/dev/null ||
    fail "verify --json does not list the checkpoints"
  victim=$(checkpoints | tail -1)
  cp "$journal/$victim" "$work/victim.bak"
  flip "$journal/$victim" 1000
  "$riskctl" audit verify "$journal"/journal-*.rgj >"$work/v2.out" 2>&1 && { cat "$work/v2.out"; fail "verify passed a tampered checkpoint"; }
  grep -q "checkpoint $victim: BAD: .*SHA-256" "$work/v2.out" || { cat "$work/v2.out"; fail "verify did not name the tampered checkpoint"; }
  # A good checkpoint under another anchor's name.
  cp "$work/victim.bak" "$journal/$victim"
  moved=$(echo "$victim" | sed 's/-\([0-9]*\)\.rgc$/-00000000000000000002.rgc/')
  cp "$work/victim.bak" "$journal/$moved"
  "$riskctl" audit verify "$journal"/journal-*.rgj >"$work/v3.out" 2>&1 && { cat "$work/v3.out"; fail "verify passed a misnamed checkpoint"; }
  grep -q "checkpoint $moved: BAD: .*name and anchor disagree" "$work/v3.out" || { cat "$work/v3.out"; fail "verify did not name the misnamed checkpoint"; }
  rm -f "$journal/$moved"
  "$riskctl" audit verify "$journal"/journal-*.rgj >/dev/null 2>&1 || fail "verify refused the restored checkpoints"
  # A start journals the checkpoint it loaded (CHECKPOINT record): a
  # checkpoint rewritten with a digest of its own is then caught by the chain.
  start
  stop_engine
  "$riskctl" audit verify "$journal"/journal-*.rgj >"$work/v5.out" 2>&1 || { cat "$work/v5.out"; fail "verify refused the journal after a start from a checkpoint"; }
  journaled=$(sed -n 's/.*: checkpoint \(checkpoint-[0-9]*-[0-9]*\.rgc\): OK: .*journaled at sequence [0-9]*$/\1/p' "$work/v5.out" | head -1)
  [ -n "$journaled" ] || { cat "$work/v5.out"; fail "no checkpoint journaled by the start that loaded it"; }
  "$riskctl" audit export "$journal"/journal-*.rgj --jsonl --type CHECKPOINT_WRITTEN | grep -q '"anchor_hash"' || fail "no CHECKPOINT_WRITTEN in the export"
  python3 - "$journal/$journaled" <<'PY' || fail "could not rewrite the checkpoint"
import hashlib, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[300] ^= 0xff                      # a byte of the state
h = bytearray(b[:256]); h[224:256] = bytes(32)
b[224:256] = hashlib.sha256(bytes(h) + bytes(b[256:])).digest()
open(p, 'wb').write(bytes(b))
PY
  "$riskctl" audit verify "$journal"/journal-*.rgj >"$work/v6.out" 2>&1 && { cat "$work/v6.out"; fail "verify passed a re-digested checkpoint"; }
  grep -q "checkpoint $journaled: BAD: .*not the one the journal recorded" "$work/v6.out" || { cat "$work/v6.out"; fail "verify did not name the re-digested checkpoint"; }
  # A start that loads it (the newer ones gone) says so from the journal.
  for f in $(checkpoints); do [ "$f" \> "$journaled" ] && rm -f "$journal/$f"; done
  start
  grep -q "checkpoint $journaled verified" "$work/engine.log" || fail "the start did not load the re-digested checkpoint"
  grep -q "checkpoint $journaled is not the one the journal recorded at sequence" "$work/engine.log" ||
    fail "the start did not see that the journal recorded another digest"
  kill_engine
  rm -f "$journal/$journaled"
  start # a full replay; the stop writes a checkpoint again
  stop_engine
  # An edit the newest checkpoint covers: the start does not read those
  # records again, the checkpoint thread verifies them after it and says so.
  flip "$(ls "$journal"/journal-*.rgj)" 600
  "$riskctl" audit verify "$journal"/journal-*.rgj >"$work/v4.out" 2>&1 && { cat "$work/v4.out"; fail "verify passed an edited journal"; }
  start
  grep -q "checkpoint checkpoint-.* verified" "$work/engine.log" || fail "the start did not load the checkpoint"
  for _ in $(ticks); do grep -q "records the start's checkpoint covers do not verify" "$work/engine.log" && break; sleep 0.05; done
  grep -q "records the start's checkpoint covers do not verify: journal-.*rgj: block 0" "$work/engine.log" ||
    fail "the edit under the checkpoint was not reported"
  stop_engine
  ;;
day_roll_checkpoints_follow_the_new_day)
  # The trading day starts at the first whole minute at least 40 s away, so
  # the engine starts and trades on the old day (its start writes records
  # within that), and the journal writer rolls to the new day's file with
  # the first record past the boundary.  The checkpoint thread must follow
  # it: it writes checkpoints of the new day's file (and removes the old
  # day's), audit verify accepts them under the chain of both files,
  # --verify-checkpoints reproduces them by a replay of the new file, and a
  # restart after a SIGKILL loads the new day's newest and reaches the state
  # the engine had.  The test waits for the clock to pass the boundary (up to
  # 100 s): a real roll of the real daemon, nothing faked.
  now=$(date -u +%s)
  roll=$(( (now + 40 + 59) / 60 * 60 ))
  hhmm=$(date -u -d "@$roll" +%H:%M)
  d0=$(date -u -d "@$((roll - 86400))" +%Y%m%d) # the old trading day began a day before the boundary
  d1=$(date -u -d "@$roll" +%Y%m%d)
  config_with 100
  sed -i "s/\"trading_day\": { \"start_utc\": \"00:00\" }/\"trading_day\": { \"start_utc\": \"$hhmm\" }/" "$config"
  grep -q "\"start_utc\": \"$hhmm\"" "$config" || fail "could not set the trading day's start"
  echo "day roll at $hhmm UTC: journal-$d0.rgj, then journal-$d1.rgj"
  start
  for _ in $(ticks); do [ -s "$journal/journal-$d0.rgj" ] && break; sleep 0.05; done
  [ -s "$journal/journal-$d0.rgj" ] || { ls -l "$journal"; fail "no journal file of the old day ($d0)"; }
  [ "$(date -u +%s)" -lt "$roll" ] || fail "the engine took more than 40 s to start: its records are not all on the old day"
  run_loadgen alpha --count 300 --rate 2000 --seed 3 >"$work/a1.out" || { cat "$work/a1.out"; fail "the old day's burst not verified"; }
  for _ in $(ticks); do grep -q "checkpoint checkpoint-$d0-[0-9]*\.rgc written" "$work/engine.log" && break; sleep 0.05; done
  grep -q "checkpoint checkpoint-$d0-[0-9]*\.rgc written" "$work/engine.log" || fail "no checkpoint of the old day"
  while [ "$(date -u +%s)" -le "$roll" ]; do sleep 0.2; done # the boundary: bounded by its choice above
  run_loadgen alpha --count 300 --rate 2000 --seed 5 >"$work/a2.out" || { cat "$work/a2.out"; fail "the new day's burst not verified"; }
  run_loadgen beta --count 100 --rate 2000 --seed 7 --symbols AAPL,MSFT >"$work/b2.out" || { cat "$work/b2.out"; fail "beta's burst not verified"; }
  [ -s "$journal/journal-$d1.rgj" ] || { ls -l "$journal"; fail "the journal did not roll to journal-$d1.rgj"; }
  for _ in $(ticks); do checkpoints | grep -q "^checkpoint-$d1-" && break; sleep 0.05; done
  checkpoints | grep -q "^checkpoint-$d1-" || { ls -l "$journal"; fail "no checkpoint of the new day ($d1): the checkpoint thread did not follow the roll"; }
  grep -q "checkpoint checkpoint-$d1-[0-9]*\.rgc written ([0-9]* record(s) of journal-$d1.rgj" "$work/engine.log" ||
    fail "the new day's checkpoint is not of the new day's file"
  checkpoints | grep -q "^checkpoint-$d0-" && { checkpoints; fail "the old day's checkpoints were kept after the new day's"; }
  # The state the restart must reach: the live one after both bursts.
  wait_heartbeats
  state_view >"$work/state.live"
  grep -q '"orders_today":[1-9]' "$work/state.live" || fail "no order counted on the new day"
  kill_engine
  newest=$(checkpoints | tail -1)
  case $newest in checkpoint-$d1-*) ;; *) checkpoints; fail "the newest checkpoint at the SIGKILL is not of the new day" ;; esac
  start
  grep -q "checkpoint $newest verified" "$work/engine.log" || fail "the restart did not load the new day's checkpoint $newest"
  line=$(grep "recovered after a crash" "$work/engine.log" | tail -1)
  echo "$line"
  echo "$line" | grep -q "of journal-$d1.rgj after checkpoint $newest" ||
    fail "the restart's replay of journal-$d1.rgj did not start from $newest"
  wait_state "$work/state.live"
  stop_engine
  "$riskctl" audit verify "$journal/journal-$d0.rgj" "$journal/journal-$d1.rgj" >"$work/verify.out" 2>&1 ||
    { cat "$work/verify.out"; fail "audit verify refused the two days"; }
  cat "$work/verify.out"
  grep -q "journal-$d1.rgj: checkpoint checkpoint-$d1-[0-9]*\.rgc: OK: " "$work/verify.out" || fail "audit verify did not check the new day's checkpoints"
  "$engine" --config "$config" --verify-checkpoints >"$work/vc.out" 2>&1 || { cat "$work/vc.out"; fail "a new day's checkpoint is not what the replay reaches"; }
  cat "$work/vc.out"
  grep -q "^checkpoint-$d1-[0-9]*\.rgc: OK: reproduced by the replay" "$work/vc.out" || fail "--verify-checkpoints did not check the new day's checkpoints"
  ;;
*)
  fail "unknown test"
  ;;
esac
echo "PASS ($name)"
