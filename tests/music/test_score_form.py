"""Scores with a form: sections written out in form order with hand-computed ticks, the "sections"
block in "lofi", first and second endings, and every bad form as a located error."""

import logging
import textwrap

import pytest

from lofi_build.errors import LofiError
from lofi_build.music import tonejson
from lofi_build.music.midi import midi_file
from lofi_build.music.score import MAX_NOTES, compile_text
from lofi_build.music.starter import starter_score

BAR = 1920  # ticks in a 4/4 bar


def compile_(src, **kw):
    return compile_text(textwrap.dedent(src), "song.yaml", **kw)


def errors_of(src, **kw):
    with pytest.raises(LofiError) as info:
        compile_(src, **kw)
    return [str(d) for d in info.value.diagnostics]


def notes(song, track=0):
    return [(n["ticks"], n["midi"], n["durationTicks"]) for n in song["tracks"][track]["notes"]]


AABA = """
    title: Two Rooms
    bpm: 80
    parts:
      - {name: lead, instrument: piano}
      - {name: bass, instrument: bass}
    sections:
      A:
        bars: 2
        lead: [["0:0:0", C4, 4n], ["1:2:0", D4, 8n]]
        bass: [["0:0:0", C2, 1m]]
        endings:
          - {bars: 1, lead: [["0:0:0", G4, 2n]]}
          - {bars: 2, lead: [["0:0:0", C5, 1m]], bass: [["1:0:0", G1, 4n]]}
      B:
        bars: 4
        lead: [["3:3:0", E4, 4n]]
    form: [A, A, B, A]
    """


def test_aaba_with_first_and_second_endings_hand_computed():
    song = compile_(AABA)
    # A pass 1: bars 0-1 and the 1st ending (bar 2); pass 2: bars 3-4 and the 2nd ending (bars 5-6);
    # B: bars 7-10; A pass 3: bars 11-12 and (as the last ending serves later passes) the 2nd, bars 13-14.
    assert notes(song, 0) == [
        (0, 60, 480), (BAR + 960, 62, 240), (2 * BAR, 67, 960),
        (3 * BAR, 60, 480), (4 * BAR + 960, 62, 240), (5 * BAR, 72, BAR),
        (10 * BAR + 1440, 64, 480),
        (11 * BAR, 60, 480), (12 * BAR + 960, 62, 240), (13 * BAR, 72, BAR),
    ]
    assert notes(song, 1) == [(0, 36, BAR), (3 * BAR, 36, BAR), (6 * BAR, 31, 480), (11 * BAR, 36, BAR), (14 * BAR, 31, 480)]
    assert song["lofi"]["sections"] == [
        {"name": "A", "bar": 0, "bars": 3, "pass": 1, "ending": 1},
        {"name": "A", "bar": 3, "bars": 4, "pass": 2, "ending": 2},
        {"name": "B", "bar": 7, "bars": 4, "pass": 1},
        {"name": "A", "bar": 11, "bars": 4, "pass": 3, "ending": 2},
    ]
    assert song["lofi"]["loopBars"] == 15  # the whole form loops
    assert song["tracks"][0]["notes"][-1]["transport"] == "13:0:0"
    assert song["lofi"]["parts"] == [{"name": "lead", "instrument": "piano"}, {"name": "bass", "instrument": "bass"}]
    assert tonejson.problems(song) == []


def test_sections_in_three_four_and_six_eight_start_on_their_bar_lines():
    src = """
        title: Meter
        bpm: 90
        time_signature: {meter}
        parts: [{{name: a, instrument: guitar}}]
        sections:
          intro: {{bars: 1, a: [["0:1:0", A3, 8n]]}}
          A: {{bars: 2, a: [["1:0:2", C4, 8n]]}}
        form: [intro, A, A]
        """
    waltz = compile_(src.format(meter="3/4"))  # a bar is 1440 ticks
    assert notes(waltz) == [(480, 57, 240), (1440 + 1440 + 240, 60, 240), (3 * 1440 + 1440 + 240, 60, 240)]
    assert [s["bar"] for s in waltz["lofi"]["sections"]] == [0, 1, 3]
    assert waltz["lofi"]["loopBars"] == 5
    jig = compile_(src.format(meter="6/8"))  # also 1440 ticks: three quarters
    assert notes(jig) == notes(waltz)


def test_the_form_is_the_loop_unless_loop_bars_says_longer():
    src = """
        title: Tail
        bpm: 80
        {loop}
        parts: [{{name: a, instrument: piano}}]
        sections:
          A: {{bars: 4, a: [["0:0:0", C4, 4n]]}}
          rest: {{bars: 2}}
        form: [A, rest]
        """
    assert compile_(src.format(loop=""))["lofi"]["loopBars"] == 6  # the silent bars count
    assert compile_(src.format(loop="loop_bars: 8"))["lofi"]["loopBars"] == 8
    assert errors_of(src.format(loop="loop_bars: 5")) == [
        "song.yaml:4:12: error: 'loop_bars' (5) is shorter than the form (6 bars): the form would never finish"]


def test_a_part_a_section_leaves_out_is_silent_there():
    song = compile_("""
        title: Drop
        bpm: 80
        parts:
          - {name: keys, instrument: rhodes}
          - {name: kit, instrument: drums}
        sections:
          intro: {bars: 1, keys: [["0:0:0", Fmaj7, 1m]]}
          groove: {bars: 1, keys: [["0:0:0", Fmaj7, 1m]], kit: [["0:0:0", kick, 8n], ["0:2:0", snare, 8n]]}
        form: [intro, groove]
        """)
    assert [n["ticks"] for n in song["tracks"][1]["notes"]] == [BAR, BAR + 960]
    assert song["tracks"][1]["channel"] == 9


def test_a_form_song_exports_to_midi_with_every_pass():
    song = compile_(AABA)
    mid = midi_file(song)
    ons = [m for m in mid.tracks[1] if m.type == "note_on" and m.velocity > 0]
    assert len(ons) == len(song["tracks"][0]["notes"]) == 10


def test_the_starter_has_a_form_and_compiles_strictly(caplog):
    with caplog.at_level(logging.WARNING):
        song = compile_text(starter_score("Rainy Window", "content/songs/rainy-window.yaml"), "s.yaml", strict=True)
    assert caplog.text == ""
    names = [s["name"] for s in song["lofi"]["sections"]]
    assert names == ["intro", "A", "A", "B", "A", "outro"]
    assert [s.get("ending") for s in song["lofi"]["sections"] if s["name"] == "A"] == [1, 2, 2]
    assert song["lofi"]["loopBars"] == sum(s["bars"] for s in song["lofi"]["sections"])
    assert tonejson.problems(song) == []


def test_problems_sees_sections_that_do_not_lie_end_to_end():
    song = compile_(AABA)
    song["lofi"]["sections"][2]["bar"] = 8
    assert tonejson.problems(song) == ["lofi.sections: 'B' does not start at bar 7 with whole bars"]
    song = compile_(AABA)
    song["lofi"]["loopBars"] = 14
    assert tonejson.problems(song) == ["lofi.sections run past loopBars"]


# --- every bad form names its place ------------------------------------------------------------

HEAD = "title: x\nbpm: 80\nparts: [{name: a, instrument: piano}]\n"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("sections: {A: {bars: 1}}\nform: [A, B]\n", "song.yaml:5:11: error: unknown section 'B' (the sections are: A)"),
        ("sections: {A: {bars: 1}}\nform: []\n", "song.yaml:5:7: error: 'form' must be a non-empty list of section names"),
        ("sections: {A: {bars: 1}}\nform: A\n", "song.yaml:5:7: error: 'form' must be a non-empty list of section names"),
        ("sections: {A: {bars: 1}}\nform: [A, {repeat: A}]\n", "song.yaml:5:11: error: a form item must be a section's name, not {'repeat': 'A'}"),
        ("sections: {A: {bars: 1}}\n", "song.yaml:4:1: error: a score with 'sections' needs a 'form'"),
        ("form: [A]\n", "song.yaml:4:1: error: a score with a 'form' needs 'sections'"),
        ("sections: []\nform: [A]\n", "song.yaml:4:11: error: 'sections' must be a mapping of named sections"),
        ("sections: {A: [C4]}\nform: [A]\n", "song.yaml:4:15: error: section 'A' must be a mapping with 'bars'"),
        ("sections: {A: {a: []}}\nform: [A]\n", "song.yaml:4:15: error: section 'A' needs 'bars': its length in whole bars"),
        ("sections: {A: {bars: 2.5}}\nform: [A]\n", "song.yaml:4:22: error: section 'A': 'bars' must be a whole number of bars from 1 to 4096 (sections start on bar lines), not 2.5"),
        ("sections: {A: {bars: 0}}\nform: [A]\n", "song.yaml:4:22: error: section 'A': 'bars' must be a whole number of bars"),
        ("sections: {A: {bars: '4m'}}\nform: [A]\n", "song.yaml:4:22: error: section 'A': 'bars' must be a whole number of bars"),
        ("sections: {A: {bars: 1, a: [['1:0:0', C4, 4n]]}}\nform: [A]\n", "song.yaml:4:29: error: note starts after section 'A' ends (bars: 1; its times count from its own start)"),
        ("sections: {A: {bars: 1, a: [['0:4:0', C4, 4n]]}}\nform: [A]\n", "song.yaml:4:29: error: note starts after section 'A' ends"),
        ("sections: {A: {bars: 1, b: [['0:0:0', C4, 4n]]}}\nform: [A]\n", "song.yaml:4:25: error: section 'A' has notes for 'b', a part the score does not declare (its parts: a)"),
        ("sections: {A: {bars: 1, a: C4}}\nform: [A]\n", "song.yaml:4:28: error: the notes of 'a' in section 'A' must be a list of notes"),
        ("sections: {A: {bars: 1, a: [['0:0:0', H4, 4n]]}}\nform: [A]\n", "song.yaml:4:39: error: unknown pitch or chord symbol 'H4'"),
        ("sections: {A: {bars: 1, endings: []}}\nform: [A]\n", "song.yaml:4:34: error: the 'endings' of section 'A' must be a list of endings"),
        ("sections: {A: {bars: 1, endings: [C4]}}\nform: [A]\n", "song.yaml:4:35: error: ending 1 of section 'A' must be a mapping"),
        ("sections: {A: {bars: 1, endings: [{a: []}]}}\nform: [A]\n", "song.yaml:4:35: error: ending 1 of section 'A' needs 'bars'"),
        ("sections: {A: {bars: 1, endings: [{bars: 1, a: [['1:0:0', C4, 4n]]}]}}\nform: [A]\n",
         "song.yaml:4:49: error: note starts after ending 1 of section 'A' ends (bars: 1; its times count from its own start)"),
        ("sections: {A: {bars: 1, endings: [{bars: 1}, {bars: 1}]}}\nform: [A]\n",
         "song.yaml:4:46: error: section 'A' has 2 endings but the form plays it 1 time: ending 2 is never played"),
        ("sections: {A: {bars: 3000}}\nform: [A, A]\n", "song.yaml:5:7: error: the form plays 6000 bars; a song may be at most 4096 bars long"),
        ("sections: {7: {bars: 1}}\nform: [A]\n", "song.yaml:4:12: error: a section's name must be text like A or intro, not 7"),
    ],
)
def test_form_errors_are_located(body, expected):
    found = errors_of(HEAD + body)
    assert any(e.startswith(expected) for e in found), found


def test_parts_of_a_form_song_declare_no_notes_and_no_section_key_names():
    found = errors_of("title: x\nbpm: 80\nparts:\n  - {name: a, instrument: piano, notes: [[0, C4, 4n]]}\n"
                      "  - {name: bars, instrument: bass}\nsections: {A: {bars: 1}}\nform: [A]\n")
    assert found == [
        "song.yaml:4:34: error: part 'a' has its notes in the sections: in a score with a form a part names "
        "only its 'name' and 'instrument'",
        "song.yaml:5:12: error: a part cannot be called 'bars' in a score with a form (a section's 'bars' is its own key)",
    ]


def test_every_error_of_a_form_is_reported_at_once():
    found = errors_of("""\
        title: x
        bpm: 80
        parts: [{name: a, instrument: piano}]
        sections:
          A: {bars: 1, a: [["2:0:0", C4, 4n]]}
          B: {a: [["0:0:0", C4, 4n]]}
          C: {bars: 1, drums: [["0:0:0", kick, 4n]]}
        form: [A, B, C, D]
        """)
    assert [e.split(": error: ")[0] for e in found] == ["song.yaml:5:20", "song.yaml:6:6", "song.yaml:7:16", "song.yaml:8:17"]


def test_an_unused_section_warns_and_fails_under_strict(caplog):
    src = HEAD + "sections:\n  A: {bars: 1, a: [['0:0:0', C4, 4n]]}\n  bridge: {bars: 1}\nform: [A, A]\n"
    assert compile_(src)["lofi"]["loopBars"] == 2
    assert "song.yaml:6:3: warning: section 'bridge' is never played: the form does not name it" in caplog.text
    assert errors_of(src, strict=True) == ["song.yaml:6:3: error: section 'bridge' is never played: the form does not name it"]


def test_a_form_may_not_write_out_more_notes_than_a_song_holds():
    chord = "[" + ", ".join(f"{p}{o}" for o in (3, 4, 5) for p in "CDEFGAB") + "]"  # 21 pitches
    per_pass = 20 * 21
    passes = MAX_NOTES // per_pass + 1
    src = (HEAD + "sections:\n  A:\n    bars: 1\n    a:\n"
           + "".join(f"      - ['0:0:{i / 10}', {chord}, 16n]\n" for i in range(20))
           + f"form: [{', '.join(['A'] * passes)}]\n")
    assert errors_of(src) == [f"song.yaml:{src.count(chr(10))}:7: error: the form plays {passes * per_pass:,} notes; "
                              f"a song may have at most {MAX_NOTES:,}"]


def test_the_readmes_form_example_compiles_as_it_says():
    from support import ROOT

    blocks = (ROOT / "README.md").read_text(encoding="utf-8").split("```yaml\n")
    (example,) = [b.split("```")[0] for b in blocks if "\nform: [" in b.split("```")[0]]
    song = compile_text(example, "README.md", strict=True)
    assert song["lofi"]["loopBars"] == 16
    assert [(s["name"], s["bar"], s.get("ending")) for s in song["lofi"]["sections"]] == [
        ("A", 0, 1), ("A", 4, 2), ("B", 8, None), ("A", 12, 2)]
