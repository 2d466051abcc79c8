"""Offline renders of the player and what the tests measure in them: the grid every note should
land on (computed here from the pieces' JSON, independently of the player), click onsets in
probe renders, and the pieces' own files decoded."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np

PPQ = 480
BAR = 4 * PPQ  # the shipped pieces are all in 4/4


def render(page, **options) -> tuple[np.ndarray, dict]:
    """``window.lofi.render(options)``: (mono samples, the rest of the answer)."""
    out = page.evaluate("(o) => window.lofi.render(o)", options)
    samples = np.frombuffer(base64.b64decode(out.pop("channels")[0]), dtype="<f4")
    return samples, out


def swing_ticks(ticks: int, swing: float) -> float:
    """Tone.Transport's swing for eighths (Transport._processTick), in ticks."""
    if not swing or ticks % PPQ == 0:
        return 0.0
    return (2 * (PPQ // 2) / 3) * math.sin((ticks % PPQ) / PPQ * math.pi) * swing


def piece(site: Path, entry: dict) -> dict:
    return json.loads((site / entry["url"]).read_text("utf-8"))


def grid(site: Path, entry: dict, layer_bars: int, bars: int, bpm: float, lead: float) -> list[tuple[float, str, int, int]]:
    """(seconds, track, midi, tick) of every note the player should play in `bars` bars: the
    piece's own loop repeated to fill the layer's loop of `layer_bars` (cut at its end), that
    loop repeated from bar 0, each note moved by the piece's swing."""
    song = piece(site, entry)
    own = entry["loopBars"] * BAR
    layer = layer_bars * BAR
    spt = 60 / (bpm * PPQ)
    out = []
    for track in song["tracks"]:
        for note in track["notes"]:
            if note["ticks"] >= own:
                continue
            for tile in range(0, layer, own):
                t = note["ticks"] + tile
                if t >= layer:
                    continue
                for start in range(0, bars * BAR, layer):
                    if start + t < bars * BAR:
                        at = lead + (start + t + swing_ticks(t, entry["swing"])) * spt
                        out.append((at, track["name"], note["midi"], start + t))
    return sorted(out)


def clicks(x: np.ndarray, rate: int, threshold: float = 0.1) -> np.ndarray:
    """Onsets (seconds) of the probe's 8-sample clicks: where the signal rises through `threshold`."""
    rises = np.flatnonzero((x[1:] > threshold) & (x[:-1] <= threshold)) + 1
    return rises / rate


def first_sound(x: np.ndarray, rate: int, level: float = 1e-3) -> float:
    return float(np.flatnonzero(np.abs(x) > level)[0] / rate)
