#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs riskgate's demo.
# Until the engine daemon lands (engine issue) the demo is the two-process
# ring demo: a strategy process and an engine-side process exchanging orders
# and reports over a real session segment.
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target riskgate-ring-demo >/dev/null
./build/tools/riskgate-ring-demo "${1:-5000000}"
