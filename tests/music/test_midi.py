"""MIDI export: files mido re-reads with the same notes, tempo, meter and key."""

import io

import mido
import pytest

from lofi_build.music.midi import midi_bytes
from lofi_build.music.score import compile_text

SONG = """\
title: Export
bpm: 84
time_signature: 3/4
key: D minor
parts:
  - name: keys
    instrument: rhodes
    notes:
      - ["0:0:0", [D3, F3, A3], 2n.]
      - ["1:1:0", E4, 8n, 0.5]
  - name: kit
    instrument: drums
    notes:
      - ["0:0:0", kick, 8n]
      - ["0:2:0", snare, 8n, 1]
"""


def read(song):
    return mido.MidiFile(file=io.BytesIO(midi_bytes(song)))


def note_ons(track):
    now, out = 0, []
    for msg in track:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            out.append((now, msg.note, msg.velocity, msg.channel))
    return out


def test_notes_meter_tempo_and_key_survive():
    song = compile_text(SONG)
    mid = read(song)
    assert mid.ticks_per_beat == 480 and mid.type == 1
    meta = {m.type: m for m in mid.tracks[0] if m.is_meta}
    assert meta["set_tempo"].tempo == mido.bpm2tempo(84)
    assert (meta["time_signature"].numerator, meta["time_signature"].denominator) == (3, 4)
    assert meta["key_signature"].key == "Dm"
    assert note_ons(mid.tracks[1]) == [(0, 50, 89, 0), (0, 53, 89, 0), (0, 57, 89, 0), (1440 + 480, 64, 64, 0)]
    assert note_ons(mid.tracks[2]) == [(0, 36, 89, 9), (960, 38, 127, 9)]
    assert [m.program for m in mid.tracks[1] if m.type == "program_change"] == [4]


def test_swing_is_written_into_the_file():
    song = compile_text("title: s\nbpm: 80\nswing: 1\nparts: [{name: a, instrument: piano, notes: [['0:0:2', C4, 16n]]}]\n")
    assert note_ons(read(song).tracks[1])[0][0] == 240 + 160


def test_a_tracks_lay_back_is_written_into_the_file_with_the_swing():
    song = compile_text("title: s\nbpm: 80\nswing: 1\nparts: [{name: a, instrument: piano, notes: [['0:0:2', C4, 16n]]},"
                        " {name: b, instrument: bass, notes: [['0:0:2', C2, 16n]]}]\n")
    song["lofi"]["layBack"] = {"a": 20}
    mid = read(song)
    assert note_ons(mid.tracks[1])[0][0] == 240 + 160 + 20 and note_ons(mid.tracks[2])[0][0] == 240 + 160
    offs = [m.time for m in mid.tracks[1] if m.type == "note_off"]
    assert offs == [120]  # held as long as written


def test_repeated_notes_release_before_they_restrike():
    song = compile_text("title: r\nbpm: 80\nparts: [{name: a, instrument: piano, notes: [['0:0:0', C4, 4n], ['0:1:0', C4, 4n]]}]\n")
    events = [(m.type, m.time) for m in read(song).tracks[1] if m.type.startswith("note")]
    assert events == [("note_on", 0), ("note_off", 480), ("note_on", 0), ("note_off", 480)]


def test_sixteenth_swing_moves_every_second_sixteenth():
    text = "title: s\nbpm: 80\nswing: 1\nswing_subdivision: {sub}\nparts: [{{name: a, instrument: piano, notes: [['0:0:1', C4, 16n], ['0:0:2', D4, 16n]]}}]\n"
    sixteenths = note_ons(read(compile_text(text.format(sub="16n"))).tracks[1])
    assert [t for t, *_ in sixteenths] == [120 + 80, 240]  # the second 16th of each pair, by a third of the pair
    eighths = note_ons(read(compile_text(text.format(sub="8n"))).tracks[1])
    assert [t for t, *_ in eighths] == [120 + 113, 240 + 160]


@pytest.mark.browser
def test_the_pages_midi_files_place_the_notes_where_pythons_do(repo_page):
    """site_src/js/ondemand/midi.js (a live solo's download) against midi.py: the same note events, lay-back
    included, for a straight piece (the page's pieces are written straight)."""
    song = compile_text(SONG.replace("3/4", "4/4") + "  - {name: lead, instrument: piano, notes: [['0:1:2', A4, 8n, 0.8]]}\n")
    song["lofi"]["layBack"] = {"lead": 30, "keys": 7}
    data = repo_page.evaluate("""async (piece) => {
        const { midiBytes } = await import("/site_src/js/ondemand/midi.js");
        return Array.from(midiBytes(piece, "a text"));
    }""", song)
    page = mido.MidiFile(file=io.BytesIO(bytes(data)))

    def events(mid):
        out = []
        for track in mid.tracks[1:]:
            now, notes = 0, []
            for m in track:
                now += m.time
                if m.type in ("note_on", "note_off"):
                    notes.append((now, m.type == "note_on" and m.velocity > 0, m.note, m.velocity))
            out.append(sorted(notes))
        return out

    assert events(page) == events(read(song))
    assert events(page)[2][0][0] == 480 + 240 + 30
