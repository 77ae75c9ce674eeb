#!/usr/bin/env bash
# libriskgate-client.so (shm/client_lib.c):
#   client_lib_test.sh BUILD SOURCE exports  every public inline function of the client headers is an
#                                             exported function of the library, and nothing else is
#   client_lib_test.sh BUILD SOURCE install  installed into a temporary prefix, the header and library
#                                             build and run an out-of-tree C and C++ program with
#                                             `pkg-config --cflags --libs riskgate-client`
set -uo pipefail
build=$1 src=$2 what=$3
fail() { echo "FAIL ($what): $*"; exit 1; }
case $what in
exports)
  want=$(cat "$src"/shm/{msg,decimal,client,client_state}.h | tr '\n' ' ' |
    grep -o 'static inline [^(;{]*\brg_[a-z0-9_]*(' | grep -o 'rg_[a-z0-9_]*($' | tr -d '(' | sort -u)
  want=$(printf '%s\nrg_client_new\nrg_client_free\nrg_client_abi_version\n' "$want" | sort -u)
  got=$(nm -D --defined-only "$build/shm/libriskgate-client.so" | awk '$2 == "T" {print $3}' | sort -u)
  [ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got"); fail "exports differ from the header's functions"; }
  echo "$(echo "$got" | wc -l) functions exported"
  ;;
install)
  prefix=$(mktemp -d /tmp/rg-oot.XXXXXX)
  trap 'rm -rf "$prefix"' EXIT
  cmake --install "$build" --prefix "$prefix" >"$prefix/install.log" 2>&1 || { cat "$prefix/install.log"; fail "install"; }
  export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name riskgate-client.pc | head -1)")
  flags=$(pkg-config --cflags --libs riskgate-client) || fail "pkg-config"
  libdir=$(pkg-config --variable=libdir riskgate-client)
  [ -e "$libdir/libriskgate-client.so.0" ] || fail "no soname link in $libdir"
  cc -std=c17 -O2 -Wall -Wextra -Werror "$src/tests/shm/out_of_tree/strategy.c" $flags -o "$prefix/oot_c" || fail "C build"
  c++ -std=c++17 -O2 -Wall -Wextra -Werror "$src/tests/shm/out_of_tree/strategy.cpp" $flags -o "$prefix/oot_cpp" || fail "C++ build"
  LD_LIBRARY_PATH=$libdir "$prefix/oot_c" || fail "C program"
  LD_LIBRARY_PATH=$libdir "$prefix/oot_cpp" || fail "C++ program"
  readelf -d "$prefix/oot_c" | grep -q 'NEEDED.*\[libriskgate-client.so.0\]' ||
    { readelf -d "$prefix/oot_c"; fail "the C program does not need libriskgate-client.so.0 (the soname)"; }
  ;;
esac
