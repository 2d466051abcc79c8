"""Best of several (lofi_build/model/candidates.py): the candidates' seeds, the score's measures and weights, the
pool keeping the best candidate of each solo, and the page's twin (site_src/js/ai/candidates.js) giving the same
measures and scores on shared vectors."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from lofi_build.model import candidates, engine, measures, pool
from lofi_build.music.progression import parse_progression
from lofi_build.music.chord_table import chord_table
from test_pool import HELD_OUT, random_checkpoint

PROGRESSIONS = HELD_OUT + ["Dm9 G13 | Cmaj9 | Cmaj9 A7b13", "Gm11 | C7sus4 | Fmaj9 | D7sus4", "C13 | F11 | Bb7#9"]


def test_a_solos_candidates_start_with_its_own_seed():
    seeds = candidates.seeds_of(7)
    assert seeds[0] == 7 and len(set(seeds)) == len(seeds) == candidates.CANDIDATES
    assert all(0 <= s < 2**32 for s in candidates.seeds_of(2**32 - 1, 8))
    pool_seeds = {s for seed in range(7, 7 + 256) for s in candidates.seeds_of(seed)}
    assert len(pool_seeds) == 256 * candidates.CANDIDATES  # neighbouring solos never share a candidate


def test_the_score_is_the_likelihood_plus_the_weighted_measures():
    timeline = parse_progression("Dm9 | G13 | Cmaj9 | Cmaj9").timeline(4)
    notes = [measures.Note(Fraction(q), Fraction(1), p) for q, p in ((0, 65), (1, 69), (4, 71), (5, 77), (8, 76),
                                                                    (9, 76), (12, 72), (13, 71))]
    found = candidates.terms(notes, timeline, Fraction(4), 4)
    assert found["repeated"] == pytest.approx(1 / 7) and found["guide_tones"] == 1.0  # B over G13, E over Cmaj9
    assert found["third_dominant"] == 0.5 and found["weak_outside"] == 0.0
    # Half the time rests: within bounds of 0..1, outside the gate's 2-35%.
    assert found["rests"] == 1.0 and candidates.terms(notes, timeline, Fraction(4), 4, (0.02, 0.35))["rests"] == 0.0
    assert candidates.terms(notes, timeline, Fraction(4), 4, (0.5, 0.5))["rests"] == 1.0  # the bounds are inclusive
    want = sum(w * (-2.0 if k == "likelihood" else found[k]) for k, w in candidates.WEIGHTS.items())
    assert candidates.score(-2.0, found) == pytest.approx(want)
    assert candidates.score(-1.0, found) > candidates.score(-2.0, found)  # the likelier, the better
    assert candidates.best([1.0, 3.0, 3.0, 2.0]) == 1  # the first of equals


def test_the_pool_keeps_each_solos_best_candidate():
    ckpt = random_checkpoint(seed=6)
    prog = parse_progression(HELD_OUT[2])
    made = pool.make_pool(ckpt, count=3, bars=6, temperature=1.0, top_k=0, seed=20, bpm=80,
                          progressions=[("inline", prog)], transpose=False, gate=False)
    h, timeline = pool.harmony_of(prog, 6), pool.timeline_of(prog, 6)
    pitches = [pool.token_pitches(t) for t in ckpt.vocab]
    gate = pool.default_thresholds()
    for solo in made.solos:
        seeds = candidates.seeds_of(solo.seed)
        events, likelihood = engine.generate_scored(ckpt, seeds, [h] * len(seeds), 1.0, 0)
        scores = [candidates.score(lk, candidates.terms(candidates.melody(e, pitches), timeline, Fraction(4), 6,
                                                        (gate["rest_min"], gate["rest_max"])))
                  for e, lk in zip(events, likelihood)]
        assert solo.events == [(ckpt.vocab[t], d) for t, d in events[candidates.best(scores)]]
        assert solo.score == pytest.approx(max(scores)) and solo.first == pytest.approx(scores[0])  # float32 sums
    alone = pool.make_pool(ckpt, count=3, bars=6, temperature=1.0, top_k=0, seed=20, bpm=80,
                           progressions=[("inline", prog)], transpose=False, gate=False, candidates=1)
    assert [s.events for s in alone.solos] == [[(ckpt.vocab[t], d) for t, d in e] for e in
                                               engine.generate(ckpt, [20, 21, 22], [h] * 3, 1.0, 0)]


def a_bar(rng, pitches: list, at: int, last: int) -> list[dict]:
    """Random events tiling one bar from ``at`` (notes, chords, rests, now and then the last note again)."""
    events, end = [], at + 48
    while at < end:
        steps = min(rng.choice([3, 4, 6, 6, 12, 12, 18, 24, 48]), end - at)
        token = 0 if rng.random() < 0.15 else rng.randrange(1, len(pitches))
        if rng.random() < 0.2:
            token = last  # a re-struck note now and then
        events.append({"tokenId": token, "onset": at, "steps": steps})
        at, last = at + steps, token
    return events


def vectors(seed: int = 3, count: int = 60) -> list[dict]:
    """Random melodies on the twelfth grid over the progressions, some bars coming back (moved or not)."""
    rng = random.Random(seed)
    notes = list(range(55, 85))
    pitches = [[]] + [[p] for p in notes] + [[60, 64, 67], [62, 65, 69]]
    out = []
    for i in range(count):
        bars = rng.choice([2, 4, 8, 12])
        made: list[list[dict]] = []
        for k in range(bars):
            if k >= 2 and rng.random() < 0.3:  # an earlier bar again, maybe a step up
                shift = rng.choice([0, 0, 1, 2])
                made.append([{**e, "onset": e["onset"] + 48 * (k - j), "tokenId": e["tokenId"] + shift
                              if 0 < e["tokenId"] <= len(notes) - shift else e["tokenId"]}
                             for j in [rng.randrange(k)] for e in made[j]])
            else:
                made.append(a_bar(rng, pitches, 48 * k, made[-1][-1]["tokenId"] if made else 0))
        out.append({"progression": PROGRESSIONS[i % len(PROGRESSIONS)], "bars": bars,
                    "events": [e for bar in made for e in bar], "likelihood": -rng.uniform(0.5, 3.0),
                    "rests": rng.choice([[0.02, 0.35], [0.0, 1.0], [0.05, 0.15], [0.1, 0.5]])})
    return [{"pitches": pitches, "cases": out}]


def python_terms(group: dict) -> list[dict]:
    out = []
    for case in group["cases"]:
        events = [(e["tokenId"], Fraction(e["steps"], 12)) for e in case["events"]]
        timeline = parse_progression(case["progression"]).timeline(case["bars"])
        found = candidates.terms(candidates.melody(events, group["pitches"]), timeline, Fraction(4), case["bars"],
                                 tuple(case["rests"]))
        out.append({**found, "score": candidates.score(case["likelihood"], found)})
    return out


JS = """async ({groups, table, spec}) => {
    const C = await import("/site_src/js/ai/candidates.js");
    const P = await import("/site_src/js/ai/progression.js");
    P.useChordTable(table);
    const out = [];
    for (const g of groups) {
        for (const c of g.cases) {
            const timeline = C.timelineOf(P.parseProgression(c.progression).timeline(c.bars));
            const found = C.terms(C.melodyOf(c.events, g.pitches), timeline, 48, c.bars, spec.measures, c.rests);
            out.push({ ...found, score: C.score(spec.weights, c.likelihood, found) });
        }
    }
    return { out, seeds: C.seedsOf(4294967295, { candidates: 5, seedStep: 2654435769 }) };
}"""


@pytest.mark.browser
def test_the_page_measures_and_scores_candidates_as_python_does(repo_page):
    groups = vectors()
    expected = [t for g in groups for t in python_terms(g)]
    got = repo_page.evaluate(JS, {"groups": groups, "table": chord_table(), "spec": candidates.header()})
    assert len(got["out"]) == len(expected) == 60
    assert got["out"] == expected  # the same floats: the same choice between candidates
    assert got["seeds"] == candidates.seeds_of(2**32 - 1, 5)
    assert len({t["guide_tones"] for t in expected}) > 10 and any(t["third_dominant"] for t in expected)
    assert any(t["recurring"] for t in expected) and any(t["weak_outside"] for t in expected)
    assert np.std([t["syncopated"] for t in expected]) > 0 and np.std([t["breathing"] for t in expected]) > 0
    assert {t["rests"] for t in expected} == {0.0, 1.0}
