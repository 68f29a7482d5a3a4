#!/usr/bin/env bash
# Start-up and idle memory of the desktop, under Xvfb with the tiny-skia renderer:
#   - time from launch to the first presented frame of the signed-in workspace,
#   - resident memory (RSS) and proportional set size (PSS) after 10 s idle,
# once with the built-in hub (first start, which seeds the demo, and a second start), then
# against a separate hub process: the default build, and the thin-client build
# (`--no-default-features`: no hub code linked).
# Targets (issue 2): first frame <= 0.4 s; <= 40 MB RSS against a remote hub.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_packages "${BUILD_PACKAGES[@]}" "${WINDOW_PACKAGES[@]}" "${KEYCHAIN_PACKAGES[@]}" xvfb curl
need_rust
# The thin client first (it is the same binary name), kept aside.
cargo build --release --quiet -p switchboard --no-default-features --bin switchboard
thin=$(mktemp)
cp target/release/switchboard "$thin"
chmod +x "$thin"
cargo build --release --quiet --workspace --bins --example keychain_save

bench_setup
hub_pid=
cleanup() {
    kill "$xvfb" ${hub_pid:+"$hub_pid"} 2>/dev/null || true
    rm -rf "$scratch" "$thin"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

# Launches the app (`$app`, the default build unless set), waits for its first-frame report,
# then 10 s idle; prints "ms rss_kb pss_kb".
measure() {
    local home=$1; shift
    local log="$scratch/app.log"
    local start; start=$(now_ms)
    SWITCHBOARD_HOME="$home" "${app:-target/release/switchboard}" --report-first-frame "$@" 2>"$log" &
    local pid=$!
    local frame=
    for _ in $(seq 300); do
        frame=$(sed -n 's/^switchboard-first-frame-ms \([0-9]*\)$/\1/p' "$log" | head -n 1)
        [ -n "$frame" ] && break
        sleep 0.05
    done
    if [ -z "$frame" ]; then
        echo "the workspace never appeared; log:" >&2; cat "$log" >&2; kill "$pid"; return 1
    fi
    sleep 10
    local rss; rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    local pss; pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$((frame - start)) $rss $pss"
}

report() {
    read -r ms rss pss <<<"$2"
    printf '%-48s first frame %5d ms   after 10 s idle: RSS %6.1f MB, PSS %6.1f MB\n' "$1" "$ms" \
        "$(echo "$rss / 1024" | bc -l)" "$(echo "$pss / 1024" | bc -l)"
}

run_all() {
    builtin_home="$scratch/builtin"
    report "built-in hub, first start (seeds the demo)" "$(measure "$builtin_home")"
    report "built-in hub, second start" "$(measure "$builtin_home")"

    # A separate hub process; the app signs in silently with a token in the keychain.
    port=$((20000 + RANDOM % 20000))
    target/release/switchboard-hub serve --data "$scratch/hub" --listen "127.0.0.1:$port" --demo \
        >"$scratch/hub.log" 2>&1 &
    hub_pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
    token=$(curl -sf "http://127.0.0.1:$port/api/v1/sessions" -H 'content-type: application/json' \
        -d '{"email":"lucia@acme.example","password":"switchboard","remember":true}' |
        sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
    echo -n "$token" | target/release/examples/keychain_save "http://127.0.0.1:$port" lucia@acme.example
    remote_home="$scratch/remote"
    mkdir -p "$remote_home/config"
    printf 'hub_url = "http://127.0.0.1:%s"\nemail = "lucia@acme.example"\nremember = true\n' "$port" \
        >"$remote_home/config/config.toml"
    report "separate hub process, default build" "$(measure "$remote_home")"
    report "separate hub process, thin client (no hub linked)" "$(app="$thin" measure "$remote_home")"
}

export -f measure report run_all now_ms
export scratch thin
keyctl session - dbus-run-session -- bash -c '
    echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    run_all'
