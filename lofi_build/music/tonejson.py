"""The one note format: Tone.js JSON in the schema of @tonejs/midi's ``toJSON()``, plus a "lofi" key.

Songs, drum patterns and AI solos all end up here, so the browser plays one format with one
code path. Build a :class:`Track` list in ticks (PPQ 480) and call :func:`song_json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import gm
from .instruments import preset as lookup_preset
from .pitch import midi_name
from .transport import PPQ, Meter, format_bbs, ticks_to_seconds


@dataclass(frozen=True)
class Note:
    midi: int
    ticks: int
    duration_ticks: int
    velocity: float = 0.7


@dataclass
class Track:
    name: str
    instrument: str  # a sampler preset name (see instruments.PRESETS)
    notes: list[Note] = field(default_factory=list)


def unit_velocity(velocity: int) -> float:
    """A MIDI velocity (1..127) as the note format's 0..1, to four places (the page's pieces round the same)."""
    return round(velocity / 127, 4)


def note_json(note: Note, bpm: float, meter: Meter) -> dict:
    start = ticks_to_seconds(note.ticks, bpm)
    return {
        "duration": ticks_to_seconds(note.ticks + note.duration_ticks, bpm) - start,
        "durationTicks": note.duration_ticks,
        "midi": note.midi,
        "name": midi_name(note.midi),
        "ticks": note.ticks,
        "time": start,
        "transport": format_bbs(note.ticks, meter),
        "velocity": note.velocity,
    }


def song_json(
    *,
    title: str,
    bpm: float,
    tracks: list[Track],
    loop_bars: int,
    meter: Meter = Meter(),
    key: tuple[str, str] | None = None,
    swing: float = 0.0,
    extra: dict | None = None,
) -> dict:
    """A whole piece as @tonejs/midi JSON; ``extra`` adds keys to the "lofi" block (e.g. a solo's seed)."""
    json_tracks = []
    melodic_channels = iter(c for c in range(16) if c != gm.DRUM_CHANNEL)
    for track in tracks:
        preset = lookup_preset(track.instrument)
        channel = gm.DRUM_CHANNEL if preset.percussion else next(melodic_channels, 0)
        notes = sorted(track.notes, key=lambda n: (n.ticks, n.midi))
        json_tracks.append(
            {
                "channel": channel,
                "controlChanges": {},
                "instrument": preset.gm,
                "name": track.name,
                "notes": [note_json(n, bpm, meter) for n in notes],
                "pitchBends": [],
            }
        )
    lofi = {
        "bpm": bpm,
        "timeSignature": [meter.numerator, meter.denominator],
        "loopBars": loop_bars,
        "swing": swing,
        "parts": [{"name": t.name, "instrument": t.instrument} for t in tracks],
    }
    lofi.update(extra or {})
    return {
        "header": {
            "keySignatures": [{"key": key[0], "scale": key[1], "ticks": 0}] if key else [],
            "meta": [],
            "name": title,
            "ppq": PPQ,
            "tempos": [{"bpm": bpm, "ticks": 0}],
            "timeSignatures": [
                {"measures": 0, "ticks": 0, "timeSignature": [meter.numerator, meter.denominator]}
            ],
        },
        "lofi": lofi,
        "tracks": json_tracks,
    }


def problems(song: dict) -> list[str]:
    """What is wrong with a piece in the one note format (empty when it is well-formed).

    Checks the @tonejs/midi schema, the "lofi" block and the invariants every producer keeps:
    integer ticks, positive durations, notes sorted by (ticks, midi), times from the tempo.
    """
    out: list[str] = []
    try:
        header, lofi, tracks = song["header"], song["lofi"], song["tracks"]
        if header["ppq"] != PPQ:
            out.append(f"ppq is {header['ppq']}, not {PPQ}")
        bpm = header["tempos"][0]["bpm"]
        if lofi["bpm"] != bpm:
            out.append("lofi.bpm differs from the tempo map")
        n, d = header["timeSignatures"][0]["timeSignature"]
        if lofi["timeSignature"] != [n, d]:
            out.append("lofi.timeSignature differs from the header")
        if not (isinstance(lofi["loopBars"], int) and lofi["loopBars"] >= 1):
            out.append("loopBars must be a positive integer")
        if len(lofi["parts"]) != len(tracks):
            out.append("lofi.parts and tracks differ in length")
        bar = 0
        for section in lofi.get("sections", ()):  # a song with a form: its sections end to end from bar 0
            if section["bar"] != bar or not (isinstance(section["bars"], int) and section["bars"] >= 1):
                out.append(f"lofi.sections: {section['name']!r} does not start at bar {bar} with whole bars")
            bar += section["bars"]
        if bar > lofi["loopBars"]:
            out.append("lofi.sections run past loopBars")
        for t, track in enumerate(tracks):
            for key in ("channel", "controlChanges", "instrument", "name", "notes", "pitchBends"):
                if key not in track:
                    out.append(f"track {t} has no {key!r}")
            last = (-1, -1)
            for i, note in enumerate(track["notes"]):
                where = f"track {t} note {i}"
                ticks_, dur, midi = note["ticks"], note["durationTicks"], note["midi"]
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in (ticks_, dur, midi)):
                    out.append(f"{where}: ticks, durationTicks and midi must be integers")
                    continue
                if ticks_ < 0 or dur <= 0 or not 0 <= midi <= 127:
                    out.append(f"{where}: out of range")
                if (ticks_, midi) < last:
                    out.append(f"{where}: not sorted by (ticks, midi)")
                last = (ticks_, midi)
                if note["name"] != midi_name(midi):
                    out.append(f"{where}: name {note['name']!r} is not {midi_name(midi)!r}")
                if not 0 <= note["velocity"] <= 1:
                    out.append(f"{where}: velocity out of 0..1")
                if abs(note["time"] - ticks_to_seconds(ticks_, bpm)) > 1e-9:
                    out.append(f"{where}: time does not follow the tempo")
                if abs(note["duration"] - ticks_to_seconds(dur, bpm)) > 1e-6:
                    out.append(f"{where}: duration does not follow the tempo")
    except (KeyError, IndexError, TypeError, ValueError) as e:
        out.append(f"malformed: {type(e).__name__}: {e}")
    return out
