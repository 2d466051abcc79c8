"""The score compiler: a YAML song written in Tone.js TransportTime -> Tone.js JSON.

A score is flat (each part lists its notes on the song's timeline) or has a form (the parts
declared once, named sections holding each part's notes timed from the section's start, and
the order the sections play in); both compile to the same note format. Every problem in a
document is collected with its line and column and reported together. Reading the file is the
caller's part (``lofi_build.scorefile``): this module compiles a loaded document or text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from .. import yamlio
from ..errors import Collector, ContentError, warn
from ..schema import REQUIRED, Choice, Custom, Field, Int, Invalid, ListOf, Number, Schema, Text, is_number
from . import chordline, tonejson
from .chords import ChordError, chord_pitches
from .instruments import PRESETS, UnknownPreset, preset
from .pitch import PitchError, looks_like_pitch, parse_key, parse_pitch
from .progression import ProgressionError, parse_progression
from .transport import SWING_DEFAULT, SWING_SUBDIVISIONS, Meter, TimeValueError, parse_beats, ticks, time_pattern

MAX_BARS = 4096
# A form repeats its sections, so a short file can write out many notes; this caps what one song
# holds (an hour of four-voice sixteenths at 200 bpm is about 192,000 notes).
MAX_NOTES = 500_000
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
    "time_signature": Custom(default=Meter(), fn=_meter, help="4/4, 3/4, 6/8 ...", shape={"anyOf": [
        {"type": "string", "pattern": _METER.pattern},
        {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}]}),
    "key": Custom(default=None, fn=_key, null_is_default=True, help="'F major', 'A minor' ...", shape={"type": "string"}),
    "swing": Number(default=0, low=0, high=1, null_is_default=True, show_value=True,
                    help="how far every second subdivision is delayed, 0..1"),
    "swing_subdivision": Choice(default=SWING_DEFAULT, choices=SWING_SUBDIVISIONS, show_value=True,
                                help="which notes swing moves: every second eighth (8n) or 16th (16n)"),
    "loop_bars": Int(default=None, low=1, high=MAX_BARS, null_is_default=True,
                     what=f"a whole number of bars from 1 to {MAX_BARS}", help="bars before the song repeats"),
    "composer": Text(default=None, help="who wrote it"),
    "description": Text(default=None, help="a line about it"),
    "parts": Field(default=REQUIRED, help="the instruments and their notes", shape=lambda: PARTS),
    "chords": Field(help="a score without a form: its chord line from bar 1, 'Dm9 G13 | Cmaj9'",
                    shape=lambda: _CHORDS),
    "seed": Int(default=0, low=0, high=2**32 - 1, null_is_default=True,
                help="which take of the chord lines' accompaniment (its patterns and pushes)"),
    "sections": Field(help="named stretches of bars, each holding every part's notes from its own start",
                      shape=lambda: SECTIONS),
    "form": Field(help="the order the sections play in, e.g. [intro, A, A, B, A, outro]",
                  shape={"type": "array", "items": {"type": "string"}, "minItems": 1}),
}, what="score key")
# Parts, notes, sections and the form are checked by the compiler (their values depend on each
# other); the schema declares their keys, and their shapes for editors (``lofi-build schema score``).
_TIME = {"anyOf": [{"type": "string", "pattern": time_pattern()}, {"type": "number", "minimum": 0}],
         "description": "TransportTime 'BARS:QUARTERS:SIXTEENTHS' or Tone notation (4n, 1m)"}
_PITCH = {"type": ["string", "integer"], "description": "C4, F#3, Bb2, a MIDI number, or a drum name (kick, snare...)"}
_VELOCITY = Number(low=0, high=1, help="how hard, 0..1")
_CHORDS = {"type": "string", "description": "a chord line, bars between '|': 'Dm9 G13 | Cmaj9'"}
NOTE = Schema({"time": Field(default=REQUIRED, shape=_TIME), "note": Field(shape=_PITCH),
               "notes": ListOf(item=Field(shape=_PITCH), nonempty=True), "chord": Text(nonempty=True, help="Fmaj7, Dm9..."),
               "duration": Field(default=REQUIRED, shape=_TIME), "velocity": _VELOCITY}, what="note key")
NOTES = ListOf(item=Field(shape=lambda: {"anyOf": [
    NOTE.json_schema() | {"oneOf": [{"required": [key]} for key in PITCH_KEYS]},
    {"type": "array", "minItems": 3, "maxItems": 4, "description": "[time, pitch or [pitches] or chord, duration(, velocity)]",
     "prefixItems": [_TIME, {"anyOf": [_PITCH, {"type": "array", "items": _PITCH}]}, _TIME, _VELOCITY.json_schema()]},
]}), nonempty=True)
# A part plays its notes, or a chord line in a comping or bass style (the style's value is checked by the compiler).
PART = Schema({"name": Text(default=REQUIRED, nonempty=True), "instrument": Choice(default=REQUIRED, choices=tuple(PRESETS)),
               "notes": NOTES,
               **{kind: Field(help=f"play the chord line as {kind} in this style",
                              shape={"enum": sorted(styles)}) for kind, styles in chordline.KINDS.items()}},
              what="part key")
PARTS = ListOf(item=PART, nonempty=True)
# A section's keys besides the parts' names (so no part may take one of these names in a score
# with a form); an ending holds its bars and its chord line.
SECTION_KEYS = ("bars", "chords", "style", "endings")
ENDING_KEYS = ("bars", "chords")
# Sections are laid end to end, so each is whole bars: every section then starts on a bar line,
# where the drums' loop and the page's "which section is playing" both count from.
BARS = replace(HEADER.fields["loop_bars"], default=REQUIRED, null_is_default=False, help="a section's length")
_ENDING = {"type": "object", "properties": {"bars": BARS.json_schema(), "chords": _CHORDS},
           "anyOf": [{"required": ["bars"]}, {"required": ["chords"]}], "additionalProperties": NOTES.json_schema(),
           "description": "bars (or a chord line, its length), and each part's notes from its start"}
SECTIONS = {"type": "object", "additionalProperties": _ENDING | {"properties": {
    "bars": BARS.json_schema(), "chords": _CHORDS,
    "style": {"type": "object", "additionalProperties": {"type": "string"},
              "description": "a part's comping or bass style in this section, by part name"},
    "endings": {"type": "array", "items": _ENDING, "minItems": 1}}}}
FORM_EXAMPLE = "[intro, A, A, B, A, outro]"


@dataclass
class _Part:
    name: str
    instrument: str  # the preset name as written ("piano" where it is not text; its error is reported)
    drums: bool
    keys: tuple  # where the part is written
    raw: dict
    styles: dict[str, str]  # what it plays from the chord lines: {"comping" | "bass": style}


@dataclass
class _Block:
    """Bars holding each part's notes in ticks from the block's start: a section's body, or one ending."""

    bars: int | None  # None: missing or wrong (reported)
    notes: dict[str, list[tonejson.Note]]
    chords: object = None  # its chord line (a Progression), where it has one


@dataclass
class _Section:
    name: str
    keys: tuple
    body: _Block
    endings: list[_Block]  # volta brackets: pass n plays ending n, later passes the last one
    styles: dict[str, dict[str, str]]  # the section's own styles: part -> {kind: style}

    def ending(self, pass_: int) -> int | None:
        """The ending (1-based) the section's ``pass_``-th time in the form plays, or None when it has none."""
        return min(pass_, len(self.endings)) if self.endings else None


class _Compiler:
    def __init__(self, doc: yamlio.Document, strict: bool):
        self.doc = doc
        self.strict = strict
        self.errors = Collector()
        self.declared: dict[str, _Part] = {}  # the parts, by name, as they are read

    def error(self, keys, message, at_key=False):
        self.errors.add(self.doc.error(keys, message, at_key=at_key))

    def warning(self, keys, message, at_key=False):
        """A warning, or (under --strict) an error."""
        if self.strict:
            self.error(keys, message, at_key)
        else:
            warn(message, self.doc.path, *((self.doc.key_mark if at_key else self.doc.mark)(*keys) or (None, None)))

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

    def notes(self, keys, items, meter, bpm, drums, limit=None) -> list[tonejson.Note]:
        """A list of note entries in ticks from its own start (a flat part's, or one part's in a
        section). ``limit``: (the tick no note may start at or after, the message if one does)."""
        out = []
        for n, item in enumerate(items):
            nk = keys + (n,)
            parsed = self.note(nk, item, meter, bpm, drums)
            if parsed is None:
                continue
            start, pitches, duration, velocity = parsed
            start_ticks, duration_ticks = ticks(start), ticks(start + duration) - ticks(start)
            if duration_ticks <= 0:
                self.error(nk, "duration is shorter than one tick (1/480 of a quarter note)")
                continue
            if limit is not None and start_ticks >= limit[0]:
                self.error(nk, limit[1])
                continue
            out += [tonejson.Note(midi, start_ticks, duration_ticks, velocity) for midi in pitches]
        return out

    # -- parts -------------------------------------------------------------------------------

    def parts(self, data, with_form: bool):
        """Each part that is a mapping, as it is read (so a flat part's note errors follow its own, in file order)."""
        parts = data.get("parts")
        if "parts" not in data:
            return  # reported with the header
        if not isinstance(parts, list) or not parts:
            self.error(("parts",), "'parts' must be a non-empty list")
            return
        names = set()
        for p, part in enumerate(parts):
            pk = ("parts", p)
            if not isinstance(part, dict):
                self.error(pk, "a part must be a mapping with 'name' and 'instrument'" if with_form
                           else "a part must be a mapping with 'name', 'instrument' and 'notes'")
                continue
            PART.check_unknown(part, self.doc, pk, self.errors, self.strict)
            name = part.get("name")
            if not isinstance(name, str) or not name.strip():
                self.error(pk + ("name",), "a part needs a 'name' (a non-empty string)")
                name = f"part {p + 1}"
            elif name in names:
                self.error(pk + ("name",), f"duplicate part name {name!r}")
            elif with_form and name in SECTION_KEYS:
                self.error(pk + ("name",), f"a part cannot be called {name!r} in a score with a form "
                                           f"(a section's {name!r} is its own key)")
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
            if with_form and "notes" in part:
                self.error(pk + ("notes",), f"part {name!r} has its notes in the sections: in a score with a "
                                            "form a part names only its 'name' and 'instrument' (and 'comping' or "
                                            "'bass' to play the chord lines)", at_key=True)
            styles = {}
            for kind in chordline.KINDS:
                if kind not in part:
                    continue
                problem = chordline.unknown_style(kind, part[kind])
                if problem:
                    self.error(pk + (kind,), problem)
                elif drums:
                    self.error(pk + (kind,), f"drum parts cannot play a chord line's {kind}")
                else:
                    styles[kind] = part[kind]
            declared = _Part(name, instrument if isinstance(instrument, str) else "piano", drums, pk, part, styles)
            self.declared.setdefault(name, declared)
            yield declared

    def flat(self, data, meter, bpm, loop_bars) -> list[tonejson.Track]:
        """The parts of a score without a form: each lists its notes on the song's timeline."""
        limit = None if loop_bars is None else (
            loop_bars * meter.bar_ticks, f"note starts after the loop ends (loop_bars: {loop_bars})")
        tracks = []
        for part in self.parts(data, with_form=False):
            notes = part.raw.get("notes")
            if "notes" not in part.raw and any(kind in part.raw for kind in chordline.KINDS):  # the chord line only
                tracks.append(tonejson.Track(part.name, part.instrument))
                continue
            if not isinstance(notes, list) or not notes:
                self.error(part.keys + ("notes",) if "notes" in part.raw else part.keys,
                           f"part {part.name!r} needs 'notes' (a non-empty list), or a style to play the chord "
                           "line in ('comping' or 'bass')")
                continue
            tracks.append(tonejson.Track(part.name, part.instrument,
                                         self.notes(part.keys + ("notes",), notes, meter, bpm, part.drums, limit)))
        return tracks

    # -- sections and the form ---------------------------------------------------------------

    def chord_line(self, keys, value, what: str):
        """A chord line (``Dm9 G13 | Cmaj9``) read with the progression grammar; None when it is wrong (reported)."""
        if not isinstance(value, str):
            self.error(keys, f"the chord line of {what} must be text like 'Dm9 G13 | Cmaj9', not {value!r}")
            return None
        try:
            return parse_progression(value)
        except ProgressionError as e:
            self.error(keys, f"bad chord line in {what}: {e}")
            return None

    def block(self, keys, raw: dict, what: str, parts: dict, meter, bpm, own_keys) -> _Block:
        """A section's body or one ending: its 'bars' (by default its chord line's), its chord line and the notes
        of each part it names."""
        bars = None
        chords = self.chord_line(keys + ("chords",), raw["chords"], what) if "chords" in raw else None
        if "bars" not in raw:
            if chords is not None:
                bars = len(chords.bars)
            elif "chords" not in raw:
                self.error(keys, f"{what} needs 'bars': its length in whole bars (or a chord line, 'chords')")
        else:
            try:
                bars = BARS.check(raw["bars"])
            except Invalid as e:
                self.error(keys + ("bars",), f"{what}: 'bars' {e} (sections start on bar lines), not {raw['bars']!r}")
            if bars is not None and chords is not None and len(chords.bars) != bars:
                self.error(keys + ("chords",), f"the chord line of {what} is {len(chords.bars)} bar"
                                               f"{'s' if len(chords.bars) != 1 else ''} long, but {what} is {bars}")
                chords = None
        limit = None if bars is None else (
            bars * meter.bar_ticks, f"note starts after {what} ends (bars: {bars}; its times count from its own start)")
        notes = {}
        for key, items in raw.items():
            if key in own_keys:
                continue
            part = parts.get(key) if isinstance(key, str) else None
            if part is None:
                known = ", ".join(parts) or "none"
                self.error(keys + (key,), f"{what} has notes for {key!r}, a part the score does not declare "
                                          f"(its parts: {known})", at_key=True)
            elif not isinstance(items, list):
                self.error(keys + (key,), f"the notes of {key!r} in {what} must be a list of notes")
            else:
                notes[key] = self.notes(keys + (key,), items, meter, bpm, part.drums, limit)
        return _Block(bars, notes, chords)

    def sections(self, data, parts: dict, meter, bpm) -> dict[str, _Section]:
        raw = data.get("sections")
        if "sections" not in data:
            self.error(("form",), "a score with a 'form' needs 'sections': what each name in the form plays",
                       at_key=True)
            return {}
        if not isinstance(raw, dict) or not raw:
            self.error(("sections",), "'sections' must be a mapping of named sections, "
                                      "like {A: {bars: 8, keys: [...]}, B: ...}")
            return {}
        out = {}
        for name, body in raw.items():
            sk = ("sections", name)
            if not isinstance(name, str):
                self.error(sk, f"a section's name must be text like A or intro, not {name!r}", at_key=True)
                continue
            if not isinstance(body, dict):
                self.error(sk, f"section {name!r} must be a mapping with 'bars' and each part's notes")
                continue
            what = f"section {name!r}"
            section = _Section(name, sk, self.block(sk, body, what, parts, meter, bpm, SECTION_KEYS), [],
                               self.section_styles(sk + ("style",), body["style"], parts, what)
                               if "style" in body else {})
            if "endings" in body:
                endings = body["endings"]
                if not isinstance(endings, list) or not endings:
                    self.error(sk + ("endings",), f"the 'endings' of {what} must be a list of endings, "
                                                  "like [{bars: 1, keys: [...]}, {bars: 2, keys: [...]}]")
                for e, ending in enumerate(endings if isinstance(endings, list) else []):
                    ek, label = sk + ("endings", e), f"ending {e + 1} of {what}"
                    if isinstance(ending, dict):
                        section.endings.append(self.block(ek, ending, label, parts, meter, bpm, ENDING_KEYS))
                    else:
                        self.error(ek, f"{label} must be a mapping with 'bars' and each part's notes")
                        section.endings.append(_Block(None, {}))  # keeps the later endings' numbers
            out[name] = section
        return out

    def section_styles(self, keys, raw, parts: dict, what: str) -> dict[str, dict[str, str]]:
        """A section's ``style``: for parts that play the chord lines, the style they play it in there (a style
        name, or {comping: ..., bass: ...} for a part that plays both)."""
        if not isinstance(raw, dict) or not raw:
            self.error(keys, f"the 'style' of {what} must be a mapping of parts to styles, like {{keys: held}}")
            return {}
        out = {}
        for name, value in raw.items():
            part = parts.get(name) if isinstance(name, str) else None
            if part is None or not part.styles:
                self.error(keys + (name,), f"the 'style' of {what} names {name!r}, which is not a part that plays "
                                           "the chord lines ('comping' or 'bass')", at_key=True)
                continue
            if isinstance(value, str) and len(part.styles) == 1:
                value = {next(iter(part.styles)): value}
            if not isinstance(value, dict) or not value or not set(value) <= set(part.styles):
                self.error(keys + (name,), f"part {name!r} plays the chord lines' {' and '.join(part.styles)}: "
                                           f"give its style{'s' if len(part.styles) > 1 else ''} as "
                                           + ("{" + ", ".join(f"{k}: STYLE" for k in part.styles) + "}"
                                              if len(part.styles) > 1 else "a name"))
                continue
            for kind, style in value.items():
                problem = chordline.unknown_style(kind, style)
                if problem:
                    self.error(keys + (name,) + ((kind,) if isinstance(raw[name], dict) else ()), problem)
                else:
                    out.setdefault(name, {})[kind] = style
        return out

    def form(self, data) -> list[str] | None:
        """The names the form plays, in order (those that name a section); None if there is no form."""
        raw, known = data.get("form"), data.get("sections")
        if "form" not in data:
            self.error(("sections",), f"a score with 'sections' needs a 'form': the order they play in, "
                                      f"like {FORM_EXAMPLE}", at_key=True)
            return None
        if not isinstance(raw, list) or not raw:
            self.error(("form",), f"'form' must be a non-empty list of section names, like {FORM_EXAMPLE}")
            return None
        order = []
        for i, name in enumerate(raw):
            if not isinstance(name, str):
                self.error(("form", i), f"a form item must be a section's name, not {name!r}")
            elif isinstance(known, dict) and known and name not in known:
                names = ", ".join(str(k) for k in known)
                self.error(("form", i), f"unknown section {name!r} (the sections are: {names})")
            else:
                order.append(name)
        return order

    def check_use(self, sections: dict[str, _Section], order: list[str]) -> None:
        """Every section is played, and played at least as often as it has endings."""
        played = Counter(order)
        for name, section in sections.items():
            n = played[name]
            if not n:
                self.warning(section.keys, f"section {name!r} is never played: the form does not name it", at_key=True)
            elif len(section.endings) > n:
                self.error(section.keys + ("endings", n),
                           f"section {name!r} has {len(section.endings)} endings but the form plays it "
                           f"{n} time{'s' if n > 1 else ''}: ending {n + 1} is never played")

    @staticmethod
    def place(sections: dict[str, _Section], order: list[str]) -> list[tuple[dict, list[_Block]]]:
        """Each pass of a section in the form: where it starts (its "lofi" entry) and the blocks it
        plays, its body then its ending. Sections with errors (reported) are left out."""
        placed, passes, bar = [], Counter(), 0
        for name in order:
            section = sections.get(name)
            if section is None:
                continue
            passes[name] += 1
            ending = section.ending(passes[name])
            blocks = [section.body] + ([section.endings[ending - 1]] if ending else [])
            if any(b.bars is None for b in blocks):
                continue
            entry = {"name": name, "bar": bar, "bars": sum(b.bars for b in blocks), "pass": passes[name]}
            if ending:
                entry["ending"] = ending
            placed.append((entry, blocks))
            bar += entry["bars"]
        return placed

    def arrange(self, data, meter, bpm, loop_bars) -> tuple[list[tonejson.Track], int, list[dict], list, list]:
        """A score with a form written out: its tracks, its length in bars, where each section starts, and its
        chord lines' spans with the styles of the section each is in."""
        parts = {}
        for part in self.parts(data, with_form=True):
            parts.setdefault(part.name, part)
        sections = self.sections(data, parts, meter, bpm)
        order = self.form(data)
        if order is None:
            return [], 0, [], [], []
        self.check_use(sections, order)
        placed = self.place(sections, order)
        bars = sum(entry["bars"] for entry, _ in placed)
        notes = sum(len(b.notes.get(p, ())) for _, blocks in placed for b in blocks for p in parts)
        if bars > MAX_BARS:
            self.error(("form",), f"the form plays {bars} bars; a song may be at most {MAX_BARS} bars long")
        elif notes > MAX_NOTES:
            self.error(("form",), f"the form plays {notes:,} notes; a song may have at most {MAX_NOTES:,}")
        elif loop_bars is not None and loop_bars < bars:
            self.error(("loop_bars",), f"'loop_bars' ({loop_bars}) is shorter than the form ({bars} bars): "
                                       "the form would never finish")
        if self.errors:
            return [], bars, [], [], []

        tracks = []
        for part in parts.values():
            track = tonejson.Track(part.name, part.instrument)
            for entry, blocks in placed:
                at = entry["bar"] * meter.bar_ticks
                for block in blocks:
                    track.notes += [tonejson.Note(n.midi, n.ticks + at, n.duration_ticks, n.velocity)
                                    for n in block.notes.get(part.name, ())]
                    at += block.bars * meter.bar_ticks
            tracks.append(track)
        spans, styles = [], []
        for entry, blocks in placed:
            at = entry["bar"]
            for block in blocks:
                if block.chords is not None:
                    here = chordline.place(block.chords, at, meter)
                    spans += here
                    styles += [sections[entry["name"]].styles] * len(here)
                at += block.bars
        return tracks, bars, [entry for entry, _ in placed], spans, styles

    def play_chord_lines(self, tracks: list[tonejson.Track], spans: list, span_styles: list, meter, seed: int) -> None:
        """The parts with a comping or bass style play the chord lines (the accompaniment of music.accompany), the
        comping under the parts written as notes (drums and bass instruments aside)."""
        styled = {name: part for name, part in self.declared.items() if part.styles}
        if styled and not spans:
            for part in styled.values():
                kind = next(iter(part.styles))
                self.error(part.keys + (kind,), f"part {part.name!r} plays the chord line's {kind}, but the score "
                                                "has no chord line: write one with 'chords'")
            return
        lead = [(n.ticks, n.duration_ticks, n.midi) for t in tracks
                if t.name not in styled and not self.declared[t.name].drums and t.instrument != "bass"
                for n in t.notes]
        styles = {name: {kind: [own.get(name, {}).get(kind, style) for own in span_styles]
                         for kind, style in part.styles.items()} for name, part in styled.items()}
        played = chordline.play(spans, styles, meter=meter, seed=seed, melody=lead)
        for track in tracks:
            track.notes += played.get(track.name, [])

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
        extra = {}
        if "sections" in data or "form" in data:
            if "chords" in data:
                self.error(("chords",), "a score with a form writes its chord lines in its sections "
                                        "('chords' in a section or an ending)", at_key=True)
            tracks, bars, extra["sections"], spans, span_styles = self.arrange(data, meter, bpm, loop_bars)
            self.errors.raise_if_any()
            loop_bars = loop_bars or bars
        else:
            line = self.chord_line(("chords",), data["chords"], "the score") if "chords" in data else None
            tracks = self.flat(data, meter, bpm, loop_bars)
            spans = chordline.place(line, 0, meter) if line is not None else []
            span_styles = [{}] * len(spans)
            if line is not None and loop_bars is not None and len(line.bars) > loop_bars:
                self.error(("chords",), f"the chord line is {len(line.bars)} bars long, longer than the loop "
                                        f"(loop_bars: {loop_bars})")
            self.errors.raise_if_any()
            if loop_bars is None:
                last_end = max([n.ticks + n.duration_ticks for t in tracks for n in t.notes]
                               + [len(line.bars) * meter.bar_ticks if line is not None else 0])
                loop_bars = max(1, math.ceil(Fraction(last_end, meter.bar_ticks)))
                if loop_bars > MAX_BARS:
                    raise self.doc.error((), f"the score is longer than {MAX_BARS} bars")
        self.play_chord_lines(tracks, spans, span_styles, meter, header.get("seed", 0))
        self.errors.raise_if_any()
        if spans:
            extra["chords"] = chordline.chords_json(spans)

        extra.update({k: header[k] for k in ("composer", "description") if header[k] is not None})
        extra["swingSubdivision"] = header["swing_subdivision"]
        return tonejson.song_json(
            title=title, bpm=bpm, tracks=tracks, loop_bars=loop_bars,
            meter=meter, key=key, swing=swing, extra=extra,
        )


def compile_doc(doc: yamlio.Document, strict: bool = False) -> dict:
    """Compile a loaded score; raises :class:`LofiError` naming every problem with its position."""
    return _Compiler(doc, strict).compile()


def compile_text(text: str, path: str | Path = "<score>", strict: bool = False) -> dict:
    """Compile score source (``path`` names it in messages)."""
    return compile_doc(yamlio.loads(text, path, ContentError), strict)


__all__ = ["compile_text", "compile_doc"]
