#!/usr/bin/env bash
# A 5,000-message conversation on the Conversations screen with the default renderer
# (tiny-skia, headless): `view` + layout when the thread opens on its newest page, then at
# every page while scrolling back to the first message, and the most messages held in memory.
# Target (issue 14): view + layout <= 16 ms; memory bounded by the window, not the thread.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_packages "${BUILD_PACKAGES[@]}"
need_rust
cargo run --release --quiet --example thread_bench
