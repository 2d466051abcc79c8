"""Shared vectors of the generation rules: random situations of a solo mid-way (a vocabulary, the chords, how
far it has come, the masks a rule is given), and what each fact and rule of lofi_build/model/rules.py makes
of them. tests/model/test_rules_js.py hands them to the page's rules.js; test_rules.py checks they reach
every rule."""

from __future__ import annotations

import random
import re
from fractions import Fraction

import numpy as np

from lofi_build.model import engine, rules

STEPS = [int(d * 12) for d in (Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(3, 4),
                               Fraction(1), Fraction(3, 2), Fraction(2), Fraction(4))]
PLACES = [rules.grid, rules.loop_end]
FACTS = ["fits", "final", "must_end", "can_end"]


def camel(name: str) -> str:
    return re.sub(r"_(\w)", lambda m: m.group(1).upper(), name)


def pcs_row(rng, low, high) -> list[int]:
    return sorted(rng.sample(range(12), rng.randint(low, high)))


def vocabulary(rng) -> dict:
    """Markers, maybe a rest, single notes (some of one pitch class in two octaves) and a few chords, as the exported
    header lists them: each token's pitch classes and its top pitch."""
    tokens = [[], []] + ([[]] if rng.random() < 0.85 else []) + [[p] for p in rng.sample(range(60, 84), 12)]
    tokens += [sorted(60 + p for p in pcs_row(rng, 2, 3)) for _ in range(3)]
    rng.shuffle(tokens)
    markers = rng.sample([i for i, t in enumerate(tokens) if not t], 2)
    rests = [i for i, t in enumerate(tokens) if not t and i not in markers]
    return {"pcs": [[int(p in {x % 12 for x in t}) for p in range(12)] for t in tokens], "rest": rests[0] if rests else -1,
            "markers": sorted(markers), "steps": sorted(rng.sample(STEPS, rng.randint(5, len(STEPS)))),
            "tops": [max(t, default=-1) for t in tokens]}


def chord_vector(rng, pcs: list[int]) -> np.ndarray:
    """A chord's vector (root, pitch classes, bass): the root one of its pitch classes, sometimes none (no chord)."""
    vector = np.zeros(36)
    if rng.random() < 0.9:
        vector[rng.choice(pcs)] = 1
        vector[[12 + p for p in pcs]] = 1
        vector[24 + rng.choice(pcs)] = 1
    return vector


def harmony(rng) -> engine.Harmony:
    """Chords a beat to a bar long (a chord sometimes sounding again), each with tones for the strong beats and,
    often, an avoid note of its own; roots that make some dominants (a major 3rd and a minor 7th over the root)."""
    beats = rng.choice([4, 4, 3])
    bars = rng.choice([1, 2, 4, 5, 5, 8, 8])
    spans, at = [], Fraction(0)
    while at < bars * beats:
        end = min(at + rng.choice([1, 2, beats]), bars * beats)
        if spans and rng.random() < 0.2:  # the same chord again: no change
            spans.append((at, end, *spans[-1][2:]))
            at = end
            continue
        root = rng.randrange(12)
        pcs = sorted({(root + i) % 12 for i in (0, 4, 10)} | set(pcs_row(rng, 0, 1))) if rng.random() < 0.3 \
            else pcs_row(rng, 3, 4)
        vector = chord_vector(rng, [root] if root in pcs else pcs)
        avoid = rng.sample(pcs, 1) if rng.random() < 0.3 else pcs_row(rng, 0, 2)
        spans.append((at, end, vector, pcs, pcs + pcs_row(rng, 0, 2), avoid))
        at = end
    return engine.harmony(spans, quarters=Fraction(bars * beats), beats_per_bar=beats)


def onset(rng, h: engine.Harmony, steps) -> int:
    """A grid point, often just before the loop point or a strong beat."""
    length = len(h.at)
    near = rng.choice(["any", "end", "strong"])
    goal = {"end": length - rng.choice(steps), "strong": rng.randrange(0, length, h.strong) - rng.choice(steps)}.get(near)
    where = rng.randrange(length) if goal is None else goal
    where = max(0, min(where, length - 1))
    return where - where % rng.choice([3, 4])


def situation(rng, vocab: dict, h: engine.Harmony) -> dict:
    steps, v = vocab["steps"], len(vocab["pcs"])
    rest = vocab["rest"] if vocab["rest"] >= 0 and rng.random() < 0.4 else rng.randrange(v)
    return {
        "where": onset(rng, h, steps), "last": rng.choice([-1] + list(range(1, len(steps) + 1))),
        "run": rng.randrange(0, 6), "max_equal_run": rng.choice([0, 2, 3, 4, 8]), "first": rng.random() < 0.3,
        "last_top": rng.choice([-1] + [t for t in vocab["tops"] if t >= 0]),
        "token": rest, "tokens": [int(rng.random() < 0.85) for _ in range(v)] if rng.random() < 0.9 else [0] * v,
        "durations": [int(rng.random() < 0.85) for _ in steps],
    }


def python_side(vocab: dict, harmonies: list, cases: list[dict]) -> list[dict]:
    """Every fact and rule for a batch of solos of one vocabulary (rows), each row as its own dict."""
    v = rules.Vocabulary(np.array(vocab["pcs"], bool), vocab["rest"],
                         np.isin(np.arange(len(vocab["pcs"])), vocab["markers"]), np.array(vocab["steps"]),
                         np.array(vocab["tops"]))
    out = [{} for _ in cases]
    # A batch holds one quality; a solo's own cap is read in a batch of its kind.
    for cap in {c["max_equal_run"] for c in cases}:
        rows = [i for i, c in enumerate(cases) if c["max_equal_run"] == cap]
        solos = rules.Solos(v, [harmonies[i] for i in rows], max_equal_run=cap)
        for b, i in enumerate(rows):
            c = cases[i]
            solos.onset[b], solos.last[b], solos.run[b] = c["where"], c["last"], c["run"]
            solos.last_top[b] = c["last_top"]
        step = rules.Step(solos, np.arange(len(rows)), False)
        tokens = np.array([cases[i]["token"] for i in rows])
        given_t = np.array([cases[i]["tokens"] for i in rows], bool)
        given_d = np.array([cases[i]["durations"] for i in rows], bool)
        results = {f: getattr(step, f).tolist() for f in FACTS}
        results |= {r.__name__: r(step).tolist() for r in PLACES}
        results |= {r.__name__: r(step, given_t.copy()).tolist() for r in rules.TOKEN_RULES}
        results |= {r.__name__: r(step, tokens, given_d.copy()).tolist() for r in rules.DURATION_RULES}
        results |= {n.__name__: n(step).tolist() for n in rules.TOKEN_NUDGES}
        results["token_nudges"] = rules.token_nudges(step).tolist()
        results["tokens_allowed"] = rules.tokens_allowed(step).tolist()
        results["durations_allowed"] = rules.durations_allowed(step, tokens).tolist()
        for b, i in enumerate(rows):
            out[i] = {k: r[b] for k, r in results.items()}
            out[i]["first_draw"] = [rules.first_draw(rules.Step(solos, np.arange(1), cases[i]["first"]), t)
                                    for t in (0.0, 0.8)]
    return out


def vectors(seed: int = 17, groups: int = 12, solos: int = 30) -> tuple[list[dict], list[dict], list[dict]]:
    """(groups as the page reads them, every situation, Python's results for each): ``groups`` vocabularies,
    ``solos`` situations over each."""
    rng = random.Random(seed)
    page, cases, expected = [], [], []
    for _ in range(groups):
        vocab = vocabulary(rng)
        harmonies = [harmony(rng) for _ in range(solos)]
        group = [situation(rng, vocab, h) for h in harmonies]
        cases += group
        expected += python_side(vocab, harmonies, group)
        page.append({"vocab": vocab, "cases": group, "harmonies": [
            {"vectors": h.vectors.tolist(), "pcs": h.pcs.astype(int).tolist(), "tones": h.tones.astype(int).tolist(),
             "avoid": h.avoid.astype(int).tolist(), "at": h.at.tolist(), "bar": h.bar, "strong": h.strong}
            for h in harmonies]})
    return page, cases, expected
