"""A solo's form: whole cycles of its progression in the loop, and a written turnaround back into the top.

A solo loops every ``loops.solos`` bars over a progression of any length, so the two rarely divide (30 bars
of a 4-bar progression leave 2). A player told to fill the loop plays whole choruses and spends what is
left on a turnaround into the first chord, so the loop point is where the progression starts again, on
the resolution of a dominant:

* the loop holds ``n`` whole cycles and ``r`` bars more (``n, r = divmod(bars, cycle)``);
* ``r == 0``: the last bar keeps its first chord for its first half and plays the dominant of the
  first chord in its second half, unless its last chord already leads back (a dominant a fifth or a
  half step over the first chord, or a diminished 7th a half step under it);
* ``r == 1`` (after at least one cycle): one bar of ii-V into the first chord;
* ``r == 2``: two bars, | iii VI | ii V | into a major (or dominant, or sus) first chord,
  | bVI | ii V | into a minor one; a loop of 2 bars over a longer progression keeps its first bar and
  ends with the ii-V;
* ``r >= 3``: the progression's first ``r - 2`` bars, then the two bars of turnaround;
* a 1-bar loop over a longer progression is its first chord and the dominant, as ``r == 0``.

The turnaround's chords are data (:data:`TURNAROUND`: semitones over the first chord's root and a kind
from the chord table); the page's ``ai/form.js`` runs the same rule over them (the solo facts' ``form``).
"""

from __future__ import annotations

from .chord_table import KEYS
from .progression import Progression, key_names, make_chord

# Two bars into a first chord of each quality, as [semitones over its root, chord kind] per chord.
TURNAROUND = {
    "major": (((4, "m7"), (9, "7b9")), ((2, "m9"), (7, "9"))),
    "minor": (((8, "maj7"),), ((2, "m7b5"), (7, "7b9"))),
}
# The last chord of a progression leads back by itself when it is one of these over the first chord's root:
# (semitones, intervals over its own root it holds): V7, V7sus4, the tritone substitute, the leading-tone dim7.
LEADS_BACK = ((7, (4, 10)), (7, (5, 10)), (1, (4, 10)), (11, (3, 6, 9)))
TURNAROUND_BARS = len(TURNAROUND["major"])  # the written turnaround's bars (as many for either quality)


def tables() -> dict:
    """The rule's data for the page (the solo facts' ``form``), and how its chords' roots are named (the chord table's
    ``keys``)."""
    return {"turnaround": {q: [[list(c) for c in bar] for bar in bars] for q, bars in TURNAROUND.items()},
            "leadsBack": [[semitones, list(held)] for semitones, held in LEADS_BACK], "keys": KEYS}


def quality(chord) -> str:
    """'minor' for a chord with a minor 3rd and no major 3rd (a diminished chord too), else 'major'."""
    intervals = {(p - chord.root) % 12 for p in chord.pcs}
    return "minor" if 3 in intervals and 4 not in intervals else "major"


def leads_back(chord, target) -> bool:
    """Does ``chord`` resolve into ``target`` by itself (:data:`LEADS_BACK`)?"""
    intervals = {(p - chord.root) % 12 for p in chord.pcs}
    step = (chord.root - target.root) % 12
    return any(step == s and set(held) <= intervals for s, held in LEADS_BACK)


def turnaround(target, bars: int) -> list[tuple]:
    """The last ``bars`` bars (1 or 2) of the written turnaround into ``target``, as bars of Chords."""
    written = TURNAROUND[quality(target)][-bars:]
    names = key_names(target.root, target.minor)  # the key of the chord it leads into
    return [tuple(make_chord("C" + kind).transpose((target.root + s) % 12, names) for s, kind in bar)
            for bar in written]


def turnaround_bars(cycle: int, bars: int) -> int:
    """Bars of written turnaround that end a loop of ``bars`` over a ``cycle``-bar progression; 0: none, the last
    bar's second half turns round instead."""
    n, r = divmod(bars, cycle)
    if r == 0 or (n == 0 and r == 1):
        return 0
    return min(r - 1 if n == 0 else r, TURNAROUND_BARS)


def loop_progression(progression: Progression, bars: int) -> Progression:
    """The ``bars`` bars a solo over ``progression`` plays before it loops (see the module's rule)."""
    cycle = progression.bars
    first = cycle[0][0]
    played = [cycle[i % len(cycle)] for i in range(bars)]
    written = turnaround_bars(len(cycle), bars)
    if written:
        return Progression(tuple(played[:bars - written]) + tuple(turnaround(first, written)))
    if not leads_back(played[-1][-1], first):
        played[-1] = (played[-1][0], turnaround(first, 1)[0][-1])
    return Progression(tuple(played))

