"""The musician's measures on small hand-made melodies whose right answer a player sees at a glance."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from lofi_build.model import measures as m
from lofi_build.model.measures import Note, Piece, Ratio
from lofi_build.music.pitch import parse_pitch
from lofi_build.music.progression import make_chord, parse_progression


def mel(*notes, velocity=None):
    """Notes as (onset, duration, pitch name) in quarters."""
    return m.melody_line(Note(F(a), F(d), parse_pitch(p), velocity) for a, d, p in notes)


def chords(text: str, bars: int | None = None):
    return tuple(parse_progression(text).timeline(bars))


BAR = F(4)


def test_melody_line_keeps_the_top_note_and_cuts_overlaps():
    line = m.melody_line([Note(F(0), F(2), 60), Note(F(0), F(2), 64), Note(F(1), F(1), 62)])
    assert [(n.onset, n.duration, n.pitch) for n in line] == [(0, 1, 64), (1, 1, 62)]


def test_repeated_notes():
    assert m.repeated_notes(mel((0, 1, "C4"), (1, 1, "C4"), (2, 1, "D4"), (3, 1, "D4"))) == Ratio(2, 3)
    assert m.repeated_notes(mel((0, 1, "C4"))) == Ratio(0, 0)


def test_offbeat_and_triplet_onsets():
    line = mel((0, .5, "C4"), (.5, .5, "D4"), (1, .75, "E4"), (1.75, .25, "F4"))
    assert m.offbeat_onsets(line, BAR) == Ratio(2, 4)
    trip = mel((0, F(1, 3), "C4"), (F(1, 3), F(1, 3), "D4"), (F(2, 3), F(1, 3), "E4"), (1, 1, "F4"))
    assert m.triplet_onsets(trip, BAR) == Ratio(2, 4)
    assert m.offbeat_onsets(trip, BAR) == Ratio(2, 4)
    assert m.triplet_onsets(line, BAR) == Ratio(0, 4)  # 16ths and 8ths are not triplets


def test_straight_eighths_are_not_syncopated():
    line = mel(*[(k / 2, .5, "C4") for k in range(8)], (4, 1, "C4"))
    assert m.syncopated_onsets(line, chords("C | C"), BAR) == Ratio(0, 9)
    # ... until the line stops on an and: the rest on the next beat makes the last eighth a push
    assert m.syncopated_onsets(line[:-1], chords("C"), BAR) == Ratio(1, 8)


def test_an_offbeat_note_held_across_the_beat_is_syncopated():
    # 1, the and of 2 held over beat 3, beat 4: the push on the and of 2
    line = mel((0, 1.5, "C4"), (1.5, 1.5, "E4"), (3, 1, "G4"))
    assert m.syncopated_onsets(line, chords("C"), BAR) == Ratio(1, 3)


def test_an_anticipation_with_the_downbeat_left_silent_is_syncopated():
    # the and of 4 pushes the next bar's chord; nothing is struck on the downbeat
    line = mel((0, 2, "C4"), (3.5, .5, "D4"), (4.5, 1, "B3"))
    assert m.syncopated_onsets(line, chords("C | G"), BAR) == Ratio(2, 3)


def test_phrases_split_at_rests_of_a_beat():
    line = mel((0, 1, "C4"), (1.5, .5, "D4"), (4.5, 1, "E4"), (5.5, 1, "F4"))
    assert [len(p) for p in m.phrases(line)] == [2, 2]  # an eighth rest does not split, two and a half beats do
    assert m.phrase_starts_off_downbeat(line, BAR) == Ratio(1, 2)
    assert m.opens_on_the_one(line) == Ratio(1, 1)
    assert m.opens_on_the_one(mel((1, 1, "C4"))) == Ratio(0, 1)


def test_breathing_counts_the_4_bar_spans_where_a_rest_of_a_beat_starts():
    legato = mel(*((k, 1, "C4") for k in range(32)))  # 8 bars without a breath
    assert m.breathing(legato, BAR, 8) == Ratio(0, 2)
    sighs = mel(*((k, 1, "C4") for k in range(32) if k not in (14, 15)))  # a half rest in bar 4
    assert m.breathing(sighs, BAR, 8) == Ratio(1, 2)
    short = mel(*((k, 1, "C4") for k in range(30)))  # the last two beats silent: the second span breathes
    assert m.breathing(short, BAR, 8) == Ratio(1, 2) and m.breathing(short[4:], BAR, 8) == Ratio(2, 2)
    assert m.breathing(mel((0, 1.5, "C4"), (2, 2, "D4")), BAR, 1) == Ratio(0, 1)  # an eighth rest is no breath


def test_velocity_spread():
    assert m.velocity_spread(mel((0, 1, "C4"), (1, 1, "D4"), velocity=.62)) == 0
    loud_soft = (Note(F(0), F(1), 60, .5), Note(F(1), F(1), 62, .7))
    assert m.velocity_spread(loud_soft) == pytest.approx(.1)
    assert m.velocity_spread(mel((0, 1, "C4"), (1, 1, "D4"))) is None  # not written


# -- development -------------------------------------------------------------------------------------------

MOTIF = [(0, 1, "C4"), (1, 1, "D4"), (2, 2, "E4")]


def at_bar(k, notes, shift=0, pitches=None):
    names = pitches or [p for _, _, p in notes]
    return [(4 * k + a, d, m_name(parse_pitch(p) + shift)) for (a, d, _), p in zip(notes, names)]


def m_name(midi):
    from lofi_build.music.pitch import midi_name
    return midi_name(midi)


def test_bars_recur_exact_transposed_or_by_contour():
    other = [(0, 2, "A4"), (2, 1, "G4"), (3, 1, "B4")]
    line = mel(*at_bar(0, MOTIF), *at_bar(1, other), *at_bar(2, MOTIF), *at_bar(3, MOTIF, 2),
               *at_bar(4, MOTIF, pitches=["C4", "E4", "G4"]), *at_bar(5, [(0, 4, "C5")]),
               *at_bar(6, [(0, 1, "C4"), (1.5, 1, "D4"), (2.5, 1.5, "E4")]))
    assert m.recurrences(line, BAR, 7) == [None, None, "exact", "transposed", "contour", None, None]
    assert m.recurring_bars(line, BAR, 7) == Ratio(3, 5)  # bars 3..7 hold notes; 5 has one note, 7 a new rhythm
    assert m.recurring_bars(line, BAR, 7, ("exact",)) == Ratio(1, 5)


def test_empty_bars_are_not_judged_and_one_note_is_no_figure():
    line = mel(*at_bar(0, [(0, 4, "C4")]), *at_bar(2, [(0, 4, "C4")]), *at_bar(3, [(0, 4, "C4")]))
    assert m.recurring_bars(line, BAR, 5) == Ratio(0, 2)
    assert m.longest_motif(line, BAR, 5) == 0


def test_longest_motif_is_a_run_restated_bar_for_bar():
    other = [(0, 2, "A4"), (2, 1, "G4"), (3, 1, "B4")]
    line = mel(*at_bar(0, MOTIF), *at_bar(1, other), *at_bar(2, MOTIF, 5), *at_bar(3, other, 5))
    assert m.longest_motif(line, BAR, 4) == 2
    riff = mel(*[n for k in range(4) for n in at_bar(k, MOTIF)])
    assert m.longest_motif(riff, BAR, 4) == 2  # a one-bar riff four times: bars 1-2 come back as 3-4


# -- harmony -----------------------------------------------------------------------------------------------


def test_chord_facts():
    assert m.avoid_eleventh(make_chord("C")) == 5
    assert m.avoid_eleventh(make_chord("G13")) == 0  # music21 spells G13 with its C: still an avoid note
    assert 0 not in m.chord_tones(make_chord("G13")) and 0 in make_chord("G13").pcs
    assert m.avoid_eleventh(make_chord("C7sus4")) is None and m.avoid_eleventh(make_chord("Cm7")) is None
    assert m.avoid_eleventh(make_chord("C7#11")) == 5  # a #11 does not ask for the natural 11
    assert m.guide_tones(make_chord("G7")) == {11, 5}
    assert m.guide_tones(make_chord("Am7b5")) == {0, 7}
    assert m.guide_tones(make_chord("Bdim7")) == {2, 8}
    assert m.guide_tones(make_chord("C6")) == {4}
    assert m.guide_tones(make_chord("D7sus4")) == {7, 0}  # the 4th stands for the 3rd


def test_available_tones_by_quality():
    assert 8 in m.available_tones(make_chord("G7b9")) and 9 not in m.available_tones(make_chord("G7b9"))
    assert 4 in m.available_tones(make_chord("G13")) and 3 not in m.available_tones(make_chord("G13"))
    assert {1, 3, 8} <= m.available_tones(make_chord("G7"))  # an unspelled dominant takes the altered tensions
    assert 5 not in m.available_tones(make_chord("C")) and 2 in m.available_tones(make_chord("C"))
    assert 5 in m.available_tones(make_chord("Cm7")) and 1 not in m.available_tones(make_chord("Cm7"))
    assert 7 in m.available_tones(make_chord("Bm7b5"))  # b13 of the half-diminished


def test_natural_elevenths_on_strong_beats_or_held():
    c = chords("C | C | Csus4 | Cm")
    line = mel((0, 1, "F4"), (1, .5, "E4"), (1.5, .5, "F4"), (2, 1, "G4"),  # F on 1 counts, a passing F does not
               (5.5, 1, "F4"), (6.5, .5, "E4"), (7, 1, "F5"),  # F on the and of 2 held a beat counts, so does F on 4 held a beat
               (8, 2, "F4"), (12, 2, "F4"))  # over sus4 and minor: no avoid note
    assert m.natural_elevenths(line, c, BAR) == 3
    held_into = mel((1.5, 1, "F4"))  # struck on the and of 2, still sounding on beat 3
    assert m.natural_elevenths(held_into, c, BAR) == 1
    ends_at_three = mel((1.5, .5, "F4"), (2, 1, "E4"))
    assert m.natural_elevenths(ends_at_three, c, BAR) == 0
    assert m.natural_elevenths(mel((0, 2, "C5")), chords("G13"), BAR) == 1


def test_the_third_over_dominants():
    line = mel((0, 1, "B4"), (1, 1, "D5"), (2, 1, "F5"), (3, 1, "B4"), (4, 1, "E5"), (5, 1, "E5"))
    assert m.thirds_over_dominants(line, chords("G7 | Cmaj7")) == Ratio(2, 4)


def test_guide_tones_at_chord_changes():
    c = chords("Dm7 | G7 | Cmaj7 | Cmaj7 | G7")  # changes at bars 2, 3 and 5 (bar 4 repeats the chord)
    line = mel((2, 4, "F4"),  # F held into G7: its 7th
               (8, 2, "D4"),  # D struck on Cmaj7: its 9th
               (12, 2, "E4"))  # at G7 (bar 5) the melody rests: not judged
    assert m.Timeline(c).changes() == [4, 8, 16]
    assert m.guide_tones_at_changes(line, c) == Ratio(1, 2)


def test_weak_beat_outside_notes():
    line = mel((0, 1, "C#4"),  # strong beat: not judged
               (1, 1, "C#4"),  # weak, outside
               (1.5, .5, "D4"),  # weak, the 9th
               (3, 1, "F4"))  # weak, the avoid 11
    assert m.weak_beat_outside(line, chords("C"), BAR) == Ratio(2, 3)


def test_non_chord_tones_resolving_by_step():
    line = mel((0, 1, "D4"), (1, 1, "E4"),  # the 9th steps to the 3rd
               (2, 1, "F4"), (3, 1, "A4"),  # the 11th leaps away
               (8, 1, "D4"))  # after a long rest: the end of a phrase, not judged
    assert m.non_chord_tones_resolving(line, chords("C")) == Ratio(1, 2)


def test_chord_relative_histogram():
    h = m.chord_relative_histogram(mel((0, 1, "D4"), (1, 1, "F#4"), (2, 1, "A4"), (3, 1, "D5")), chords("D"))
    assert h.tolist() == [2, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0]


def test_degree_names():
    assert m.degree(make_chord("Cm7"), parse_pitch("Eb4")) == "b3"
    assert m.degree(make_chord("C7#9"), parse_pitch("D#4")) == "#9"
    assert m.degree(make_chord("Bdim7"), parse_pitch("Ab4")) == "bb7"
    assert m.degree(make_chord("C6"), parse_pitch("A4")) == "6"
    assert m.degree(make_chord("C13"), parse_pitch("A4")) == "13"
    assert m.degree(make_chord("Cmaj7#11"), parse_pitch("F#4")) == "#11"


# -- texture, form, distance -------------------------------------------------------------------------------


def test_melody_under_the_comping():
    comping = tuple(Note(F(0), F(3), p) for p in (60, 64, 67))  # C4 E4 G4, silent on beat 4
    line = mel((0, 1, "E4"), (1, 1, "G4"), (2, 1, "A4"), (3, 1, "C4"))
    assert m.under_comping(line, comping) == Ratio(2, 4)


def test_a_loop_restarting_mid_cycle():
    """Read off the chords played: a cycle cut short without leading back is a restart mid-cycle; whole cycles,
    a last bar turned round, a written turnaround or a cut that ends on the dominant of the top are not."""
    cycle = tuple(parse_progression("Am9 | Dm9 | G13 | Cmaj9").timeline())

    def cut(text, bars):
        return m.restarts_mid_cycle(tuple(parse_progression(text).timeline()), cycle, BAR, bars)

    whole = "Am9 | Dm9 | G13 | Cmaj9 | " * 7
    assert cut(whole + "Am9 | Dm9", 30) == 1  # the loop as it was: 7 cycles and half of one
    assert cut(whole + "Am9 | Dm9 | G13", 31) == 1
    assert cut(whole + "Fmaj7 | Bm7b5 E7b9", 30) == 0  # a written turnaround
    assert cut(whole.rstrip(" |"), 28) == 0 and cut(whole + "Am9 | Dm9 | G13 | Cmaj9 E7b9", 32) == 0
    assert cut(whole + "Am9 | Dm9 E7b9", 30) == 0  # cut short, but turned round into the top
    assert cut(whole + "Am9 | Fmaj7 | Bm7b5 E7b9", 31) == 0  # the start of a chorus, then a turnaround
    assert cut("Am9 E7b9", 1) == 0 and cut("Am9", 1) == 1
    tritone = tuple(parse_progression("Dm9 | G7 | Cmaj9 | Db7").timeline())
    assert m.restarts_mid_cycle(tuple(parse_progression("Dm9 | G7 | Cmaj9 | Db7 | Dm9 | G7").timeline()),
                                tritone, BAR, 6) == 1
    played = tuple(parse_progression("Dm9 | G7 | Cmaj9 | Db7 | Dm9 | G7 Eb7").timeline())
    assert m.restarts_mid_cycle(played, tritone, BAR, 6) == 0  # Eb7: the tritone substitute of the V of Dm9


def test_interval_histogram_stays_inside_phrases():
    h = m.interval_histogram(mel((0, 1, "C4"), (1, 1, "D4"), (2, 1, "C4"), (5, 1, "C6"), (6, 1, "C4")))
    assert h[m.WIDEST + 1 + 2] == 1 and h[m.WIDEST + 1 - 2] == 1
    assert h[0] == 1  # two octaves down: the wider-than-an-octave bin
    assert h.sum() == 3  # the leap into the second phrase is not an interval


def test_js_divergence():
    assert m.js_divergence([1, 2, 3], [2, 4, 6]) == 0
    assert m.js_divergence([1, 0], [0, 1]) == pytest.approx(1)
    assert m.js_divergence([3, 1], [1, 3]) == pytest.approx(m.js_divergence([1, 3], [3, 1]))
    assert 0 < m.js_divergence([3, 1], [1, 3]) < 1
    assert m.js_divergence([0, 0], [1, 1]) is None


def test_a_piece_measured_and_pooled():
    progression = parse_progression("C | G7")
    line = mel((0, 2, "E4"), (2, 2, "G4"), (4, 2, "B4"), (6, 2, "F4"), velocity=.6)
    piece = Piece(line, tuple(progression.timeline(3)), BAR, comping=(), loop_bars=3, cycle=tuple(progression.timeline()))
    one = m.measure(piece)
    assert one["mid_cycle"] == 1 and one["under_comping"] == Ratio(0, 4) and one["velocity_sd"] == 0
    assert one["third_dominant"] == Ratio(1, 2) and one["guide_tones"] == Ratio(1, 1)
    bare = m.measure(Piece(line, tuple(progression.timeline()), BAR))
    assert bare["under_comping"] is None and bare["mid_cycle"] is None
    assert m.pooled("repeated", [one["repeated"], Ratio(1, 1)]) == Ratio(1, 4)
    assert m.pooled("mid_cycle", [1, 0, 1]) == 2
    assert m.pooled("motif", [0, 2, 5]) == 2 and m.pooled("velocity_sd", [None, None]) is None
    ref = {k: one[k] + 1 for k in m.HISTOGRAMS}
    d = m.divergences([one, one], ref)
    assert set(d) == {"intervals", "intervals_each", "chord_degrees", "chord_degrees_each"}
    assert d["intervals"] == pytest.approx(m.js_divergence(2 * one["intervals"], ref["intervals"]))
    assert isinstance(one["intervals"], np.ndarray)
