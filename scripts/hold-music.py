#!/usr/bin/env python3
"""Writes crates/hub/resources/hold-music.wav: the music a held party hears.

Our own composition, synthesised here so its origin is plain: a soft plucked arpeggio over
C - Am - F - G, 8 kHz mono (telephone band), looping seamlessly.
"""
import math
import struct
import sys
import wave

RATE = 8000
NOTE = 0.4  # seconds per note
CHORDS = [  # MIDI notes, arpeggiated up and back down
    [60, 64, 67, 72],
    [57, 60, 64, 69],
    [53, 57, 60, 65],
    [55, 59, 62, 67],
]


def freq(midi):
    return 440.0 * 2 ** ((midi - 69) / 12)


def main(path):
    notes = []
    for chord in CHORDS:
        notes += chord + chord[-2:0:-1] + [chord[0] - 12, chord[0]]
    total = int(len(notes) * NOTE * RATE)
    out = [0.0] * (total + RATE)
    for i, midi in enumerate(notes):
        start = int(i * NOTE * RATE)
        f = freq(midi)
        for n in range(int(1.2 * RATE)):
            t = n / RATE
            env = math.exp(-3.5 * t) * min(1.0, t * 200)
            tone = math.sin(2 * math.pi * f * t) + 0.3 * math.sin(4 * math.pi * f * t)
            out[(start + n) % total] += 0.22 * env * tone
    frames = b"".join(
        struct.pack("<h", max(-32767, min(32767, int(s * 32767)))) for s in out[:total]
    )
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "crates/hub/resources/hold-music.wav")
