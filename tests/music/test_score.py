"""The score compiler: hand-computed ticks, the @tonejs/midi schema, songs with a form written out
(sections, first and second endings, the "sections" block), and every error with its place."""

import logging
import textwrap

import pytest

from lofi_build.errors import LofiError
from lofi_build.music import tonejson
from lofi_build.music.midi import midi_file
from lofi_build.music.score import MAX_NOTES, compile_text
from lofi_build.music.starter import starter_score
from support import ROOT


def compile_(src, **kw):
    return compile_text(textwrap.dedent(src), "song.yaml", **kw)


def errors_of(src, **kw):
    with pytest.raises(LofiError) as info:
        compile_(src, **kw)
    return [str(d) for d in info.value.diagnostics]


def notes(song, track=0):
    return [(n["ticks"], n["midi"], n["durationTicks"]) for n in song["tracks"][track]["notes"]]


def test_four_four_hand_computed():
    song = compile_("""
        title: Four
        bpm: 120
        parts:
          - name: lead
            instrument: piano
            notes:
              - {time: "0:0:0", note: C4, duration: 4n}
              - {time: "0:1:2", note: D4, duration: 8n}
              - {time: "1:3:2", note: E4, duration: "0:1:2"}
              - ["2:0:0", F#4, 8t]
              - ["2:0:0", [G4, Bb4], 4n.]
              - ["2:2:0", E-4, 1m, 0.3]
        """)
    assert notes(song) == [
        (0, 60, 480),
        (720, 62, 240),
        (3600, 64, 720),
        (3840, 66, 160),
        (3840, 67, 720),
        (3840, 70, 720),
        (4800, 63, 1920),
    ]
    n = song["tracks"][0]["notes"]
    assert n[1]["time"] == pytest.approx(0.75)  # 720 ticks at 120 bpm
    assert n[1]["duration"] == pytest.approx(0.25)
    assert n[2]["transport"] == "1:3:2"
    assert n[3]["name"] == "F#4"
    assert n[6]["name"] == "D#4" and n[6]["velocity"] == 0.3
    assert n[0]["velocity"] == 0.7
    assert song["lofi"]["loopBars"] == 4  # last note ends in bar 4 (4800 + 1920 = 6720 ticks)


def test_three_four_hand_computed():
    song = compile_("""
        title: Waltz
        bpm: 90
        time_signature: 3/4
        parts:
          - name: keys
            instrument: rhodes
            notes:
              - ["0:0:0", C4, 2n.]
              - ["1:0:0", D4, 1m]
              - ["1:2:2", E4, 1n]
              - ["2:0:0", F4, 4n]
        """)
    assert notes(song) == [(0, 60, 1440), (1440, 62, 1440), (1440 + 960 + 240, 64, 1440), (2880, 65, 480)]
    assert song["header"]["timeSignatures"] == [{"measures": 0, "ticks": 0, "timeSignature": [3, 4]}]
    assert song["lofi"]["timeSignature"] == [3, 4]
    assert song["lofi"]["loopBars"] == 3
    assert song["tracks"][0]["notes"][2]["transport"] == "1:2:2"


def test_six_eight_hand_computed():
    song = compile_("""
        title: Jig
        bpm: 100
        time_signature: 6/8
        parts:
          - name: keys
            instrument: guitar
            notes:
              - ["0:0:0", A3, 8n]
              - ["0:1:2", B3, 8n]
              - ["1:0:0", C4, 4n.]
              - ["1:1:2", D4, 4n.]
              - ["3:0:0", E4, 1m]
        """)
    # a 6/8 bar is 3 quarters = 1440 ticks; "1m" and "1n" are one such bar
    assert notes(song) == [(0, 57, 240), (720, 59, 240), (1440, 60, 720), (2160, 62, 720), (4320, 64, 1440)]
    assert song["lofi"]["loopBars"] == 4


def test_schema_is_tonejs_midi_tojson():
    song = compile_("""
        title: Schema
        bpm: 78
        key: F major
        swing: 0.2
        loop_bars: 8
        parts:
          - {name: keys, instrument: rhodes, notes: [["0:0:0", Fmaj7, 1m]]}
          - {name: kit, instrument: drums, notes: [["0:0:0", kick, 8n], ["0:1:0", snare, 8n]]}
        """)
    assert set(song) == {"header", "tracks", "lofi"}
    header = song["header"]
    assert header["ppq"] == 480 and header["name"] == "Schema"
    assert header["tempos"] == [{"bpm": 78, "ticks": 0}]
    assert header["keySignatures"] == [{"key": "F", "scale": "major", "ticks": 0}]
    assert header["meta"] == []
    keys, kit = song["tracks"]
    assert set(keys) == {"channel", "controlChanges", "instrument", "name", "notes", "pitchBends"}
    assert keys["instrument"] == {"family": "piano", "name": "electric piano 1", "number": 4}
    assert kit["channel"] == 9 and kit["instrument"]["family"] == "drums"
    assert [n["midi"] for n in kit["notes"]] == [36, 38]
    note = keys["notes"][0]
    assert set(note) == {"duration", "durationTicks", "midi", "name", "ticks", "time", "velocity", "transport"}
    assert isinstance(note["ticks"], int) and isinstance(note["durationTicks"], int)
    assert [n["name"] for n in keys["notes"]] == ["F3", "A3", "C4", "E4"]  # Fmaj7 voiced around middle C
    assert song["lofi"] == {
        "bpm": 78, "timeSignature": [4, 4], "loopBars": 8, "swing": 0.2, "swingSubdivision": "8n",
        "parts": [{"name": "keys", "instrument": "rhodes"}, {"name": "kit", "instrument": "drums"}],
    }


def test_swing_is_recorded_not_baked_into_ticks():
    song = compile_("""
        title: Swung
        bpm: 80
        swing: 0.5
        parts: [{name: a, instrument: piano, notes: [["0:0:2", C4, 8n]]}]
        """)
    assert song["tracks"][0]["notes"][0]["ticks"] == 240
    assert song["lofi"]["swing"] == 0.5 and song["lofi"]["swingSubdivision"] == "8n"


def test_swing_subdivision_16n_is_recorded_for_the_player():
    song = compile_("""
        title: Sixteenths
        bpm: 80
        swing: 0.3
        swing_subdivision: 16n
        parts: [{name: a, instrument: drums, notes: [["0:0:1", hat, 16n]]}]
        """)
    assert song["tracks"][0]["notes"][0]["ticks"] == 120
    assert song["lofi"]["swingSubdivision"] == "16n"


def test_notes_sorted_by_ticks_then_midi():
    song = compile_("""
        title: Order
        bpm: 80
        parts:
          - name: a
            instrument: piano
            notes:
              - ["1:0:0", C5, 4n]
              - ["0:0:0", E4, 4n]
              - ["0:0:0", C4, 4n]
        """)
    assert [(n["ticks"], n["midi"]) for n in song["tracks"][0]["notes"]] == [(0, 60), (0, 64), (1920, 72)]


@pytest.mark.parametrize(
    "symbol, names",
    [
        ("Fmaj7", ["F3", "A3", "C4", "E4"]),
        ("Dm9", ["D3", "F3", "A3", "C4", "E4"]),
        ("G7b9", ["G3", "B3", "D4", "F4", "G#4"]),
        ("Bbmaj7/F", ["F3", "A3", "A#3", "D4"]),
        ("Ebm7", ["D#3", "F#3", "A#3", "C#4"]),
        ("Cmaj9", ["C3", "E3", "G3", "B3", "D4"]),
    ],
)
def test_chord_symbols(symbol, names):
    song = compile_(f"""
        title: Chords
        bpm: 80
        parts: [{{name: a, instrument: piano, notes: [{{time: "0:0:0", chord: "{symbol}", duration: 1m}}]}}]
        """)
    assert [n["name"] for n in song["tracks"][0]["notes"]] == names


def test_compact_form_takes_chord_symbols_too():
    song = compile_("""
        title: Compact
        bpm: 80
        parts: [{name: a, instrument: piano, notes: [["0:0:0", Am7, 1m]]}]
        """)
    assert [n["name"] for n in song["tracks"][0]["notes"]] == ["A3", "C4", "E4", "G4"]


def test_loop_bars_rounds_up_to_a_bar():
    song = compile_("""
        title: Loop
        bpm: 80
        parts: [{name: a, instrument: piano, notes: [["2:3:3", C4, 16n]]}]
        """)
    assert song["lofi"]["loopBars"] == 3


# --- every error names its place --------------------------------------------------------------

BASE = """\
title: Broken
bpm: 80
parts:
  - name: a
    instrument: piano
    notes:
"""


@pytest.mark.parametrize(
    "note_line, needle, message",
    [
        ('      - {time: "0:0:x", note: C4, duration: 4n}', '"0:0:x"', "bad time: invalid time '0:0:x'"),
        ('      - {time: "0:0:0", note: H4, duration: 4n}', "H4", "unknown pitch 'H4'"),
        ('      - {time: "0:0:0", note: C4, duration: 4n, velocity: 1.5}', "1.5", "velocity must be a number from 0 to 1"),
        ('      - {time: "0:0:0", chord: Hmaj7, duration: 1m}', "Hmaj7", "unknown chord symbol 'Hmaj7'"),
        ('      - {time: "0:0:0", note: C4, duration: 5q}', "5q", "bad duration: invalid time '5q'"),
        ('      - {time: "0:0:0", note: C4, duration: "0:0:0"}', '"0:0:0"}', "duration '0:0:0' must be longer than zero"),
        ('      - {time: "0:0:0", note: C4}', "{", "note is missing 'duration'"),
        ('      - {note: C4, duration: 4n}', "{", "note is missing 'time'"),
        ('      - {time: "0:0:0", duration: 4n}', "{", "a note needs exactly one of 'note', 'notes' or 'chord'"),
        ('      - {time: "0:0:0", note: C4, chord: C, duration: 4n}', "{", "a note needs exactly one of"),
        ('      - ["0:0:0", C4]', "[", "a compact note is [time, pitch"),
        ('      - ["0:0:0", Q9, 4n]', "Q9", "unknown pitch or chord symbol 'Q9'"),
        ('      - ["0:0:0", B12, 4n]', "B12", "pitch 'B12' is outside the MIDI range 0..127"),
        ('      - ["0:0:0", Cb-1, 4n]', "Cb-1", "unknown pitch 'Cb-1'"),
        ('      - {time: "0:0:0", notes: [C4, X4], duration: 4n}', "X4", "unknown pitch 'X4'"),
        ('      - {time: "0:0:0", note: C10, duration: 4n}', "C10", "pitch 'C10' is outside the MIDI range"),
        ('      - {time: "+1:0:0", note: C4, duration: 4n}', '"+1', "bad time: '+1:0:0': times relative to 'now'"),
        ("      - 42", "42", "a note must be a mapping"),
    ],
)
def test_note_errors_are_located(note_line, needle, message):
    found = errors_of(BASE + note_line + "\n")
    assert len(found) == 1
    col = note_line.index(needle) + 1
    assert found[0].startswith(f"song.yaml:7:{col}: error: {message}"), found[0]


@pytest.mark.parametrize(
    "src, expected",
    [
        ("title: x\nbpm: 80\nparts: [\n", "song.yaml:4:1: error: invalid YAML"),
        ("bpm: 80\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:1:1: error: missing required key 'title'"),
        ("title: x\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:1:1: error: missing required key 'bpm'"),
        ("title: x\nbpm: 80\n", "song.yaml:1:1: error: missing required key 'parts'"),
        ("title: x\nbpm: 80\nparts: []\n", "song.yaml:3:8: error: 'parts' must be a non-empty list"),
        ("title: x\nbpm: 500\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:2:6: error: 'bpm' must be a number from 20 to 300"),
        ("title: x\nbpm: fast\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:2:6: error: 'bpm' must be a number"),
        ("title: x\nbpm: 80\ntime_signature: 4/5\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:17: error: time signature denominator"),
        ("title: x\nbpm: 80\nkey: F lydian\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:6: error: unknown key 'F lydian'"),
        ("title: x\nbpm: 80\nswing: 1.2\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:8: error: 'swing' must be a number from 0 to 1"),
        ("title: x\nbpm: 80\nswing_subdivision: 32n\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:20: error: 'swing_subdivision' must be one of '8n', '16n', not '32n'"),
        ("title: x\nbpm: 80\nswing_subdivision: 16\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:20: error: 'swing_subdivision' must be one of '8n', '16n', not 16"),
        ("title: x\nbpm: 80\nloop_bars: 0\nparts: [{name: a, instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:12: error: 'loop_bars' must be a whole number"),
        ("title: x\nbpm: 80\nparts: [{name: a, instrument: harp, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:31: error: unknown instrument 'harp'"),
        ("title: x\nbpm: 80\nparts: [{name: a, instrument: piano}]\n", "song.yaml:3:9: error: part 'a' needs 'notes'"),
        ("title: x\nbpm: 80\nparts: [{instrument: piano, notes: [[0, C4, 4n]]}]\n", "song.yaml:3:9: error: a part needs a 'name'"),
        ("title: x\nbpm: 80\nloop_bars: 1\nparts: [{name: a, instrument: piano, notes: [['1:0:0', C4, 4n]]}]\n", "song.yaml:4:46: error: note starts after the loop ends"),
        ("title: x\nbpm: 80\nparts: [{name: a, instrument: drums, notes: [['0:0:0', Cmaj7, 4n]]}]\n", "song.yaml:3:56: error: unknown pitch 'Cmaj7'"),
        ("- just\n- a list\n", "song.yaml:1:1: error: a score must be a mapping"),
        ("title: x\ntitle: y\n", "song.yaml:2:1: error: duplicate key 'title'"),
    ],
)
def test_score_errors_are_located(src, expected):
    found = errors_of(src)
    assert any(e.startswith(expected) for e in found), found


def test_all_errors_of_a_file_are_reported_together():
    bad = '      - {time: "0:0:x", note: H4, duration: 0n, velocity: 2}'
    found = errors_of(BASE + bad + '\n      - ["1:0:0", C4, 4n]\n      - ["1:0:0", Z4, 4n]\n')
    cols = [bad.index(x) + 1 for x in ('"0:0:x"', "H4", "0n", "2}")]
    assert [e.split(": error: ")[0] for e in found] == [f"song.yaml:7:{c}" for c in cols] + ["song.yaml:9:19"]


def test_unknown_keys_warn_and_fail_under_strict(caplog):
    src = BASE + '      - ["0:0:0", C4, 4n]\nmood: mellow\n'
    compile_(src)
    assert "song.yaml:8:1: warning: unknown score key 'mood'" in caplog.text
    assert errors_of(src, strict=True)[0].startswith("song.yaml:8:1: error: unknown score key 'mood'")


def test_compact_names_are_pitches_first_then_chords(caplog):
    """``G9`` is both a pitch and a chord: the compact form reads it as the pitch, and says so;
    ``Ab9`` is no MIDI pitch, so it is the chord."""
    song = compile_(BASE + '      - ["0:0:0", G9, 4n]\n      - ["1:0:0", A4, 4n]\n      - ["2:0:0", Ab9, 4n]\n')
    assert [n["midi"] for n in song["tracks"][0]["notes"]] == [127, 69, 56, 60, 63, 66, 70]
    assert "song.yaml:7:19: warning: 'G9' is read as the pitch G9 (MIDI 127); for the chord, write {chord: G9}" in caplog.text
    assert "A4" not in caplog.text  # an ordinary pitch is not warned about


def test_unquoted_transport_times_stay_strings():
    # YAML 1.1 would read 1:3:2 as the base-60 integer 3782
    song = compile_(BASE + "      - [1:3:2, C4, 8n]\n")
    assert song["tracks"][0]["notes"][0]["ticks"] == 1920 + 1440 + 240


def test_swing_subdivision_is_read_and_checked():
    src = "title: x\nbpm: 80\nswing: 0.5\nswing_subdivision: {}\nparts: [{{name: a, instrument: piano, notes: [[0, C4, 4n]]}}]\n"
    assert compile_(src.format("16n"))["lofi"]["swingSubdivision"] == "16n"
    assert compile_(src.format("8n"))["lofi"]["swingSubdivision"] == "8n"
    assert errors_of(src.format("4n")) == ["song.yaml:4:20: error: 'swing_subdivision' must be one of '8n', '16n', not '4n'"]


@pytest.mark.parametrize("text", ["雨の夜 ☔", "late night 🌧️☕", "ليلة ممطرة", "לילה גשום"])
def test_unicode_titles_and_part_names(text):
    song = compile_(f'title: "{text}"\nbpm: 80\nparts: [{{name: "{text}", instrument: piano, notes: [[0, C4, 4n]]}}]\n')
    assert song["header"]["name"] == text and song["tracks"][0]["name"] == text


# --- scores with a form: sections written out in form order, endings, the "sections" block ------

BAR_TICKS = 1920  # a 4/4 bar

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
        (0, 60, 480), (BAR_TICKS + 960, 62, 240), (2 * BAR_TICKS, 67, 960),
        (3 * BAR_TICKS, 60, 480), (4 * BAR_TICKS + 960, 62, 240), (5 * BAR_TICKS, 72, BAR_TICKS),
        (10 * BAR_TICKS + 1440, 64, 480),
        (11 * BAR_TICKS, 60, 480), (12 * BAR_TICKS + 960, 62, 240), (13 * BAR_TICKS, 72, BAR_TICKS),
    ]
    assert notes(song, 1) == [(0, 36, BAR_TICKS), (3 * BAR_TICKS, 36, BAR_TICKS), (6 * BAR_TICKS, 31, 480), (11 * BAR_TICKS, 36, BAR_TICKS), (14 * BAR_TICKS, 31, 480)]
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
    assert [n["ticks"] for n in song["tracks"][1]["notes"]] == [BAR_TICKS, BAR_TICKS + 960]
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
        "only its 'name' and 'instrument' (and 'comping' or 'bass' to play the chord lines)",
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
    """Both: the A-A-B-A written note by note, and written as chord lines (the keys and bass play them)."""
    blocks = (ROOT / "README.md").read_text(encoding="utf-8").split("```yaml\n")
    notes, lines = [b.split("```")[0] for b in blocks if "\nform: [" in b.split("```")[0]]
    for example in (notes, lines):
        song = compile_text(example, "README.md", strict=True)
        assert song["lofi"]["loopBars"] == 16
        assert [(s["name"], s["bar"], s.get("ending")) for s in song["lofi"]["sections"]] == [
            ("A", 0, 1), ("A", 4, 2), ("B", 8, None), ("A", 12, 2)]
    assert "chords" not in compile_text(notes, "README.md")["lofi"]
    song = compile_text(lines, "README.md")
    assert sum(c["durationTicks"] for c in song["lofi"]["chords"]) == 16 * 1920
    assert all(t["notes"] for t in song["tracks"]) and len(lines.splitlines()) <= 40
