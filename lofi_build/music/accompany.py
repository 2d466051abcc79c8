"""Lofi accompaniment under a chord timeline: voice-led rootless voicings comped in a style under the melody, and a
bass line in a style.

The comping is voiced under the lead: each chord takes the voicing that moves least from the last one among
those whose top note sits below every melody note sounding while it sounds, thinned to three or two voices
(the guide tones) where four do not fit, and lays out where the melody goes down into its register. A chord
is pushed an eighth ahead of its bar line only when the melody sounding in that eighth is one of its tones.
A *style* is a set of patterns (:data:`COMPING`, :data:`BASS`); the AI solos play ``pushed`` comping and the
``lofi`` bass, a score's chord line names its own.
"""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction

CHORD_LOW, CHORD_HIGH = 48, 72  # C3..C5: every voicing note sits in here
CHORD_CENTRES = (57, 59, 61)  # where the first voicing sits (a seed picks one); later ones follow by voice leading
BASS_LOW, BASS_HIGH = 28, 48  # E1..C3
BASS_HOME = 38  # the bass line's first root sits nearest this (D2)
MAX_SPAN = 15  # the widest voicing, in semitones (drop-2 spreads fit; no spread wider than a tenth + a fourth)
ANTICIPATE = Fraction(1, 2)  # a pushed chord comes an eighth early, on the and of the previous bar's last beat
# Intervals over the root a voicing keeps in this order when it holds both, (lower, upper): the #9 of a 7#9
# sits above the 3rd (a major 7th over it), never a half step under it, where it is a cluster, not the chord.
ABOVE = ((4, 3),)
# A melody with a quarter of its notes under LEAD_FLOOR (E4) is played an octave up, unless its top would
# pass LEAD_CEILING (E6): the lead sits over the comping's register, not in it.
LEAD_FLOOR, LEAD_CEILING = 64, 88
DEFAULT_COMPING, DEFAULT_BASS = "pushed", "lofi"  # what the AI solos play

_H = Fraction(1, 2)
# Comping styles: per chord length in quarters, patterns of (offset, length, accented) hits (another length is
# struck once and held), and ``push``: one chord change at a bar line in ``push`` is anticipated (0: never).
COMPING = {
    "pushed": {"push": 4, "patterns": {  # laid back: hits on 1 and the and of 2 or 3, space after some
        Fraction(4): (
            ((0, 4, 1),),  # held
            ((0, 3 * _H, 1), (3 * _H, 5 * _H, 0)),  # 1, and of 2, held
            ((0, 3 * _H, 1), (3 * _H, 1, 0)),  # 1, and of 2, space after
            ((0, 2, 1), (5 * _H, 3 * _H, 0)),  # 1 held, and of 3
            ((0, 3, 1), (7 * _H, _H, 0)),  # held, a ghost on the and of 4
        ),
        Fraction(3): (((0, 3, 1),), ((0, 3 * _H, 1), (3 * _H, 3 * _H, 0))),
        Fraction(2): (((0, 2, 1),), ((0, 3 * _H, 1),), ((0, 1, 1), (3 * _H, _H, 0))),
    }},
    "held": {"push": 0, "patterns": {}},  # each chord struck once and held: pads for an intro or a breakdown
    "ballad": {"push": 0, "patterns": {  # struck on 1, restruck softly on 3 or 4
        Fraction(4): (((0, 2, 1), (2, 2, 0)), ((0, 3, 1), (3, 1, 0)), ((0, 4, 1),)),
        Fraction(3): (((0, 2, 1), (2, 1, 0)), ((0, 3, 1),)),
    }},
    "bossa": {"push": 2, "patterns": {  # the bossa nova guitar's 3+3+2 and its answer, every other change pushed
        Fraction(4): (((0, 3 * _H, 1), (3 * _H, 3 * _H, 0), (3, 1, 0)), ((1, 3 * _H, 1), (5 * _H, 3 * _H, 0))),
        Fraction(2): (((0, 3 * _H, 1),), ((0, 1, 1), (3 * _H, _H, 0))),
    }},
}
# Bass styles: per chord length, patterns of (offset, length, role) for a chord whose next chord moves the bass
# (``moving``) or keeps it (``held``; default ``moving``); another length holds the root, with an approach note
# in its last eighth (when the bass moves and the chord lasts 2 beats or more) always (``lead_in`` 1), one
# time in two (2) or never (0). Roles: root | third | fifth | octave | approach (a step from the next root).
BASS = {
    "lofi": {"lead_in": 2, "moving": {Fraction(4): (
        ((0, 3, "root"), (3, 1, "approach")),
        ((0, 3 * _H, "root"), (3 * _H, _H, "root"), (2, 1, "fifth"), (3, 1, "approach")),
        ((0, 2, "root"), (2, 3 * _H, "fifth"), (7 * _H, _H, "approach")),
        ((0, 5 * _H, "root"), (5 * _H, _H, "octave"), (3, 1, "approach")),
    )}, "held": {Fraction(4): (((0, 2, "root"), (2, 2, "fifth")),)}},
    "roots": {"lead_in": 0, "moving": {}, "held": {}},  # the chord's bass note, held
    "two-feel": {"lead_in": 0, "moving": {  # half notes: the root, then the fifth or a step into the next chord
        Fraction(4): (((0, 2, "root"), (2, 2, "fifth")), ((0, 2, "root"), (2, 2, "approach"))),
        Fraction(3): (((0, 2, "root"), (2, 1, "approach")),),
    }, "held": {Fraction(4): (((0, 2, "root"), (2, 2, "fifth")),)}},
    "walking": {"lead_in": 1, "moving": {  # quarter notes through the chord, the last a step into the next root
        Fraction(4): (((0, 1, "root"), (1, 1, "third"), (2, 1, "fifth"), (3, 1, "approach")),
                      ((0, 1, "root"), (1, 1, "fifth"), (2, 1, "octave"), (3, 1, "approach")),
                      ((0, 1, "root"), (1, 1, "octave"), (2, 1, "fifth"), (3, 1, "approach"))),
        Fraction(3): (((0, 1, "root"), (1, 1, "third"), (2, 1, "approach")),
                      ((0, 1, "root"), (1, 1, "fifth"), (2, 1, "approach"))),
        Fraction(2): (((0, 1, "root"), (1, 1, "approach")),),
    }, "held": {}},
}


def tables() -> dict:
    """The registers, rules and pattern tables as data, times as [numerator, denominator] of a quarter: the
    browser's accompany.js runs the same algorithm over them (the facts block's ``accompany``)."""
    def q(x):
        x = Fraction(x)
        return [x.numerator, x.denominator]

    def by_length(patterns):
        return {str(length): [[[q(offset), q(dur), what] for offset, dur, what in p] for p in options]
                for length, options in patterns.items()}

    return {
        "chordLow": CHORD_LOW, "chordHigh": CHORD_HIGH, "chordCentres": list(CHORD_CENTRES), "maxSpan": MAX_SPAN,
        "bassLow": BASS_LOW, "bassHigh": BASS_HIGH, "bassHome": BASS_HOME, "anticipate": q(ANTICIPATE),
        "above": [list(pair) for pair in ABOVE], "lead": {"floor": LEAD_FLOOR, "ceiling": LEAD_CEILING},
        "defaults": {"comping": DEFAULT_COMPING, "bass": DEFAULT_BASS},
        "comping": {name: {"push": s["push"], "patterns": by_length(s["patterns"])} for name, s in COMPING.items()},
        "bass": {name: {"leadIn": s["lead_in"], "moving": by_length(s["moving"]), "held": by_length(s["held"])}
                 for name, s in BASS.items()},
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


def lead_shift(pitches) -> int:
    """Semitones the melody is moved by to sit over the comping: 12 when a quarter of its notes lie under
    LEAD_FLOOR and an octave up stays under LEAD_CEILING, else 0."""
    ordered = sorted(pitches)
    if not ordered:
        return 0
    return 12 if ordered[len(ordered) // 4] < LEAD_FLOOR and ordered[-1] + 12 <= LEAD_CEILING else 0


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
    """Four pitch classes (three for a triad), most important first: rootless when the chord has a 7th or 6th
    and a colour tone."""
    tones = chord_tones(root, pcs)
    size = 4 if len(tones) >= 4 else len(tones)
    return tones[:size]


def ordered_pairs(root: int, pcs) -> tuple[tuple[int, int], ...]:
    """The (lower, upper) pitch classes of :data:`ABOVE` this chord holds."""
    s = {(p - root) % 12 for p in pcs}
    return tuple(((root + lo) % 12, (root + hi) % 12) for lo, hi in ABOVE if lo in s and hi in s)


@functools.lru_cache(maxsize=512)
def _candidates(pcs: tuple[int, ...], pairs: tuple[tuple[int, int], ...] = ()) -> list[tuple[int, ...]]:
    options = [[m for m in range(CHORD_LOW, CHORD_HIGH + 1) if m % 12 == pc] for pc in pcs]
    out = []
    for combo in itertools.product(*options):
        notes = tuple(sorted(combo))
        if notes[-1] - notes[0] > MAX_SPAN:
            continue
        if notes[0] < 55 and len(notes) > 1 and notes[1] - notes[0] < 3:
            continue  # seconds low in the register are mud
        at = {m % 12: m for m in notes}
        if any(lo in at and hi in at and at[lo] > at[hi] for lo, hi in pairs):
            continue
        out.append(notes)
    return sorted(set(out))


def _movement(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    if len(a) == len(b):
        return sum(abs(x - y) for x, y in zip(a, b))
    return sum(min(abs(x - y) for y in a) for x in b)


def voice(pcs: list[int], previous: tuple[int, ...] | None, centre: float, over=(),
          pairs: tuple[tuple[int, int], ...] = ()) -> tuple[int, ...]:
    """The voicing of ``pcs`` in C3..C5 that moves least from ``previous`` and stays near ``centre``, with its top
    under the melody notes ``over`` it. Where four tones do not fit, the least important are left out, down to
    two; then the tones the melody itself sounds (it plays them); then any two; where nothing fits (the melody
    has gone down into the comping's register), the comping lays out: no notes."""
    ceiling = min(over) if over else None

    def cost(notes):
        drift = abs(sum(notes) / len(notes) - centre)
        seconds = sum(b - a == 1 for a, b in zip(notes, notes[1:]))  # a half step between neighbours: a rub
        rub = ceiling is not None and notes[-1] == ceiling - 1  # a half step under the melody
        return ((_movement(previous, notes) if previous else 0) + 0.5 * drift + 4 * seconds + 3 * rub, notes)

    if ceiling is None:
        levels = [[pcs]]
    else:
        sung = {m % 12 for m in over}
        rest = [pc for pc in pcs if pc not in sung]
        levels = [[pcs[:size]] for size in range(len(pcs), 1, -1)]
        levels += [[rest[:size]] for size in range(len(rest), 1, -1) if rest != pcs]
        levels += [[list(p) for p in itertools.combinations(pcs, 2)]]
    for level in levels:
        fits = [c for tones in level for c in _candidates(tuple(tones), pairs) if ceiling is None or c[-1] < ceiling]
        if fits:
            return min(fits, key=cost)
    if ceiling is not None:
        return ()
    # cannot happen for <= 4 pitch classes, but never fail on a strange chord
    return tuple(sorted(CHORD_LOW + (pc - CHORD_LOW) % 12 for pc in pcs))


def _bass_near(pc: int, near: int) -> int:
    """The ``pc`` in E1..C3 nearest ``near``, pulled towards the middle of the range so the line does not creep."""
    options = [m for m in range(BASS_LOW, BASS_HIGH + 1) if m % 12 == pc]
    return min(options, key=lambda m: (abs(m - near) + 0.6 * abs(m - BASS_HOME), m))


def _ticks(q: Fraction, ppq: int) -> int:
    return int(round(q * ppq))


def _per_span(style, count: int, table: dict, what: str) -> list[str]:
    """One style name per span: ``style`` is a name for all, or a list of one per span."""
    names = [style] * count if isinstance(style, str) else list(style)
    for name in names:
        if name not in table:
            raise ValueError(f"unknown {what} style {name!r} (the styles: {', '.join(table)})")
    return names


def _sounding(lead, start: int, end: int) -> list[int]:
    """The pitches of the melody notes (start, end, midi in ticks) that sound in [start, end)."""
    return [m for a, b, m in lead if a < end and b > start]


def accompany(timeline, *, bars: int, seed: int, ppq: int = 480, melody=(), comping=DEFAULT_COMPING,
              bass=DEFAULT_BASS):
    """(chord_notes, bass_notes) under ``timeline`` (ChordSpans in quarters, ``bars`` bars long), each a list of
    (ticks, duration_ticks, midi, velocity 1..127), the comping under ``melody`` ((ticks, duration_ticks, midi)
    at ``ppq``); ``comping`` and ``bass`` are style names, or lists of one per span. The same seed gives the same
    notes."""
    spans = list(timeline)
    if not spans:
        return [], []
    comp_styles = _per_span(comping, len(spans), COMPING, "comping")
    bass_styles = _per_span(bass, len(spans), BASS, "bass")
    lead = [(t, t + d, m) for t, d, m in melody]
    return _comping(spans, bars, seed, ppq, lead, comp_styles), _bass(spans, seed, ppq, bass_styles)


def _comping(spans, bars: int, seed: int, ppq: int, lead, styles) -> list[tuple[int, int, int, int]]:
    """A comping pattern per span in its style, pushed an eighth early now and then, voiced under the lead."""
    total = Fraction(spans[-1].end)
    bar_length = total / bars if bars else Fraction(4)
    gap = Fraction(1, 16)  # chords breathe: each hit stops a 64th before the next sound
    centre = CHORD_CENTRES[_mix(seed, 1) % len(CHORD_CENTRES)]
    hits_by_span = []
    for i, span in enumerate(spans):
        length = Fraction(span.end) - Fraction(span.start)
        patterns = COMPING[styles[i]]["patterns"].get(length, (((0, length, 1),),))
        pattern = patterns[_mix(seed, 2, i) % len(patterns)]
        hits_by_span.append([[Fraction(span.start) + o, Fraction(d), a] for o, d, a in pattern])
    for i in range(1, len(spans)):
        push = COMPING[styles[i]]["push"]
        start = Fraction(spans[i].start)
        pushed = start - ANTICIPATE
        at_bar = start % bar_length == 0
        changes = spans[i].chord.pcs != spans[i - 1].chord.pcs
        if not (push and at_bar and changes and _mix(seed, 3, i) % push == 0):
            continue
        tones = chord_tones(spans[i].chord.root, spans[i].chord.pcs)  # no natural 11 over a major 3rd
        if any(m % 12 not in tones for m in _sounding(lead, _ticks(pushed, ppq), _ticks(start, ppq))):
            continue  # the melody there belongs to the chord it leaves: the change waits for the bar line
        before = [h for h in hits_by_span[i - 1] if h[0] < pushed]
        if not before:
            continue
        for h in before:
            h[1] = min(h[1], pushed - h[0])
        hits_by_span[i - 1] = before
        first = hits_by_span[i][0]
        first[1] += first[0] - pushed
        first[0] = pushed
    notes_out: list[tuple[int, int, int, int]] = []
    previous = None
    for i, span in enumerate(spans):
        chord = span.chord
        over = [m for start, length, _ in hits_by_span[i]
                for m in _sounding(lead, _ticks(start, ppq), _ticks(start + length, ppq))]
        notes = voice(voicing_pcs(chord.root, chord.pcs), previous, centre, over, ordered_pairs(chord.root, chord.pcs))
        previous = notes or previous
        for start, length, accent in hits_by_span[i]:
            velocity = (66 if accent else 54) + _mix(seed, 4, i, int(start * 12)) % 7 - 3
            duration = max(length - gap, gap)
            for m in notes:
                notes_out.append((_ticks(start, ppq), _ticks(duration, ppq), m, velocity))
    notes_out.sort()
    return notes_out


def _bass(spans, seed: int, ppq: int, styles) -> list[tuple[int, int, int, int]]:
    """The chord's bass note on its first beat, then the style's fifths, thirds and approach notes."""
    gap = Fraction(1, 16)
    out: list[tuple[int, int, int, int]] = []
    roots, near = [], BASS_HOME
    for span in spans:
        near = _bass_near(span.chord.bass, near)
        roots.append(near)
    for i, span in enumerate(spans):
        chord = span.chord
        style = BASS[styles[i]]
        length = Fraction(span.end) - Fraction(span.start)
        root = roots[i]
        next_root = roots[(i + 1) % len(spans)]
        same = spans[(i + 1) % len(spans)].chord.bass == chord.bass
        patterns = (style["held"].get(length) if same else None) or style["moving"].get(length)
        lead_in = style["lead_in"]
        if patterns:
            pattern = patterns[_mix(seed, 5, i) % len(patterns)]
        elif length >= 2 and not same and lead_in and (lead_in == 1 or _mix(seed, 5, i) % 2):
            pattern = ((0, length - _H, "root"), (length - _H, _H, "approach"))
        else:
            pattern = ((0, length, "root"),)
        for offset, dur, role in pattern:
            midi = _role(role, chord, root, next_root, seed, i)
            velocity = (84 if offset == 0 else 70) + _mix(seed, 6, i, int(offset * 12)) % 7 - 3
            start = Fraction(span.start) + Fraction(offset)
            out.append((_ticks(start, ppq), _ticks(max(Fraction(dur) - gap, gap), ppq), midi, velocity))
    out.sort()
    return out


def _role(role: str, chord, root: int, next_root: int, seed: int, index: int) -> int:
    """The bass note a pattern's role names over ``chord`` (its bass note at ``root``)."""
    if role == "root":
        return root
    if role == "octave":
        return root + 12 if root + 12 <= BASS_HIGH else root - 12 if root - 12 >= BASS_LOW else root
    if role in ("fifth", "third"):
        options, near = ((7, 6, 8), root + 4) if role == "fifth" else ((4, 3, 5, 2), root + 2)
        interval = next((k for k in options if (chord.root + k) % 12 in chord.pcs), options[0])
        return _bass_near((chord.root + interval) % 12, near)
    return _approach(chord, next_root, seed, index)


def _approach(chord, target: int, seed: int, index: int) -> int:
    """A note a step from the next root: a chord tone of this chord when one is a step away, else chromatic."""
    steps = [d for d in (-2, -1, 1, 2) if (target + d) % 12 in chord.pcs and BASS_LOW <= target + d <= BASS_HIGH]
    chromatic = [d for d in (-1, 1) if BASS_LOW <= target + d <= BASS_HIGH]
    if steps and _mix(seed, 7, index) % 2:
        return target + min(steps, key=abs)
    return target + chromatic[_mix(seed, 8, index) % len(chromatic)]
