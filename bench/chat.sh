#!/usr/bin/env bash
# Live chat under load: the hub with 1,000 website visitors connected (each its chat window's
# WebSocket), each writing every 10 s, one agent answering every message; prints delivery
# p50/p99/worst both ways (visitor → agent, agent → visitor). Target (issue 14): p99 <= 100 ms
# on 2 cores. VISITORS, INTERVAL (seconds) and ROUNDS change the load.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_packages "${BUILD_PACKAGES[@]}"
need_rust
# Two sockets a visitor (the window's and the hub's end of it), in one process.
ulimit -n "$(ulimit -Hn)"
cargo bench --quiet -p switchboard-hub --bench chat
