"""The generation rules by name: what a solo may play next, as masks over the next token and its duration, for
every solo of a batch at once (rows = solos).

The rules keep a solo inside hard bounds and nothing more: where notes may start (the grid), how long the solo is
(the loop), how it ends, and the notes a player avoids over a chord. Phrases, rests, breaths and motifs are the
network's (it hears what it played one and two bars back: :mod:`~lofi_build.model.lookback`); no rule copies bars
or makes a solo rest.

The page's engine has the same rules under the same names, one solo at a time, in
``site_src/js/ai/rules.js`` (camelCase there: ``loop_end`` is ``loopEnd``, ``ending_tokens`` is
``endingTokens``); tests check the two on shared vectors. A rule is a *must* (its mask is and-ed in),
a *preference* (dropped for a solo where it would leave no choice), a *decision* (it alone says what
a solo plays) or a *nudge* (a number added to some tokens' logits: it makes them likelier and forbids nothing).
They apply in this order:

- where the next onset may fall, known before the token (musts): ``grid``, ``loop_end``;
- the token (:data:`TOKEN_RULES`): ``markers``, ``ending``, ``strong_beats``, ``fallback``; ``first_draw`` sets its
  temperature; the nudges (:data:`TOKEN_NUDGES`): ``guide_tones``, ``dominant_thirds``, ``restrike``;
- its duration (:data:`DURATION_RULES`): ``ending``, ``avoid_notes``, ``held_notes``, ``equal_run``.

The nudges are the harmony a player asks of a line, as a player's habits rather than walls: land the new chord's
3rd or 7th on a change, sound the 3rd over a dominant, move on rather than strike the last pitch again. They add
:data:`NUDGES` (natural-log odds) to the network's logits; what a solo plays is still the network's draw, and the
likelihood a candidate is chosen by is the network's own. ``benchmarks/bench_musicality.py`` prints the shipped
model without them, and the random network and the unigram with them, so what they do alone shows.

A rule with a token half and a duration half (``ending``) is two functions, ``NAME_tokens`` and ``NAME_durations``.
A rule may change the mask it is given; it returns the mask that holds after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from ..music.tokens import END, REST, START, token_pitches
from .lookback import chord_ids

TICKS = 12  # the grid unit: a twelfth of a quarter holds both the 16th (3) and the triplet eighth (4)
FINAL_MIN = TICKS  # a solo's last note is held at least a beat
AVOID_MAX = TICKS  # an avoid note sounds less than a beat
ANTICIPATION = TICKS // 2  # a note struck an 8th or less before a chord change sounds over it (a push)
# The nudges' strengths, added to the logits of the tokens they favour (negative: disfavour), in this order. Chosen
# with benchmarks/bench_musicality.py: at these the guide tones at changes, the 3rd over dominants and the re-struck
# notes meet the targets, while the interval histogram stays the corpus's (the random network, nudged
# alike, stays far from it and the lofi gate still rejects it).
NUDGES = {"guide_tones": 0.6, "dominant_thirds": 0.3, "restrike": -0.4}


@dataclass
class Vocabulary:
    """What the rules know of a network's outputs: each token's pitch classes, the rest, the start/end
    markers, and how many twelfths each duration class lasts."""

    pcs: np.ndarray  # (V, 12) bool
    rest: int  # the rest token; -1: none
    markers: np.ndarray  # (V,) bool: start/end, never played
    steps: np.ndarray  # (S,) int: duration class k + 1 lasts steps[k] twelfths (class 0 is the markers')
    tops: np.ndarray  # (V,) int: the token's top pitch (MIDI; the lead of a chord), -1 where it sounds none
    sounding: np.ndarray = field(init=False)  # (V,) bool: the token sounds a pitch
    pcs_matrix: np.ndarray = field(init=False)  # pcs as float32, for "does it sound a pitch class of ..." products
    top_pcs: np.ndarray = field(init=False)  # (V, 12) bool: the top pitch's class

    def __post_init__(self):
        self.sounding = self.pcs.any(axis=1)
        self.pcs_matrix = self.pcs.astype(np.float32)
        self.top_pcs = (self.tops[:, None] >= 0) & (self.tops[:, None] % 12 == np.arange(12)[None, :])

    @classmethod
    def of(cls, vocab: list[str], durations: list[Fraction]) -> Vocabulary:
        pcs = np.zeros((len(vocab), 12), bool)
        for i, t in enumerate(vocab):
            for p in token_pitches(t):
                pcs[i, p % 12] = True
        tops = np.array([max(token_pitches(t), default=-1) for t in vocab])
        return cls(pcs, vocab.index(REST) if REST in vocab else -1, np.array([t in (START, END) for t in vocab]),
                   np.array([int(d * TICKS) for d in durations]), tops)

    @property
    def fallback(self) -> int:
        """What a solo plays when the rules leave no token: the rest, else the last token."""
        return self.rest if self.rest >= 0 else len(self.pcs) - 1


class Solos:
    """Every solo of a batch (rows): the chords under it, the quality asked for, and how far it has come."""

    def __init__(self, vocabulary: Vocabulary, harmonies, *, max_equal_run: int = 0, nudges: bool = True):
        self.vocabulary = vocabulary
        self._chords(harmonies)
        self.bar = np.array([h.bar for h in harmonies])
        self.strong = np.array([h.strong for h in harmonies])
        self.max_equal_run = max_equal_run
        self.nudges = nudges
        # How far each solo has come.
        batch = len(harmonies)
        self.onset = np.zeros(batch, np.int64)
        self.last = np.full(batch, -1)  # the last duration class
        self.run = np.zeros(batch, np.int64)  # how many events in a row have had it
        self.last_top = np.full(batch, -1)  # the last note's top pitch (-1: none yet)
        self.events: list[list[tuple[int, int]]] = [[] for _ in range(batch)]  # (token, duration class)

    def _chords(self, harmonies):
        """Every harmony's chords in one table: row ``at[b, t]`` is solo b's chord at twelfth t."""
        offsets = np.cumsum([0] + [len(h.vectors) for h in harmonies[:-1]])
        self.vectors = np.concatenate([h.vectors for h in harmonies]).astype(np.float32)
        self.chord_pcs = np.concatenate([h.pcs for h in harmonies])
        self.outside = ~np.concatenate([h.pcs if h.tones is None else h.tones for h in harmonies])  # not on a strong beat
        self.avoid = np.concatenate([np.zeros_like(h.pcs) if h.avoid is None else h.avoid for h in harmonies])
        self.length = np.array([len(h.at) for h in harmonies])
        self.at = np.zeros((len(harmonies), self.length.max()), np.int64)
        for b, h in enumerate(harmonies):
            self.at[b, :len(h.at)] = h.at + offsets[b]
        # Per chord row, the tokens the nudges favour: their top is its guide tone, or its 3rd where it is a dominant.
        guide, third = guide_rows(self.vectors, self.chord_pcs)
        tops = self.vocabulary.top_pcs.T.astype(np.float32)
        self.guide_tokens = guide.astype(np.float32) @ tops > 0
        self.third_tokens = third.astype(np.float32) @ tops > 0
        # A chord is its vector (root, pitch classes, bass): the chord changes where the vector does.
        self.ahead = changes_ahead(chord_ids(self.vectors, self.at), self.length)

    def advance(self, step: Step, tokens, classes) -> np.ndarray:
        """Play the chosen events; returns which of ``step.rows`` are still short of the loop point."""
        rows, where = step.rows, step.where
        moved = self.vocabulary.steps[classes - 1]
        for row, token, dur in zip(rows.tolist(), tokens.tolist(), classes.tolist()):
            self.events[row].append((token, dur))
        self.run[rows] = np.where(classes == self.last[rows], self.run[rows] + 1, 1)
        self.last[rows] = classes
        tops = self.vocabulary.tops[tokens]
        self.last_top[rows] = np.where(tops >= 0, tops, self.last_top[rows])
        self.onset[rows] = where + moved
        return self.onset[rows] < self.length[rows]


class Step:
    """The solos still playing (``rows``) at one step: where each stands, and the facts several rules read,
    each computed once, when a rule first asks."""

    def __init__(self, solos: Solos, rows: np.ndarray, first: bool):
        self.solos, self.rows, self.first = solos, rows, first
        self.vocabulary = solos.vocabulary
        self.where = solos.onset[rows]
        self.chord = solos.at[rows, self.where]
        self.left = solos.length[rows] - self.where  # twelfths to the loop point

    @cached_property
    def fits(self) -> np.ndarray:
        """(n, S): the durations after which the next onset may fall."""
        return grid(self) & loop_end(self)

    @cached_property
    def final(self) -> np.ndarray:
        """(n, S): the durations that reach the loop point."""
        return self.vocabulary.steps[None, :] == self.left[:, None]

    @cached_property
    def must_end(self) -> np.ndarray:
        """(n,): no duration that fits goes on: the next event is the last."""
        return ~(self.fits & ~self.final).any(axis=1)

    @cached_property
    def can_end(self) -> np.ndarray:
        """(n, V): the tokens that may end the solo here: a rest, or notes that are all tones of the chord (none
        of its avoid notes) held at least a beat (where a duration that fits reaches the loop point)."""
        v, s = self.vocabulary, self.solos
        outside = (~s.chord_pcs[self.chord] | s.avoid[self.chord]).astype(np.float32) @ v.pcs_matrix.T > 0
        ends = (v.rest == np.arange(len(v.pcs)))[None, :] | (
            v.sounding[None, :] & ~outside & (self.left >= FINAL_MIN)[:, None])
        return ends & (self.fits & self.final).any(axis=1)[:, None]


def guide_rows(vectors: np.ndarray, pcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per chord row (its root: the vector's first 12; its pitch classes), (its guide tones, the 3rd of a dominant),
    each (K, 12) bool, as the musician's measures read a chord (:func:`lofi_build.model.measures.guide_tones`,
    :func:`~lofi_build.model.measures.is_dominant`)."""
    from types import SimpleNamespace

    from . import measures

    guide, third = np.zeros_like(pcs), np.zeros_like(pcs)
    for k, (vector, row) in enumerate(zip(vectors, pcs)):
        if vector[:12].any():
            chord = SimpleNamespace(root=int(vector[:12].argmax()), pcs=np.flatnonzero(row).tolist())
            guide[k, list(measures.guide_tones(chord))] = True
            third[k, (chord.root + 4) % 12] = measures.is_dominant(chord)
    return guide, third


def changes_ahead(keys: np.ndarray, length: np.ndarray) -> np.ndarray:
    """(batch, length) per twelfth, the first twelfth at or after it where the chord changes (``keys``, a chord's
    number per twelfth, differs from the twelfth before); the solo's length where none comes. The solo's start is not a
    change."""
    n = keys.shape[1]
    t = np.arange(n)[None, :]
    change = np.zeros_like(keys, bool)
    change[:, 1:] = keys[:, 1:] != keys[:, :-1]
    change &= t < length[:, None]
    at = np.where(change, t, length[:, None])
    return np.minimum.accumulate(at[:, ::-1], axis=1)[:, ::-1]


def prefer(allowed: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``allowed & keep`` for the rows where that leaves a choice; the other rows as they were."""
    narrowed = allowed & keep
    return np.where(narrowed.any(axis=1)[:, None], narrowed, allowed)


# -- where the next onset may fall: (step) -> (n, S) ---------------------------------------------------------


def grid(step: Step) -> np.ndarray:
    """A must: the next onset lands on the 16th or triplet-eighth grid of its bar."""
    landing = (step.where % step.solos.bar[step.rows])[:, None] + step.vocabulary.steps[None, :]
    return (landing % 3 == 0) | (landing % 4 == 0)


def loop_end(step: Step) -> np.ndarray:
    """A must: nothing crosses the loop point, so the solo is exactly the loop's length."""
    return step.vocabulary.steps[None, :] <= step.left[:, None]


# -- the token: (step, allowed (n, V)) -> allowed ------------------------------------------------------------


def markers(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A must: the start and end markers are never played (the solo's length is the loop's)."""
    return allowed & ~step.vocabulary.markers[None, :]


def ending_tokens(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A must: where the next event must be the last, it is a rest or chord tones that may be held a beat."""
    return allowed & (step.can_end | ~step.must_end[:, None])


def strong_beats(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A must: on beats 1 and 3, a note is a chord tone or an available tension of the chord there."""
    on_strong = step.where % step.solos.strong[step.rows] == 0
    if on_strong.any():
        clash = step.solos.outside[step.chord].astype(np.float32) @ step.vocabulary.pcs_matrix.T > 0
        allowed &= ~(clash & on_strong[:, None])
    return allowed


def fallback(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A decision: a solo the rules leave without a token (a vocabulary without the tones needed) rests."""
    allowed[~allowed.any(axis=1), step.vocabulary.fallback] = True
    return allowed


def first_draw(step: Step, temperature: float) -> float:
    """The token's temperature: at temperature 0 the first note is drawn (at 1) so solos differ by seed;
    after it every choice is the argmax."""
    return 1.0 if step.first and temperature <= 0 else temperature


# -- nudges on the token: (step) -> (n, V) float added to its logits -------------------------------------------


def guide_tones(step: Step) -> np.ndarray:
    """A nudge: on a chord change, or an 8th or less before one (a push that sounds over it), a note whose top is
    the new chord's 3rd or 7th."""
    s, rows, where = step.solos, step.rows, step.where
    change = s.ahead[rows, where]
    near = (change - where <= ANTICIPATION) & (change < s.length[rows])
    chord = s.at[rows, np.minimum(change, s.length[rows] - 1)]
    return NUDGES["guide_tones"] * (s.guide_tokens[chord] & near[:, None])


def dominant_thirds(step: Step) -> np.ndarray:
    """A nudge: over a dominant chord, a note whose top is its 3rd."""
    return NUDGES["dominant_thirds"] * step.solos.third_tokens[step.chord]


def restrike(step: Step) -> np.ndarray:
    """A nudge (against): a note whose top strikes the last note's top pitch again."""
    last = step.solos.last_top[step.rows]
    return NUDGES["restrike"] * ((step.vocabulary.tops[None, :] == last[:, None]) & (last >= 0)[:, None])


TOKEN_NUDGES = (guide_tones, dominant_thirds, restrike)


def token_nudges(step: Step) -> np.ndarray | None:
    """(n, V): the nudges added up in :data:`TOKEN_NUDGES`' order (the page adds them in the same order), or None
    where the solos play without them."""
    if not step.solos.nudges:
        return None
    total = np.zeros((len(step.rows), len(step.vocabulary.pcs)))
    for nudge in TOKEN_NUDGES:
        total = total + nudge(step)
    return total


# -- its duration: (step, tokens (n,), allowed (n, S)) -> allowed ----------------------------------------------


def ending_durations(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A must: only a token that may end the solo reaches the loop point."""
    ends = step.can_end[np.arange(len(tokens)), tokens]
    return allowed & (~step.final | ends[:, None])


def held_notes(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A preference: a note held over the next strong beats fits the chords there as well."""
    s, rows, where = step.solos, step.rows, step.where
    held = step.vocabulary.pcs[tokens]
    for k in (1, 2):
        beat = (where // s.strong[rows] + k) * s.strong[rows]
        inside = beat < s.length[rows]
        there = s.at[rows, np.minimum(beat, s.length[rows] - 1)]
        clash = (held & s.outside[there]).any(axis=1) & inside
        over = where[:, None] + step.vocabulary.steps[None, :] > beat[:, None]
        allowed = prefer(allowed, ~(over & clash[:, None]))
    return allowed


def avoid_notes(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A must: a note is never held a beat or more as an avoid note of the chords it sounds over (the natural 11
    over a major 3rd, from the chord table), nor over a strong beat where it is one (``strong_beats`` keeps it off
    the strong beat it would start on). The shortest duration that fits always keeps to it."""
    s, rows, where = step.solos, step.rows, step.where
    steps = step.vocabulary.steps
    ahead = where[:, None] + np.arange(steps.max())[None, :]  # the twelfths a duration may cover
    inside = ahead < s.length[rows][:, None]
    chords = s.at[rows[:, None], np.minimum(ahead, s.length[rows][:, None] - 1)]
    sounding = (step.vocabulary.pcs[tokens][:, None, :] & s.avoid[chords]).any(axis=2) & inside
    strong = (ahead % s.strong[rows][:, None] == 0) & (ahead > where[:, None])
    held = np.cumsum(sounding, axis=1)[:, steps - 1]  # twelfths an avoid note over each duration
    crossed = np.cumsum(sounding & strong, axis=1)[:, steps - 1]
    return allowed & (held < AVOID_MAX) & (crossed == 0)


def equal_run(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A preference: no run of more than ``max_equal_run`` equal durations."""
    cap, s, rows = step.solos.max_equal_run, step.solos, step.rows
    if cap <= 0:
        return allowed
    steps = step.vocabulary.steps
    repeat = (np.arange(len(steps))[None, :] + 1 == s.last[rows][:, None]) & (s.run[rows] >= cap)[:, None]
    return prefer(allowed, ~repeat)


TOKEN_RULES = (markers, ending_tokens, strong_beats, fallback)
DURATION_RULES = (ending_durations, avoid_notes, held_notes, equal_run)


def tokens_allowed(step: Step) -> np.ndarray:
    """(n, V): the tokens the rules allow each solo next."""
    allowed = np.ones((len(step.rows), len(step.vocabulary.pcs)), bool)
    for rule in TOKEN_RULES:
        allowed = rule(step, allowed)
    return allowed


def durations_allowed(step: Step, tokens) -> np.ndarray:
    """(n, S + 1): the duration classes the rules allow after ``tokens`` (class 0, the markers', never)."""
    allowed = step.fits.copy()
    for rule in DURATION_RULES:
        allowed = rule(step, tokens, allowed)
    return np.concatenate([np.zeros((len(tokens), 1), bool), allowed], axis=1)


def header() -> dict:
    """What the page's rules read of this module (the model header's ``nudges``): the nudges' strengths in their
    order, and how far ahead of a chord change a note counts as pushed onto it."""
    return {"strengths": [[name, value] for name, value in NUDGES.items()], "anticipation": ANTICIPATION}
