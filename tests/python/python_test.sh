#!/usr/bin/env bash
# The Python client's pytest suite (python/tests) against a real engine: the
# riskgate daemon with the default config's sim venue on a unique instance,
# Debian's python3 with python3-cffi and python3-pytest, and the build's
# libriskgate-client.so.
#
#   python_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2
instance="py$$"
work=$(mktemp -d /tmp/rg-py.XXXXXX)
engine_pid=""
cleanup() {
  [ -n "$engine_pid" ] && kill -TERM "$engine_pid" 2>/dev/null && wait "$engine_pid" 2>/dev/null
  rm -f "/dev/shm/rg.$instance".* "/dev/shm/rg.rate.PYSIM$$"*
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL (python): $*"; [ -f "$work/engine.log" ] && sed 's/^/  engine: /' "$work/engine.log"; exit 1; }
py=/usr/bin/python3
$py -c "import cffi, pytest" 2>/dev/null || fail "Debian's python3-cffi and python3-pytest are needed (tools/deps.sh)"
sed -e "s/\"instance\": \"demo\"/\"instance\": \"$instance\"/" -e "s/\"SIM\"/\"PYSIM$$\"/g" -e "s|/tmp/riskgate-demo/journal|$work/journal|" \
  "$src/examples/default.json" >"$work/config.json"
"$build/engine/daemon/riskgate" --config "$work/config.json" >"$work/engine.log" 2>&1 &
engine_pid=$!
# The engine's start is waited for as an event, 90 s at most (a sanitizer
# build on a busy two-core machine can take many seconds).
for _ in $(seq $((${RG_TEST_DEADLINE:-90} * 20))); do
  grep -q "serving instance" "$work/engine.log" 2>/dev/null && break
  kill -0 "$engine_pid" 2>/dev/null || fail "engine exited at start"
  sleep 0.05
done
grep -q "serving instance" "$work/engine.log" || fail "engine did not come up"
RISKGATE_INSTANCE=$instance RISKGATE_CLIENT_LIB=$build/shm/libriskgate-client.so PYTHONPATH=$src/python \
  $py -m pytest -q -p no:cacheprovider "$src/python/tests" || fail "pytest"
