"""Standard MIDI files from the one note format (mido), so every song and solo opens in a DAW."""

from __future__ import annotations

import io

import mido

from .transport import SWING_DEFAULT, SWING_TICKS, swing_offset_ticks

CHARSET = "utf-8"


def midi_file(song: dict) -> mido.MidiFile:
    """A type-1 MIDI file of a Tone.js JSON song; the score's swing and each track's lay-back (``lofi.layBack``,
    ticks by track name: a solo's melody) are written into the timing, as the player applies them."""
    header, lofi = song["header"], song.get("lofi", {})
    swing = float(lofi.get("swing") or 0)
    swung = SWING_TICKS[lofi.get("swingSubdivision", SWING_DEFAULT)]  # ticks of the swung subdivision
    # Text meta events (song title, part names) as UTF-8: titles in Japanese or with emoji are
    # everyday input, and the MIDI default (latin-1) cannot encode them.
    mid = mido.MidiFile(type=1, ticks_per_beat=header["ppq"], charset=CHARSET)

    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=header.get("name", ""), time=0))
    for ts in header.get("timeSignatures", [])[:1]:
        n, d = ts["timeSignature"]
        conductor.append(mido.MetaMessage("time_signature", numerator=n, denominator=d, time=0))
    for ks in header.get("keySignatures", [])[:1]:
        name = ks["key"] + ("m" if ks["scale"] == "minor" else "")
        conductor.append(mido.MetaMessage("key_signature", key=name, time=0))
    for tempo in header.get("tempos", [])[:1]:
        conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo["bpm"]), time=0))
    mid.tracks.append(conductor)

    lay_back = lofi.get("layBack") or {}
    for track in song["tracks"]:
        channel = track["channel"]
        late = lay_back.get(track["name"], 0)
        out = mido.MidiTrack()
        out.append(mido.MetaMessage("track_name", name=track["name"], time=0))
        program = track["instrument"]["number"]
        out.append(mido.Message("program_change", channel=channel, program=program, time=0))
        events = []  # (tick, order, message); note-offs sort before note-ons at the same tick
        for note in track["notes"]:
            shift = swing_offset_ticks(note["ticks"], swing, swung) + late
            start = round(note["ticks"] + shift)
            end = max(start + 1, round(note["ticks"] + note["durationTicks"] + shift))
            velocity = max(1, min(127, round(note["velocity"] * 127)))
            events.append((start, 1, note["midi"], velocity))
            events.append((end, 0, note["midi"], 0))
        events.sort()
        now = 0
        for tick, is_on, midi, velocity in events:
            kind = "note_on" if is_on else "note_off"
            out.append(mido.Message(kind, channel=channel, note=midi, velocity=velocity, time=tick - now))
            now = tick
        mid.tracks.append(out)
    return mid


def midi_bytes(song: dict) -> bytes:
    buffer = io.BytesIO()
    midi_file(song).save(file=buffer)
    return buffer.getvalue()
