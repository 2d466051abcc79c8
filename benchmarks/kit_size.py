"""The sound kit's download size by kind, against the 12 MB budget and against the same audio as WAV.

    PYTHONPATH=. python benchmarks/kit_size.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = ROOT / "lofi_build" / "defaults"  # the package's defaults, laid out as a project
sys.path.insert(0, str(ROOT))

from lofi_build.samples.manifest import load_kit  # noqa: E402

BUDGET = 12 * 1024 * 1024


def main() -> None:
    kit = load_kit(DEFAULTS / "content" / "samples" / "samples.yaml")
    mp3, wav, seconds, files = defaultdict(int), defaultdict(int), defaultdict(float), defaultdict(int)
    for item in kit.items:
        for a in item.files:
            mp3[item.kind] += a.path.stat().st_size
            wav[item.kind] += 44 + a.frames * a.channels * 2  # the same audio as 16-bit PCM WAV
            seconds[item.kind] += a.duration
            files[item.kind] += 1
    print(f"{'kind':10s} {'files':>5s} {'audio':>8s} {'MP3':>9s} {'kbit/s':>7s} {'as WAV':>9s} {'WAV/MP3':>8s}")
    for kind in mp3:
        print(f"{kind:10s} {files[kind]:5d} {seconds[kind]:7.0f}s {mp3[kind] / 1e6:7.2f}MB "
              f"{mp3[kind] * 8 / seconds[kind] / 1000:7.0f} {wav[kind] / 1e6:7.1f}MB {wav[kind] / mp3[kind]:7.1f}x")
    total, total_wav = sum(mp3.values()), sum(wav.values())
    print(f"{'total':10s} {sum(files.values()):5d} {sum(seconds.values()):7.0f}s {total / 1e6:7.2f}MB "
          f"{'':7s} {total_wav / 1e6:7.1f}MB {total_wav / total:7.1f}x")
    print(f"budget 12 MiB ({BUDGET / 1e6:.2f} MB): the kit uses {total / BUDGET:.0%} of it")


if __name__ == "__main__":
    main()
