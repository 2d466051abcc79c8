"""Best of several: every solo is generated :data:`CANDIDATES` times from seeds its own seed gives, and the candidate
with the best :func:`score` is kept, in the build and in the page alike (``site_src/js/ai/candidates.js``, which reads
the weights and the count from the exported model's header), so a seed means the same solo everywhere.

The score is the network's mean log-likelihood an event (how sure it was of what it played) plus the musician's
measures of :mod:`~lofi_build.model.measures` a listener hears first, each a share from 0 to 1 weighted by
:data:`WEIGHTS`: guide tones on the chord changes, the 3rd over dominants, bars that come back in some form, pushed
(syncopated) onsets, 4-bar phrases that breathe, less weak-beat notes outside the chord and re-struck notes; and
whether the candidate rests within the lofi gate's bounds (``ai.quality``'s ``rest_min``..``rest_max``), so a
candidate the gate would reject for its rests is kept only where every candidate would be. A measure a candidate has
nothing to judge by (no dominant chord, say) counts 0 for every candidate alike.
"""

from __future__ import annotations

from fractions import Fraction

from . import measures
from .measures import Note
from .rules import TICKS

CANDIDATES = 6  # per solo: 32 solos x 30 bars in 1.7 s in-process (bench_generation), a page's solo 0.56 s
SEED_STEP = 0x9E3779B9  # candidate j of seed s is generated from (s + j * SEED_STEP) mod 2**32; candidate 0 from s
# The score's terms: the mean log-likelihood an event (nats), then shares (0..1), then whether the candidate rests
# within the lofi gate's bounds (0 or 1). A share moves by 0.05-0.15 between a solo's candidates and the likelihood by
# 0.1-0.3 nats. Chosen on the pool's and the held-out progressions (benchmarks/bench_musicality.py prints what each
# measure gains over the first candidate). The rest bound weighs more than any share can (10): a candidate that rests
# outside rest_min..rest_max (the network's commonest fault: a solo without a breath) loses to one within, so
# breathing itself needs little weight (at 4 the choice breathed in 80% of 4-bar spans, the corpus 40%, and lost
# syncopation and off-beat onsets). Syncopation weighs most (24) because it moves least between candidates
# (0.02-0.05): at 8 the held-out solos pushed 6-7% of their onsets, at 24 8-16%.
WEIGHTS = {
    "likelihood": 1.0,
    "guide_tones": 2.0,
    "third_dominant": 3.0,
    "recurring": 6.0,
    "syncopated": 24.0,
    "breathing": 1.0,
    "weak_outside": -6.0,
    "repeated": -3.0,
    "rests": 10.0,
}


def seeds_of(seed: int, count: int = CANDIDATES) -> list[int]:
    """The seeds of a solo's candidates: its own first."""
    return [(seed + j * SEED_STEP) % 2**32 for j in range(count)]


def melody(events, pitches) -> list[Note]:
    """The lead of a candidate: (token id, quarter notes) events as notes, a chord token as its top note."""
    out, now = [], Fraction(0)
    for token, length in events:
        if pitches[token]:
            out.append(Note(now, Fraction(length), max(pitches[token])))
        now += length
    return out


def rests_within(notes: list[Note], bar: Fraction, bars: int, rests: tuple[float, float]) -> float:
    """1 where the share of the candidate's time without a note lies within ``rests`` (the lofi gate's
    ``rest_min``, ``rest_max``), else 0."""
    share = 1 - float(sum((n.duration for n in notes), Fraction(0)) / (bar * bars))
    return 1.0 if rests[0] <= share <= rests[1] else 0.0


def terms(notes: list[Note], timeline, bar: Fraction, bars: int, rests: tuple[float, float] = (0.0, 1.0)) -> dict[str, float]:
    """The score's measures of a candidate's melody over its chord timeline (shares; 0 where there is nothing), and
    whether it rests within ``rests``."""
    found = {
        "guide_tones": measures.guide_tones_at_changes(notes, timeline),
        "third_dominant": measures.thirds_over_dominants(notes, timeline),
        "recurring": measures.recurring_bars(notes, bar, bars),
        "syncopated": measures.syncopated_onsets(notes, timeline, bar),
        "breathing": measures.breathing(notes, bar, bars),
        "weak_outside": measures.weak_beat_outside(notes, timeline, bar),
        "repeated": measures.repeated_notes(notes),
    }
    return {k: r.value or 0.0 for k, r in found.items()} | {"rests": rests_within(notes, bar, bars, rests)}


def score(likelihood: float, found: dict[str, float]) -> float:
    """The weighted sum, in :data:`WEIGHTS`' order (the page adds them in the same order: float sums depend on it)."""
    total = 0.0
    for key, weight in WEIGHTS.items():
        total += weight * (likelihood if key == "likelihood" else found[key])
    return total


def best(scores) -> int:
    """The index of the best score (the first of equals)."""
    scores = list(scores)
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


def header() -> dict:
    """What the page reads to choose as the build does: the count, the seeds' step, the weights in order, and the
    measures' constants (lengths in twelfths of a quarter, as the page counts time)."""
    return {"candidates": CANDIDATES, "seedStep": SEED_STEP, "weights": [[k, w] for k, w in WEIGHTS.items()],
            "measures": {"phraseGap": int(measures.PHRASE_GAP * TICKS), "phraseBars": measures.PHRASE_BARS,
                         "figureNotes": measures.FIGURE_NOTES, "contourNotes": measures.CONTOUR_NOTES}}


def generate(ckpt, seeds: list[int], harmonies, timelines, temperature: float, top_k: int, *, bars: int,
             bar: Fraction = Fraction(4), count: int | None = None, max_equal_run: int = 0, nudges: bool = True,
             rests: tuple[float, float] = (0.0, 1.0)) -> list[dict]:
    """Per seed, its candidates generated as one batch and the best kept: {"events", "score", "first"} (the first
    candidate's score, for what choosing gains). A network without a likelihood (the article's) plays one."""
    from ..music.tokens import token_pitches
    from .engine import generate_scored

    count = (CANDIDATES if count is None else count) if ckpt.network.duration_head else 1
    every = [c for s in seeds for c in seeds_of(s, count)]
    played, likelihood = generate_scored(ckpt, every, [h for h in harmonies for _ in range(count)], temperature,
                                         top_k, max_equal_run=max_equal_run, nudges=nudges)
    pitches = [token_pitches(t) for t in ckpt.vocab]
    out = []
    for i, timeline in enumerate(timelines):
        scores = [score(float(likelihood[k]), terms(melody(played[k], pitches), timeline, bar, bars, rests))
                  if count > 1 else 0.0 for k in range(i * count, (i + 1) * count)]
        b = best(scores)
        out.append({"events": played[i * count + b], "score": scores[b], "first": scores[0]})
    return out
