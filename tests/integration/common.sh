# What the engine-driving test scripts share, sourced after they define
# $riskctl, $instance, ticks and fail (and $loadgen, $prices for
# run_loadgen).  Each wait is on an event, with the script's DEADLINE, never
# on a fixed duration.

stop_engine() { # SIGTERM: the engine drains, closes and must exit 0
  kill -TERM "$engine_pid" || fail "engine not running"
  wait "$engine_pid"
  local rc=$?
  engine_pid=""
  [ $rc -eq 0 ] || fail "engine exited $rc on SIGTERM"
}

kill_engine() { # SIGKILL, as a crash
  kill -KILL "$engine_pid"
  wait "$engine_pid" 2>/dev/null
  engine_pid=""
}

run_loadgen() { # STRATEGY ARGS...
  local s=$1
  shift
  "$loadgen" --instance "$instance" --strategy "$s" --price "$prices" "$@"
}

heartbeat_ns() { "$riskctl" status --instance "$instance" --json 2>/dev/null | jq -r '.heartbeat_ns // 0'; }

# wait_heartbeats: until the engine's heartbeat stamp has moved twice, so one
# whole heartbeat (risk view sweep, stats) ran after this call began.
wait_heartbeats() {
  local seen
  for _ in 1 2; do
    seen=$(heartbeat_ns)
    for _ in $(seq $((DEADLINE * 100))); do # sleep 0.01 a turn: DEADLINE s at least
      [ "$(heartbeat_ns)" -gt "$seen" ] 2>/dev/null && continue 2
      sleep 0.01
    done
    fail "the engine's heartbeat did not move in $DEADLINE s"
  done
}
