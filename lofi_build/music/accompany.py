"""Lofi accompaniment under a chord timeline: voice-led rootless 7th/9th voicings comping laid back, and a bass line."""

from __future__ import annotations

import itertools
from fractions import Fraction

CHORD_LOW, CHORD_HIGH = 48, 72  # C3..C5: every voicing note sits in here
CHORD_CENTRES = (57, 59, 61)  # where the first voicing sits (a seed picks one); later ones follow by voice leading
BASS_LOW, BASS_HIGH = 28, 48  # E1..C3
BASS_HOME = 38  # the bass line's first root sits nearest this (D2)
MAX_SPAN = 15  # the widest voicing, in semitones (drop-2 spreads fit; no spread wider than a tenth + a fourth)
ANTICIPATE = Fraction(1, 2)  # a pushed chord comes an eighth early, on the and of the previous bar's last beat

# Comping patterns per chord length (quarters): (offset, length, accented) per hit.
_COMPING = {
    Fraction(4): (
        ((0, 4, 1),),  # held
        ((0, Fraction(3, 2), 1), (Fraction(3, 2), Fraction(5, 2), 0)),  # 1, and of 2, held
        ((0, Fraction(3, 2), 1), (Fraction(3, 2), 1, 0)),  # 1, and of 2, space after
        ((0, 2, 1), (Fraction(5, 2), Fraction(3, 2), 0)),  # 1 held, and of 3
        ((0, 3, 1), (Fraction(7, 2), Fraction(1, 2), 0)),  # held, a ghost on the and of 4
    ),
    Fraction(3): (((0, 3, 1),), ((0, Fraction(3, 2), 1), (Fraction(3, 2), Fraction(3, 2), 0))),
    Fraction(2): (((0, 2, 1),), ((0, Fraction(3, 2), 1),), ((0, 1, 1), (Fraction(3, 2), Fraction(1, 2), 0))),
}
# Bass patterns for a whole 4/4 bar: (offset, length, role) with role root | fifth | octave | approach.
_BASS = (
    ((0, 3, "root"), (3, 1, "approach")),
    ((0, Fraction(3, 2), "root"), (Fraction(3, 2), Fraction(1, 2), "root"), (2, 1, "fifth"), (3, 1, "approach")),
    ((0, 2, "root"), (2, Fraction(3, 2), "fifth"), (Fraction(7, 2), Fraction(1, 2), "approach")),
    ((0, Fraction(5, 2), "root"), (Fraction(5, 2), Fraction(1, 2), "octave"), (3, 1, "approach")),
)

_BASS_HELD = ((0, 2, "root"), (2, 2, "fifth"))  # a whole bar whose next chord keeps its bass


def tables() -> dict:
    """The registers and pattern tables as data, times as [numerator, denominator] of a quarter: the browser's
    accompany.js runs the same algorithm over them (the facts block's ``accompany``)."""
    def q(x):
        x = Fraction(x)
        return [x.numerator, x.denominator]

    def hits(pattern):
        return [[q(offset), q(length), what] for offset, length, what in pattern]

    return {
        "chordLow": CHORD_LOW, "chordHigh": CHORD_HIGH, "chordCentres": list(CHORD_CENTRES), "maxSpan": MAX_SPAN,
        "bassLow": BASS_LOW, "bassHigh": BASS_HIGH, "bassHome": BASS_HOME, "anticipate": q(ANTICIPATE),
        "comping": {str(length): [hits(p) for p in patterns] for length, patterns in _COMPING.items()},
        "bass": [hits(p) for p in _BASS],
        "bassHeld": hits(_BASS_HELD),
    }


def _mix(seed: int, *keys: int) -> int:
    """A 32-bit hash of the seed and keys (SplitMix32 steps): the same choice for the same seed, anywhere."""
    x = seed & 0xFFFFFFFF
    for k in keys:
        x = (x + 0x9E3779B9 + (k & 0xFFFFFFFF)) & 0xFFFFFFFF
        x = ((x ^ (x >> 16)) * 0x21F0AAAD) & 0xFFFFFFFF
        x = ((x ^ (x >> 15)) * 0x735A2D97) & 0xFFFFFFFF
        x ^= x >> 15
    return x


def chord_tones(root: int, pcs) -> list[int]:
    """The pitch classes a lofi voicing plays, most important first: 3rd, 7th, 9th, then 13th or 5th, 11th, root."""
    s = {(p - root) % 12 for p in pcs}
    third = next((i for i in (4, 3, 5, 2) if i in s), None)
    seventh = next((i for i in (10, 11) if i in s), None)
    if seventh is None and 9 in s:
        seventh = 9  # a 6th chord's 6, or a diminished 7th
    ninth = next((i for i in (2, 1) if i in s and i != third), None)
    if ninth is None and third == 4 and 3 in s:
        ninth = 3  # the #9 of a 7#9
    fifth = next((i for i in (7, 6, 8) if i in s), None)
    thirteenth = 9 if 9 in s and seventh in (10, 11) else 8 if 8 in s and fifth == 7 else None
    eleventh = 6 if 6 in s and fifth == 7 else 5 if 5 in s and third == 3 else None
    dominant = third == 4 and seventh == 10
    order = [third, seventh, ninth]
    order += [thirteenth, fifth] if dominant else [fifth, thirteenth]
    order += [eleventh, 0]
    if thirteenth == 8:  # a b13 a half step over the 5th: leave the 5th out
        order.remove(fifth)
    out: list[int] = []
    for i in order:
        if i is not None and i in s and (root + i) % 12 not in out:
            out.append((root + i) % 12)
    return out


def voicing_pcs(root: int, pcs) -> list[int]:
    """Four pitch classes (three for a triad): rootless when the chord has a 7th or 6th and a colour tone."""
    tones = chord_tones(root, pcs)
    size = 4 if len(tones) >= 4 else len(tones)
    return tones[:size]


def _candidates(pcs: list[int]) -> list[tuple[int, ...]]:
    options = [[m for m in range(CHORD_LOW, CHORD_HIGH + 1) if m % 12 == pc] for pc in pcs]
    out = []
    for combo in itertools.product(*options):
        notes = tuple(sorted(combo))
        if notes[-1] - notes[0] > MAX_SPAN:
            continue
        if notes[0] < 55 and len(notes) > 1 and notes[1] - notes[0] < 3:
            continue  # seconds low in the register are mud
        out.append(notes)
    return sorted(set(out))


def _movement(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    if len(a) == len(b):
        return sum(abs(x - y) for x, y in zip(a, b))
    return sum(min(abs(x - y) for y in a) for x in b)


def voice(pcs: list[int], previous: tuple[int, ...] | None, centre: float) -> tuple[int, ...]:
    """The voicing of ``pcs`` in C3..C5 that moves least from ``previous`` and stays near ``centre``."""
    candidates = _candidates(pcs)
    if not candidates:  # cannot happen for <= 4 pitch classes, but never fail on a strange chord
        return tuple(sorted(CHORD_LOW + (pc - CHORD_LOW) % 12 for pc in pcs))

    def cost(notes):
        drift = abs(sum(notes) / len(notes) - centre)
        seconds = sum(b - a == 1 for a, b in zip(notes, notes[1:]))  # a half step between neighbours: a rub
        return ((_movement(previous, notes) if previous else 0) + 0.5 * drift + 4 * seconds, notes)

    return min(candidates, key=cost)


def _bass_near(pc: int, near: int) -> int:
    """The ``pc`` in E1..C3 nearest ``near``, pulled towards the middle of the range so the line does not creep."""
    options = [m for m in range(BASS_LOW, BASS_HIGH + 1) if m % 12 == pc]
    return min(options, key=lambda m: (abs(m - near) + 0.6 * abs(m - BASS_HOME), m))


def _ticks(q: Fraction, ppq: int) -> int:
    return int(round(q * ppq))


def accompany(timeline, *, bars: int, seed: int, ppq: int = 480):
    """(chord_notes, bass_notes) under ``timeline`` (ChordSpans in quarters, ``bars`` bars long), each a list of
    (ticks, duration_ticks, midi, velocity 1..127); the same seed gives the same notes."""
    spans = list(timeline)
    if not spans:
        return [], []
    total = Fraction(spans[-1].end)
    bar_length = total / bars if bars else Fraction(4)
    chord_notes: list[tuple[int, int, int, int]] = []
    bass_notes: list[tuple[int, int, int, int]] = []
    gap = Fraction(1, 16)  # chords and bass breathe: each hit stops a 64th before the next sound

    # -- chords: a comping pattern per span, pushed an eighth early now and then
    centre = CHORD_CENTRES[_mix(seed, 1) % len(CHORD_CENTRES)]
    previous = None
    hits_by_span = []
    for i, span in enumerate(spans):
        length = Fraction(span.end) - Fraction(span.start)
        patterns = _COMPING.get(length, (((0, length, 1),),))
        pattern = patterns[_mix(seed, 2, i) % len(patterns)]
        hits_by_span.append([[Fraction(span.start) + o, Fraction(d), a] for o, d, a in pattern])
    for i in range(1, len(spans)):
        start = Fraction(spans[i].start)
        at_bar = start % bar_length == 0
        changes = spans[i].chord.pcs != spans[i - 1].chord.pcs
        if at_bar and changes and _mix(seed, 3, i) % 4 == 0:
            before = [h for h in hits_by_span[i - 1] if h[0] < start - ANTICIPATE]
            if not before:
                continue
            for h in before:
                h[1] = min(h[1], start - ANTICIPATE - h[0])
            hits_by_span[i - 1] = before
            first = hits_by_span[i][0]
            first[1] += first[0] - (start - ANTICIPATE)
            first[0] = start - ANTICIPATE
    for i, span in enumerate(spans):
        chord = span.chord
        pcs = voicing_pcs(chord.root, chord.pcs)
        notes = voice(pcs, previous, centre)
        previous = notes
        for start, length, accent in hits_by_span[i]:
            velocity = (66 if accent else 54) + _mix(seed, 4, i, int(start * 12)) % 7 - 3
            duration = max(length - gap, gap)
            for m in notes:
                chord_notes.append((_ticks(start, ppq), _ticks(duration, ppq), m, velocity))

    # -- bass: the chord's bass note on its first beat, fifths, approach notes into the next chord
    roots, near = [], BASS_HOME
    for span in spans:
        near = _bass_near(span.chord.bass, near)
        roots.append(near)
    for i, span in enumerate(spans):
        chord = span.chord
        length = Fraction(span.end) - Fraction(span.start)
        root = roots[i]
        nxt = spans[(i + 1) % len(spans)].chord
        next_root = roots[(i + 1) % len(spans)]
        same = nxt.bass == chord.bass
        if length == 4 and not same:
            pattern = _BASS[_mix(seed, 5, i) % len(_BASS)]
        elif length == 4:
            pattern = _BASS_HELD
        elif length >= 2 and not same and _mix(seed, 5, i) % 2:
            pattern = ((0, length - Fraction(1, 2), "root"), (length - Fraction(1, 2), Fraction(1, 2), "approach"))
        else:
            pattern = ((0, length, "root"),)
        for offset, dur, role in pattern:
            if role == "root":
                midi = root
            elif role == "octave":
                midi = root + 12 if root + 12 <= BASS_HIGH else root - 12 if root - 12 >= BASS_LOW else root
            elif role == "fifth":
                fifth = next((i for i in (7, 6, 8) if (chord.root + i) % 12 in chord.pcs), 7)
                pc = (chord.root + fifth) % 12
                midi = _bass_near(pc, root + 4)
            else:
                midi = _approach(chord, next_root, seed, i)
            velocity = (84 if offset == 0 else 70) + _mix(seed, 6, i, int(offset * 12)) % 7 - 3
            start = Fraction(span.start) + Fraction(offset)
            bass_notes.append((_ticks(start, ppq), _ticks(max(Fraction(dur) - gap, gap), ppq), midi, velocity))
    chord_notes.sort()
    bass_notes.sort()
    return chord_notes, bass_notes


def _approach(chord, target: int, seed: int, index: int) -> int:
    """A note a step from the next root: a chord tone of this chord when one is a step away, else chromatic."""
    steps = [d for d in (-2, -1, 1, 2) if (target + d) % 12 in chord.pcs and BASS_LOW <= target + d <= BASS_HIGH]
    chromatic = [d for d in (-1, 1) if BASS_LOW <= target + d <= BASS_HIGH]
    if steps and _mix(seed, 7, index) % 2:
        return target + min(steps, key=abs)
    return target + chromatic[_mix(seed, 8, index) % len(chromatic)]
