"""The quality gate: measure a solo and reject degenerate ones (one note repeated, no range, mostly silence, off key)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..music import chord_table
from ..music.tokens import REST, token_pitches

# Krumhansl-Kessler key profiles (major, minor), C first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
# In-key pitch classes: the major scale; for minor, natural and harmonic minor together.
_IN_MAJOR = {0, 2, 4, 5, 7, 9, 11}
_IN_MINOR = {0, 2, 3, 5, 7, 8, 10, 11}
MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
# The scales the key finder tries, in this order (a tie keeps the first): name, profile, the names of its tonics.
_SCALES = (("major", _MAJOR, MAJOR_NAMES), ("minor", _MINOR, MINOR_NAMES))


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
        for scale, profile, _ in _SCALES:
            r = np.corrcoef(pc_weights, np.roll(profile, tonic))[0, 1]
            if r > best + 1e-12:
                best, key = r, (tonic, scale)
    return key


def key_name(tonic: int, scale: str) -> tuple[str, str]:
    return (MAJOR_NAMES if scale == "major" else MINOR_NAMES)[tonic], scale


def key_table() -> list[dict]:
    """The key finder's scales as data, in the order it tries them: the browser's detectKey reads this (facts)."""
    return [{"scale": scale, "profile": profile.tolist(), "names": list(names)} for scale, profile, names in _SCALES]


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


# -- the lofi gate: the melody against its chords and the bar ---------------------------------------------------

_GRID = (4, 6)  # onsets on the 16th grid (4 a quarter) or the triplet grid (eighth and 16th triplets: 6 a quarter)
MOTIF_SIMILARITY = 0.75  # share of matching onsets (and of pitches a constant transposition apart) for a recurrence


def melody_pcs(chord) -> frozenset[int]:
    """Pitch classes that sound right over ``chord``: its tones and its available 7/9/11/13 tensions
    (the rule the chord table's tensions come from, applied to the chord as voiced)."""
    return chord_table.melody_pcs(chord.root, chord.pcs)


def _chord_at(timeline, q):
    for span in timeline:
        if span.start <= q < span.end:
            return span.chord
    return None


def _on_grid(q: Fraction) -> bool:
    return any((q * g).denominator == 1 for g in _GRID)


def _window(notes, start: Fraction, end: Fraction):
    return [(s - start, m) for s, _, m in notes if start <= s < end]


def _recurs(a, b) -> bool:
    """Do two windows of (onset, pitch) hold the same rhythm with the pitches a constant interval apart?"""
    if len(a) < 3 or len(b) < 3:
        return False
    pa, pb = dict(a), dict(b)
    common = sorted(pa.keys() & pb.keys())
    if len(common) < MOTIF_SIMILARITY * max(len(pa), len(pb)):
        return False
    shifts = [pb[q] - pa[q] for q in common]
    shift = max(set(shifts), key=lambda s: (sum(abs(x - s) <= 1 for x in shifts), -abs(s)))
    return sum(abs(x - shift) <= 1 for x in shifts) >= MOTIF_SIMILARITY * len(common)


def motif_bars(notes, bars: int, bar: Fraction, longest: int = 8) -> int:
    """Bars of the longest motif (>= 2 bars) that recurs later without overlapping, transposed or not; 0 if none."""
    found = 0
    for length in range(2, min(longest, bars // 2) + 1):
        windows = [_window(notes, i * bar, (i + length) * bar) for i in range(bars - length + 1)]
        if any(_recurs(windows[i], windows[j]) for i in range(len(windows)) for j in range(i + length, len(windows))):
            found = length
        elif found:
            break
    return found


def lofi_measures(melody, timeline, *, bars: int, beats_per_bar: int = 4) -> dict:
    """The lofi gate's measures of a melody [(start, duration, midis)] in quarters (no midis = a rest) over a
    chord timeline of ``bars`` bars: chord tones on beats 1 and 3, rest share, mean note, longest run of equal
    durations, share of 16ths, share of onsets on the grid, the longest recurring motif in bars, the ending."""
    bar = Fraction(beats_per_bar)
    end = bar * bars
    events = sorted((Fraction(s), Fraction(d), tuple(m)) for s, d, m in melody)
    notes = [(s, d, m) for s, d, m in events if m and s < end]
    cut = any(s + d > end for s, d, _ in notes)
    notes = [(s, min(d, end - s), m) for s, d, m in notes]
    sounding = sum((d for _, d, _ in notes), Fraction(0))
    # beats 1 and 3 (the downbeat, and the middle of an even bar): the note sounding there, attacked or held
    strong = [bar * b + k for b in range(bars) for k in ((0, bar / 2) if beats_per_bar % 2 == 0 else (0,))]
    judged = inside = 0
    for q in strong:
        note = next((n for n in notes if n[0] <= q < n[0] + n[1]), None)
        chord = _chord_at(timeline, q)
        if note is None or chord is None:
            continue
        judged += 1
        inside += all(p % 12 in melody_pcs(chord) for p in note[2])
    run = longest = 0
    for i, (_, d, _) in enumerate(events):
        run = run + 1 if i and d == events[i - 1][1] else 1
        longest = max(longest, run)
    onsets = [s for s, _, _ in events if s < end]
    ending = False
    if notes and not cut:
        s, d, m = notes[-1]
        if s + d < end:
            ending = True  # the phrase ends before the loop point: it ends on a rest
        else:
            chord = _chord_at(timeline, s)
            ending = d >= 1 and chord is not None and all(p % 12 in chord.pcs for p in m)
    tops = [(s, d, max(m)) for s, d, m in notes]
    return {
        "chord_tones": round(inside / judged, 4) if judged else None,
        "rest_share": round(float(1 - sounding / end), 4) if end else 0.0,
        "mean_note": round(float(sounding / len(notes)), 4) if notes else 0.0,
        "max_equal_run": longest,
        "sixteenths": round(sum(d <= Fraction(1, 4) for _, d, _ in notes) / len(notes), 4) if notes else 0.0,
        "on_grid": round(sum(_on_grid(s % bar) for s in onsets) / len(onsets), 4) if onsets else 1.0,
        "motif": motif_bars(tops, bars, bar),
        "ending": ending,
    }


def lofi_problems(measures: dict, thresholds: dict) -> list[str]:
    """Why a melody fails the lofi gate (empty when it passes); thresholds as ``ai.quality`` in lofi.yaml."""
    m, t = measures, thresholds
    out = []
    if m["chord_tones"] is not None and m["chord_tones"] < t["chord_tones"]:
        out.append(f"{m['chord_tones']:.0%} chord tones on beats 1 and 3 (< {t['chord_tones']:.0%})")
    if not t["rest_min"] <= m["rest_share"] <= t["rest_max"]:
        out.append(f"{m['rest_share']:.0%} rests (outside {t['rest_min']:.0%}-{t['rest_max']:.0%})")
    if m["mean_note"] < t["mean_note"]:
        out.append(f"mean note {m['mean_note']:.2f} quarters (< {t['mean_note']})")
    if m["max_equal_run"] > t["max_equal_run"]:
        out.append(f"{m['max_equal_run']} equal durations in a row (> {t['max_equal_run']})")
    if m["sixteenths"] > t["max_sixteenths"]:
        out.append(f"{m['sixteenths']:.0%} sixteenths (> {t['max_sixteenths']:.0%})")
    if m["on_grid"] < 1:
        out.append(f"{1 - m['on_grid']:.0%} of onsets off the 16th/triplet grid")
    if m["motif"] < 2:
        out.append("no motif of 2 bars or more recurs")
    if not m["ending"]:
        out.append("the last phrase does not end at the loop point on a chord tone held a beat, or on a rest")
    return out


def melody_from_notes(notes, ppq: int) -> list[tuple[Fraction, Fraction, tuple[int, ...]]]:
    """(start, duration, midis) events in quarters from (ticks, duration_ticks, midi) notes; notes that start
    together are one event (a chord, as long as its longest note), gaps become rests."""
    by_start: dict[int, list[tuple[int, int]]] = {}
    for ticks, duration, midi in notes:
        by_start.setdefault(ticks, []).append((duration, midi))
    out, now = [], Fraction(0)
    for ticks in sorted(by_start):
        start = Fraction(ticks, ppq)
        if start > now:
            out.append((now, start - now, ()))
        duration = Fraction(max(d for d, _ in by_start[ticks]), ppq)
        out.append((start, duration, tuple(sorted(m for _, m in by_start[ticks]))))
        now = max(now, start + duration)
    return out
