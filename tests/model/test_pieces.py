"""Pieces to measure: a solo in the one note format over its progression, a lead sheet over its chord symbols."""

from __future__ import annotations

from fractions import Fraction as F


from lofi_build.model import pieces
from lofi_build.music.tonejson import Note, Track, song_json


def solo_song(progression="Dm9 | G13", bars=4, chords=None):
    melody = [Note(74, 0, 480), Note(72, 480, 240, 0.5), Note(65, 480, 240), Note(77, 1920, 960)]
    comping = [Note(m, t, 1920) for t in (0, 1920) for m in (53, 57, 60, 64)]
    bass = [Note(38, 0, 1920), Note(43, 1920, 1920)]
    extra = {"solo": True, "progression": progression}
    if chords is not None:
        extra["chords"] = chords
    return song_json(title="AI solo 01", bpm=80, loop_bars=bars, extra=extra,
                     tracks=[Track("melody", "rhodes", melody), Track("chords", "piano", comping),
                             Track("bass", "bass", bass)])


def test_a_solo_over_its_progression():
    piece = pieces.song_piece(solo_song())
    assert [(n.onset, n.duration, n.pitch, n.velocity) for n in piece.melody] == [
        (0, 1, 74, 0.7), (1, F(1, 2), 72, 0.5), (4, 2, 77, 0.7)]  # the two notes struck together: the top one
    assert len(piece.comping) == 8 and {n.pitch for n in piece.comping} == {53, 57, 60, 64}  # the bass is not comping
    assert piece.bar == 4 and piece.loop_bars == 4
    assert [(s.start, s.end, s.chord.symbol) for s in piece.cycle] == [(0, 4, "Dm9"), (4, 8, "G13")]
    # No chords listed: the progression over the loop.
    assert [(s.start, s.end, s.chord.symbol) for s in piece.timeline] == [
        (0, 4, "Dm9"), (4, 8, "G13"), (8, 12, "Dm9"), (12, 16, "G13")]


def test_a_piece_is_measured_over_the_chords_it_plays():
    played = [{"ticks": 0, "durationTicks": 3840, "symbol": "Dm9"}, {"ticks": 3840, "durationTicks": 1920,
              "symbol": "Em7b5"}, {"ticks": 5760, "durationTicks": 1920, "symbol": "A7b9"}]
    piece = pieces.song_piece(solo_song(progression="Dm9 | Dm9", chords=played))
    assert [(s.start, s.end, s.chord.symbol, s.chord.root) for s in piece.timeline] == [
        (0, 8, "Dm9", 2), (8, 12, "Em7b5", 4), (12, 16, "A7b9", 9)]
    song = pieces.song_piece(solo_song(progression=None, chords=played[:1]))  # a song's chord lines: no cycle
    assert song.cycle is None and [s.chord.symbol for s in song.timeline] == ["Dm9"]
    assert pieces.song_piece(solo_song(progression=None)).timeline == ()


def write_sheet(path, second_meter=None):
    """A lead sheet: a quarter-note pickup, C with a note tied over the bar line, then G7."""
    from music21 import harmony, meter, note, stream, tie

    part = stream.Part()
    pickup = stream.Measure(number=0)
    pickup.append(meter.TimeSignature("4/4"))
    pickup.paddingLeft = 3
    pickup.append(note.Note("G4", quarterLength=1))
    one = stream.Measure(number=1)
    one.insert(0, harmony.ChordSymbol("C"))
    one.insert(0, note.Note("C5", quarterLength=2))
    tied = note.Note("E4", quarterLength=2)
    tied.tie = tie.Tie("start")
    one.insert(2, tied)
    two = stream.Measure(number=2)
    if second_meter:
        two.insert(0, meter.TimeSignature(second_meter))
    held = note.Note("E4", quarterLength=1)
    held.tie = tie.Tie("stop")
    two.insert(0, held)
    two.insert(1, harmony.ChordSymbol("G7"))
    two.insert(1, note.Note("F4", quarterLength=1))
    two.insert(2, note.Rest(quarterLength=1 if second_meter else 2))
    for m in (pickup, one, two):
        part.append(m)
    stream.Score([part]).write("musicxml", fp=str(path))
    return path


def test_a_lead_sheet_reads_as_a_player_hears_it(tmp_path):
    piece = pieces.read_leadsheet(write_sheet(tmp_path / "sheet.musicxml"))
    assert piece.bar == 4
    assert [(n.onset, n.duration, n.pitch) for n in piece.melody] == [(3, 1, 67), (4, 2, 72), (6, 3, 64), (9, 1, 65)]
    assert [(s.start, s.end, s.chord.symbol, s.chord.root, s.chord.pcs) for s in piece.timeline] == [
        (4, 9, "C", 0, (0, 4, 7)), (9, 12, "G7", 7, (2, 5, 7, 11))]


def test_a_lead_sheet_whose_bar_length_changes_is_left_out(tmp_path):
    assert pieces.read_leadsheet(write_sheet(tmp_path / "sheet.musicxml", "3/4")) is None


def test_lead_sheets_are_cached_by_their_bytes(tmp_path, monkeypatch):
    sheet = write_sheet(tmp_path / "sheet.musicxml")
    bad = write_sheet(tmp_path / "changes.musicxml", "3/4")
    first = pieces.leadsheet_pieces([sheet, bad], tmp_path / "cache")
    assert [name for name, _ in first] == ["sheet.musicxml"]
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2  # a sheet left out is remembered too

    def unread(path):
        raise AssertionError("read again")

    monkeypatch.setattr(pieces, "read_leadsheet", unread)
    again = pieces.leadsheet_pieces([sheet, bad], tmp_path / "cache")
    assert again == first


def test_the_corpus_lead_sheets_are_its_musicxml_files():
    from lofi_build.config import load_config
    from support import ROOT

    found = pieces.corpus_leadsheets(load_config(ROOT / "lofi.yaml"))
    assert found and all(p.suffix == ".mxl" and p.parent.name == "leadsheets" for p in found)


def test_the_lead_is_the_track_named_so_else_the_highest_but_the_bass():
    song = solo_song()
    melody, chords, bass = song["tracks"]
    song["tracks"] = [chords, bass, {**melody, "name": "solo"}]
    assert pieces.melody_track(song)["name"] == "solo"
    song["tracks"] = [{**chords, "name": "keys"}, {**bass, "notes": [{**n, "midi": 90} for n in bass["notes"]]},
                      {**melody, "name": "guitar"}]
    assert pieces.melody_track(song)["name"] == "guitar"
