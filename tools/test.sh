#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs
#   1. every test in a normal build,
#   2. every test again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. the lock-free stress tests (label "tsan") under ThreadSanitizer,
#   4. each libFuzzer target briefly (label "fuzz"), built with clang.
# Ends with one line "total: N passed, M failed"; exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")/.."

./tools/deps.sh || exit 1
jobs=$(nproc)
passed=0
failed=0
status=0

# run_stage NAME BUILD_DIR "CMAKE ARGS" "CTEST ARGS" [env for cmake]
run_stage() {
  local name=$1 dir=$2 cmake_args=$3 ctest_args=$4 cc=${5:-}
  echo "==== $name ($dir) ===="
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  if ! env ${cc} cmake -S . -B "$dir" $cmake_args >"$dir/configure.log" 2>&1; then
    cat "$dir/configure.log"; echo "$name: configure failed"; status=1; failed=$((failed + 1)); return
  fi
  if ! cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1; then
    grep -E "error|Error" "$dir/build.log" | head -40; echo "$name: build failed"; status=1; failed=$((failed + 1)); return
  fi
  local out
  # shellcheck disable=SC2086
  out=$(cd "$dir" && ctest --output-on-failure -j"$jobs" $ctest_args 2>&1)
  local rc=$?
  echo "$out"
  local line total nfail
  line=$(echo "$out" | grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" | tail -1)
  total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  nfail=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/')
  if [ -z "$line" ]; then
    if echo "$out" | grep -q "No tests were found"; then return; fi
    status=1; failed=$((failed + 1)); return
  fi
  passed=$((passed + total - nfail))
  failed=$((failed + nfail))
  [ $rc -eq 0 ] || status=1
}

run_stage "normal build" build "-DCMAKE_BUILD_TYPE=RelWithDebInfo" "-LE fuzz"
run_stage "ASan+UBSan build" build-asan "-DCMAKE_BUILD_TYPE=Debug -DRG_SANITIZE=ON -DRG_BUILD_BENCH=OFF" "-LE fuzz"
run_stage "TSan build (lock-free stress)" build-tsan "-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRG_TSAN=ON -DRG_BUILD_BENCH=OFF" "-L tsan"
run_stage "libFuzzer targets (clang)" build-fuzz \
  "-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRG_FUZZ=ON -DRG_BUILD_BENCH=OFF -DRG_USE_JEMALLOC=OFF -DRG_FUZZ_SECONDS=${RG_FUZZ_SECONDS:-20} -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link,address,undefined" \
  "-L fuzz" "CC=clang CXX=clang++"

echo "total: $passed passed, $failed failed"
exit $status
