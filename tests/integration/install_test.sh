#!/usr/bin/env bash
# Installing as the README says, after the default build: `cmake --install`
# puts the daemon, tools, <riskgate/client.h> and riskgate-client.pc under a
# prefix, the installed binaries run and a strategy builds against the
# installed header through pkg-config alone.  And Concurrency Kit is needed
# only for the benchmarks: a configure without the bench succeeds on a
# machine where pkg-config cannot find ck.
#
#   install_test.sh BUILD_DIR SOURCE_DIR TEST_NAME
set -uo pipefail
build=$1 src=$2 name=$3
work=$(mktemp -d /tmp/rg-install.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL ($name): $*"; exit 1; }

case $name in
install_after_default_build)
  prefix=$work/prefix
  cmake --install "$build" --prefix "$prefix" >"$work/install.out" 2>&1 || { cat "$work/install.out"; fail "cmake --install failed"; }
  for f in bin/riskgate bin/riskctl bin/riskgate-loadgen bin/riskgate-exporter include/riskgate/client.h; do
    [ -e "$prefix/$f" ] || fail "$f was not installed"
  done
  pc=$(find "$prefix" -name riskgate-client.pc | head -1)
  [ -n "$pc" ] || fail "riskgate-client.pc was not installed"
  "$prefix/bin/riskgate" --version | grep -q "shm ABI" || fail "the installed riskgate does not run"
  "$prefix/bin/riskctl" status --instance "noengine$$" >/dev/null 2>&1
  [ $? = 4 ] || fail "the installed riskctl does not say 'no engine' (exit 4)"
  printf '#include <riskgate/client.h>\nint main(void) { struct rg_client c; return rg_client_open(&c, "noengine", "s", 0, 0) == 0; }\n' >"$work/s.c"
  # shellcheck disable=SC2046
  cc -std=c17 -Wall -Werror -D_GNU_SOURCE -o "$work/s" "$work/s.c" $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs riskgate-client) \
    >"$work/cc.out" 2>&1 || { cat "$work/cc.out"; fail "a strategy does not build against the installed header"; }
  "$work/s" || fail "the strategy built against the installed header misbehaves"
  ;;
configure_without_ck)
  mkdir "$work/pc"
  for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
    for f in "$d"/*.pc; do
      [ -e "$f" ] && [ "$(basename "$f")" != ck.pc ] && ln -sf "$f" "$work/pc/"
    done
  done
  PKG_CONFIG_LIBDIR=$work/pc pkg-config --exists ck && fail "could not hide ck from pkg-config"
  PKG_CONFIG_LIBDIR=$work/pc cmake -S "$src" -B "$work/b" -DRG_BUILD_BENCH=OFF -DRG_BUILD_TESTS=OFF >"$work/cfg.out" 2>&1 ||
    { cat "$work/cfg.out"; fail "configure without the bench needs ck"; }
  PKG_CONFIG_LIBDIR=$work/pc cmake -S "$src" -B "$work/b2" -DRG_BUILD_TESTS=OFF >"$work/cfg2.out" 2>&1 &&
    fail "configure with the bench succeeded without ck"
  grep -q "apt-get install libck-dev" "$work/cfg2.out" || { cat "$work/cfg2.out"; fail "the bench's need for ck is not named"; }
  ;;
*)
  echo "unknown test $name"
  exit 2
  ;;
esac
exit 0
