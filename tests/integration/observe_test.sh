#!/usr/bin/env bash
# Observability with real parts: the riskgate daemon (sim venue), strategy
# processes (riskgate-loadgen), riskgate-exporter, a real Prometheus server
# (Debian's prometheus, scraping every second), headless Chromium (Debian's
# chromium) on the dashboard, and riskctl.  Each test uses its own instance,
# free ports and a scratch directory; nothing waits on a fixed sleep: every
# wait polls for the expected state with a generous deadline.
#
#   observe_test.sh BUILD_DIR SOURCE_DIR TEST_NAME
set -uo pipefail
build=$1 src=$2 name=$3
engine=$build/engine/daemon/riskgate
loadgen=$build/tools/riskgate-loadgen
riskctl=$build/tools/riskctl
exporter=$build/tools/riskgate-exporter
artifacts=$build/tests/integration/artifacts
instance="ob$$"
venue="SIMOB$$"
work=$(mktemp -d /tmp/rg-ob.XXXXXX)
config=$work/config.json
prices="AAPL=190,MSFT=420,BTC-USD=65000"
engine_pid="" exporter_pid="" prom_pid="" events_pid=""
export_port="" prom_port=""
DEADLINE=90 # seconds, for anything that waits on another process

fail() {
  echo "FAIL ($name): $*"
  for f in engine.log exporter.log prometheus.log; do
    [ -s "$work/$f" ] && { echo "---- $f"; tail -30 "$work/$f" | sed 's/^/  /'; }
  done
  exit 1
}

cleanup() {
  for p in $events_pid $prom_pid $exporter_pid $engine_pid; do
    kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  rm -f "/dev/shm/rg.$instance".* "/dev/shm/rg.rate.$venue"*
  rm -rf "$work"
}
trap cleanup EXIT

sed -e "s/\"instance\": \"demo\"/\"instance\": \"$instance\"/" -e "s/\"SIM\"/\"$venue\"/g" \
  -e "s|/tmp/riskgate-demo/journal|$work/journal|" "$src/examples/default.json" >"$config"

# until CMD...: runs CMD every 100 ms until it succeeds, for DEADLINE seconds.
until_ok() {
  local end=$((SECONDS + DEADLINE))
  while [ $SECONDS -lt $end ]; do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

start_engine() { # [ENGINE ARGS]
  ${engine_launcher:-} "$engine" --config "$config" "$@" >"$work/engine.log" 2>&1 &
  engine_pid=$!
  until_ok engine_up || fail "the engine did not come up"
}
engine_up() {
  kill -0 "$engine_pid" 2>/dev/null || fail "the engine exited at start"
  grep -q "serving instance" "$work/engine.log" 2>/dev/null && "$riskctl" status --instance "$instance" >/dev/null 2>&1
}

stop_engine() {
  kill -TERM "$engine_pid" || fail "engine not running"
  wait "$engine_pid" || fail "engine exited $? on SIGTERM"
  engine_pid=""
}

start_exporter() {
  "$exporter" --instance "$instance" --listen 127.0.0.1:0 >"$work/exporter.log" 2>&1 &
  exporter_pid=$!
  until_ok grep -qs "/metrics" "$work/exporter.log" || fail "the exporter did not start"
  export_port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$work/exporter.log")
  [ -n "$export_port" ] || fail "the exporter did not say its port"
}

# A port nothing listens on now (Prometheus takes no port 0); the caller
# retries when another process takes it first.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

start_prometheus() {
  command -v prometheus >/dev/null || { echo "SKIP: prometheus not installed (tools/deps.sh installs it)"; exit 77; }
  cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: riskgate
    static_configs:
      - targets: ['127.0.0.1:$export_port']
EOF
  promtool check config "$work/prometheus.yml" >/dev/null || fail "promtool refuses the test's config"
  for _ in 1 2 3 4 5; do
    prom_port=$(free_port) || fail "no free port"
    prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
      --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
    prom_pid=$!
    if until_ok prom_ready; then return 0; fi
    kill -TERM "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null; prom_pid=""
  done
  fail "prometheus did not start"
}
prom_ready() {
  kill -0 "$prom_pid" 2>/dev/null || return 1
  curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null
}

# prom QUERY: the instant query's first value, or "" when it has no result.
prom() {
  curl -sf --get --data-urlencode "query=$1" "http://127.0.0.1:$prom_port/api/v1/query" |
    jq -r 'if .status == "success" and (.data.result | length) > 0 then .data.result[0].value[1] else "" end'
}
prom_is() { [ "$(prom "$1")" = "$2" ]; }
prom_wait() { # QUERY VALUE: until Prometheus answers VALUE
  until_ok prom_is "$1" "$2" || fail "Prometheus: $1 is '$(prom "$1")', expected $2"
}

stats() { "$riskctl" stats --instance "$instance" --json; }

run_loadgen() { # STRATEGY ARGS...
  local s=$1
  shift
  "$loadgen" --instance "$instance" --strategy "$s" --price "$prices" "$@" >"$work/$s.out" 2>&1 ||
    { cat "$work/$s.out"; fail "loadgen $s did not verify its decisions"; }
}

chromium_run() { # OUTPUT-OPTION... URL: headless Chromium as this machine needs it
  command -v chromium >/dev/null || { echo "SKIP: chromium not installed (tools/deps.sh installs it)"; exit 77; }
  local profile
  profile=$(mktemp -d "$work/chromium.XXXXXX")
  timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
    --user-data-dir="$profile" "$@" 2>>"$work/chromium.log"
}

# dom_value ID: the data-v of the element with that id in $work/dom.html.
dom_value() {
  grep -o "<[^>]* id=\"$1\"[^>]*>" "$work/dom.html" | head -1 | grep -o 'data-v="[^"]*"' | sed 's/data-v="\(.*\)"/\1/'
}
dom_is() { # ID VALUE
  local got
  got=$(dom_value "$1")
  [ "$got" = "$2" ] || fail "dashboard: $1 shows '$got', riskctl says '$2'"
}

case $name in
prometheus_scrapes_exporter)
  # Prometheus scrapes the exporter every second; what it stores equals what
  # riskctl stats --json reads, counters and a histogram quantile alike; the
  # exposition passes promtool; a stopped engine shows as down, its counters
  # gone instead of frozen.
  command -v promtool >/dev/null || { echo "SKIP: promtool not installed"; exit 77; }
  start_engine
  start_exporter
  start_prometheus
  prom_wait 'riskgate_up' 1
  run_loadgen alpha --rate 4000 --count 3000 --bad-pct 10 --seed 7
  run_loadgen beta --rate 2000 --count 500 --bad-pct 20 --seed 8 --symbols AAPL,MSFT
  stats >"$work/stats.json"
  approved=$(jq .approved "$work/stats.json")
  [ "$approved" -gt 0 ] || fail "nothing approved"
  # Counters: totals, by reason, per strategy and per venue, by name.
  prom_wait 'riskgate_decisions_total{outcome="approved"}' "$approved"
  prom_wait 'riskgate_decisions_total{outcome="rejected"}' "$(jq .rejected "$work/stats.json")"
  prom_wait 'riskgate_messages_total' "$(jq .msgs_in "$work/stats.json")"
  for reason in $(jq -r '.rejected_by_reason | keys[]' "$work/stats.json"); do
    prom_wait "riskgate_rejects_total{reason=\"$reason\"}" "$(jq ".rejected_by_reason.$reason" "$work/stats.json")"
  done
  for s in alpha beta; do
    prom_wait "riskgate_strategy_messages_total{strategy=\"$s\"}" "$(jq ".strategies[] | select(.name == \"$s\") | .msgs_in" "$work/stats.json")"
    prom_wait "riskgate_strategy_decisions_total{strategy=\"$s\",outcome=\"approved\"}" \
      "$(jq ".strategies[] | select(.name == \"$s\") | .approved" "$work/stats.json")"
    prom_wait "riskgate_strategy_decisions_total{strategy=\"$s\",outcome=\"rejected\"}" \
      "$(jq ".strategies[] | select(.name == \"$s\") | .rejected" "$work/stats.json")"
    prom_wait "riskgate_strategy_trading_state{strategy=\"$s\",state=\"ACTIVE\"}" 1
  done
  prom_wait "riskgate_venue_sent_total{venue=\"$venue\"}" "$(jq '.venues[0].sent' "$work/stats.json")"
  prom_wait "riskgate_venue_breaker_state{venue=\"$venue\",state=\"CLOSED\"}" 1
  prom_wait "riskgate_venue_session_state{venue=\"$venue\",state=\"UP\"}" 1
  prom_wait 'riskgate_journal_writer_state{state="RUNNING"}' 1
  prom_wait 'riskgate_checkpoint_state{state="RUNNING"}' 1
  prom_wait "riskgate_checkpoint_failures_total" 0
  prom_wait "riskgate_self_match_cancels_total" "$(jq .self_match_cancels "$work/stats.json")"
  # The histogram: the same count, and the p99 Prometheus interpolates lies in
  # the exported bucket that holds riskctl's p99 (the engine's own bucket).
  prom_wait 'riskgate_submit_to_decision_seconds_count' "$(jq .submit_to_decision_ns.count "$work/stats.json")"
  p99_ns=$(jq .submit_to_decision_ns.p99 "$work/stats.json")
  prom_p99=$(prom 'histogram_quantile(0.99, riskgate_submit_to_decision_seconds_bucket)')
  [ -n "$prom_p99" ] || fail "no histogram_quantile from Prometheus"
  curl -sf "http://127.0.0.1:$export_port/metrics" >"$work/metrics.txt" || fail "cannot read /metrics"
  bounds=$(grep '^riskgate_submit_to_decision_seconds_bucket{' "$work/metrics.txt" | sed 's/.*le="\([^"]*\)".*/\1/' | grep -v Inf)
  echo "$bounds" | awk -v p="$p99_ns" -v q="$prom_p99" '
    { le = $1 * 1e9; if (!found && le >= p - 0.5) { hi = le; found = 1 } else if (!found) lo = le }
    END {
      if (!found) { print "riskctl p99 " p " ns is beyond the last bucket"; exit 1 }
      v = q * 1e9
      printf "riskctl p99 %d ns; exported bucket (%.0f, %.0f] ns; Prometheus histogram_quantile(0.99) %.1f ns\n", p, lo, hi, v
      if (v < lo - 0.5 || v > hi + 0.5) exit 1
    }' || fail "Prometheus p99 $prom_p99 s is outside the bucket of riskctl's p99 $p99_ns ns"
  # Every series passes promtool, in the text format and as OpenMetrics.
  promtool check metrics <"$work/metrics.txt" || fail "promtool check metrics refuses the exposition"
  curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' "http://127.0.0.1:$export_port/metrics" \
    >"$work/openmetrics.txt" || fail "no OpenMetrics exposition"
  tail -1 "$work/openmetrics.txt" | grep -qx '# EOF' || fail "the OpenMetrics exposition does not end with # EOF"
  grep -q '^# TYPE riskgate_decisions counter$' "$work/openmetrics.txt" || fail "OpenMetrics counter family named wrong"
  # The example alert rules of docs/operations.md are valid, and Prometheus loads them.
  sed -n '/^```yaml$/,/^```$/p' "$src/docs/operations.md" | sed -n '/^groups:/,/^```$/p' | sed '$d' >"$work/rules.yml"
  grep -q RiskgateEngineDown "$work/rules.yml" || fail "no alert rules found in docs/operations.md"
  promtool check rules "$work/rules.yml" || fail "the alert rules of docs/operations.md do not pass promtool"
  # The engine stops: down, and no frozen counters.
  stop_engine
  prom_wait 'riskgate_up' 0
  prom_wait 'riskgate_engine_health{state="ABSENT"}' 1
  until_ok prom_is 'riskgate_decisions_total' "" || fail "Prometheus still shows the stopped engine's counters"
  curl -sf "http://127.0.0.1:$export_port/metrics" | grep -q '^riskgate_decisions_total' &&
    fail "/metrics still shows counters of a stopped engine"
  ;;
dashboard_in_chromium)
  # The dashboard in headless Chromium shows what riskctl shows, by name; the
  # page is self-contained; a stopped engine shows as such.  A screenshot is
  # kept in build/tests/integration/artifacts/.
  start_engine
  start_exporter
  curl -sf "http://127.0.0.1:$export_port/" >"$work/page.html" || fail "no dashboard page at /"
  grep -Eiq '(src|href)=|@import|url\(|https?://' "$work/page.html" && fail "the dashboard refers to something outside itself"
  run_loadgen alpha --rate 4000 --count 2000 --bad-pct 10 --seed 11
  "$riskctl" kill --instance "$instance" --scope strategy:beta --reason "dashboard test" >/dev/null ||
    fail "riskctl kill failed"
  stats >"$work/stats.json"
  chromium_run --dump-dom --virtual-time-budget=6000 "http://127.0.0.1:$export_port/" >"$work/dom.html" ||
    fail "chromium failed (exit $?)"
  dom_is health RUNNING
  for k in msgs_in approved rejected; do dom_is "v-$k" "$(jq ".$k" "$work/stats.json")"; done
  for reason in $(jq -r '.rejected_by_reason | keys[]' "$work/stats.json"); do
    dom_is "v-reject-$reason" "$(jq ".rejected_by_reason.$reason" "$work/stats.json")"
  done
  for k in msgs_in approved rejected; do
    dom_is "s-alpha-$k" "$(jq ".strategies[] | select(.name == \"alpha\") | .$k" "$work/stats.json")"
  done
  dom_is s-alpha-state ACTIVE
  dom_is s-beta-killed KILLED
  dom_is "venue-$venue-sent" "$(jq '.venues[0].sent' "$work/stats.json")"
  dom_is "venue-$venue-breaker" CLOSED
  for p in p50 p99 count; do
    dom_is "lat-decision-$p" "$(jq ".submit_to_decision_ns.$p" "$work/stats.json")"
    dom_is "lat-check-$p" "$(jq ".check_ns.$p" "$work/stats.json")"
  done
  dom_is j-state RUNNING
  mkdir -p "$artifacts"
  rm -f "$artifacts/dashboard.png"
  # The screenshot with traffic flowing, so its charts show something.
  "$loadgen" --instance "$instance" --strategy alpha --price "$prices" --rate 3000 --duration 8 --bad-pct 10 \
    --cancel-pct 5 --seed 12 >"$work/bg.out" 2>&1 &
  bg=$!
  chromium_run --window-size=1400,1800 --virtual-time-budget=7000 --screenshot="$artifacts/dashboard.png" \
    "http://127.0.0.1:$export_port/" >/dev/null || fail "chromium could not take the screenshot"
  wait "$bg" || { cat "$work/bg.out"; fail "the background loadgen failed"; }
  [ "$(head -c 8 "$artifacts/dashboard.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "the screenshot is not a PNG"
  [ "$(stat -c %s "$artifacts/dashboard.png")" -gt 20000 ] || fail "the screenshot is nearly empty"
  echo "screenshot: $artifacts/dashboard.png"
  stop_engine
  chromium_run --dump-dom --virtual-time-budget=3000 "http://127.0.0.1:$export_port/" >"$work/dom.html" ||
    fail "chromium failed on the stopped engine"
  [ "$(grep -o 'id="health"[^>]*' "$work/dom.html" | grep -o 'data-v="[A-Z_]*"')" = 'data-v="ABSENT"' ] ||
    fail "the dashboard does not show the stopped engine as ABSENT"
  grep -q "ENGINE ABSENT" "$work/dom.html" || fail "the dashboard shows no banner for the stopped engine"
  ;;
riskctl_events_and_exit_statuses)
  # riskctl events follows the journal live: an operator's kill, resume and
  # set-state appear, with names, as they happen.  riskctl's exit statuses
  # follow the real engine: 0 running, 5 stopped with SIGSTOP, 4 gone.
  # The engine runs in a session of its own, out of reach of the kernel's
  # SIGHUP and SIGCONT to a stopped process in an orphaned process group.
  engine_launcher=setsid start_engine
  # --backlog: it may attach after the first of them; the instance is new,
  # so the ring holds only this run's records.
  "$riskctl" events --instance "$instance" --json --count 3 --type KILL,RESUME,STATE_CHANGE --backlog 100000 \
    --timeout $((DEADLINE * 1000)) >"$work/events.jsonl" 2>"$work/events.err" &
  events_pid=$!
  run_loadgen alpha --rate 2000 --count 200 --seed 3
  "$riskctl" kill --instance "$instance" --scope strategy:alpha --reason "events test" >/dev/null || fail "kill failed"
  "$riskctl" resume --instance "$instance" --scope strategy:alpha >/dev/null || fail "resume failed"
  "$riskctl" set-state --instance "$instance" --scope strategy:beta HALTED >/dev/null || fail "set-state failed"
  wait "$events_pid" || { head -5 "$work/events.err"; fail "riskctl events exited $? before three events"; }
  events_pid=""
  # It kept up with a fresh ring (first lap): nothing skipped, nothing to say.
  [ ! -s "$work/events.err" ] || { head -5 "$work/events.err"; fail "riskctl events complained while keeping up"; }
  [ "$(jq -r .event_type "$work/events.jsonl" | tr '\n' ' ')" = "KILL RESUME STATE_CHANGE " ] ||
    { cat "$work/events.jsonl"; fail "riskctl events did not show KILL, RESUME, STATE_CHANGE in order"; }
  jq -s -e 'map(select(.event_type == "KILL"))[0].reason == "events test"' "$work/events.jsonl" >/dev/null ||
    fail "the KILL event lacks its reason"
  grep -q '"beta"' "$work/events.jsonl" || fail "the STATE_CHANGE event does not name strategy beta"
  "$riskctl" events --instance "$instance" --backlog 100000 --count 1 --type KILL --timeout 10000 | grep -q "KILL" ||
    fail "riskctl events --backlog does not show the earlier kill"
  # exit statuses with the real engine
  "$riskctl" status --instance "$instance" >/dev/null || fail "status exits $? with the engine running"
  kill -STOP "$engine_pid"
  until_ok bash -c "\"$riskctl\" status --instance $instance >/dev/null 2>&1; [ \$? -eq 5 ]" ||
    { kill -CONT "$engine_pid"; fail "status does not exit 5 for a stopped (SIGSTOP) engine"; }
  "$riskctl" stats --instance "$instance" --json >"$work/s.json"
  rc=$?
  kill -CONT "$engine_pid"
  [ $rc -eq 5 ] || fail "stats exits $rc for an engine that does not respond, expected 5"
  jq -e '.engine.health == "NOT_RESPONDING"' "$work/s.json" >/dev/null || fail "stats --json does not say NOT_RESPONDING"
  until_ok "$riskctl" status --instance "$instance" >/dev/null 2>&1 || fail "status does not recover after SIGCONT"
  stop_engine
  "$riskctl" status --instance "$instance" >/dev/null 2>&1
  [ $? -eq 4 ] || fail "status does not exit 4 once the engine stopped"
  "$riskctl" audit verify "$work"/journal/journal-*.rgj --json >"$work/verify.json" || fail "audit verify failed"
  jq -e '.ok == true and .exit_code == 0 and (.files | length) >= 1 and .files[0].records > 0' "$work/verify.json" \
    >/dev/null || { cat "$work/verify.json"; fail "audit verify --json does not say the journal is good"; }
  "$riskctl" kill --instance "$instance" --reason "no engine" --json >"$work/k.json" 2>/dev/null
  [ $? -eq 4 ] || fail "kill with no engine does not exit 4"
  jq -e '.exit_code == 4 and .confirmed == false' "$work/k.json" >/dev/null || fail "kill --json does not say it"
  ;;
engine_log_lines_are_stamped)
  # Every line of the engine's log starts with a UTC time (microseconds) and a
  # level; with --log-format json every line is a JSON object.
  start_engine
  "$riskctl" kill --instance "$instance" --reason "log test" >/dev/null || fail "kill failed"
  until_ok grep -q "KILL instance" "$work/engine.log" || fail "the kill was not logged"
  stop_engine
  grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z (INFO |WARN |ERROR) ' "$work/engine.log" &&
    { grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z (INFO |WARN |ERROR) ' "$work/engine.log"; fail "a log line without a stamp and level"; }
  grep -Eq 'Z WARN  riskgate: KILL instance' "$work/engine.log" || fail "the kill is not logged at WARN"
  "$riskctl" resume --instance "$instance" >/dev/null 2>&1
  start_engine --log-format json
  stop_engine
  [ "$(wc -l <"$work/engine.log")" -ge 3 ] || fail "too few log lines"
  jq -c . "$work/engine.log" >/dev/null || { cat "$work/engine.log"; fail "a log line is not JSON"; }
  jq -s -e 'all(.[]; (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$"))
            and (.level | IN("info", "warn", "error")) and (.msg | type) == "string")' "$work/engine.log" >/dev/null ||
    fail "a JSON log line without time, level or msg"
  jq -r .msg "$work/engine.log" | grep -q "serving instance" || fail "the JSON log lacks the start line"
  ;;
*)
  echo "unknown test $name"
  exit 2
  ;;
esac
echo "PASS ($name)"
