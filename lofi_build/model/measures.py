"""Musician's measures of a melody over its chords: feel, development, harmony, texture, form and distance to a corpus.

Pure functions of plain data, blind to how the music was made (a lead sheet, a song, a model, noise):
a melody of :class:`Note` (onset and duration in quarters from the piece's start, MIDI pitch, velocity),
the chord timeline under it (spans with ``start``, ``end`` and a chord with ``root``, ``pcs``, ``bass``
and, where known, its ``symbol``: the chords the piece plays), the bar length in quarters and, where there
are any, the comping notes, the loop's length in bars and one cycle of the progression it plays over.
Positions count quarter-note beats from each bar line. Shares come as :class:`Ratio` so that the shares of
many pieces pool by adding.
"""

from __future__ import annotations

import bisect
import functools
import re
import statistics
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

PHRASE_GAP = Fraction(1)  # a rest of a beat or more ends a phrase
PHRASE_BARS = 4  # a lofi phrase: the four bars most of its progressions go round in
STEP = (1, 2)  # a step: a half or a whole tone
WIDEST = 12  # the interval histogram bins -12..12 semitones, then one bin each way for anything wider
FIGURE_NOTES = 2  # a bar needs this many notes to recur exactly or transposed (one note is no figure) ...
CONTOUR_NOTES = 3  # ... and this many to recur by rhythm and contour alone


@dataclass(frozen=True)
class Note:
    """A note in quarters from the piece's start; velocity 0..1, None where the source does not say."""

    onset: Fraction
    duration: Fraction
    pitch: int
    velocity: float | None = None

    @property
    def end(self) -> Fraction:
        return self.onset + self.duration


@dataclass(frozen=True)
class Ratio:
    """``hits`` of ``total``: a share that pools with another piece's by adding."""

    hits: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.hits + other.hits, self.total + other.total)


@dataclass(frozen=True)
class Piece:
    """What the measures read: a melody line over a chord timeline; comping and form where the piece has them."""

    melody: tuple[Note, ...]
    timeline: tuple  # ChordSpan-like: start, end, chord (root, pcs, bass[, symbol])
    bar: Fraction = Fraction(4)
    comping: tuple[Note, ...] | None = None
    loop_bars: int | None = None  # bars before the piece repeats
    cycle: tuple | None = None  # one cycle of the progression it plays over (spans from 0), where it has one


def melody_line(notes) -> tuple[Note, ...]:
    """The lead as a player hears it: the top note of notes struck together, each held at most until the next onset."""
    top: dict[Fraction, Note] = {}
    for n in notes:
        if n.duration > 0 and (n.onset not in top or n.pitch > top[n.onset].pitch):
            top[n.onset] = n
    onsets = sorted(top)
    return tuple(replace(top[a], duration=min(top[a].duration, b - a)) for a, b in zip(onsets, onsets[1:])) + \
        ((top[onsets[-1]],) if onsets else ())


# -- time --------------------------------------------------------------------------------------------------


def in_bar(q: Fraction, bar: Fraction) -> Fraction:
    return q % bar if isinstance(q, Fraction) else Fraction(q) % bar


def on_beat(q: Fraction, bar: Fraction) -> bool:
    """On a quarter-note beat of its bar."""
    return in_bar(q, bar).denominator == 1


@functools.lru_cache(maxsize=64)
def strong_beats(bar: Fraction) -> tuple[Fraction, ...]:
    """Positions of the strong beats in a bar: the downbeat, and the middle of a bar of four quarters or more."""
    return (Fraction(0), bar / 2) if bar >= 4 and (bar / 2).denominator == 1 else (Fraction(0),)


def on_strong_beat(q: Fraction, bar: Fraction) -> bool:
    return in_bar(q, bar) in strong_beats(bar)


def strong_beats_in(start: Fraction, end: Fraction, bar: Fraction) -> bool:
    """Does a strong beat fall in [start, end)?"""
    return any(start <= k * bar + s < end for k in range(int(start // bar), int(end // bar) + 1)
               for s in strong_beats(bar))


def phrases(melody) -> list[list[Note]]:
    """The melody split where it rests a beat or more (:data:`PHRASE_GAP`)."""
    out: list[list[Note]] = []
    for n in melody:
        if out and n.onset - out[-1][-1].end < PHRASE_GAP:
            out[-1].append(n)
        else:
            out.append([n])
    return out


# -- chords ------------------------------------------------------------------------------------------------


class Timeline:
    """Chord spans looked up by time: the chord sounding at a moment, and the moments the chord changes."""

    def __init__(self, spans):
        self.spans = sorted(spans, key=lambda s: s.start)
        # Searched as floats: the grid's moments are far apart beside a float's precision, so the order is the
        # exact one, and a float compares many times faster than a Fraction.
        self.starts = [float(s.start) for s in self.spans]

    def at(self, q):
        i = bisect.bisect_right(self.starts, float(q)) - 1
        return self.spans[i].chord if i >= 0 and q < self.spans[i].end else None

    def changes(self) -> list[Fraction]:
        """Where a different chord starts (not the piece's first chord)."""
        out, previous, end = [], None, None
        for s in self.spans:
            here = _identity(s.chord)
            if previous is not None and (here != previous or s.start != end):
                out.append(s.start)
            previous, end = here, s.end
        return out


def _identity(chord) -> tuple:
    return chord.root, tuple(sorted(chord.pcs)), chord.bass


def intervals(chord) -> frozenset[int]:
    """The chord's pitch classes as semitones over its root."""
    return frozenset((p - chord.root) % 12 for p in chord.pcs)


_ASKS_FOR_ELEVEN = re.compile(r"sus|(?<![#+♯b\-♭])11")


def asks_for_eleventh(chord) -> bool:
    """Does the symbol ask for the natural 11 (sus, 11, add11)? A #11 does not."""
    return bool(_ASKS_FOR_ELEVEN.search(getattr(chord, "symbol", "") or ""))


def avoid_eleventh(chord) -> int | None:
    """The natural 11 over a chord with a major 3rd (a half step over the 3rd, against it in the comping): an avoid
    note, whatever a chord spelling includes (music21's 13th chords hold it), unless the symbol asks for it."""
    return (chord.root + 5) % 12 if 4 in intervals(chord) and not asks_for_eleventh(chord) else None


def chord_tones(chord) -> frozenset[int]:
    """The chord's pitch classes, less an avoid 11 its spelling holds."""
    return frozenset(chord.pcs) - {avoid_eleventh(chord)}


def guide_tones(chord) -> frozenset[int]:
    """The 3rd (a sus chord's 4th stands for it) and the 7th (a diminished 7th's bb7; a 6th chord has none)."""
    iv = intervals(chord)
    third = next((i for i in (4, 3, 5) if i in iv), None)
    seventh = next((i for i in (10, 11) if i in iv), 9 if {3, 6, 9} <= iv else None)
    return frozenset((chord.root + i) % 12 for i in (third, seventh) if i is not None)


def is_dominant(chord) -> bool:
    return {4, 10} <= intervals(chord)


@dataclass(frozen=True)
class _Symbol:
    """What :func:`available_tones` reads of a chord."""

    root: int
    pcs: tuple[int, ...]
    symbol: str


def available_tones(chord) -> frozenset[int]:
    """See :func:`_available` (cached by the chord's root, pitch classes and symbol)."""
    return _available(chord.root, frozenset(chord.pcs), getattr(chord, "symbol", "") or "")


@functools.lru_cache(maxsize=4096)
def _available(root: int, pcs: frozenset, symbol: str) -> frozenset[int]:
    """Chord tones and the tensions a player takes over the chord, by its quality, less the avoid 11:
    dominant 9 #11 13 and the altered b9 #9 b13 (a spelled 9th or 13th fixes which); major 9 #11 13 and the
    major 7th; minor 9 11 13 and b7; half-diminished 9 11 b13; diminished the whole-half scale's 9 11 b13 7;
    sus 9 13 b7; anything else 9 11 13."""
    chord = _Symbol(root, tuple(sorted(pcs)), symbol)
    iv = intervals(chord)
    if {4, 10} <= iv:
        tensions = (iv & {1, 2, 3} or {1, 2, 3}) | (iv & {8, 9} or {8, 9}) | {6}
    elif 4 in iv:
        tensions = {2, 6, 9, 11}
    elif {3, 6, 10} <= iv:
        tensions = {2, 5, 8}
    elif {3, 6} <= iv:
        tensions = {2, 5, 8, 11}
    elif 3 in iv:
        tensions = {2, 5, 9, 10}
    elif 5 in iv:
        tensions = {2, 9, 10}
    else:
        tensions = {2, 5, 9}
    return (chord_tones(chord) | {(chord.root + t) % 12 for t in tensions}) - {avoid_eleventh(chord)}


def degree(chord, pitch: int) -> str:
    """The note's name over the chord as a player says it: 1 b9 9 #9/b3 3 11 #11/b5 5 b13/#5 13/6/bb7 b7 7."""
    iv = intervals(chord)
    seventh = bool(iv & {10, 11})
    names = {0: "1", 1: "b9", 2: "9", 3: "b3" if 4 not in iv else "#9", 4: "3", 5: "11",
             6: "b5" if 3 in iv and 7 not in iv else "#11", 7: "5", 8: "#5" if 4 in iv and 7 not in iv else "b13",
             9: "bb7" if {3, 6} <= iv and not seventh else "13" if seventh else "6", 10: "b7", 11: "7"}
    return names[(pitch - chord.root) % 12]


def _sounding(melody, q, onsets=None) -> Note | None:
    """The note of a line (onsets ascending, none overlapping) sounding at ``q``; ``onsets``: the line's, if known."""
    i = bisect.bisect_right([n.onset for n in melody] if onsets is None else onsets, q) - 1
    return melody[i] if i >= 0 and q < melody[i].end else None


# -- feel --------------------------------------------------------------------------------------------------


def repeated_notes(melody) -> Ratio:
    """Notes that re-strike the previous note's pitch, of the notes after the first."""
    return Ratio(sum(a.pitch == b.pitch for a, b in zip(melody, melody[1:])), max(len(melody) - 1, 0))


def offbeat_onsets(melody, bar) -> Ratio:
    """Onsets that are not on a quarter-note beat."""
    return Ratio(sum(not on_beat(n.onset, bar) for n in melody), len(melody))


def syncopated_onsets(melody, timeline, bar) -> Ratio:
    """Off-beat onsets after which the melody does not strike the next beat or chord change (held across it, or
    silent on it): the accent pushed ahead of the beat, an anticipation of the change (Longuet-Higgins and Lee's
    rule: a tie or a rest on a stronger position than the onset before it)."""
    changes = Timeline(timeline).changes()
    onsets = [n.onset for n in melody]
    hits = 0
    for i, n in enumerate(melody):
        if on_beat(n.onset, bar):
            continue
        beat = n.onset - in_bar(n.onset, bar) + int(in_bar(n.onset, bar)) + 1
        k = bisect.bisect_right(changes, n.onset)
        target = min(beat, changes[k]) if k < len(changes) else beat
        hits += not (i + 1 < len(onsets) and onsets[i + 1] <= target)
    return Ratio(hits, len(melody))


def triplet_onsets(melody, bar) -> Ratio:
    """Onsets on the triplet grid (eighth or 16th triplets) and off the 16th grid."""
    def triplet(q):
        return (q * 6).denominator == 1 and (q * 4).denominator != 1
    return Ratio(sum(triplet(in_bar(n.onset, bar)) for n in melody), len(melody))


def phrase_starts_off_downbeat(melody, bar) -> Ratio:
    """Phrases (split by rests of a beat or more) whose first note is not on beat 1."""
    starts = [p[0].onset for p in phrases(melody)]
    return Ratio(sum(in_bar(q, bar) != 0 for q in starts), len(starts))


def breathing(melody, bar, bars: int) -> Ratio:
    """Spans of :data:`PHRASE_BARS` bars (from bar 1) in which a rest of a beat or more (:data:`PHRASE_GAP`) starts,
    the silence before the first note and after the last included, of the spans: a player breathes between phrases."""
    silences, sounded = [], Fraction(0)
    for n in melody:
        if n.onset - sounded >= PHRASE_GAP:
            silences.append(sounded)
        sounded = max(sounded, n.end)
    if bar * bars - sounded >= PHRASE_GAP:
        silences.append(sounded)
    span, spans = PHRASE_BARS * bar, -(-bars // PHRASE_BARS)
    return Ratio(sum(any(k * span <= q < (k + 1) * span for q in silences) for k in range(spans)), spans)


def opens_on_the_one(melody) -> Ratio:
    """Whether the piece's first note is struck on beat 1 of bar 1 (one of one): pieces that all do sound boxed."""
    return Ratio(int(bool(melody) and melody[0].onset == 0), 1)


def velocity_spread(melody) -> float | None:
    """The standard deviation of the melody's velocities (0..1); None where velocities are not written."""
    v = [n.velocity for n in melody]
    return float(np.std(v)) if len(v) >= 2 and None not in v else None


# -- development -------------------------------------------------------------------------------------------


def figures(melody, bar, bars: int) -> list[tuple[tuple[Fraction, int], ...]]:
    """Each bar's notes as (position in the bar, pitch) of the notes struck in it."""
    out: list[list] = [[] for _ in range(bars)]
    for n in melody:
        k = int(n.onset // bar)
        if 0 <= k < bars:
            out[k].append((in_bar(n.onset, bar), n.pitch))
    return [tuple(f) for f in out]


def _contour(figure) -> tuple[int, ...]:
    return tuple((b > a) - (b < a) for (_, a), (_, b) in zip(figure, figure[1:]))


def recurs_as(earlier, later) -> str | None:
    """How ``later`` restates ``earlier``: 'exact', 'transposed', or 'contour' (same rhythm and contour); or None."""
    if len(later) < FIGURE_NOTES or [q for q, _ in earlier] != [q for q, _ in later]:
        return None
    shifts = {b - a for (_, a), (_, b) in zip(earlier, later)}
    if shifts == {0}:
        return "exact"
    if len(shifts) == 1:
        return "transposed"
    return "contour" if len(later) >= CONTOUR_NOTES and _contour(earlier) == _contour(later) else None


_FORMS = ("exact", "transposed", "contour")


def recurrences(melody, bar, bars: int, figs=None) -> list[str | None]:
    """Per bar, the closest form in which it restates some earlier bar (None: it restates none, or is empty).
    ``figs``: the melody's :func:`figures`, where the caller has them."""
    figs = figures(melody, bar, bars) if figs is None else figs
    out: list[str | None] = []
    same_rhythm: dict[tuple, list] = {}  # a bar restates only bars of its own rhythm (recurs_as)
    for later in figs:
        rhythm = tuple(q for q, _ in later)
        forms = {recurs_as(earlier, later) for earlier in same_rhythm.get(rhythm, ())} - {None}
        out.append(min(forms, key=_FORMS.index) if forms else None)
        same_rhythm.setdefault(rhythm, []).append(later)
    return out


def recurring_bars(melody, bar, bars: int, forms=_FORMS) -> Ratio:
    """Bars after the first two that restate an earlier bar in one of ``forms``, of those bars that hold a note."""
    figs = figures(melody, bar, bars)
    found = recurrences(melody, bar, bars, figs)
    judged = [i for i in range(2, bars) if figs[i]]
    return Ratio(sum(found[i] in forms for i in judged), len(judged))


def longest_motif(melody, bar, bars: int) -> int:
    """Bars of the longest run of consecutive bars that restate, bar for bar, an earlier run that it does not
    overlap (in any form); 0 when no bar restates another."""
    figs = figures(melody, bar, bars)
    best = 0
    for lag in range(1, bars):
        run = 0
        for i in range(lag, bars):
            run = run + 1 if recurs_as(figs[i - lag], figs[i]) else 0
            best = max(best, min(run, lag))
    return best


# -- harmony -----------------------------------------------------------------------------------------------


def natural_elevenths(melody, timeline, bar) -> int:
    """Notes that sound the avoid 11 of a chord with a major 3rd on a strong beat (struck or held there) or for
    a beat or more under that chord."""
    count = 0
    for n in melody:
        for s in timeline:
            start, end = max(n.onset, s.start), min(n.end, s.end)
            if start < end and n.pitch % 12 == avoid_eleventh(s.chord) and (
                    end - start >= 1 or strong_beats_in(start, end, bar)):
                count += 1
                break
    return count


def thirds_over_dominants(melody, timeline) -> Ratio:
    """Notes that are the 3rd, of the notes struck over dominant chords."""
    chords = Timeline(timeline)
    over = [(n, c) for n in melody if (c := chords.at(n.onset)) is not None and is_dominant(c)]
    return Ratio(sum((n.pitch - c.root) % 12 == 4 for n, c in over), len(over))


def guide_tones_at_changes(melody, timeline) -> Ratio:
    """Chord changes where the melody note sounding (struck or held) is a 3rd or 7th of the new chord, of the
    changes where the melody sounds."""
    chords = Timeline(timeline)
    onsets = [n.onset for n in melody]
    hits = total = 0
    for q in chords.changes():
        n = _sounding(melody, q, onsets)
        if n is not None:
            total += 1
            hits += n.pitch % 12 in guide_tones(chords.at(q))
    return Ratio(hits, total)


def weak_beat_outside(melody, timeline, bar) -> Ratio:
    """Notes struck off the strong beats that are neither a chord tone nor an available tension of the chord."""
    chords = Timeline(timeline)
    weak = [(n, c) for n in melody if not on_strong_beat(n.onset, bar) and (c := chords.at(n.onset)) is not None]
    return Ratio(sum(n.pitch % 12 not in available_tones(c) for n, c in weak), len(weak))


def non_chord_tones_resolving(melody, timeline) -> Ratio:
    """Non-chord tones (an avoid 11 included) that move by step to the next note of their phrase, of those that
    have a next note."""
    chords = Timeline(timeline)
    hits = total = 0
    for phrase in phrases(melody):
        for a, b in zip(phrase, phrase[1:]):
            c = chords.at(a.onset)
            if c is not None and a.pitch % 12 not in chord_tones(c):
                total += 1
                hits += abs(b.pitch - a.pitch) in STEP
    return Ratio(hits, total)


def chord_relative_histogram(melody, timeline) -> np.ndarray:
    """Notes by pitch class over the root of the chord they are struck on (12 counts)."""
    chords = Timeline(timeline)
    out = np.zeros(12)
    for n in melody:
        c = chords.at(n.onset)
        if c is not None:
            out[(n.pitch - c.root) % 12] += 1
    return out


# -- texture and form --------------------------------------------------------------------------------------


def under_comping(melody, comping) -> Ratio:
    """Melody notes struck at or below the top note the comping sounds at that moment."""
    hits = 0
    for n in melody:
        top = max((c.pitch for c in comping if c.onset <= n.onset < c.end), default=None)
        hits += top is not None and n.pitch <= top
    return Ratio(hits, len(melody))


def pushes_against_melody(melody, comping, timeline) -> Ratio:
    """Comping chords pushed ahead of a chord change (struck in the eighth before it, every note of the new chord
    and some not of the old) over which the melody sounds a note that is neither a tone nor a tension of the new
    chord before the change comes, of the pushed chords."""
    chords = Timeline(timeline)
    struck: dict[Fraction, set[int]] = {}
    for c in comping:
        struck.setdefault(c.onset, set()).add(c.pitch % 12)
    hits = total = 0
    for q in chords.changes():
        new, old = chords.at(q), chords.at(q - Fraction(1, 480))
        for onset, pcs in struck.items():
            if q - Fraction(1, 2) <= onset < q and pcs <= set(new.pcs) and (old is None or not pcs <= set(old.pcs)):
                total += 1
                hits += any(n.onset < q and n.end > onset and n.pitch % 12 not in available_tones(new) for n in melody)
    return Ratio(hits, total)


def bar_chords(timeline, bar: Fraction, bars: int) -> list[tuple]:
    """Each bar's chords as a player reads them off the chart: (position in the bar, chord) for the chord sounding
    at its bar line and each change inside it."""
    chords = Timeline(timeline)
    out: list[list] = []
    for k in range(bars):
        at = chords.at(k * bar)
        out.append([(Fraction(0), _identity(at) if at is not None else None)])
    for s in chords.spans:
        k, within = divmod(Fraction(s.start), bar)
        if within and 0 <= k < bars:
            out[int(k)].append((within, _identity(s.chord)))
    return [tuple(here) for here in out]


def restarts_mid_cycle(timeline, cycle, bar: Fraction, loop_bars: int) -> int:
    """1 when the loop restarts in the middle of the cycle it is playing, else 0: reading the chords played bar by
    bar from the top, whole cycles are passed over (their last bar's first chord is enough: its end may turn
    round), and a loop whose last bars play the progression from its first bar, stop short of its end and do not
    lead back into its first chord (a dominant a fifth or a half step over it, a leading-tone diminished 7th:
    music.form.leads_back) is cut. Bars that are not the progression (a turnaround, a tag) do not count."""
    from ..music.form import leads_back

    period = -int(-Fraction(cycle[-1].end) // bar)
    ring = bar_chords(cycle, bar, period)
    played = bar_chords(timeline, bar, loop_bars)

    def follows(bars) -> bool:  # the bars play the progression from its first bar (the last may turn round)
        return all(b == ring[i] for i, b in enumerate(bars[:-1])) and bars[-1][0] == ring[len(bars) - 1][0]

    i = 0
    while i < loop_bars:
        if i + period <= loop_bars and follows(played[i:i + period]):
            i += period
        elif loop_bars - i < period and follows(played[i:]):
            last = max((s for s in timeline if s.start < loop_bars * bar), key=lambda s: s.start)
            return int(not leads_back(last.chord, cycle[0].chord))
        else:
            i += 1
    return 0


# -- the model's own contribution: distance to the corpus ------------------------------------------------


def interval_histogram(melody) -> np.ndarray:
    """Melodic intervals between neighbours in a phrase, -12..12 semitones and one bin each way for wider."""
    out = np.zeros(2 * WIDEST + 3)
    for phrase in phrases(melody):
        for a, b in zip(phrase, phrase[1:]):
            out[int(np.clip(b.pitch - a.pitch, -WIDEST - 1, WIDEST + 1)) + WIDEST + 1] += 1
    return out


def js_divergence(p, q) -> float | None:
    """Jensen-Shannon divergence in bits between two histograms (0: alike, 1: disjoint); None if one is empty."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    if p.sum() == 0 or q.sum() == 0:
        return None
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a):
        nz = a > 0
        return float((a[nz] * np.log2(a[nz] / m[nz])).sum())

    return max(0.0, (kl(p) + kl(q)) / 2)


# -- a piece, and a group of pieces ------------------------------------------------------------------------


HISTOGRAMS = ("intervals", "chord_degrees")


def measure(piece: Piece) -> dict:
    """Every measure of one piece (None where the piece lacks what it needs), histograms included."""
    melody, timeline, bar = piece.melody, tuple(piece.timeline), piece.bar
    end = max([n.end for n in melody] + [s.end for s in timeline] + [Fraction(0)])
    bars = piece.loop_bars or -int(-end // bar)
    return {
        "repeated": repeated_notes(melody),
        "offbeat": offbeat_onsets(melody, bar),
        "syncopated": syncopated_onsets(melody, timeline, bar),
        "triplets": triplet_onsets(melody, bar),
        "phrase_off_one": phrase_starts_off_downbeat(melody, bar),
        "breathing": breathing(melody, bar, bars),
        "opens_on_one": opens_on_the_one(melody),
        "velocity_sd": velocity_spread(melody),
        "recurring": recurring_bars(melody, bar, bars),
        "recurring_exact": recurring_bars(melody, bar, bars, ("exact",)),
        "motif": longest_motif(melody, bar, bars),
        "eleventh": natural_elevenths(melody, timeline, bar) if timeline else None,
        "third_dominant": thirds_over_dominants(melody, timeline),
        "guide_tones": guide_tones_at_changes(melody, timeline),
        "weak_outside": weak_beat_outside(melody, timeline, bar),
        "nct_step": non_chord_tones_resolving(melody, timeline),
        "under_comping": under_comping(melody, piece.comping) if piece.comping is not None else None,
        "pushes_clash": pushes_against_melody(melody, piece.comping, timeline) if piece.comping is not None else None,
        "mid_cycle": restarts_mid_cycle(timeline, piece.cycle, bar, piece.loop_bars)
        if piece.loop_bars and piece.cycle and timeline else None,
        "intervals": interval_histogram(melody),
        "chord_degrees": chord_relative_histogram(melody, timeline),
    }


COUNTS = ("eleventh", "mid_cycle")  # events a group adds up; a piece's spread or motif length pools as a median


def pooled(key: str, values: list) -> Ratio | int | float | np.ndarray | None:
    """Measure ``key`` over a group of pieces: shares pooled (the notes of all the pieces together), counts and
    histograms summed, anything else (a spread, a motif's length) the median of the pieces'."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if isinstance(present[0], Ratio):
        return sum(present, Ratio())
    if key in COUNTS or key in HISTOGRAMS:
        return sum(present)
    return statistics.median(present)


def divergences(measured: list[dict], reference: dict) -> dict:
    """Per histogram: the group's pooled histogram's divergence to the reference's, and the median of each
    piece's own (a piece of a hundred notes is a small sample: the median shows that noise floor)."""
    out = {}
    for key in HISTOGRAMS:
        own = [js_divergence(m[key], reference[key]) for m in measured]
        own = [d for d in own if d is not None]
        out[key] = js_divergence(sum(m[key] for m in measured), reference[key]) if measured else None
        out[key + "_each"] = statistics.median(own) if own else None
    return out
