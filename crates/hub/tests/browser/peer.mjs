// A WebRTC stack we did not write, as a party of a hub call: Debian's headless Chromium,
// with a session token the test hands it, calls an agent through
// `POST /calls` with its own SDP offer, speaks a WAV through the fake microphone, and records
// what it hears from the remote track at 48 kHz.
//
// usage: node peer.mjs CONFIG_JSON
//   { api, token, toAgent, microphoneWav, outWav, seconds, chromium? }
// Prints one JSON line per step on stdout: {"call": ID}, then {"heard": SAMPLES, "stats": ...}.
// Exits non-zero with the reason on stderr when anything fails.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const config = JSON.parse(process.argv[2]);
const profile = mkdtempSync(join(tmpdir(), "sb-chromium-"));
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");

function wav(samples, rate) {
    const data = Buffer.alloc(samples.length * 2);
    samples.forEach((s, i) => data.writeInt16LE(s, i * 2));
    const header = Buffer.alloc(44);
    header.write("RIFF", 0);
    header.writeUInt32LE(36 + data.length, 4);
    header.write("WAVEfmt ", 8);
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20); // PCM
    header.writeUInt16LE(1, 22); // mono
    header.writeUInt32LE(rate, 24);
    header.writeUInt32LE(rate * 2, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write("data", 36);
    header.writeUInt32LE(data.length, 40);
    return Buffer.concat([header, data]);
}

let browser;
try {
    // A fresh profile (the user data dir) for every run.
    browser = await chromium.launchPersistentContext(profile, {
        executablePath: config.chromium ?? "/usr/bin/chromium",
        headless: true,
        args: [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            `--use-file-for-fake-audio-capture=${config.microphoneWav}`,
            "--autoplay-policy=no-user-gesture-required",
            // Play to a fake, timer-clocked output whatever sound server the machine has.
            "--disable-audio-output",
        ],
    });
    const page = await browser.newPage();
    page.on("console", (message) => process.stderr.write(`[page] ${message.text()}\n`));
    // Any page of the hub's origin: loopback is a secure context, and the API is same-origin.
    await page.goto(`${config.api}/health`);

    const call = await page.evaluate(async ({ api, token, toAgent }) => {
        const microphone = await navigator.mediaDevices.getUserMedia({
            audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        });
        const pc = new RTCPeerConnection();
        window.pc = pc;
        for (const track of microphone.getTracks()) pc.addTrack(track, microphone);

        // What arrives is played (Chromium pulls remote audio only for a sink) and recorded
        // by an AudioWorklet: on the audio thread, so a busy page drops nothing.
        window.chunks = [];
        window.afterFirst = 0; // samples since the first sound
        const tap = `registerProcessor("tap", class extends AudioWorkletProcessor {
            process([input]) {
                if (input[0]) this.port.postMessage(input[0].slice());
                return true;
            }
        });`;
        pc.ontrack = async ({ streams: [stream] }) => {
            const audio = new Audio();
            audio.srcObject = stream;
            audio.muted = true;
            audio.play();
            const context = new AudioContext({ sampleRate: 48000 });
            await context.audioWorklet.addModule(
                URL.createObjectURL(new Blob([tap], { type: "text/javascript" })),
            );
            const node = new AudioWorkletNode(context, "tap");
            node.port.onmessage = ({ data }) => {
                const chunk = Int16Array.from(data, (x) =>
                    Math.max(-32768, Math.min(32767, Math.round(x * 32767))));
                if (window.afterFirst > 0 || chunk.some((s) => Math.abs(s) > 300)) {
                    window.afterFirst += chunk.length;
                }
                window.chunks.push(chunk);
            };
            context.createMediaStreamSource(stream).connect(node);
            node.connect(context.destination);
            context.resume();
        };

        await pc.setLocalDescription(await pc.createOffer());
        await new Promise((done) => {
            if (pc.iceGatheringState === "complete") return done();
            pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && done();
        });
        const response = await fetch(`${api}/calls`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: JSON.stringify({ to_agent: toAgent, offer: pc.localDescription.sdp }),
        });
        if (response.status !== 201) {
            throw new Error(`POST /calls: ${response.status} ${await response.text()}`);
        }
        const started = await response.json();
        await pc.setRemoteDescription({ type: "answer", sdp: started.answer });
        return started.call.id;
    }, config);
    say({ call });

    // Record until enough audio has arrived after the first sound: polled, no fixed wait.
    const wanted = Math.round(config.seconds * 48000);
    await page.waitForFunction(
        (wanted) => window.afterFirst >= wanted,
        wanted,
        { timeout: 60_000, polling: 200 },
    );
    const { heard, stats } = await page.evaluate(async () => {
        const report = await window.pc.getStats();
        const inbound = [...report.values()].find((s) => s.type === "inbound-rtp");
        const outbound = [...report.values()].find((s) => s.type === "outbound-rtp");
        // From the first sound on (what came before is the call being set up).
        const heard = [];
        for (const chunk of window.chunks) {
            for (const s of chunk) {
                if (heard.length > 0 || Math.abs(s) > 300) heard.push(s);
            }
        }
        return {
            heard,
            stats: {
                packetsReceived: inbound?.packetsReceived,
                packetsLost: inbound?.packetsLost,
                concealedSamples: inbound?.concealedSamples,
                totalSamplesReceived: inbound?.totalSamplesReceived,
                packetsSent: outbound?.packetsSent,
            },
        };
    });
    writeFileSync(config.outWav, wav(heard, 48000));
    say({ heard: heard.length, stats });
} catch (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
} finally {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
}
