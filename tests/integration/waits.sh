# Waits shared by the integration scripts, sourced after they define
# $riskctl, $instance, ticks and fail.  Each waits on an event, with the
# script's DEADLINE, never on a fixed duration.

heartbeat_ns() { "$riskctl" status --instance "$instance" --json 2>/dev/null | jq -r '.heartbeat_ns // 0'; }

# wait_heartbeats: until the engine's heartbeat stamp has moved twice, so one
# whole heartbeat (risk view sweep, stats) ran after this call began.
wait_heartbeats() {
  local seen
  for _ in 1 2; do
    seen=$(heartbeat_ns)
    for _ in $(ticks); do
      [ "$(heartbeat_ns)" -gt "$seen" ] 2>/dev/null && continue 2
      sleep 0.01
    done
    fail "the engine's heartbeat did not move in $DEADLINE s"
  done
}
