#!/usr/bin/env bash
# Call benchmarks on loopback, against a separate hub process (release builds):
#   - the pipeline's added latency A → hub → B, measured with clicks (the desktop's engine at
#     both ends: packetisation, Opus, the hub's bridge, the jitter buffer),
#   - the hub's CPU per bridged call (CALLS calls between engine pairs, tones both ways),
#   - the desktop's CPU and RSS during a 30 s call: the real app under Xvfb (tiny-skia),
#     answering by itself, WAV files for its audio; next to the same app idle.
# Targets (issue 3): <= 3% of one core per call in the desktop, <= 60 ms added latency.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_packages "${BUILD_PACKAGES[@]}" "${WINDOW_PACKAGES[@]}" "${KEYCHAIN_PACKAGES[@]}" \
    xvfb curl espeak-ng
need_rust
cargo build --release --quiet --workspace --bins --example keychain_save --example callbench
CALLS=${CALLS:-10}

bench_setup
port=$((20000 + RANDOM % 20000))
hub_url="http://127.0.0.1:$port"
target/release/switchboard-hub serve --data "$scratch/hub" --listen "127.0.0.1:$port" --demo \
    >"$scratch/hub.log" 2>&1 &
hub=$!
cleanup() {
    kill "$xvfb" "$hub" 2>/dev/null || true
    pkill -P $$ 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "$hub_url/api/v1/health" >/dev/null && break; sleep 0.1; done

# CPU time of a process so far, in clock ticks (user + system).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# Percent of one core between two tick readings over some seconds.
percent() { echo "scale=2; 100 * ($2 - $1) / $hz / $3" | bc -l; }

# Agents of their own for the engine-only cases (a call ends in after-call work, which
# would leave a demo agent uncallable for the desktop case).
emails=()
for i in $(seq $((2 * CALLS + 2))); do
    email="bench$i@acme.example"
    target/release/switchboard-hub --data "$scratch/hub" admin create-agent \
        --account "Acme Support" --email "$email" --name "Bench $i" --role agent \
        --password switchboard >/dev/null
    emails+=("$email")
done

echo "==> added latency (clicks, A → hub → B)"
target/release/examples/callbench latency "$hub_url" "${emails[@]:0:2}"
emails=("${emails[@]:2}")

echo "==> hub CPU per bridged call ($CALLS calls, Opus both ways)"
idle_from=$(ticks "$hub"); sleep 10; idle_to=$(ticks "$hub")
target/release/examples/callbench load "$hub_url" 25 "${emails[@]}" >"$scratch/load.out" &
load=$!
for _ in $(seq 600); do grep -q '^live' "$scratch/load.out" && break; sleep 0.1; done
grep -q '^live' "$scratch/load.out" || { echo "the load calls never went live" >&2; exit 1; }
sleep 2 # past set-up (DTLS)
from=$(ticks "$hub"); sleep 20; to=$(ticks "$hub")
wait "$load"
all=$(percent "$from" "$to" 20)
idle=$(percent "$idle_from" "$idle_to" 10)
printf 'hub: %s%% of one core with %d calls (idle %s%%): %.2f%% per bridged call\n' \
    "$all" "$CALLS" "$idle" "$(echo "($all - $idle) / $CALLS" | bc -l)"

echo "==> desktop during a 30 s call (Lucía's workspace, auto-answer, WAV audio)"
espeak-ng -w "$scratch/speech.wav" \
    "Thank you for calling Acme support, this is Lucia. How can I help you today?"
token=$(curl -sf "$hub_url/api/v1/sessions" -H 'content-type: application/json' \
    -d '{"email":"lucia@acme.example","password":"switchboard","remember":true}' |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
home="$scratch/desktop"
mkdir -p "$home/config"
printf 'hub_url = "%s"\nemail = "lucia@acme.example"\nremember = true\n[devices]\nauto_answer = true\n' \
    "$hub_url" >"$home/config/config.toml"
export hub_url token home scratch hz
export -f ticks percent
keyctl session - dbus-run-session -- bash -c '
    set -euo pipefail
    echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    echo -n "$token" | target/release/examples/keychain_save "$hub_url" lucia@acme.example
    SWITCHBOARD_HOME="$home" SWITCHBOARD_AUDIO_IN="$scratch/speech.wav" \
        SWITCHBOARD_AUDIO_OUT="$scratch/heard.wav" target/release/switchboard \
        2>"$scratch/app.log" &
    app=$!
    sleep 5 # signed in and drawn
    idle_from=$(ticks "$app"); sleep 10; idle_to=$(ticks "$app")
    target/release/examples/callbench dial "$hub_url" alex@acme.example lucia@acme.example 33 \
        >"$scratch/dial.out" &
    dial=$!
    for _ in $(seq 600); do grep -q "^live" "$scratch/dial.out" && break; sleep 0.1; done
    grep -q "^live" "$scratch/dial.out" || {
        echo "the desktop never answered; its log:" >&2
        tail -n 20 "$scratch/app.log" >&2
        exit 1
    }
    from=$(ticks "$app"); sleep 30; to=$(ticks "$app")
    rss=$(awk "/^VmRSS/ { print \$2 }" "/proc/$app/status")
    wait "$dial"
    kill "$app"
    printf "desktop: %s%% of one core during the call (idle %s%%), RSS %.1f MB\n" \
        "$(percent "$from" "$to" 30)" "$(percent "$idle_from" "$idle_to" 10)" \
        "$(echo "$rss / 1024" | bc -l)"
'
