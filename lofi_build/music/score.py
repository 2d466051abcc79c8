"""The score compiler: a YAML song written in Tone.js TransportTime -> Tone.js JSON.

Every problem in a file is collected with its line and column and reported together.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

from .. import yamlio
from ..errors import Collector, ContentError, LofiError, warn
from . import tonejson
from .chords import ChordError, chord_pitches
from .instruments import UnknownPreset, preset
from .pitch import PitchError, looks_like_pitch, parse_key, parse_pitch
from .transport import PPQ, Meter, TimeValueError, parse_beats, ticks

MAX_BARS = 4096
SCORE_KEYS = {"title", "bpm", "time_signature", "key", "swing", "swing_subdivision", "loop_bars", "parts", "composer",
              "description"}
SWING_SUBDIVISIONS = ("8n", "16n")
PART_KEYS = {"name", "instrument", "notes"}
NOTE_KEYS = {"time", "note", "notes", "chord", "duration", "velocity"}
PITCH_KEYS = ("note", "notes", "chord")
DEFAULT_VELOCITY = 0.7
_METER = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)\s*$")


def _is_chord(value) -> bool:
    try:
        return isinstance(value, str) and bool(chord_pitches(value))
    except ChordError:
        return False


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Compiler:
    def __init__(self, doc: yamlio.Document, strict: bool):
        self.doc = doc
        self.strict = strict
        self.errors = Collector()

    def error(self, keys, message, at_key=False):
        self.errors.add(self.doc.error(keys, message, at_key=at_key))

    def unknown_keys(self, mapping: dict, keys: tuple, known: set, what: str):
        for k in mapping:
            if k not in known:
                message = f"unknown {what} key {k!r} (expected one of: {', '.join(sorted(known))})"
                if self.strict:
                    self.error(keys + (k,), message, at_key=True)
                else:
                    mark = self.doc.key_mark(*keys, k)
                    warn(message, self.doc.path, *(mark or (None, None)))

    # -- header ------------------------------------------------------------------------------

    def header(self, data: dict):
        title = data.get("title")
        if "title" not in data:
            self.error((), "missing required key 'title'")
        elif not isinstance(title, str) or not title.strip():
            self.error(("title",), "'title' must be a non-empty string")
        elif len(title) > 200:
            self.error(("title",), "'title' is longer than 200 characters")

        bpm = data.get("bpm")
        if "bpm" not in data:
            self.error((), "missing required key 'bpm'")
            bpm = None
        elif not _is_number(bpm) or not 20 <= bpm <= 300:
            self.error(("bpm",), f"'bpm' must be a number from 20 to 300, not {bpm!r}")
            bpm = None

        meter = Meter()
        if "time_signature" in data:
            raw = data["time_signature"]
            m = _METER.match(raw) if isinstance(raw, str) else None
            if isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int) for v in raw):
                m = _METER.match(f"{raw[0]}/{raw[1]}")
            if not m:
                self.error(("time_signature",), f"'time_signature' must look like 4/4 or 6/8, not {raw!r}")
            else:
                n, d = int(m.group(1)), int(m.group(2))
                if d not in (1, 2, 4, 8, 16):
                    self.error(("time_signature",), f"time signature denominator must be 1, 2, 4, 8 or 16, not {d}")
                elif not 1 <= n <= 32:
                    self.error(("time_signature",), f"time signature numerator must be 1..32, not {n}")
                else:
                    meter = Meter(n, d)

        key = None
        if data.get("key") is not None:
            try:
                key = parse_key(data["key"])
            except PitchError as e:
                self.error(("key",), str(e))

        swing = data.get("swing", 0)
        if swing is None:
            swing = 0
        if not _is_number(swing) or not 0 <= swing <= 1:
            self.error(("swing",), f"'swing' must be a number from 0 to 1, not {swing!r}")
            swing = 0

        loop_bars = data.get("loop_bars")
        if loop_bars is not None and (
            not isinstance(loop_bars, int) or isinstance(loop_bars, bool) or not 1 <= loop_bars <= MAX_BARS
        ):
            self.error(("loop_bars",), f"'loop_bars' must be a whole number of bars from 1 to {MAX_BARS}")
            loop_bars = None
        for k in ("composer", "description"):
            if k in data and not isinstance(data[k], str):
                self.error((k,), f"'{k}' must be a string")
        return title, bpm, meter, key, swing, loop_bars

    def swing_subdivision(self, data) -> str:
        """Which notes the swing moves: every second eighth ("8n") or every second 16th ("16n")."""
        value = data.get("swing_subdivision", "8n")
        if value not in SWING_SUBDIVISIONS:
            self.error(("swing_subdivision",), f"'swing_subdivision' must be 8n or 16n, not {value!r}")
            self.errors.raise_if_any()
        return value

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
        if not _is_number(value) or not 0 <= value <= 1:
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
            self.unknown_keys(item, keys, NOTE_KEYS, "note")
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
        self.unknown_keys(data, (), SCORE_KEYS, "score")
        title, bpm, meter, key, swing, loop_bars = self.header(data)

        parts = data.get("parts")
        tracks: list[tonejson.Track] = []
        last_end = 0
        if "parts" not in data:
            self.error((), "missing required key 'parts'")
        elif not isinstance(parts, list) or not parts:
            self.error(("parts",), "'parts' must be a non-empty list")
        else:
            names = set()
            for p, part in enumerate(parts):
                pk = ("parts", p)
                if not isinstance(part, dict):
                    self.error(pk, "a part must be a mapping with 'name', 'instrument' and 'notes'")
                    continue
                self.unknown_keys(part, pk, PART_KEYS, "part")
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
        extra = {k: data[k] for k in ("composer", "description") if k in data}
        extra["swingSubdivision"] = self.swing_subdivision(data)
        return tonejson.song_json(
            title=title.strip(), bpm=bpm, tracks=tracks, loop_bars=loop_bars,
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


__all__ = ["compile_score", "compile_text", "compile_doc", "LofiError", "PPQ"]
