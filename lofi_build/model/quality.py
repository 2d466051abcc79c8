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


# -- the lofi gate: the melody against its chords and the bar, and the model's own contribution -------------------
#
# A random-initialised network or a unigram under the generation rules keeps the rules' bounds (the grid, the loop,
# chord tones on beats 1 and 3, the ending) as well as a trained one: the gate also measures what only a model that
# learned the corpus does, against histograms of the corpus that travel with the checkpoint (computed at training):
# its melodic intervals and its notes over the chords' roots, the notes it plays off the strong beats outside the
# chord, and whether its non-chord tones move on by step.

_GRID = (4, 6)  # onsets on the 16th grid (4 a quarter) or the triplet grid (eighth and 16th triplets: 6 a quarter)


def melody_pcs(chord) -> frozenset[int]:
    """Pitch classes that sound right over ``chord``: its tones and its available 7/9/11/13 tensions, less its avoid
    notes (the rule the chord table's tensions come from, applied to the chord as voiced, with the table's avoid
    notes: the natural 11 of a 13th chord is no tension)."""
    return chord_table.melody_pcs(chord.root, chord.pcs, getattr(chord, "avoid", ()))


def _chord_at(timeline, q):
    for span in timeline:
        if span.start <= q < span.end:
            return span.chord
    return None


def _on_grid(q: Fraction) -> bool:
    return any((q * g).denominator == 1 for g in _GRID)


def notes_of(melody) -> list:
    """A melody's (start, duration, midis) events as the musician's measures read it: each note's top pitch."""
    from .measures import Note

    return [Note(Fraction(s), Fraction(d), max(m)) for s, d, m in melody if m]


@dataclass(frozen=True)
class _Label:
    """A chord label of the encoded corpus (root, pitch classes, bass) as the measures read a chord."""

    root: int
    pcs: tuple[int, ...]
    bass: int


def corpus_reference(sequences) -> dict[str, list[float]]:
    """The corpus's histograms the gate compares a solo with (:data:`~lofi_build.model.measures.HISTOGRAMS`): the
    melodic intervals and the notes over their chord's root of every encoded melody (``tokens.Step`` lists) that
    has chords, pooled. Stored in the checkpoint's info as ``reference``."""
    from ..music.progression import ChordSpan
    from ..music.tokens import token_pitches
    from . import measures
    from .measures import Note

    totals = {key: 0.0 for key in measures.HISTOGRAMS}
    for steps in sequences:
        notes = [Note(s.onset, s.quarter_length, max(token_pitches(s.token))) for s in steps
                 if token_pitches(s.token)]
        spans = [ChordSpan(a.onset, b.onset if b is not None else a.onset + a.quarter_length, _Label(*a.chord))
                 for a, b in zip(steps, list(steps[1:]) + [None]) if a.chord is not None]
        if not spans or not notes:
            continue
        totals["intervals"] = totals["intervals"] + measures.interval_histogram(notes)
        totals["chord_degrees"] = totals["chord_degrees"] + measures.chord_relative_histogram(notes, spans)
    return {key: [float(x) for x in np.atleast_1d(v)] for key, v in totals.items()}


def reference_of(ckpt) -> dict[str, np.ndarray] | None:
    """The corpus histograms a checkpoint carries (None: trained before they were kept)."""
    found = ckpt.info.get("reference")
    return {k: np.asarray(v) for k, v in found.items()} if found else None


def lofi_measures(melody, timeline, *, bars: int, beats_per_bar: int = 4, reference: dict | None = None) -> dict:
    """The lofi gate's measures of a melody [(start, duration, midis)] in quarters (no midis = a rest) over a
    chord timeline of ``bars`` bars: chord tones on beats 1 and 3, rest share, mean note, longest run of equal
    durations, share of 16ths, share of onsets on the grid, the ending; and the model's own contribution: weak-beat
    notes outside the chord, non-chord tones resolving by step and, given the corpus ``reference`` histograms, the
    Jensen-Shannon divergence (bits) of the melody's interval and chord-degree histograms to the corpus's."""
    from . import measures

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
            ending = d >= 1 and chord is not None and all(
                p % 12 in chord.pcs and p % 12 not in getattr(chord, "avoid", ()) for p in m)
    line = notes_of(notes)
    own = {"weak_outside": measures.weak_beat_outside(line, timeline, bar).value,
           "nct_step": measures.non_chord_tones_resolving(line, timeline).value}
    if reference is not None:
        own["intervals"] = measures.js_divergence(measures.interval_histogram(line), reference["intervals"])
        own["chord_degrees"] = measures.js_divergence(measures.chord_relative_histogram(line, timeline),
                                                      reference["chord_degrees"])
    return {
        "chord_tones": round(inside / judged, 4) if judged else None,
        "rest_share": round(float(1 - sounding / end), 4) if end else 0.0,
        "mean_note": round(float(sounding / len(notes)), 4) if notes else 0.0,
        "max_equal_run": longest,
        "sixteenths": round(sum(d <= Fraction(1, 4) for _, d, _ in notes) / len(notes), 4) if notes else 0.0,
        "on_grid": round(sum(_on_grid(s % bar) for s in onsets) / len(onsets), 4) if onsets else 1.0,
        "ending": ending,
        **{k: None if v is None else round(v, 4) for k, v in own.items()},
    }


# ai.quality's limits on the model's own contribution: (key, threshold, the test a solo fails, what it says).
_OWN = (
    ("weak_outside", "max_weak_outside", lambda v, t: v > t, "{:.0%} of weak-beat notes outside the chord (> {:.0%})"),
    ("nct_step", "min_nct_step", lambda v, t: v < t, "{:.0%} of non-chord tones resolving by step (< {:.0%})"),
    ("intervals", "max_intervals_js", lambda v, t: v > t,
     "melodic intervals {:.3f} bits from the corpus's (> {:.3f})"),
    ("chord_degrees", "max_degrees_js", lambda v, t: v > t,
     "notes over the chord roots {:.3f} bits from the corpus's (> {:.3f})"),
)


def lofi_problems(measures: dict, thresholds: dict) -> list[str]:
    """Why a melody fails the lofi gate (empty when it passes); thresholds as ``ai.quality`` in lofi.yaml. A measure
    the melody has nothing for (no weak-beat notes, no reference histograms) is not judged."""
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
    if not m["ending"]:
        out.append("the last phrase does not end at the loop point on a chord tone held a beat, or on a rest")
    for key, limit, fails, text in _OWN:
        if m.get(key) is not None and limit in t and fails(m[key], t[limit]):
            out.append(text.format(m[key], t[limit]))
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
