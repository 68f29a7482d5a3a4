# Shared by ./run, ./test and bench/: install what is missing, on Debian or Ubuntu.

# Runs a command as root (directly, or through sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages given that are not installed yet.
need_packages() {
    missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

# The Rust toolchain: rustup's, since Debian's cargo is too old for this code.
need_rust() {
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        need_packages curl ca-certificates
        echo "==> installing the Rust toolchain (rustup)"
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal \
            --component clippy,rustfmt
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
}

# cargo-fuzz and the nightly toolchain it builds with (sanitizers), for the fuzz targets.
need_fuzz() {
    need_rust
    if ! rustup run nightly rustc --version >/dev/null 2>&1; then
        echo "==> installing the nightly toolchain (for cargo-fuzz)"
        rustup toolchain install nightly --profile minimal
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "==> installing cargo-fuzz"
        cargo install cargo-fuzz --locked --quiet
    fi
}

# What building needs: a C compiler (ring, SQLite), pkg-config, cmake (libopus, aws-lc) and
# the ALSA headers (cpal).
BUILD_PACKAGES=(build-essential pkg-config cmake libasound2-dev)
# What a window needs at run time (winit loads these with dlopen).
WINDOW_PACKAGES=(libx11-6 libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon0
    libxkbcommon-x11-0 libwayland-client0 libwayland-cursor0)
# A real OS keychain for the tests: gnome-keyring over D-Bus, and the kernel keyring.
KEYCHAIN_PACKAGES=(dbus dbus-x11 gnome-keyring keyutils)
# Real audio devices for the tests: a PulseAudio daemon with null sinks, and speech to play;
# opus-tools reads call recordings back as any player would (opusinfo, opusdec).
AUDIO_TEST_PACKAGES=(pulseaudio pulseaudio-utils espeak-ng opus-tools)
# A WebRTC stack we did not write, for the interop tests: Debian's Chromium, driven from Node.
BROWSER_TEST_PACKAGES=(chromium nodejs)
# A real SIP phone on the far side of the trunk: baresip, with G.711 and WAV file audio;
# SIPp (sip-tester) plays carriers that challenge with digest authentication.
PHONE_TEST_PACKAGES=(baresip-core sip-tester)

# A real STUN/TURN server for the NAT traversal tests, which start their own on 127.0.0.1.
# Debian's package enables a system-wide server listening on every interface: when we are
# the ones installing it, that service is switched off again.
need_coturn() {
    dpkg-query -W -f='${Status}' coturn 2>/dev/null | grep -q "install ok installed" && return
    need_packages coturn
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        as_root systemctl disable --now coturn >/dev/null 2>&1 || true
    fi
}

# Node's package manager: Debian's `npm`, unless the Node.js installed brings its own.
need_npm() {
    command -v npm >/dev/null 2>&1 || need_packages npm
}

# For the benchmarks: a scratch folder with private runtime and data folders, and a virtual
# display for the app (tiny-skia). Sets `scratch`, `xvfb` (its pid) and DISPLAY.
bench_setup() {
    scratch=$(mktemp -d)
    mkdir -m 700 "$scratch/runtime"
    export XDG_RUNTIME_DIR="$scratch/runtime" XDG_DATA_HOME="$scratch/xdg"
    export ICED_BACKEND=tiny-skia RUST_LOG=error
    local display=:$((90 + RANDOM % 9))
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb=$!
    export DISPLAY=$display
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
}
