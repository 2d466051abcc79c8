"""How late the attack of every drum and instrument sample starts once real Chromium has decoded it.

Serves content/samples on localhost, decodes every one-shot with decodeAudioData in Debian
Chromium (at 44.1 kHz, the files' rate, and at 48 kHz, where Chromium resamples) and prints the
onset (first frame within 20 dB of the peak) and the first audible frame (-40 dB). The reference,
measured in the same run: the same files with their LAME gapless header cut off, which is what a
decoder that ignores encoder delay and padding would play.

    PYTHONPATH=. python benchmarks/chromium_onsets.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "samples")]

from kitcheck import KIT_YAML, chromium_decode  # noqa: E402
from support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from lofi_build.samples.manifest import load_kit  # noqa: E402

BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]  # MPEG-1 Layer III, kbit/s
RATES = {0: 44100, 1: 48000, 2: 32000}


def without_gapless_header(data: bytes) -> bytes:
    """The MP3 minus its first frame, the Xing/LAME 'Info' frame that records delay and padding."""
    start = data.find(b"\xff\xfb")
    header = int.from_bytes(data[start:start + 4], "big")
    bitrate = BITRATES[(header >> 12) & 0xF] * 1000
    rate = RATES[(header >> 10) & 0x3]
    length = 144 * bitrate // rate + ((header >> 9) & 1)
    frame = data[start:start + length]
    assert b"Info" in frame or b"Xing" in frame, "first frame is not the LAME header"
    return data[:start] + data[start + length:]


def summary(rows: list[dict], rate: int) -> str:
    on20 = [r["onset20"] / rate * 1000 for r in rows]
    on40 = [r["onset40"] / rate * 1000 for r in rows]
    return (f"onset (-20 dB) median {statistics.median(on20):5.2f} ms, max {max(on20):5.2f} ms; "
            f"first audible (-40 dB) max {max(on40):5.2f} ms")


def main() -> None:
    from playwright.sync_api import sync_playwright

    kit = load_kit(KIT_YAML)
    shots = [a for item in kit.of_kind("instrument", "drumkit") for a in item.files]
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results = chromium_decode(browser, kit.root, {44100: [a.rel for a in shots], 48000: [a.rel for a in shots]})
        for a in shots:
            target = Path(tmp) / a.rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(without_gapless_header(a.path.read_bytes()))
        naive = chromium_decode(browser, Path(tmp), {44100: [a.rel for a in shots]})
        browser.close()
    print(f"{len(shots)} one-shots ({len(kit.of_kind('instrument'))} instruments, "
          f"{len(kit.of_kind('drumkit'))} drum kits), decoded by {Path('/usr/bin/chromium')}")
    for rate in (44100, 48000):
        rows = [results[rate][a.rel] for a in shots]
        wrong = sum(abs(r["frames"] - a.frames * rate / 44100) > 1 for r, a in zip(rows, shots))
        print(f"  kit as shipped, {rate} Hz context: {summary(rows, rate)}; length mismatches: {wrong}")
        for kind in ("instrument", "drumkit"):
            kind_rows = [results[rate][a.rel] for item in kit.of_kind(kind) for a in item.files]
            print(f"      {kind:10s} {summary(kind_rows, rate)}")
    rows = [naive[44100][a.rel] for a in shots]
    print(f"  reference, gapless header removed, 44100 Hz: {summary(rows, 44100)}")
    ours = max(results[44100][a.rel]["onset20"] for a in shots)
    theirs = statistics.median(r["onset20"] for r in rows)
    print(f"  median onset without the header is {theirs / 44100 * 1000:.1f} ms; worst with it "
          f"{ours / 44100 * 1000:.2f} ms (ratio {theirs / max(ours, 1):.0f}x)")


if __name__ == "__main__":
    main()
