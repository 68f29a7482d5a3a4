#!/usr/bin/env bash
# Call set-ups per second on the SIP trunk: SIPp (sip-tester) plays customers calling one of
# an account's numbers on loopback, at rising rates; each call is answered by the hub, waits
# a second in the ring group's queue with hold music (a transcoding leg), and hangs up.
# Prints, per rate: calls placed, succeeded, failed, and the set-up time (INVITE → 200 OK)
# at the median and the 99th percentile. A rate holds when no call fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_packages "${BUILD_PACKAGES[@]}" sip-tester curl
need_rust
cargo build --release --quiet -p switchboard-hub --bins
RATES=${RATES:-"50 100 200 400 600"}
SECONDS_PER_RATE=${SECONDS_PER_RATE:-10}

scratch=$(mktemp -d)
hub_bin=target/release/switchboard-hub
admin() { "$hub_bin" --data "$scratch/hub" admin "$@" >/dev/null; }
admin create-account --name Load
admin ring-group create --account Load --name Queue
admin number add --account Load --number +14155550100 --group Queue
port=$((20000 + RANDOM % 20000))
sip_port=$((port + 1))
SWITCHBOARD_HUB_SIP__LISTEN="127.0.0.1:$sip_port" RUST_LOG=error \
    "$hub_bin" serve --data "$scratch/hub" --listen "127.0.0.1:$port" >"$scratch/hub.log" 2>&1 &
hub=$!
trap 'kill "$hub" 2>/dev/null || true; rm -rf "$scratch"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done

echo "SIP trunk on 127.0.0.1:$sip_port; each call: answer, 1 s in the queue with music, BYE"
printf '%8s %9s %8s %10s %8s %16s %16s\n' "rate/s" "achieved" "calls" "succeeded" "failed" \
    "set-up p50 (ms)" "set-up p99 (ms)"
for rate in $RATES; do
    calls=$((rate * SECONDS_PER_RATE))
    (cd "$scratch" && timeout $((SECONDS_PER_RATE * 4 + 30)) sipp -sf "$OLDPWD/bench/sipp/caller.xml" \
        -s +14155550100 "127.0.0.1:$sip_port" -i 127.0.0.1 -p $((sip_port + 1000)) \
        -r "$rate" -m "$calls" -d 1000 -l $((rate * 4)) -nostdin -trace_screen \
        -trace_rtt -rtt_freq 1 \
        -timeout $((SECONDS_PER_RATE * 4 + 20))s >/dev/null 2>&1) || true
    screen=$(ls -t "$scratch"/caller_*_screen.log | head -1)
    ok=$(awk -F'|' '/Successful call/ { gsub(/ /, "", $3); print $3 }' "$screen")
    failed=$(awk -F'|' '/Failed call/ { gsub(/ /, "", $3); print $3 }' "$screen")
    achieved=$(awk -F'|' '/Call Rate/ { gsub(/ |cps/, "", $3); print $3 }' "$screen")
    rtt=$(ls -t "$scratch"/caller_*_rtt.csv | head -1)
    read -r p50 p99 < <(awk -F';' 'NR > 1 { print $2 }' "$rtt" | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) print v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1]; else print "? ?" }')
    printf '%8s %9s %8s %10s %8s %16s %16s\n' "$rate" "${achieved:-?}" "$calls" "${ok:-?}" \
        "${failed:-?}" "$p50" "$p99"
    rm -f "$screen" "$rtt"
done
