"""The quality gate: measure a solo and reject degenerate ones (one note repeated, no range, mostly silence, off key)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..music.tokens import REST, token_pitches

# Krumhansl-Kessler key profiles (major, minor), C first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
# In-key pitch classes: the major scale; for minor, natural and harmonic minor together.
_IN_MAJOR = {0, 2, 4, 5, 7, 9, 11}
_IN_MINOR = {0, 2, 3, 5, 7, 8, 10, 11}
MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


@dataclass(frozen=True)
class Gate:
    """Limits a solo must keep; a solo outside any of them is degenerate."""

    max_run: int = 8  # the same token more times in a row than this
    min_distinct: int = 5  # distinct notes and chords
    min_range: int = 5  # semitones between the lowest and highest pitch
    max_rest_share: float = 0.5  # of the solo's time
    max_out_of_key: float = 0.25  # of the sounding time, outside the detected key


GATE = Gate()


def detect_key(pc_weights: np.ndarray) -> tuple[int, str]:
    """(tonic pitch class, 'major' | 'minor') whose profile best correlates with the weights."""
    best, key = -np.inf, (0, "major")
    if np.ptp(pc_weights) == 0:  # silence, or every pitch class alike: no key to find
        return key
    for tonic in range(12):
        for scale, profile in (("major", _MAJOR), ("minor", _MINOR)):
            r = np.corrcoef(pc_weights, np.roll(profile, tonic))[0, 1]
            if r > best + 1e-12:
                best, key = r, (tonic, scale)
    return key


def key_name(tonic: int, scale: str) -> tuple[str, str]:
    return (MAJOR_NAMES if scale == "major" else MINOR_NAMES)[tonic], scale


def measure(events: list[tuple[str, Fraction]]) -> dict:
    """The numbers the gate judges, for one solo of (token, quarter notes) events."""
    tokens = [t for t, _ in events]
    total = sum((d for _, d in events), Fraction(0)) or Fraction(1)
    run = longest = 0
    for i, t in enumerate(tokens):
        run = run + 1 if i and t == tokens[i - 1] else 1
        longest = max(longest, run)
    pcs = np.zeros(12)
    pitches: list[int] = []
    rest_time = Fraction(0)
    for t, d in events:
        if t == REST:
            rest_time += d
            continue
        for p in token_pitches(t):
            pcs[p % 12] += float(d)
            pitches.append(p)
    tonic, scale = detect_key(pcs)
    scale_set = _IN_MAJOR if scale == "major" else _IN_MINOR
    inside = sum(pcs[(tonic + k) % 12] for k in scale_set)
    return {
        "events": len(events),
        "notes": sum(1 for t in tokens if t != REST),
        "longestRun": longest,
        "distinctTokens": len({t for t in tokens if t != REST}),
        "pitchRange": (max(pitches) - min(pitches)) if pitches else 0,
        "restShare": round(float(rest_time / total), 4),
        "outOfKey": round(float(1 - inside / pcs.sum()), 4) if pcs.sum() else 1.0,
        "key": " ".join(key_name(tonic, scale)),
    }


def problems(stats: dict, gate: Gate = GATE) -> list[str]:
    """Why a solo is degenerate (empty when it passes)."""
    out = []
    if stats["longestRun"] > gate.max_run:
        out.append(f"one token repeated {stats['longestRun']} times in a row")
    if stats["distinctTokens"] < gate.min_distinct:
        out.append(f"only {stats['distinctTokens']} distinct notes/chords")
    if stats["pitchRange"] < gate.min_range:
        out.append(f"pitch range of {stats['pitchRange']} semitones")
    if stats["restShare"] > gate.max_rest_share:
        out.append(f"{stats['restShare']:.0%} rests")
    if stats["outOfKey"] > gate.max_out_of_key:
        out.append(f"{stats['outOfKey']:.0%} out of key")
    return out
