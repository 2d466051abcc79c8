"""A melody's velocities shaped by phrase and metre, as a player's touch: accents where the bar is strong, a phrase
that swells to its middle and its peak note, long notes leaned on, repeated notes and chords played lighter.

Every term is a whole number of MIDI velocity steps (1..127), so the rule gives the same numbers in Python
and in the page (``site_src/js/ai/dynamics.js`` runs it over :func:`tables`, the solo facts' ``dynamics``):

* ``base``, plus the accent of the onset's place in the bar (``metre``: the downbeat, the middle of an even
  bar, another beat, an eighth off the beat, anything finer), plus ``syncopation`` for an off-beat note held
  over the next beat (the accent pushed ahead of it, as a player leans on an anticipation);
* the phrase (notes split by a rest of a beat or more): ``arc`` at its middle note falling to 0 at its ends
  (``arc * 4 i (n - 1 - i) // (n - 1)**2`` for note ``i`` of ``n``) and up to ``height`` for its highest note
  (``height * (pitch - lowest) // (highest - lowest)``);
* ``long`` for a note of a beat or more (``longer`` from two beats), ``short`` for a 16th or less;
* ``repeat`` for a note that strikes the pitch before it again, ``chord`` for notes struck together;
* clamped to ``low``..``high``.
"""

from __future__ import annotations

RULE = {
    "base": 66,
    "metre": {"downbeat": 10, "middle": 6, "beat": 3, "eighth": 0, "finer": -5},
    "syncopation": 7,
    "arc": 10,
    "height": 10,
    "long": 2, "longer": 4, "short": -3,
    "repeat": -8,
    "chord": -12,
    "low": 40, "high": 110,
}


def tables() -> dict:
    """The rule's numbers, for the page (the solo facts' ``dynamics``)."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in RULE.items()}


def _place(at: int, bar: int, ppq: int) -> str:
    within = at % bar
    if within == 0:
        return "downbeat"
    if within * 2 == bar and bar % (2 * ppq) == 0:
        return "middle"
    if within % ppq == 0:
        return "beat"
    return "eighth" if within % (ppq // 2) == 0 else "finer"


def velocities(notes, *, bar: int, ppq: int) -> list[int]:
    """A MIDI velocity for each of ``notes`` ((ticks, duration ticks, pitches) in time order, one per onset; a
    chord's pitches together), ``bar`` ticks a bar at ``ppq``; see the module's rule."""
    rule = RULE
    out = []
    phrases: list[list[int]] = []
    for i, (at, _, _) in enumerate(notes):
        if phrases and at - (notes[i - 1][0] + notes[i - 1][1]) < ppq:
            phrases[-1].append(i)
        else:
            phrases.append([i])
    shape = [0] * len(notes)
    for phrase in phrases:
        n = len(phrase)
        tops = [max(notes[i][2]) for i in phrase]
        lowest, highest = min(tops), max(tops)
        for k, i in enumerate(phrase):
            arc = rule["arc"] * 4 * k * (n - 1 - k) // ((n - 1) ** 2) if n > 1 else 0
            height = rule["height"] * (tops[k] - lowest) // (highest - lowest) if highest > lowest else 0
            shape[i] = arc + height
    for i, (at, duration, pitches) in enumerate(notes):
        v = rule["base"] + rule["metre"][_place(at, bar, ppq)] + shape[i]
        next_beat = (at // ppq + 1) * ppq
        if at % ppq and at + duration > next_beat and (i + 1 == len(notes) or notes[i + 1][0] > next_beat):
            v += rule["syncopation"]
        if duration >= 2 * ppq:
            v += rule["longer"]
        elif duration >= ppq:
            v += rule["long"]
        elif duration <= ppq // 4:
            v += rule["short"]
        if i and notes[i - 1][2] == pitches:
            v += rule["repeat"]
        if len(pitches) > 1:
            v += rule["chord"]
        out.append(max(rule["low"], min(rule["high"], v)))
    return out
