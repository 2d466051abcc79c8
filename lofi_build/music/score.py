"""The score compiler: a YAML song written in Tone.js TransportTime -> Tone.js JSON.

Every problem in a file is collected with its line and column and reported together.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

from .. import yamlio
from ..errors import Collector, ContentError, warn
from ..schema import REQUIRED, Choice, Custom, Field, Int, Invalid, Number, Schema, Text, is_number
from . import tonejson
from .chords import ChordError, chord_pitches
from .instruments import UnknownPreset, preset
from .pitch import PitchError, looks_like_pitch, parse_key, parse_pitch
from .transport import SWING_DEFAULT, SWING_SUBDIVISIONS, Meter, TimeValueError, parse_beats, ticks

MAX_BARS = 4096
PITCH_KEYS = ("note", "notes", "chord")
DEFAULT_VELOCITY = 0.7
_METER = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")


def _is_chord(value) -> bool:
    try:
        return isinstance(value, str) and bool(chord_pitches(value))
    except ChordError:
        return False


def _meter(raw) -> Meter:
    m = _METER.match(raw) if isinstance(raw, str) else None
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int) for v in raw):
        m = _METER.match(f"{raw[0]}/{raw[1]}")
    if not m:
        raise Invalid(f"'time_signature' must look like 4/4 or 6/8, not {raw!r}", whole=True)
    n, d = int(m.group(1)), int(m.group(2))
    if d not in (1, 2, 4, 8, 16):
        raise Invalid(f"time signature denominator must be 1, 2, 4, 8 or 16, not {d}", whole=True)
    if not 1 <= n <= 32:
        raise Invalid(f"time signature numerator must be 1..32, not {n}", whole=True)
    return Meter(n, d)


def _key(raw):
    try:
        return parse_key(raw)
    except PitchError as e:
        raise Invalid(str(e), whole=True) from None


HEADER = Schema({
    "title": Text(default=REQUIRED, nonempty=True, max_len=200, strip=True,
                  too_long="is longer than 200 characters", help="the song's name"),
    "bpm": Number(default=REQUIRED, low=20, high=300, show_value=True, help="tempo in quarter notes per minute"),
    "time_signature": Custom(default=Meter(), fn=_meter, help="4/4, 3/4, 6/8 ..."),
    "key": Custom(default=None, fn=_key, null_is_default=True, help="'F major', 'A minor' ..."),
    "swing": Number(default=0, low=0, high=1, null_is_default=True, show_value=True,
                    help="how far every second subdivision is delayed, 0..1"),
    "swing_subdivision": Choice(default=SWING_DEFAULT, choices=SWING_SUBDIVISIONS, show_value=True,
                                help="which notes swing moves: every second eighth (8n) or 16th (16n)"),
    "loop_bars": Int(default=None, low=1, high=MAX_BARS, null_is_default=True,
                     what=f"a whole number of bars from 1 to {MAX_BARS}", help="bars before the song repeats"),
    "composer": Text(default=None, help="who wrote it"),
    "description": Text(default=None, help="a line about it"),
    "parts": Field(default=REQUIRED, help="the instruments and their notes"),
}, what="score key")
# Parts and notes are checked by the compiler (their values depend on each other); the schema
# declares their keys.
PART = Schema({"name": Field(), "instrument": Field(), "notes": Field()}, what="part key")
NOTE = Schema({name: Field() for name in ("time", *PITCH_KEYS, "duration", "velocity")}, what="note key")


class _Compiler:
    def __init__(self, doc: yamlio.Document, strict: bool):
        self.doc = doc
        self.strict = strict
        self.errors = Collector()

    def error(self, keys, message, at_key=False):
        self.errors.add(self.doc.error(keys, message, at_key=at_key))

    # -- notes -------------------------------------------------------------------------------

    def time(self, keys, value, meter, bpm, duration=False):
        what = "duration" if duration else "time"
        try:
            beats = parse_beats(value, meter, bpm or 120)
        except TimeValueError as e:
            self.error(keys, f"bad {what}: {e}")
            return None
        if duration and beats <= 0:
            self.error(keys, f"duration {value!r} must be longer than zero")
            return None
        if beats > MAX_BARS * meter.quarters_per_bar:
            self.error(keys, f"{what} {value!r} is beyond {MAX_BARS} bars")
            return None
        if bpm is None and (isinstance(value, (int, float)) or (isinstance(value, str) and "s" in value.lower())):
            return None  # seconds need a valid bpm; that error is already reported
        return beats

    def pitches(self, keys, kind, value, drums, compact=False):
        if kind == "chord":
            if drums:
                self.error(keys, "drum parts cannot play chord symbols; list the drums with 'notes'")
                return None
            try:
                return list(chord_pitches(value)) if isinstance(value, str) else self._bad_chord(keys, value)
            except ChordError as e:
                self.error(keys, str(e))
                return None
        if kind == "notes":
            if not isinstance(value, list) or not value:
                self.error(keys, "'notes' must be a non-empty list of pitches")
                return None
            out = []
            for i, p in enumerate(value):
                try:
                    out.append(parse_pitch(p, drums))
                except PitchError as e:
                    self.error(keys + (i,), str(e))
            return out if len(out) == len(value) else None
        try:
            midi = parse_pitch(value, drums)
        except PitchError as e:
            # In the compact form what is not a pitch may be a chord symbol (Fmaj7, Bb13).
            if compact and not drums and isinstance(value, str):
                try:
                    return list(chord_pitches(value))
                except ChordError:
                    if not looks_like_pitch(value):
                        self.error(keys, f"unknown pitch or chord symbol {value!r}")
                        return None
            self.error(keys, str(e))
            return None
        if compact and not drums and midi >= 96 and _is_chord(value):
            mark = self.doc.mark(*keys)
            warn(f"{value!r} is read as the pitch {value} (MIDI {midi}); for the chord, write {{chord: {value}}}",
                 self.doc.path, *(mark or (None, None)))
        return [midi]

    def _bad_chord(self, keys, value):
        self.error(keys, f"chord must be a chord symbol like Fmaj7, not {value!r}")
        return None

    def velocity(self, keys, value):
        if not is_number(value) or not 0 <= value <= 1:
            self.error(keys, f"velocity must be a number from 0 to 1, not {value!r}")
            return None
        return float(value)

    def note(self, keys, item, meter, bpm, drums):
        """One note entry -> (start beats, [midi], duration beats, velocity), or None if it is wrong."""
        if isinstance(item, list):
            if not 3 <= len(item) <= 4:
                self.error(keys, "a compact note is [time, pitch or [pitches] or chord, duration(, velocity)]")
                return None
            start = self.time(keys + (0,), item[0], meter, bpm)
            kind = "notes" if isinstance(item[1], list) else "note"
            pitches = self.pitches(keys + (1,), kind, item[1], drums, compact=True)
            duration = self.time(keys + (2,), item[2], meter, bpm, duration=True)
            velocity = self.velocity(keys + (3,), item[3]) if len(item) == 4 else DEFAULT_VELOCITY
        elif isinstance(item, dict):
            NOTE.check_unknown(item, self.doc, keys, self.errors, self.strict)
            given = [k for k in PITCH_KEYS if k in item]
            if "time" not in item:
                self.error(keys, "note is missing 'time'")
            if "duration" not in item:
                self.error(keys, "note is missing 'duration'")
            if len(given) != 1:
                self.error(keys, "a note needs exactly one of 'note', 'notes' or 'chord'"
                           + (f" (found {', '.join(given)})" if given else ""))
            start = self.time(keys + ("time",), item["time"], meter, bpm) if "time" in item else None
            pitches = self.pitches(keys + (given[0],), given[0], item[given[0]], drums) if len(given) == 1 else None
            duration = (
                self.time(keys + ("duration",), item["duration"], meter, bpm, duration=True)
                if "duration" in item else None
            )
            velocity = self.velocity(keys + ("velocity",), item["velocity"]) if "velocity" in item else DEFAULT_VELOCITY
        else:
            self.error(keys, "a note must be a mapping like {time: '0:0:0', note: C4, duration: 4n} "
                             "or a list like ['0:0:0', C4, 4n]")
            return None
        if None in (start, pitches, duration, velocity):
            return None
        return start, pitches, duration, velocity

    # -- whole score -------------------------------------------------------------------------

    def compile(self) -> dict | None:
        data = self.doc.data
        if not isinstance(data, dict):
            self.error((), "a score must be a mapping with 'title', 'bpm' and 'parts'")
            self.errors.raise_if_any()
        header = HEADER.read(data, self.doc, (), self.errors, strict=self.strict)
        # A key whose value is wrong is missing from ``header``: go on without it to find more errors.
        title, bpm, key, loop_bars = (header.get(k) for k in ("title", "bpm", "key", "loop_bars"))
        meter, swing = header.get("time_signature", Meter()), header.get("swing", 0)

        parts = data.get("parts")
        tracks: list[tonejson.Track] = []
        last_end = 0
        if "parts" not in data:
            pass  # reported with the header
        elif not isinstance(parts, list) or not parts:
            self.error(("parts",), "'parts' must be a non-empty list")
        else:
            names = set()
            for p, part in enumerate(parts):
                pk = ("parts", p)
                if not isinstance(part, dict):
                    self.error(pk, "a part must be a mapping with 'name', 'instrument' and 'notes'")
                    continue
                PART.check_unknown(part, self.doc, pk, self.errors, self.strict)
                name = part.get("name")
                if not isinstance(name, str) or not name.strip():
                    self.error(pk + ("name",), "a part needs a 'name' (a non-empty string)")
                    name = f"part {p + 1}"
                elif name in names:
                    self.error(pk + ("name",), f"duplicate part name {name!r}")
                names.add(name)
                drums = False
                instrument = part.get("instrument")
                if "instrument" not in part:
                    self.error(pk, f"part {name!r} is missing 'instrument'")
                else:
                    try:
                        drums = preset(instrument).percussion
                    except UnknownPreset as e:
                        self.error(pk + ("instrument",), str(e))
                notes = part.get("notes")
                if not isinstance(notes, list) or not notes:
                    self.error(pk + ("notes",) if "notes" in part else pk,
                               f"part {name!r} needs 'notes': a non-empty list")
                    continue
                track = tonejson.Track(name, instrument if isinstance(instrument, str) else "piano")
                for n, item in enumerate(notes):
                    nk = pk + ("notes", n)
                    parsed = self.note(nk, item, meter, bpm, drums)
                    if parsed is None:
                        continue
                    start, pitches, duration, velocity = parsed
                    start_ticks, duration_ticks = ticks(start), ticks(start + duration) - ticks(start)
                    if duration_ticks <= 0:
                        self.error(nk, "duration is shorter than one tick (1/480 of a quarter note)")
                        continue
                    if loop_bars is not None and start_ticks >= loop_bars * meter.bar_ticks:
                        self.error(nk, f"note starts after the loop ends (loop_bars: {loop_bars})")
                        continue
                    last_end = max(last_end, start_ticks + duration_ticks)
                    for midi in pitches:
                        track.notes.append(tonejson.Note(midi, start_ticks, duration_ticks, velocity))
                tracks.append(track)
        self.errors.raise_if_any()

        if loop_bars is None:
            loop_bars = max(1, math.ceil(Fraction(last_end, meter.bar_ticks)))
            if loop_bars > MAX_BARS:
                raise self.doc.error((), f"the score is longer than {MAX_BARS} bars")
        extra = {k: header[k] for k in ("composer", "description") if header[k] is not None}
        extra["swingSubdivision"] = header["swing_subdivision"]
        return tonejson.song_json(
            title=title, bpm=bpm, tracks=tracks, loop_bars=loop_bars,
            meter=meter, key=key, swing=swing, extra=extra,
        )


def compile_doc(doc: yamlio.Document, strict: bool = False) -> dict:
    return _Compiler(doc, strict).compile()


def compile_text(text: str, path: str | Path = "<score>", strict: bool = False) -> dict:
    """Compile score source; raises :class:`LofiError` naming every problem with its position."""
    return compile_doc(yamlio.loads(text, path, ContentError), strict)


def compile_score(path: str | Path, strict: bool = False) -> dict:
    """Compile one score file to Tone.js JSON."""
    return compile_doc(yamlio.load(path, ContentError), strict)


__all__ = ["compile_score", "compile_text", "compile_doc"]
