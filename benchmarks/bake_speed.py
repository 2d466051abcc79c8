"""Rendering a sampler instrument with ONE fluidsynth run versus one run per note (the naive way).

Renders the piano's notes from samples.yaml both ways, checks both give the same audio, and
prints the wall times and their ratio; then the same for a few notes from MuseScore_General.sf3
(Ogg-compressed, so every load decodes it) when that soundfont is installed.

    PYTHONPATH=. python benchmarks/bake_speed.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = ROOT / "lofi_build" / "defaults"  # the package's defaults, laid out as a project
sys.path.insert(0, str(ROOT))

from lofi_build.samples import soundfont  # noqa: E402
from lofi_build.samples.manifest import load_kit  # noqa: E402

MUSESCORE = Path("/usr/share/sounds/sf3/MuseScore_General.sf3")


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Best normalised correlation within +-64 frames (notes start on fluidsynth's 64-frame blocks)."""
    n = min(len(a), len(b)) - 128
    x = a[64:64 + n].mean(axis=1)
    return max(float(np.corrcoef(x, b[64 + lag:64 + lag + n].mean(axis=1))[0, 1]) for lag in range(-64, 65))


def compare(font: Path, strikes: list[soundfont.Strike], label: str) -> None:
    started = time.perf_counter()
    together = soundfont.render(font, strikes)
    one_run = time.perf_counter() - started
    started = time.perf_counter()
    apart = [soundfont.render(font, [strike])[0] for strike in strikes]
    per_note = time.perf_counter() - started
    same = min(_correlation(a, b) for a, b in zip(together, apart))
    print(f"{label}: {len(strikes)} notes, one fluidsynth run {one_run:.2f} s, one run per note "
          f"{per_note:.2f} s -> {per_note / one_run:.1f}x faster (lowest correlation between the two: {same:.4f})")


def main() -> None:
    kit = load_kit(DEFAULTS / "content" / "samples" / "samples.yaml", check_files=False)
    piano = next(item for item in kit.items if item.id == "piano")
    bake = piano.bake
    strikes = [soundfont.Strike(program=bake["program"], midi=m, velocity=bake["velocity"], hold=bake["hold"],
                                length=bake["length"]) for m in piano.notes]
    compare(Path(bake["soundfont"]), strikes, "FluidR3_GM.sf2 piano")
    if MUSESCORE.exists():
        compare(MUSESCORE, strikes[::6], "MuseScore_General.sf3 piano")


if __name__ == "__main__":
    main()
