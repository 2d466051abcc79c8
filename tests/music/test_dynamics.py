"""A melody's velocities by phrase and metre (lofi_build/music/dynamics.py), and site_src/js/ai/dynamics.js in
Chromium giving the same numbers."""

from __future__ import annotations

import random
import statistics

import pytest

from lofi_build.music.dynamics import RULE, tables, velocities

PPQ = 480
BAR = 4 * PPQ


def touch(*notes):
    """Velocities of (ticks, duration ticks, pitch or pitches) notes."""
    return velocities([(t, d, p if isinstance(p, tuple) else (p,)) for t, d, p in notes], bar=BAR, ppq=PPQ)


def test_the_bar_is_felt():
    """Eight equal eighths on one pitch class an octave apart (no repeats, no arc or height differences between
    the pairs compared): the downbeat, then beat 3, then beats 2 and 4, then the off-beats."""
    line = [(i * PPQ // 2, PPQ // 2, 60 + 12 * (i % 2)) for i in range(8)]
    one = touch(*line)
    flat = [v - RULE["arc"] * 4 * i * (7 - i) // 49 - RULE["height"] * (i % 2) for i, v in enumerate(one)]
    assert flat[0] > flat[4] > flat[2] == flat[6] > flat[1] == flat[3] == flat[5] == flat[7]


def test_a_phrase_swells_and_its_peak_leans():
    rising = touch(*[(i * PPQ, PPQ, 60 + 2 * i) for i in range(8)])  # quarters climbing, then a rest
    assert rising[-1] > rising[0] and max(rising[2:6]) > rising[0]
    again = touch(*[(i * PPQ, PPQ, 60 + 2 * i) for i in range(4)], *[(8 * PPQ + i * PPQ, PPQ, 60 + 2 * i) for i in range(4)])
    assert again[:4] == again[4:]  # a rest of a beat or more starts a new phrase, shaped the same


def test_anticipations_long_notes_repeats_and_chords():
    pushed = touch((3 * PPQ // 2, PPQ, 67))  # on the and of 2, held over beat 3
    plain = touch((3 * PPQ // 2, PPQ // 2, 67))  # let go before it
    assert pushed[0] - plain[0] == RULE["syncopation"] + RULE["long"]
    assert touch((0, 2 * PPQ, 64))[0] - touch((0, PPQ // 2, 64))[0] == RULE["longer"]
    repeated = touch((0, PPQ, 64), (PPQ, PPQ, 64))
    moved = touch((0, PPQ, 64), (PPQ, PPQ, 62))
    assert repeated[1] < moved[1]
    assert touch((0, PPQ, (60, 64, 67)))[0] == touch((0, PPQ, 67))[0] + RULE["chord"]


def test_velocities_stay_in_range_and_spread_like_a_players():
    rnd = random.Random(3)
    for _ in range(20):
        now, line = 0, []
        while now < 8 * BAR:
            d = rnd.choice((1, 2, 2, 3, 4, 6, 8)) * PPQ // 4
            if rnd.random() < .85:
                line.append((now, d, rnd.randint(60, 80)))
            now += d
        v = touch(*line)
        assert all(RULE["low"] <= x <= RULE["high"] for x in v)
        assert 4 < statistics.pstdev(v) < 16  # a touch, not a fixed velocity and not noise


@pytest.mark.browser
def test_js_velocities_are_pythons(repo_page):
    rnd = random.Random(11)
    cases = []
    for k in range(40):
        now, line = rnd.randint(0, 3) * PPQ // 4, []
        while now < 6 * BAR:
            d = rnd.choice((1, 2, 3, 4, 6, 8, 12, 16)) * PPQ // 4 if k % 3 else rnd.choice((1, 2, 4)) * PPQ // 3
            if rnd.random() < .8:
                line.append([now, d, sorted(rnd.sample(range(55, 90), rnd.choice((1, 1, 1, 2, 3))))])
            now += d
        cases.append(line)
    cases.append([])
    got = repo_page.evaluate("""async ([cases, rule, bar, ppq]) => {
        const d = await import("/site_src/js/ai/dynamics.js");
        return cases.map((notes) => d.velocities(notes, { bar, ppq, rule }));
    }""", [cases, tables(), BAR, PPQ])
    assert got == [velocities([(t, n, tuple(p)) for t, n, p in line], bar=BAR, ppq=PPQ) for line in cases]
