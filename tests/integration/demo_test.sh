#!/usr/bin/env bash
# tools/demo.sh as a new user runs it (the binaries of this build, no
# dependency check or build): five runs in a row on one instance in one day
# each pass, none replays an earlier run's journal or waits out a replay
# ("engine is not alive"), and two demos on two instances run side by side.  Each run's submit-to-decision
# p99 is printed (tests never assert timings).
#
#   demo_test.sh BUILD_DIR SOURCE_DIR TEST_NAME
set -uo pipefail
build=$1 src=$2 name=$3
work=$(mktemp -d /tmp/rg-demo.XXXXXX)
instances=()

fail() { echo "FAIL ($name): $*"; exit 1; }

cleanup() {
  for i in "${instances[@]}"; do rm -f "/dev/shm/rg.$i".*; done
  rm -rf "$work"
}
trap cleanup EXIT

# demo INSTANCE OUT: one run of tools/demo.sh for 2 s.
demo() {
  instances+=("$1")
  RG_DEMO_INSTANCE=$1 RG_DEMO_DIR=$work RG_DEMO_BUILD=$build "$src/tools/demo.sh" 2 >"$2" 2>&1
}

# passed OUT: the run's output says it all went well.
passed() {
  grep -q "^verified: every one of [0-9]* messages got exactly one decision, no report lost$" "$1" &&
    grep -q "^audit journal verified" "$1" || { cat "$1"; return 1; }
  grep -q "not alive" "$1" && { cat "$1"; return 1; }
  # What a busy machine makes of it: shown, not asserted.
  grep -E "submit-to-decision latency|rejected VENUE_THROTTLED" "$1"
  return 0
}

case $name in
five_runs_in_a_row)
  inst="dm$$"
  for n in 1 2 3 4 5; do
    demo "$inst" "$work/run$n.out" || { cat "$work/run$n.out"; fail "run $n exited $?"; }
    passed "$work/run$n.out" || fail "run $n did not pass"
  done
  # Each run journals into its own directory; the three latest are kept.
  [ "$(ls -1d "$work/$inst"/run-* | wc -l)" = 3 ] || { ls -l "$work/$inst"; fail "expected the three latest run directories"; }
  ;;
two_side_by_side)
  instances+=("dma$$" "dmb$$") # demo() runs in background subshells here
  demo "dma$$" "$work/a.out" &
  a=$!
  demo "dmb$$" "$work/b.out" &
  b=$!
  wait $a || { cat "$work/a.out"; fail "the first demo exited non-zero"; }
  wait $b || { cat "$work/b.out"; fail "the second demo exited non-zero"; }
  passed "$work/a.out" || fail "the first demo did not pass"
  passed "$work/b.out" || fail "the second demo did not pass"
  ;;
*)
  echo "unknown test $name"
  exit 2
  ;;
esac
exit 0
