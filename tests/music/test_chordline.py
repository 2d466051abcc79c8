"""Chord lines in scores: parts written as a chord line and a style, played by the AI solos' accompaniment, the
harmony in the piece's "lofi" block, and the errors a bad chord line or style gives at its line and column."""

from __future__ import annotations

from fractions import Fraction

import pytest

from test_score import compile_, errors_of
from lofi_build.model.pieces import song_piece
from lofi_build.model import measures
from lofi_build.music import tonejson
from lofi_build.music.accompany import BASS_HIGH, BASS_LOW, accompany
from lofi_build.music.progression import parse_progression

TWO_ROOMS = """\
title: Two Rooms
bpm: 80
key: D major
parts:
  - {name: keys, instrument: rhodes, comping: pushed}
  - {name: bass, instrument: bass, bass: walking}
  - {name: lead, instrument: vibraphone}
sections:
  A:
    chords: "Em9 | A13 | F#m7 B7b9"
    lead: [["0:1:0", B4, 8n], ["0:1:2", D5, 8n], ["0:2:0", F#5, 4n.], ["1:0:2", E5, 8n], ["1:1:0", C#5, 2n],
           ["2:0:0", A4, 2n], ["2:2:0", D#5, 2n]]
    endings:
      - {chords: "Em7 A7", lead: [["0:0:0", G5, 2n], ["0:2:0", C#5, 2n]]}
      - {chords: "Dmaj9", lead: [["0:0:0", F#5, 1m]]}
  B:
    chords: "Gmaj9 | F#m7 | Em9 | A13"
    style: {keys: held, bass: two-feel}
    lead: [["0:0:0", B5, 4n.], ["0:1:2", A5, 8n], ["0:2:0", F#5, 2n], ["2:0:0", G5, 1m], ["3:0:0", E5, 1m]]
form: [A, A, B, A]
"""


def track(song, name):
    return next(t for t in song["tracks"] if t["name"] == name)


def test_a_sixteen_bar_aaba_with_keys_and_bass_from_chord_lines():
    song = compile_(TWO_ROOMS)
    assert not tonejson.problems(song)
    assert len(TWO_ROOMS.splitlines()) <= 40 and song["lofi"]["loopBars"] == 16
    chords = song["lofi"]["chords"]
    assert [c["symbol"] for c in chords[:6]] == ["Em9", "A13", "F#m7", "B7b9", "Em7", "A7"]  # A, first ending
    assert [c["symbol"] for c in chords[6:10]] == ["Em9", "A13", "F#m7", "B7b9"]  # A again, then its 2nd ending
    assert chords[10] == {"ticks": 7 * 1920, "durationTicks": 1920, "symbol": "Dmaj9"}
    assert sum(c["durationTicks"] for c in chords) == 16 * 1920
    keys, bass = track(song, "keys")["notes"], track(song, "bass")["notes"]
    assert keys and bass and all(BASS_LOW <= n["midi"] <= BASS_HIGH for n in bass)
    # The bass starts every chord on its root; walking in A (quarters), two-feel in B (halves).
    spans = song_piece(song).timeline
    starts = {n["ticks"]: n["midi"] for n in bass}
    assert all(starts[int(s.start * 480)] % 12 == s.chord.bass for s in spans)
    assert [n["ticks"] for n in bass if 1920 <= n["ticks"] < 2 * 1920] == [1920 + 480 * k for k in range(4)]
    assert [n["ticks"] % 1920 for n in bass if 9 * 1920 <= n["ticks"] < 10 * 1920] == [0, 960]
    # B's keys hold each chord (one stroke a chord), A's are comped.
    b_strokes = sorted({n["ticks"] for n in keys if 8 * 1920 <= n["ticks"] < 12 * 1920})
    assert b_strokes == [8 * 1920, 9 * 1920, 10 * 1920, 11 * 1920]
    # The comping goes under the lead.
    piece = song_piece(song)
    assert measures.under_comping(piece.melody, piece.comping).hits == 0


def test_the_chord_lines_play_what_accompany_plays_over_the_whole_song():
    """The song's keys are accompany() over the written-out chord timeline, with the lead as its melody."""
    song = compile_(TWO_ROOMS.replace("    style: {keys: held, bass: two-feel}\n", ""))
    spans = song_piece(song).timeline
    lead = [(n["ticks"], n["durationTicks"], n["midi"]) for n in track(song, "lead")["notes"]]
    comping, _ = accompany(spans, bars=16, seed=0, ppq=480, melody=lead, comping="pushed")
    assert [(n["ticks"], n["durationTicks"], n["midi"]) for n in track(song, "keys")["notes"]] == \
        sorted((t, d, m) for t, d, m, _ in comping)
    other = compile_(TWO_ROOMS.replace("key: D major", "key: D major\nseed: 5"))
    assert track(other, "keys")["notes"] != track(song, "keys")["notes"]  # another take


def test_a_flat_score_with_a_chord_line():
    song = compile_("""\
        title: Loop
        bpm: 72
        time_signature: 3/4
        chords: "Dm9 | G13 | Cmaj9 A7b9"
        parts:
          - {name: piano, instrument: piano, comping: ballad, bass: roots}
          - {name: lead, instrument: vibraphone, notes: [["0:0:0", A5, 2n.], ["2:1:0", E5, 4n]]}
        """)
    assert song["lofi"]["loopBars"] == 3 and [c["durationTicks"] for c in song["lofi"]["chords"]] == [1440, 1440, 720, 720]
    piano = track(song, "piano")["notes"]
    assert min(n["midi"] for n in piano) < 48 < max(n["midi"] for n in piano)  # bass and comping in one part
    assert max(n["ticks"] + n["durationTicks"] for n in piano) <= 3 * 1440


def test_a_chord_line_alone_is_the_harmony_of_hand_voiced_parts():
    """Songs voiced by hand give their chords as data: the piece lists them, no note is added."""
    src = "title: x\nbpm: 80\nchords: 'Am9 | Dm9'\nparts: [{name: a, instrument: piano, notes: [[0, C4, 1m]]}]\n"
    song = compile_(src)
    assert [c["symbol"] for c in song["lofi"]["chords"]] == ["Am9", "Dm9"] and len(song["tracks"][0]["notes"]) == 1
    assert song["lofi"]["loopBars"] == 2
    assert "chords" not in compile_(src.replace("chords: 'Am9 | Dm9'\n", ""))["lofi"]


@pytest.mark.parametrize("body, expected", [
    ("parts: [{name: a, instrument: piano, comping: held}]\nchords: 'Dm9 | Q7'\n",
     "song.yaml:4:9: error: bad chord line in the score: bar 2: unknown chord symbol 'Q7'"),
    ("parts: [{name: a, instrument: piano, comping: held}]\nchords: 7\n",
     "song.yaml:4:9: error: the chord line of the score must be text like 'Dm9 G13 | Cmaj9', not 7"),
    ("parts: [{name: a, instrument: piano, comping: held}]\n",
     "song.yaml:3:47: error: part 'a' plays the chord line's comping, but the score has no chord line: write one "
     "with 'chords'"),
    ("parts: [{name: a, instrument: piano, bass: boogie}]\nchords: Dm9\n",
     "song.yaml:3:44: error: unknown bass style 'boogie' (the bass styles: lofi, roots, two-feel, walking)"),
    ("parts: [{name: a, instrument: piano}]\nchords: Dm9\n",
     "song.yaml:3:9: error: part 'a' needs 'notes' (a non-empty list), or a style to play the chord line in "
     "('comping' or 'bass')"),
    ("parts: [{name: a, instrument: piano, comping: held}]\nsections: {A: {bars: 2, chords: 'Dm9 | G7 | C'}}\n"
     "form: [A]\n", "song.yaml:4:33: error: the chord line of section 'A' is 3 bars long, but section 'A' is 2"),
    ("parts: [{name: a, instrument: piano, comping: held}]\nsections: {A: {chords: 'Dm9', style: {a: lofi}}}\n"
     "form: [A]\n", "song.yaml:4:42: error: unknown comping style 'lofi' (the comping styles: pushed, held, ballad, "
     "bossa)"),
    ("parts: [{name: a, instrument: piano, comping: held}, {name: b, instrument: piano}]\n"
     "sections: {A: {chords: 'Dm9', style: {b: held}}}\nform: [A]\n",
     "song.yaml:4:39: error: the 'style' of section 'A' names 'b', which is not a part that plays the chord lines "
     "('comping' or 'bass')"),
    ("parts: [{name: a, instrument: piano, comping: held, bass: roots}]\n"
     "sections: {A: {chords: 'Dm9', style: {a: held}}}\nform: [A]\n",
     "song.yaml:4:42: error: part 'a' plays the chord lines' comping and bass: give its styles as "
     "{comping: STYLE, bass: STYLE}"),
    ("parts: [{name: a, instrument: piano, comping: held}]\nchords: Dm9\nsections: {A: {chords: Dm9}}\nform: [A]\n",
     "song.yaml:4:1: error: a score with a form writes its chord lines in its sections ('chords' in a section or "
     "an ending)"),
    ("parts: [{name: chords, instrument: piano}]\nsections: {A: {bars: 1}}\nform: [A]\n",
     "song.yaml:3:16: error: a part cannot be called 'chords' in a score with a form"),
])
def test_bad_chord_lines_and_styles_are_located(body, expected):
    found = errors_of("title: x\nbpm: 80\n" + body)
    assert any(e.startswith(expected) for e in found), found


def test_an_ending_may_have_its_own_chord_line_and_a_section_its_bars_from_it():
    song = compile_("""\
        title: x
        bpm: 80
        parts: [{name: k, instrument: rhodes, comping: held}]
        sections:
          A: {chords: "Dm9 | G13", endings: [{chords: "Em7 A7b9"}, {bars: 1}]}
        form: [A, A]
        """)
    assert [(c["ticks"] // 1920, c["symbol"]) for c in song["lofi"]["chords"]] == [
        (0, "Dm9"), (1, "G13"), (2, "Em7"), (2, "A7b9"), (3, "Dm9"), (4, "G13")]
    assert song["lofi"]["loopBars"] == 6  # the second ending is a bar without chords: the keys rest there
    assert max(n["ticks"] + n["durationTicks"] for n in song["tracks"][0]["notes"]) <= 5 * 1920


def test_song_pieces_read_their_chords_for_the_measures():
    piece = song_piece(compile_(TWO_ROOMS))
    assert piece.timeline[0].start == 0 and piece.timeline[-1].end == Fraction(64)
    assert piece.cycle is None and measures.measure(piece)["mid_cycle"] is None
    assert [s.chord.symbol for s in piece.timeline[:2]] == [s.chord.symbol
                                                            for s in parse_progression("Em9 | A13").timeline()]
