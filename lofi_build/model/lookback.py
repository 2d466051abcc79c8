"""What the lofi network hears of what it played bars ago (Magenta ImprovRNN's lookback): at every onset, for each of
:data:`BARS`, the event sounding that many bars earlier at the same place in the bar, whether it was struck right
there (its duration class) or held over it (class 0), its degree over the chord it was played over, and whether that
chord is the chord sounding now; and, for the event it has just played, whether it restated each of them (the same
token and duration struck there).

With these the network can play a figure again, move it to the new chord (the same degree over another root), answer
it or shift it in the bar, because it learned from the corpus when players do; no rule copies bars. What to look back
at is the corpus's: of the lead sheets' bars that restate an earlier bar, the nearest restated bar is 1 bar back for
12%, 2 for 19%, 4 for 19% and 8 for 14% (beyond, fewer than 5% each); and a lead sheet's note restates the note 8 bars
back over the same chord 51% of the time, over another chord 7% (4 bars back: 32% and 7%; 1: 16% and 6%).
The corpus side (:func:`corpus_rows`) reads an encoded part's onsets; the generation side (:class:`History`) reads
what the solos played so far, one batch at a time (the page's twin: ``site_src/js/ai/lookback.js``, which reads these
constants from the exported model's header).
"""

from __future__ import annotations

import bisect

import numpy as np

BARS = (1, 2, 4, 8)  # how far back the network looks, in bars
REST = 12  # degree class of a rest (0..11: the event's top pitch class over the root of its chord)
NOTHING = 13  # before the piece starts: nothing was played there
NO_CHORD = 14  # a note played over no chord
DEGREES = 15  # degree classes
HELD = 0  # duration class of an event held over the place (struck before it); the markers' class otherwise
WIDTH = 4  # columns per bar looked back: token, duration class, degree, same chord (then a flag a bar: restated)


def degree(top, root):
    """The degree class of events (ints or arrays): ``top`` the top pitch class (-1: a rest), ``root`` the root of the
    chord it was played over (-1: none)."""
    return np.where(np.asarray(top) < 0, REST, np.where(np.asarray(root) < 0, NO_CHORD, (np.asarray(top) - root) % 12))


def header() -> dict:
    """The constants the page's lookback reads from the exported model's header."""
    return {"bars": list(BARS), "rest": REST, "nothing": NOTHING, "noChord": NO_CHORD, "held": HELD}


def chord_ids(vectors: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per twelfth, an id of the chord sounding (equal ids: equal chord vectors; -1: none), from a harmony's
    ``vectors`` and ``at``."""
    ids, rows = {}, []
    for v in vectors:
        rows.append(ids.setdefault(v.tobytes(), len(ids)) if v.any() else -1)
    return np.asarray(rows, np.int64)[at]


# -- the corpus: an encoded part's steps ---------------------------------------------------------------------


def restated(back, token, cls):
    """Per bar looked back, 1 where the event (``token``, ``cls``) is the one struck there (``back``: its lookback
    columns), else 0; for ints or arrays (rows of ``back`` along the last axis)."""
    back = np.asarray(back)
    return np.stack([(back[..., b * WIDTH] == token) & (back[..., b * WIDTH + 1] == cls) for b in range(len(BARS))],
                    axis=-1).astype(np.int64)


def corpus_rows(steps, token_ids, duration_ids, tops, nothing_token: int) -> list[tuple[int, ...]]:
    """Per step of a part (``tokens.Step`` with onset and bar), the lookback columns: for each of :data:`BARS`
    (token id, duration class or :data:`HELD`, degree, 1 where its chord is the step's), then for each whether the
    step restates it. ``token_ids``/
    ``duration_ids``/``tops`` are the steps' token ids, duration classes and top pitch classes (-1 for a rest);
    ``nothing_token`` stands for no event."""
    onsets = [s.onset for s in steps]
    out = []
    for step, token, cls in zip(steps, token_ids, duration_ids):
        row: list[int] = []
        for k in BARS:
            at = step.onset - k * step.bar
            i = bisect.bisect_right(onsets, at) - 1
            if at < 0 or i < 0:
                row += [nothing_token, HELD, NOTHING, 0]
                continue
            chord = steps[i].chord
            row += [token_ids[i], duration_ids[i] if onsets[i] == at else HELD,
                    int(degree(tops[i], chord[0] if chord is not None else -1)),
                    int(chord is not None and chord == step.chord)]
        out.append(tuple(row) + tuple(int(x) for x in restated(row, token, cls)))
    return out


# -- generation: what a batch of solos has played ----------------------------------------------------------------


class History:
    """Which event each solo played at every twelfth so far, for the lookback of the next onset."""

    def __init__(self, lengths, bars, roots: np.ndarray, chords: np.ndarray, tops: np.ndarray, nothing_token: int):
        batch, longest = len(lengths), int(max(lengths))
        self.owner = np.full((batch, longest), -1, np.int64)  # the event sounding at a twelfth (-1: none yet)
        self.bars = np.asarray(bars)  # twelfths in a bar, per solo
        self.roots = roots  # per solo, per twelfth: the root of the chord there (-1: none)
        self.chords = chords  # per solo, per twelfth: which chord sounds (equal ids: the same chord; -1: none)
        self.tops = np.asarray(tops)  # per token id: its top pitch class (-1: a rest or a marker)
        self.nothing = np.array([nothing_token, HELD, NOTHING, 0])
        # Per solo and event (at most one a twelfth): token, duration class, onset, degree.
        self.events = np.zeros((batch, longest, 4), np.int64)
        self.count = np.zeros(batch, np.int64)
        self.heard = np.zeros((batch, len(BARS) * WIDTH), np.int64)  # the lookback of each solo's latest onset
        self.restated = np.zeros((batch, len(BARS)), np.int64)  # whether its latest event restated each bar back

    def inputs(self, rows: np.ndarray, where: np.ndarray) -> np.ndarray:
        """(n, len(BARS) * WIDTH) lookback columns of the onsets ``where`` of solos ``rows``."""
        out = []
        for k in BARS:
            back = where - k * self.bars[rows]
            i = np.where(back >= 0, self.owner[rows, np.maximum(back, 0)], -1)
            token, cls, onset, deg = np.moveaxis(self.events[rows, np.maximum(i, 0)], -1, 0)
            now, then = self.chords[rows, where], self.chords[rows, onset]
            found = np.stack([token, np.where(onset == back, cls, HELD), deg, (now >= 0) & (now == then)], axis=1)
            out.append(np.where((i >= 0)[:, None], found, self.nothing[None, :]))
        self.heard[rows] = np.concatenate(out, axis=1)
        return self.heard[rows]

    def advance(self, rows: np.ndarray, where: np.ndarray, tokens, classes, moved) -> None:
        """Record the events just played (``moved``: how many twelfths each lasts)."""
        index = self.count[rows]
        degrees = degree(self.tops[tokens], self.roots[rows, where])
        self.events[rows, index] = np.stack([tokens, classes, where, degrees], axis=1)
        self.restated[rows] = restated(self.heard[rows], tokens, classes)
        for row, at, length, i in zip(rows.tolist(), where.tolist(), moved.tolist(), index.tolist()):
            self.owner[row, at:at + length] = i
        self.count[rows] += 1
