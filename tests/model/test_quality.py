"""The lofi gate: hand-made melodies that pass every measure, and ones that fail each measure on its own."""

from fractions import Fraction as F

import pytest

from lofi_build.config import Quality, as_dict
from lofi_build.model.quality import lofi_measures, lofi_problems, melody_from_notes, melody_pcs
from lofi_build.music.progression import make_chord, parse_progression

THRESHOLDS = as_dict(Quality())
TIMELINE = parse_progression("Dm9 | G13 | Cmaj9 | Cmaj9").timeline(8)
D5, E5, F5, G5, A5, B4, C5, A4, G4, E4 = 74, 76, 77, 79, 81, 71, 72, 69, 67, 64

# Two bars of motif over Dm9 G13, an answer over Cmaj9, the motif again, an ending held on C.
MOTIF = [(0, 1, F5), (1, F(1, 2), E5), (F(3, 2), F(1, 2), D5), (2, F(3, 2), A4), (F(7, 2), F(1, 2), None),
         (4, 1, B4), (5, 1, D5), (6, F(3, 2), F5), (F(15, 2), F(1, 2), None)]
ANSWER = [(8, 2, E5), (10, F(3, 2), G5), (F(23, 2), F(1, 2), None), (12, F(3, 4), B4), (F(51, 4), F(1, 4), C5),
          (13, 1, D5), (14, 2, E5)]
ENDING = [(24, 2, E5), (26, F(3, 2), D5), (F(55, 2), F(1, 2), None), (28, F(1, 2), B4), (F(57, 2), F(3, 2), D5),
          (30, 2, C5)]


def melody(events):
    return [(F(s), F(d), () if m is None else (m,)) for s, d, m in events]


def shifted(events, by):
    return [(s + by, d, m) for s, d, m in events]


GOOD = MOTIF + ANSWER + shifted(MOTIF, 16) + ENDING


def measures(events, timeline=TIMELINE, bars=8):
    return lofi_measures(melody(events), timeline, bars=bars)


def test_a_lofi_melody_passes():
    m = measures(GOOD)
    assert lofi_problems(m, THRESHOLDS) == []
    assert m["chord_tones"] == 1.0 and m["on_grid"] == 1.0 and m["ending"] is True
    assert 0.05 <= m["rest_share"] <= 0.25 and m["mean_note"] >= 0.5
    assert set(m) == {"chord_tones", "rest_share", "mean_note", "max_equal_run", "sixteenths", "on_grid", "ending",
                      "weak_outside", "nct_step"}  # no reference histograms given: no distances


def test_chord_tones_include_tensions_and_not_avoid_notes():
    assert {0, 2, 4, 5, 7, 9, 11} == set(melody_pcs(make_chord("Dm9")))  # 9, 11, 13 over a minor 9th
    assert 5 not in melody_pcs(make_chord("Cmaj7"))  # the 11 over a major 3rd is an avoid note
    assert 0 not in melody_pcs(make_chord("G13"))  # ... even where the 13th chord sounds it (the chord table)
    assert 0 in melody_pcs(make_chord("G11")) and 5 in melody_pcs(make_chord("C7add11"))  # asked for
    assert 9 not in melody_pcs(make_chord("G7b9"))  # natural 9 against the b9
    wrong = [(s, d, m + 1 if m and s in (0, 2, 8, 10, 16, 18) else m) for s, d, m in GOOD]  # half steps off
    m = measures(wrong)
    assert m["chord_tones"] == pytest.approx(10 / 16)
    assert any("chord tones" in p for p in lofi_problems(m, THRESHOLDS))
    held = [(s, d, m) for s, d, m in GOOD if s != 2] + [(F(3, 2), F(2), D5)]  # held over beat 3, still a tone
    assert measures(sorted(held))["chord_tones"] == 1.0


def test_rest_share_bounds():
    legato = [(s, d, m) for s, d, m in GOOD if m is not None]
    filled = [(s, next((t - s for t, _, _ in legato if t > s), 32 - s), m) for s, d, m in legato]
    assert measures(filled)["rest_share"] == 0
    assert any("rests" in p for p in lofi_problems(measures(filled), THRESHOLDS))
    sparse = [(0, 1, F5), (8, 2, E5), (30, 2, C5)]
    assert measures(sparse)["rest_share"] == pytest.approx(27 / 32, abs=1e-3)
    assert any("rests" in p for p in lofi_problems(measures(sparse), THRESHOLDS))


def test_mean_note_and_sixteenths():
    fast = GOOD[:-1] + [(F(30) + F(k, 4), F(1, 4), [C5, D5, E5][k % 3]) for k in range(8)]
    busy = [(F(k, 4), F(1, 4), [C5, D5, E5, G5][k % 4]) for k in range(96)] + [(24, 8, C5)]
    m = measures(busy)
    assert m["mean_note"] < 0.5 and m["sixteenths"] > 0.9
    problems = lofi_problems(m, THRESHOLDS)
    assert any("mean note" in p for p in problems) and any("sixteenths" in p for p in problems)
    assert measures(fast)["sixteenths"] == pytest.approx(9 / 32, abs=1e-3)  # 8 + the one in ANSWER


def test_runs_of_equal_durations():
    eighths = [(F(k, 2), F(1, 2), [D5, F5, A5, C5][k % 4]) for k in range(12)] + GOOD[7:]
    m = measures(eighths)
    assert m["max_equal_run"] == 12
    assert any("equal durations" in p for p in lofi_problems(m, THRESHOLDS))
    assert measures(GOOD)["max_equal_run"] <= 8


def test_off_grid_onsets():
    off = [(s + F(1, 5) if s == 5 else s, d - F(1, 5) if s == 5 else d, m) for s, d, m in GOOD]
    m = measures(off)
    assert 0.9 < m["on_grid"] < 1
    assert any("grid" in p for p in lofi_problems(m, THRESHOLDS))
    triplets = GOOD[:-1] + [(30 + F(k, 3), F(1, 3), C5) for k in range(3)] + [(31, 1, C5)]
    assert measures(triplets)["on_grid"] == 1.0


def test_the_models_own_contribution_against_the_corpus():
    """Weak-beat notes outside the chord, non-chord tones resolving by step and, with the corpus's histograms, the
    distance of the melody's intervals and chord degrees from them: a melody like the reference passes, one that
    jumps about outside the chords fails each."""
    from lofi_build.model import measures as mm

    line = [mm.Note(F(s), F(d), p) for s, d, p in GOOD if p is not None]
    reference = {"intervals": mm.interval_histogram(line), "chord_degrees": mm.chord_relative_histogram(line, TIMELINE)}
    m = lofi_measures(melody(GOOD), TIMELINE, bars=8, reference=reference)
    assert m["intervals"] == 0 and m["chord_degrees"] == 0 and m["weak_outside"] == 0
    assert lofi_problems(m, THRESHOLDS) == []
    wild = [(s, d, (m + 7 * i) % 24 + 60 + (1 if s % 1 else 0) if m else m) for i, (s, d, m) in enumerate(GOOD)]
    m = lofi_measures(melody(wild), TIMELINE, bars=8, reference=reference)
    problems = " ".join(lofi_problems(m, THRESHOLDS))
    assert m["intervals"] > THRESHOLDS["max_intervals_js"] and "melodic intervals" in problems
    assert m["chord_degrees"] > THRESHOLDS["max_degrees_js"] and "over the chord roots" in problems
    assert m["weak_outside"] > THRESHOLDS["max_weak_outside"] and "weak-beat notes outside" in problems


@pytest.mark.parametrize(
    "last, ok",
    [((30, 2, C5), True),  # a chord tone held to the loop point
     ((30, 1, C5), True),  # ends before the loop point: on a rest
     ((F(63, 2), F(1, 2), C5), False),  # an eighth at the loop point: not held a beat
     ((30, 2, 73), False),  # C#: not a tone of Cmaj9
     ((30, 4, C5), False)],  # cut by the loop point
)
def test_ending(last, ok):
    m = measures(GOOD[:-1] + [last])
    assert m["ending"] is ok
    assert any("last phrase" in p for p in lofi_problems(m, THRESHOLDS)) is not ok


def test_melody_from_notes():
    notes = [(0, 480, 60), (0, 240, 64), (960, 240, 67)]
    assert melody_from_notes(notes, 480) == [(0, 1, (60, 64)), (1, 1, ()), (2, F(1, 2), (67,))]
    assert lofi_measures([], TIMELINE, bars=8)["ending"] is False
