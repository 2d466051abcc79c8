"""The generation rules by name: what a solo may play next, as masks over the next token and its duration, for
every solo of a batch at once (rows = solos).

The page's engine has the same rules under the same names, one solo at a time, in
``site_src/js/ai/rules.js`` (camelCase there: ``loop_end`` is ``loopEnd``, ``ending_tokens`` is
``endingTokens``); tests check the two on shared vectors. A rule is a *must* (its mask is and-ed in),
a *preference* (dropped for a solo where it would leave no choice) or a *decision* (it alone says what
a solo plays). They apply in this order:

- where the next onset may fall, known before the token (musts): ``grid``, ``loop_end``, ``hook_return``;
- the token (:data:`TOKEN_RULES`): ``markers``, ``ending``, ``strong_beats``, ``rest_budget``, ``breath``,
  ``hook_copy``, ``fallback``; ``first_draw`` sets its temperature;
- its duration (:data:`DURATION_RULES`): ``ending``, ``held_notes``, ``equal_run``, ``rest_budget``,
  ``breath``, ``hook_copy``.

A rule with a token half and a duration half (``ending``, ``rest_budget``, ``breath``, ``hook_copy``)
is two functions, ``NAME_tokens`` and ``NAME_durations``. A rule may change the mask it is given; it
returns the mask that holds after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from ..music.tokens import END, REST, START, token_pitches

TICKS = 12  # the grid unit: a twelfth of a quarter holds both the 16th (3) and the triplet eighth (4)
FINAL_MIN = TICKS  # a solo's last note is held at least a beat
ECHO_BARS = 2  # the hook's length: the solo's opening bars, which come back at the harmony's echo bar
PHRASE_BARS = 4  # a phrase that breathes: rests are steered per phrase


@dataclass
class Vocabulary:
    """What the rules know of a network's outputs: each token's pitch classes, the rest, the start/end
    markers, and how many twelfths each duration class lasts."""

    pcs: np.ndarray  # (V, 12) bool
    rest: int  # the rest token; -1: none
    markers: np.ndarray  # (V,) bool: start/end, never played
    steps: np.ndarray  # (S,) int: duration class k + 1 lasts steps[k] twelfths (class 0 is the markers')
    sounding: np.ndarray = field(init=False)  # (V,) bool: the token sounds a pitch
    pcs_matrix: np.ndarray = field(init=False)  # pcs as float32, for "does it sound a pitch class of ..." products

    def __post_init__(self):
        self.sounding = self.pcs.any(axis=1)
        self.pcs_matrix = self.pcs.astype(np.float32)

    @classmethod
    def of(cls, vocab: list[str], durations: list[Fraction]) -> Vocabulary:
        pcs = np.zeros((len(vocab), 12), bool)
        for i, t in enumerate(vocab):
            for p in token_pitches(t):
                pcs[i, p % 12] = True
        return cls(pcs, vocab.index(REST) if REST in vocab else -1, np.array([t in (START, END) for t in vocab]),
                   np.array([int(d * TICKS) for d in durations]))

    @property
    def fallback(self) -> int:
        """What a solo plays when the rules leave no token: the rest, else the last token."""
        return self.rest if self.rest >= 0 else len(self.pcs) - 1


class Solos:
    """Every solo of a batch (rows): the chords under it, the quality asked for, and how far it has come."""

    def __init__(self, vocabulary: Vocabulary, harmonies, *, max_equal_run: int = 0,
                 rests: tuple[float, float] | None = None):
        self.vocabulary = vocabulary
        self._chords(harmonies)
        self.bar = np.array([h.bar for h in harmonies])
        self.strong = np.array([h.strong for h in harmonies])
        self.echo = np.array([h.echo * h.bar if h.echo else -1 for h in harmonies])  # in twelfths; -1: none
        self.hook_end = ECHO_BARS * self.bar
        self.phrase = PHRASE_BARS * self.bar
        self.max_equal_run = max_equal_run
        self.rests = rests if rests is not None and vocabulary.rest >= 0 else None  # (least, most) share of rest
        self.most_rest = None if self.rests is None else np.floor(rests[1] * self.length).astype(np.int64)
        # How far each solo has come.
        batch = len(harmonies)
        self.onset = np.zeros(batch, np.int64)
        self.last = np.full(batch, -1)  # the last duration class
        self.run = np.zeros(batch, np.int64)  # how many events in a row have had it
        self.rest_time = np.zeros(batch, np.int64)  # twelfths of rest, in the solo and in its current phrase
        self.phrase_rest = np.zeros(batch, np.int64)
        self.hooks: list[dict[int, tuple[int, int]]] = [{} for _ in range(batch)]  # onset -> (token, class)
        self.events: list[list[tuple[int, int]]] = [[] for _ in range(batch)]  # (token, duration class)

    def _chords(self, harmonies):
        """Every harmony's chords in one table: row ``at[b, t]`` is solo b's chord at twelfth t."""
        offsets = np.cumsum([0] + [len(h.vectors) for h in harmonies[:-1]])
        self.vectors = np.concatenate([h.vectors for h in harmonies]).astype(np.float32)
        self.chord_pcs = np.concatenate([h.pcs for h in harmonies])
        self.outside = ~np.concatenate([h.pcs if h.tones is None else h.tones for h in harmonies])  # not on a strong beat
        self.length = np.array([len(h.at) for h in harmonies])
        self.at = np.zeros((len(harmonies), self.length.max()), np.int64)
        for b, h in enumerate(harmonies):
            self.at[b, :len(h.at)] = h.at + offsets[b]

    def advance(self, step: Step, tokens, classes) -> np.ndarray:
        """Play the chosen events; returns which of ``step.rows`` are still short of the loop point."""
        rows, where = step.rows, step.where
        moved = self.vocabulary.steps[classes - 1]
        for row, token, dur, o in zip(rows.tolist(), tokens.tolist(), classes.tolist(), where.tolist()):
            self.events[row].append((token, dur))
            if o < self.hook_end[row]:
                self.hooks[row][o] = (token, dur)
        if self.rests is not None:
            resting = np.where(tokens == self.vocabulary.rest, moved, 0)
            new_phrase = (where + moved) // self.phrase[rows] != where // self.phrase[rows]
            self.rest_time[rows] += resting
            self.phrase_rest[rows] = np.where(new_phrase, 0, self.phrase_rest[rows] + resting)
        self.run[rows] = np.where(classes == self.last[rows], self.run[rows] + 1, 1)
        self.last[rows] = classes
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
        self.before = solos.echo[rows] - self.where  # twelfths to the hook's return (<= 0: none ahead)

    @cached_property
    def fits(self) -> np.ndarray:
        """(n, S): the durations after which the next onset may fall."""
        return grid(self) & loop_end(self) & hook_return(self)

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
        """(n, V): the tokens that may end the solo here: a rest, or notes that are all tones of the chord
        held at least a beat (where a duration that fits reaches the loop point)."""
        v = self.vocabulary
        outside = (~self.solos.chord_pcs[self.chord]).astype(np.float32) @ v.pcs_matrix.T > 0
        ends = (v.rest == np.arange(len(v.pcs)))[None, :] | (
            v.sounding[None, :] & ~outside & (self.left >= FINAL_MIN)[:, None])
        return ends & (self.fits & self.final).any(axis=1)[:, None]

    @cached_property
    def rest_left(self) -> np.ndarray:
        """(n,): twelfths of rest a solo may still play (rules with rests only)."""
        return self.solos.most_rest[self.rows] - self.solos.rest_time[self.rows]

    @cached_property
    def rest_ok(self) -> np.ndarray:
        """(n,): a rest fits the budget (its shortest duration that fits), or only a rest may end the solo."""
        shortest = np.where(self.fits, self.vocabulary.steps[None, :], np.iinfo(np.int64).max).min(axis=1)
        return (self.rest_left >= shortest) | self.must_end

    @cached_property
    def breathe(self) -> np.ndarray:
        """(n,): the last bar of a phrase that has rested less than the least share (and a rest is ok)."""
        s, rows = self.solos, self.rows
        late = self.where % s.phrase[rows] >= s.phrase[rows] - s.bar[rows]
        return self.rest_ok & late & (s.phrase_rest[rows] < s.rests[0] * s.phrase[rows])

    @cached_property
    def copy(self) -> list[tuple[int, int] | None]:
        """Per row: the hook's (token, class) at this point of its return, or None."""
        s = self.solos
        return [s.hooks[r].get(o - e) if e >= 0 and 0 <= o - e < h else None
                for r, o, e, h in zip(self.rows.tolist(), self.where.tolist(), s.echo[self.rows].tolist(),
                                      s.hook_end[self.rows].tolist())]


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


def hook_return(step: Step) -> np.ndarray:
    """A must: nothing crosses into the hook's return, so the hook starts on its bar line."""
    return (step.before[:, None] <= 0) | (step.vocabulary.steps[None, :] <= step.before[:, None])


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


def rest_budget_tokens(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A must: no rest once the solo has the most share of rest (unless only a rest can end it here)."""
    if step.solos.rests is not None:
        allowed[~step.rest_ok, step.vocabulary.rest] = False
    return allowed


def breath_tokens(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A decision: a phrase that has rested less than the least share rests in its last bar (the phrase ends
    in that bar; the notes after the breath lead into the next one)."""
    if step.solos.rests is not None:
        allowed[step.breathe] = np.arange(allowed.shape[1])[None, :] == step.vocabulary.rest
    return allowed


def hook_copy_tokens(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A decision: where the hook comes back, the solo plays its opening bars again, note for note."""
    for j, copy in enumerate(step.copy):
        if copy is not None:
            allowed[j] = False
            allowed[j, copy[0]] = True
    return allowed


def fallback(step: Step, allowed: np.ndarray) -> np.ndarray:
    """A decision: a solo the rules leave without a token (a vocabulary without the tones needed) rests."""
    allowed[~allowed.any(axis=1), step.vocabulary.fallback] = True
    return allowed


def first_draw(step: Step, temperature: float) -> float:
    """The token's temperature: at temperature 0 the first note is drawn (at 1) so solos differ by seed;
    after it every choice is the argmax."""
    return 1.0 if step.first and temperature <= 0 else temperature


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


def equal_run(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A preference: no run of more than ``max_equal_run`` equal durations, counting the run the hook's
    return starts with."""
    cap, s, rows = step.solos.max_equal_run, step.solos, step.rows
    if cap <= 0:
        return allowed
    steps = step.vocabulary.steps
    repeat = (np.arange(len(steps))[None, :] + 1 == s.last[rows][:, None]) & (s.run[rows] >= cap)[:, None]
    for j in np.flatnonzero((step.before > 0) & (step.before <= steps.max())):
        k, longest = _run_into_hook(step, j)
        if steps[k] == step.before[j] and longest > cap:
            repeat[j, k] = True
    return prefer(allowed, ~repeat)


def _run_into_hook(step: Step, j: int) -> tuple[int, int]:
    """Row ``j`` just before the hook's return: the duration (index into ``steps``) the hook starts with,
    and how long a run of it would be if the event leading into the return had it too."""
    s, row = step.solos, int(step.rows[j])
    first_class, lead = leading_run(s.hooks[row])
    if lead == len(s.hooks[row]) and step.where[j] < s.hook_end[row]:  # the hook so far is one run, then again
        return first_class - 1, 2 * (lead + 1)
    return first_class - 1, (s.run[row] if s.last[row] == first_class else 0) + 1 + lead


def leading_run(hook: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """The duration class a hook starts with and how many of its events in a row have it."""
    classes = [d for _, (_, d) in sorted(hook.items())]
    n = 0
    while n < len(classes) and classes[n] == classes[0]:
        n += 1
    return classes[0], n


def rest_budget_durations(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A preference: a rest is no longer than the rest the solo may still play (unless it ends the solo)."""
    if step.solos.rests is None:
        return allowed
    free = (tokens != step.vocabulary.rest) | step.must_end
    return prefer(allowed, free[:, None] | (step.vocabulary.steps[None, :] <= step.rest_left[:, None]))


def breath_durations(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A preference: a breath is long enough to give its phrase the least share of rest."""
    s, rows = step.solos, step.rows
    if s.rests is None:
        return allowed
    need = np.ceil(s.rests[0] * s.phrase[rows]) - s.phrase_rest[rows]
    breathing = step.breathe & (tokens == step.vocabulary.rest)
    return prefer(allowed, ~(breathing[:, None] & (step.vocabulary.steps[None, :] < need[:, None])))


def hook_copy_durations(step: Step, tokens, allowed: np.ndarray) -> np.ndarray:
    """A decision: the hook's note comes back with its duration."""
    for j, copy in enumerate(step.copy):
        if copy is not None:
            allowed[j] = False
            allowed[j, copy[1] - 1] = True
    return allowed


TOKEN_RULES = (markers, ending_tokens, strong_beats, rest_budget_tokens, breath_tokens, hook_copy_tokens, fallback)
DURATION_RULES = (ending_durations, held_notes, equal_run, rest_budget_durations, breath_durations,
                  hook_copy_durations)


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
