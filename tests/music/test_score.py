"""The score compiler: hand-computed ticks, the @tonejs/midi schema, and every error with its place."""

import textwrap

import pytest

from lofi_build.errors import LofiError
from lofi_build.music.score import compile_text


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
