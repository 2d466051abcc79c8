"""The generation rules one at a time, on small hand-made solos: each rule's mask (lofi_build/model/rules.py),
and no function of the generation code over cyclomatic complexity 15 (lizard)."""

from __future__ import annotations

import ast
import re
from fractions import Fraction

import lizard
import numpy as np
import pytest

from lofi_build.model import engine, rules
from lofi_build.music.tokens import END, REST, START
from support import ROOT

VOCAB = [START, END, REST, "C4", "C#4", "D4", "E4", "F4", "G4", "0.4.7"]
T = {t: i for i, t in enumerate(VOCAB)}
STEPS = [3, 4, 6, 8, 12, 24, 48]  # twelfths: a 16th, a triplet 8th, an 8th, a triplet quarter, a beat, 2, 4
C, F = (0, 4, 7), (5, 9, 0)


def step(*, bars=4, chords=None, where=0, last=-1, run=0, max_equal_run=0, first=False, steps=STEPS,
         vocab=VOCAB) -> rules.Step:
    """One solo at ``where`` (twelfths) over ``chords`` [(start, end, pcs, tones[, avoid]) in quarters] (C major
    throughout by default, its avoid note the 11)."""
    chords = chords or [(0, 4 * bars, C, C + (2,), (5,))]  # C major, the 9th (D) an available tension, F avoided
    spans = [(Fraction(s), Fraction(e), np.zeros(36), *more) for s, e, *more in chords]
    harmony = engine.harmony(spans, quarters=Fraction(4 * bars))
    vocabulary = rules.Vocabulary.of(vocab, [Fraction(s, 12) for s in steps])
    solos = rules.Solos(vocabulary, [harmony], max_equal_run=max_equal_run)
    solos.onset[0], solos.last[0], solos.run[0] = where, last, run
    return rules.Step(solos, np.arange(1), first)


def tokens(mask) -> set[str]:
    return {VOCAB[i] for i in np.flatnonzero(mask[0])}


def steps_of(mask, steps=STEPS) -> list[int]:
    return [s for s, ok in zip(steps, mask[0]) if ok]


def every_token() -> np.ndarray:
    return np.ones((1, len(VOCAB)), bool)


def every_duration(steps=STEPS) -> np.ndarray:
    return np.ones((1, len(steps)), bool)


def only_durations(*wanted, steps=STEPS) -> np.ndarray:
    return np.array([[s in wanted for s in steps]])


# -- where the next onset may fall ---------------------------------------------------------------------------


def test_grid_keeps_the_next_onset_on_the_16th_or_triplet_grid():
    assert steps_of(rules.grid(step(where=0))) == STEPS
    assert steps_of(rules.grid(step(where=3))) == [3, 6, 12, 24, 48]  # a 16th in: 16ths, not triplets
    assert steps_of(rules.grid(step(where=4))) == [4, 8, 12, 24, 48]  # a triplet in: triplets, not 16ths


def test_loop_end_lets_nothing_cross_the_loop_point():
    assert steps_of(rules.loop_end(step(bars=1, where=36))) == [3, 4, 6, 8, 12]
    assert steps_of(rules.loop_end(step(bars=2, where=0))) == STEPS


def test_the_facts_the_rules_share():
    s = step(bars=1, where=44)  # 4 twelfths left, only a triplet eighth lands on the grid
    assert steps_of(s.fits) == [4] and steps_of(s.final) == [4] and s.must_end.tolist() == [True]
    assert tokens(s.can_end) == {REST}  # a note must be held a beat to end the solo
    s = step(bars=1, where=36, steps=[12, 24])
    assert s.must_end.tolist() == [True] and tokens(s.can_end) == {REST, "C4", "E4", "G4", "0.4.7"}
    s = step(bars=1, where=24, steps=[12, 24])
    assert s.must_end.tolist() == [False]
    s = step(bars=1, where=36, steps=[12, 24], chords=[(0, 4, (0, 2, 4, 5, 7, 9, 10), (), (5,))])  # C13 sounds F
    assert tokens(s.can_end) == {REST, "C4", "D4", "E4", "G4", "0.4.7"}  # ... but never ends on it


# -- the token -----------------------------------------------------------------------------------------------


def test_markers_are_never_played():
    assert tokens(rules.markers(step(), every_token())) == set(VOCAB) - {START, END}


def test_ending_the_last_event_is_a_rest_or_chord_tones_held_a_beat():
    ended = rules.ending_tokens(step(bars=1, where=36, steps=[12, 24]), every_token())
    assert tokens(ended) == {REST, "C4", "E4", "G4", "0.4.7"}  # D (a tension) does not end a solo
    assert tokens(rules.ending_tokens(step(bars=1, where=44), every_token())) == {REST}
    assert tokens(rules.ending_tokens(step(bars=1, where=24), every_token())) == set(VOCAB)  # it may go on


def test_strong_beats_sound_chord_tones_or_tensions():
    on_beat_3 = rules.strong_beats(step(where=24), every_token())
    assert tokens(on_beat_3) == {START, END, REST, "C4", "D4", "E4", "G4", "0.4.7"}  # not C#, not F
    assert tokens(rules.strong_beats(step(where=12), every_token())) == set(VOCAB)  # beat 2: free
    over_f = rules.strong_beats(step(chords=[(0, 2, C, C), (2, 16, F, F)], where=24), every_token())
    assert tokens(over_f) == {START, END, REST, "C4", "F4"}
    thirteen = [(0, 16, (0, 2, 4, 5, 7, 9, 10), (), (5,))]  # C13: music21 voices the 11, the table avoids it
    assert "F4" not in tokens(rules.strong_beats(step(chords=thirteen, where=24), every_token()))


def test_fallback_a_solo_left_without_a_token_rests():
    assert tokens(rules.fallback(step(), np.zeros((1, len(VOCAB)), bool))) == {REST}
    no_rest = [t for t in VOCAB if t != REST]
    s = step(vocab=no_rest)
    assert np.flatnonzero(rules.fallback(s, np.zeros((1, len(no_rest)), bool))[0]).tolist() == [len(no_rest) - 1]
    some = np.zeros((1, len(VOCAB)), bool)
    some[0, T["C4"]] = True
    assert tokens(rules.fallback(step(), some)) == {"C4"}


def test_first_draw_at_temperature_zero_draws_the_first_note():
    assert rules.first_draw(step(first=True), 0.0) == 1.0
    assert rules.first_draw(step(first=False), 0.0) == 0.0
    assert rules.first_draw(step(first=True), 0.7) == 0.7


# -- its duration --------------------------------------------------------------------------------------------


def test_ending_only_a_token_that_may_end_reaches_the_loop_point():
    s = step(bars=1, where=36)  # 12 left
    assert steps_of(rules.ending_durations(s, np.array([T["C#4"]]), every_duration())) == STEPS[:4] + [24, 48]
    assert steps_of(rules.ending_durations(s, np.array([T["E4"]]), every_duration())) == STEPS


def test_held_notes_fit_the_chords_of_the_strong_beats_they_cross():
    chords = [(0, 2, C, C), (2, 4, F, F), (4, 16, C, C)]  # C, then F on beat 3, then C again in bar 2
    s = step(chords=chords, where=12)  # beat 2
    assert steps_of(rules.held_notes(s, np.array([T["F4"]]), every_duration())) == [3, 4, 6, 8, 12, 24]  # not over 48
    assert steps_of(rules.held_notes(s, np.array([T["E4"]]), every_duration())) == [3, 4, 6, 8, 12]  # E not over F
    assert steps_of(rules.held_notes(s, np.array([T["C4"]]), every_duration())) == STEPS  # C fits both
    assert steps_of(rules.held_notes(s, np.array([T["E4"]]), only_durations(24, 48))) == [24, 48]  # a preference


def test_equal_run_caps_runs_of_equal_durations():
    s = step(max_equal_run=2, last=3, run=2)  # two eighths in a row
    assert steps_of(rules.equal_run(s, np.array([T["C4"]]), every_duration())) == [3, 4, 8, 12, 24, 48]
    s = step(max_equal_run=2, last=3, run=1)
    assert steps_of(rules.equal_run(s, np.array([T["C4"]]), every_duration())) == STEPS
    s = step(max_equal_run=2, last=3, run=2)
    assert steps_of(rules.equal_run(s, np.array([T["C4"]]), only_durations(6))) == [6]  # a preference
    assert steps_of(rules.equal_run(step(last=3, run=9), np.array([T["C4"]]), every_duration())) == STEPS  # no cap


def test_avoid_notes_are_never_held_a_beat_nor_over_a_strong_beat():
    s = step(where=12)  # beat 2 over C major: F is its avoid note
    assert steps_of(rules.avoid_notes(s, np.array([T["F4"]]), every_duration())) == [3, 4, 6, 8]
    assert steps_of(rules.avoid_notes(s, np.array([T["E4"]]), every_duration())) == STEPS
    s = step(where=18)  # the "and" of beat 2: an 8th reaches beat 3, a beat would cross it
    assert steps_of(rules.avoid_notes(s, np.array([T["F4"]]), every_duration())) == [3, 4, 6]
    into = step(chords=[(0, 2, F, F, ()), (2, 16, C, C, (5,))], where=18)  # F over F, then C major from beat 3
    assert steps_of(rules.avoid_notes(into, np.array([T["F4"]]), every_duration())) == [3, 4, 6]  # not over beat 3
    asked = step(chords=[(0, 16, (0, 4, 5, 7), (), ())], where=12)  # Cadd11 asks for the 11
    assert steps_of(rules.avoid_notes(asked, np.array([T["F4"]]), every_duration())) == STEPS


def test_a_solo_advances_its_run():
    s = step()
    solos = s.solos
    assert solos.advance(s, np.array([T[REST]]), np.array([5])).tolist() == [True]
    assert (solos.onset[0], solos.run[0]) == (12, 1) and solos.events[0] == [(T[REST], 5)]
    s = rules.Step(solos, np.arange(1), False)
    solos.advance(s, np.array([T["C4"]]), np.array([5]))
    assert (solos.onset[0], solos.run[0], solos.last[0]) == (24, 2, 5)


def test_the_rules_keep_hard_bounds_only():
    """No rule copies bars, makes a solo rest or breathe: the rules are the grid, the loop, the ending, the avoid
    notes and the fallback (and the equal-run cap, a preference)."""
    assert [r.__name__ for r in rules.TOKEN_RULES] == ["markers", "ending_tokens", "strong_beats", "fallback"]
    assert [r.__name__ for r in rules.DURATION_RULES] == ["ending_durations", "avoid_notes", "held_notes", "equal_run"]


# -- complexity ----------------------------------------------------------------------------------------------

GENERATION = ["lofi_build/model/engine.py", "lofi_build/model/rules.py", "lofi_build/model/lookback.py",
              "lofi_build/model/candidates.py", "lofi_build/defaults/site_src/js/ai/generate.js",
              "lofi_build/defaults/site_src/js/ai/rules.js", "lofi_build/defaults/site_src/js/ai/lookback.js",
              "lofi_build/defaults/site_src/js/ai/candidates.js"]


def declared(path) -> set[str]:
    """The named functions and methods a file declares (what lizard must find to have read it all)."""
    text = (ROOT / path).read_text()
    if path.endswith(".py"):
        return {n.name for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return set(re.findall(r"^(?:export )?function (\w+)\(", text, re.M)) | set(
        re.findall(r"^  (?:static |get )?(\w+)\([^)]*\) \{$", text, re.M))


@pytest.mark.parametrize("path", GENERATION)
def test_no_generation_function_is_over_complexity_15(path):
    found = lizard.analyze_file(str(ROOT / path)).function_list
    names = {f.name.removeprefix("get ").split("::")[-1].split(".")[-1] for f in found}
    assert declared(path) <= names, f"lizard did not read {sorted(declared(path) - names)}"
    assert [(f.name, f.cyclomatic_complexity) for f in found if f.cyclomatic_complexity > 15] == []


def test_the_shared_vectors_reach_every_rule():
    """The page's rules are checked on rule_vectors (test_rules_js.py): every rule changes the mask it is
    given in some of them, so none passes that comparison unread."""
    from rule_vectors import PLACES, vectors

    _, cases, expected = vectors()
    given = {r.__name__: "tokens" for r in rules.TOKEN_RULES} | {r.__name__: "durations" for r in rules.DURATION_RULES}
    changed = dict.fromkeys([r.__name__ for r in PLACES] + list(given), 0)
    for case, result in zip(cases, expected):
        for name in given.keys() | {r.__name__ for r in PLACES}:
            before = case[given[name]] if name in given else [True] * len(result[name])
            changed[name] += [bool(x) for x in result[name]] != [bool(x) for x in before]
    assert min(changed.values()) >= 5, changed
    assert {r["first_draw"][0] for r in expected} == {0.0, 1.0}
    # Every nudge favours (or, the restrike, disfavours) some token in some of them, and some add up.
    for nudge in rules.TOKEN_NUDGES:
        assert sum(any(x != 0 for x in r[nudge.__name__]) for r in expected) >= 5, nudge.__name__
    assert sum(len({x for x in r["token_nudges"] if x}) >= 2 for r in expected) >= 5
