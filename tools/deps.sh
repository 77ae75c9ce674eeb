#!/usr/bin/env bash
# Installs the Debian 12 packages riskgate needs to build, test and run, and
# nothing when they are all present.  Needs root or sudo.  prometheus (with
# promtool) and chromium are for the observability tests (a real Prometheus
# scraping riskgate-exporter, the dashboard in headless Chromium); curl, jq
# and iproute2 (ss) for the integration scripts.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  liburing-dev libjemalloc-dev libck-dev libhiredis-dev libjansson-dev
  libbenchmark-dev libcmocka-dev libssl-dev redis-server valgrind
  libquickfix-dev libmicrohttpd-dev libcurl4-openssl-dev libwebsockets-dev openssl python3 python3-cffi python3-pytest
  curl jq iproute2 prometheus chromium tzdata
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
