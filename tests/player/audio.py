"""Offline renders of the player and what the tests measure in them: the grid every note should
land on (computed here from the pieces' JSON, independently of the player), click onsets in
probe renders, and the pieces' own files decoded."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np

from lofi_build.music.transport import PPQ, SWING_TICKS

BAR = 4 * PPQ  # the shipped pieces are all in 4/4


def render(page, **options) -> tuple[np.ndarray, dict]:
    """``window.lofi.render(options)``: (mono samples, the rest of the answer)."""
    out = page.evaluate("(o) => window.lofi.render(o)", options)
    samples = np.frombuffer(base64.b64decode(out.pop("channels")[0]), dtype="<f4")
    return samples, out


def swing_ticks(ticks: int, swing: float, subdivision: str = "8n") -> float:
    """Tone.Transport's swing (Transport._processTick) for a swingSubdivision, in ticks: every
    second eighth (or 16th) moves late by up to two thirds of one."""
    pair = 2 * SWING_TICKS[subdivision]
    if not swing or ticks % pair == 0:
        return 0.0
    return (pair / 3) * math.sin((ticks % pair) / pair * math.pi) * swing


def piece(site: Path, entry: dict) -> dict:
    return json.loads((site / entry["url"]).read_text("utf-8"))


def grid(site: Path, entry: dict, layer_bars: int, bars: int, bpm: float, lead: float,
         swing: tuple[float, str] | None = None) -> list[tuple[float, str, int, int]]:
    """(seconds, track, midi, tick) of every note the player should play in `bars` bars: the
    piece's own loop repeated to fill the layer's loop of `layer_bars` (cut at its end), that
    loop repeated from bar 0, each note moved by the piece's swing (or `swing`: (amount,
    subdivision), a groove's swing that a solo plays with) and its track's lay-back."""
    song = piece(site, entry)
    own = song["lofi"]["loopBars"] * BAR
    amount, subdivision = swing or (song["lofi"]["swing"], song["lofi"]["swingSubdivision"])
    layer = layer_bars * BAR
    spt = 60 / (bpm * PPQ)
    out = []
    for track in song["tracks"]:
        late = song["lofi"].get("layBack", {}).get(track["name"], 0)
        for note in track["notes"]:
            if note["ticks"] >= own:
                continue
            for tile in range(0, layer, own):
                t = note["ticks"] + tile
                if t >= layer:
                    continue
                for start in range(0, bars * BAR, layer):
                    if start + t < bars * BAR:
                        at = lead + (start + t + swing_ticks(t, amount, subdivision) + late) * spt
                        out.append((at, track["name"], note["midi"], start + t))
    return sorted(out)


def clicks(x: np.ndarray, rate: int, threshold: float = 0.1) -> np.ndarray:
    """Onsets (seconds) of the probe's 8-sample clicks: where the signal rises through `threshold`."""
    rises = np.flatnonzero((x[1:] > threshold) & (x[:-1] <= threshold)) + 1
    return rises / rate


def first_sound(x: np.ndarray, rate: int, level: float = 1e-3) -> float:
    return float(np.flatnonzero(np.abs(x) > level)[0] / rate)


def dbfs(x: float) -> float:
    return 20 * math.log10(max(float(x), 1e-12))


def true_peak(x: np.ndarray) -> float:
    """The peak between samples too (4x oversampled, as a true-peak meter reads it), in dBFS."""
    from scipy.signal import resample_poly

    return dbfs(np.max(np.abs(resample_poly(x.astype(np.float64), 4, 1))))


def flat_tops(x: np.ndarray, level: float = 0.5, tolerance: float = 1e-6, run: int = 3) -> int:
    """Samples held at a ceiling: in runs of at least `run` loud samples (above `level`) that
    differ from their neighbour by less than `tolerance` (a clipped or saturated top; the crest
    of a 40 Hz sine at 44.1 kHz still moves by more than 1e-5 a sample)."""
    loud = np.abs(x) > level
    held = (np.abs(np.diff(x)) < tolerance) & loud[1:] & loud[:-1]
    count, length = 0, 0
    for h in np.append(held, False):
        if h:
            length += 1
        else:
            if length + 1 >= run:
                count += length + 1
            length = 0
    return count


def silent_after(x: np.ndarray, rate: int, at: float, level_db: float = -60.0) -> float:
    """Seconds from `at` until the signal stays below `level_db` (0 when it already is)."""
    loud = np.flatnonzero(np.abs(x[int(at * rate):]) > 10 ** (level_db / 20))
    return 0.0 if len(loud) == 0 else float((loud[-1] + 1) / rate)


def levels(x: np.ndarray, rate: int, window: float = 0.02) -> np.ndarray:
    """RMS in dBFS of consecutive `window`-second windows (a whole number of samples: window k starts at
    k * round(window * rate) samples)."""
    n = round(window * rate)
    frames = x[: len(x) // n * n].reshape(-1, n).astype(np.float64)
    return 20 * np.log10(np.maximum(np.sqrt(np.mean(frames**2, axis=1)), 1e-9))


def longest_quiet(x: np.ndarray, rate: int, start: float, end: float, level_db: float = -50.0,
                  window: float = 0.02) -> float:
    """The longest stretch (seconds) between `start` and `end` whose `window`-second RMS stays below `level_db`."""
    db = levels(x, rate, window)
    lo, hi = int(start / window), int(end / window)
    best = run = 0
    for quiet in db[lo:hi] < level_db:
        run = run + 1 if quiet else 0
        best = max(best, run)
    return best * window


def clicks_near(x: np.ndarray, rate: int, at: float, within: float = 0.75, factor: float = 2.0,
                cut_db: float = 30.0) -> int:
    """Clicks within `within` s of `at`: sample steps more than `factor` times the largest step of the render
    away from there (its notes' own onsets), and cuts (the 1 ms level falling by `cut_db` in 3 ms from above
    -40 dBFS and staying down, half that or more, for the next 10 ms: no note or fade falls that fast, while a
    slow wave, a record braking, dips as fast through its zero crossings and comes straight back)."""
    step = np.abs(np.diff(x.astype(np.float64)))
    lo, hi = int((at - within) * rate), int((at + within) * rate)
    away = np.concatenate([step[: max(0, lo - rate)], step[hi + rate:]])
    jumps = int(np.sum(step[lo:hi] > factor * max(float(away.max(initial=0)), 1e-4)))
    n = round(0.001 * rate)  # 1 ms windows of whole samples, indexed by their own length (44 samples at 44.1 kHz)
    db = levels(x, rate, n / rate)
    a, b = int((at - within) * rate / n), int((at + within) * rate / n)
    b = min(b, len(db) - 13)
    later = np.lib.stride_tricks.sliding_window_view(db, 10).max(axis=1)  # later[i]: the loudest of db[i:i + 10]
    before, after, stays = db[a:b], db[a + 3:b + 3], later[a + 3:b + 3]
    cuts = int(np.sum((before > -40) & (after < before - cut_db) & (stays < before - cut_db / 2)))
    return jumps + cuts


def overlap(out: np.ndarray, inc: np.ndarray, rate: int, level_db: float = -35.0, window: float = 0.02) -> float:
    """Seconds in which two renders of the same length (one side of a change each) both sound above `level_db`."""
    a, b = levels(out, rate, window), levels(inc, rate, window)
    n = min(len(a), len(b))
    return float(np.sum((a[:n] > level_db) & (b[:n] > level_db)) * window)
