"""A solo's form (lofi_build/music/form.py): whole cycles in the loop and a turnaround into the top, for any
progression length and loop; and site_src/js/ai/form.js in Chromium, chord for chord the same."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lofi_build.model import measures
from lofi_build.music import form
from lofi_build.music.chord_table import chord_table
from lofi_build.music.form import leads_back, loop_progression
from lofi_build.music.progression import make_chord, parse_progression

BAR = Fraction(4)
VAMP = ["Am9", "Dm9", "G13", "Cmaj9", "Fmaj7", "Bm7b5 E7b9", "Em7", "A7b13", "Dm7", "G7sus4", "C6/9",
        "Ebmaj7#11", "Ab13", "Db9", "Gb7alt", "F#m11"]


def progression(bars: int, start: int = 0):
    return parse_progression(" | ".join(VAMP[(start + i) % len(VAMP)] for i in range(bars)))


def test_thirty_bars_of_four_are_seven_choruses_and_a_two_bar_turnaround():
    loop = loop_progression(parse_progression("Am9 | Dm9 | G13 | Cmaj9"), 30)
    assert len(loop.bars) == 30
    assert loop.text.endswith("Am9 | Dm9 | G13 | Cmaj9 | Fmaj7 | Bm7b5 E7b9")  # bVI, then ii-V into Am9
    major = loop_progression(parse_progression("Cmaj9 | Am9 | Dm9 | G13"), 31)  # G13 leads back, but 3 bars remain
    assert major.text.endswith("Dm9 | G13 | Cmaj9 | Em7 A7b9 | Dm9 G9")  # iii VI | ii V into C


def test_whole_cycles_turn_their_last_bar_round_unless_it_leads_back():
    assert loop_progression(parse_progression("Am9 | Dm9 | G13 | Cmaj9"), 8).text.endswith("G13 | Cmaj9 E7b9")
    own = parse_progression("Dm9 G13 | Cmaj9 | Cmaj9 A7b13")  # A7b13 is the V of Dm9 already
    assert loop_progression(own, 30).text == " | ".join([own.text] * 10)
    assert loop_progression(parse_progression("Dm9"), 1).text == "Dm9 A7b9"  # a one-chord vamp
    assert loop_progression(parse_progression("Gmaj9 | Em11 | Am9 | D13"), 1).text == "Gmaj9 D9"
    assert loop_progression(parse_progression("Gmaj9 | Em11 | Am9 | D13"), 2).text == "Gmaj9 | Am9 D9"
    # Shorter than its progression: the cycle's first bars, then the two bars into the top.
    assert loop_progression(progression(8), 7).text == "Am9 | Dm9 | G13 | Cmaj9 | Fmaj7 | Fmaj7 | Bm7b5 E7b9"


def test_what_leads_back():
    top = make_chord("Cmaj9")
    assert leads_back(make_chord("G13"), top) and leads_back(make_chord("G7sus4"), top)
    assert leads_back(make_chord("Db7"), top) and leads_back(make_chord("Bdim7"), top)
    assert not leads_back(make_chord("G"), top) and not leads_back(make_chord("Fmaj7"), top)
    assert not leads_back(make_chord("D7"), top)


@pytest.mark.parametrize("cycle", range(1, 17))
def test_no_loop_restarts_mid_cycle_for_any_progression_and_length(cycle):
    for start in (0, 5):
        prog = progression(cycle, start)
        for bars in list(range(1, 41)) + [64, 100, 255, 256]:
            loop = loop_progression(prog, bars)
            assert len(loop.bars) == bars
            played = tuple(loop.timeline())
            assert measures.restarts_mid_cycle(played, tuple(prog.timeline()), BAR, bars) == 0, (cycle, bars)
            whole = bars // cycle * cycle
            assert loop.bars[:min(whole, bars - 2)] == tuple(prog.bars[i % cycle] for i in range(min(whole, bars - 2)))
            assert leads_back(loop.bars[-1][-1], prog.bars[0][0])  # the loop point resolves a dominant


def test_the_old_loop_cut_its_cycle():
    """The measure the test above relies on tells the two apart: the progression repeated until the loop ends."""
    prog = progression(4)
    assert measures.restarts_mid_cycle(tuple(prog.timeline(30)), tuple(prog.timeline()), BAR, 30) == 1


@pytest.mark.browser
def test_js_form_is_pythons(repo_page):
    cases = [(progression(cycle, start).text, bars) for cycle in range(1, 17) for start in (0, 7)
             for bars in (1, 2, 3, 4, 5, 7, 8, 16, 30, 31, 33)]
    got = repo_page.evaluate("""async ([table, tables, cases]) => {
        const p = await import("/site_src/js/ai/progression.js");
        p.useChordTable(table);
        const f = await import("/site_src/js/ai/form.js");
        return cases.map(([text, bars]) => f.loopProgression(p.parseProgression(text), bars, tables).text);
    }""", [chord_table(), form.tables(), cases])
    assert got == [loop_progression(parse_progression(text), bars).text for text, bars in cases]
