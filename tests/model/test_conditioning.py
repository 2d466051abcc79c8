"""The lofi encoding: the article's tokens (notes named with sharps) with the chord under every onset and
its metrical position; chords from chord symbols, chordify and comping parts; transposition; tokens --chords."""

from __future__ import annotations

import random
import shutil
from fractions import Fraction

import pytest

from lofi_build.errors import ContentError
from lofi_build.model.corpus import music21_corpus_root
from lofi_build.music import tokens
from support import ROOT, run_cli, write_midi


def test_metrical_positions_are_twelfths_of_a_quarter():
    assert [tokens.metrical_position(Fraction(q)) for q in ("0", "1/4", "1/3", "3/2", "11/3", "15/4")] == \
        [0, 3, 4, 18, 44, 45]
    assert tokens.metrical_position(Fraction(1, 8)) == tokens.OFF_GRID == 48  # a 32nd: off the grid
    assert tokens.metrical_position(Fraction(4)) == tokens.OFF_GRID  # past a 4/4 bar


def test_a_lead_sheet_gives_its_chord_symbols_and_positions():
    parts = tokens.encode_file_steps(ROOT / "content" / "leadsheets" / "avalon.mxl")
    assert len(parts) == 1
    steps = parts[0]
    assert [(s.token, s.position, tokens.chord_text(s.chord)) for s in steps[2:5]] == [
        ("C4", 36, "-"), ("G4", 0, "C:0.4.7.10/C"), ("A4", 24, "C:0.4.7.10/C")]
    assert all(s.token == tokens.REST or s.token[-1].isdigit() and "-" not in s.token for s in steps)  # sharps only
    assert sum(s.chord is not None for s in steps) > 0.9 * len(steps)


def test_a_chorale_is_its_top_part_over_the_chordified_parts_under_it():
    """The chord label comes from the alto, tenor and bass: the soprano's own note (C#, B, A) is no part of it unless
    another voice sounds it (all four voices gave A:1.4.9, E:4.8.11 and F#:1.6.9 here)."""
    path = music21_corpus_root() / "bach" / "bwv66.6.mxl"
    (steps,) = tokens.encode_file_steps(path, chordify=True)
    assert [(s.token, s.position, tokens.chord_text(s.chord)) for s in steps[:3]] == [
        ("C#5", 36, "A:4.9/A"), ("B4", 42, "E:4.8.11/G#"), ("A4", 0, "F#:1.6/F#")]


def test_a_note_tied_over_the_bar_line_is_one_event():
    (steps,) = tokens.encode_file_steps(ROOT / "content" / "leadsheets" / "avalon.mxl")
    held = next(s for s in steps if s.onset == 14)  # the G4 of bar 4, beat 3, tied into bar 5
    assert (held.token, held.quarter_length, held.position) == ("G4", 4, 24)
    assert not any(s.onset == 16 for s in steps)  # no second G4 on bar 5's downbeat
    assert all(b.onset == a.onset + a.quarter_length for a, b in zip(steps, steps[1:]))  # onsets and lengths agree


def test_lead_sheet_symbols_are_read_through_the_chord_table():
    """music21's figures as the chord grammar spells them; a symbol it does not read is counted and music21's
    realisation stands for it."""
    assert [tokens.grammar_symbol(f) for f in ("C7 add b9", "A7 alter b5", "E-7/A alter b5", "Dm6 add 9", "Gm7")] == [
        "C7addb9", "A7b5", "E-7b5/A", "Dm6add9", "Gm7"]
    parts = tokens.encode_file_steps(ROOT / "content" / "leadsheets" / "avalon.mxl")
    assert parts.symbols > 10 and parts.unread == []
    g13 = tokens._table_label("G13")  # the table's 13th chord: 11 and all, as the solos are played over
    assert g13 == (7, (0, 2, 4, 5, 7, 9, 11), 7)
    assert tokens._table_label("Gsus add 7") is None  # music21's spelling the grammar does not read


def test_a_song_melody_hears_its_comping_part():
    parts = tokens.encode_file_steps(ROOT / "content" / "songs" / "late-bus-home.yaml")
    assert parts and all(s.chord is not None for s in parts[0])  # the guitar melody; the piano is the harmony
    first = next(s for s in parts[0] if s.token != "r")  # the intro's hint of the motif, its bar 3
    assert (first.token, first.position, first.chord[1]) == ("E5", 6, (0, 4, 7, 9))  # under E3 A3 C4 G4


def test_a_midi_file_without_harmony_has_no_chords(tmp_path):
    write_midi(tmp_path / "m.mid", [(0, 0, [(0, 480, 60), (480, 240, 62), (720, 240, 64), (1200, 480, 67)])])
    (steps,) = tokens.encode_file_steps(tmp_path / "m.mid")
    assert [(s.token, s.position, s.chord) for s in steps] == [
        ("C4", 0, None), ("D4", 12, None), ("E4", 18, None), ("r", 24, None), ("G4", 30, None), ("r", 42, None)]


def test_transposition_keeps_the_articles_normal_order():
    from music21 import chord

    rng = random.Random(3)
    for _ in range(400):
        pcs = rng.sample(range(12), rng.randint(1, 7))
        assert tokens.normal_order(pcs) == chord.Chord(pcs).normalOrder
        token = ".".join(map(str, chord.Chord(pcs).normalOrder))
        k = rng.randint(-6, 5)
        moved = [(p + k) % 12 for p in pcs]
        assert tokens.transpose_token(token, k) == ".".join(map(str, chord.Chord(moved).normalOrder))
    assert tokens.transpose_token("E4", 2) == "F#4" and tokens.transpose_token("B4", 1) == "C5"
    assert tokens.transpose_token("r", 3) == "r" and tokens.transpose_token("G9", 1) is None


def test_tokens_chords_cli(tmp_path):
    result = run_cli("tokens", "--chords", str(ROOT / "content" / "leadsheets" / "avalon.mxl"))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[3] == "G4\t2.0\t0\tC:0.4.7.10/C"
    marked = run_cli("tokens", "--chords", "--markers", str(ROOT / "content" / "leadsheets" / "avalon.mxl"))
    assert marked.stdout.splitlines()[0] == "<start>\t0.0\t48\t-" and marked.stdout.splitlines()[1:-1] == lines
    (tmp_path / "broken.mxl").write_bytes(b"PK\x03\x04 not a zip")
    result = run_cli("tokens", "--chords", str(tmp_path / "broken.mxl"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{tmp_path / 'broken.mxl'}: error: cannot read score")


def test_a_broken_lead_sheet_is_a_located_error(tmp_path):
    (tmp_path / "empty.mxl").write_bytes(b"")
    with pytest.raises(ContentError, match="the file is empty"):
        tokens.encode_file_steps(tmp_path / "empty.mxl")
