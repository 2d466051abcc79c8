"""The article's token encoding: music21 notes, chords and rests <-> tokens, plus durations and piece markers.

A piece is read the way the article reads it: ``converter.parse``, then
``instrument.partitionByInstrument``, then every note, chord and rest of a part in time order:

* a note is its pitch name with octave, ``str(note.pitch)`` (``E-4``, ``F#3``);
* a chord is its normal order of pitch classes joined by dots (``0.4.7``);
* a rest is ``r``.

What we add (the article's "future work"): every event carries its quarterLength, quantised
to :data:`DURATIONS`, and each part is one sequence between :data:`START` and :data:`END`.

Choices the article leaves open, made here once:

* **Parts.** Every pitched part of ``partitionByInstrument`` is its own sequence, in that order
  (the article reads only the first, so its tokens are our first sequence); percussion parts
  (General MIDI channel 10, music21's unpitched percussion) and parts with no notes are skipped.
* **Order.** Elements come in ``recurse()`` order, as in the article's loop: in time order
  for a line of notes and chords (music21's MIDI import makes a chord of notes that start and
  end together, and a ``Rest`` for every gap, split at bar lines). Where a part overlaps itself
  (a held bass under a melody) music21 splits the bar into voices and the loop reads one voice
  after the other; we keep that, so the tokens are the article's.
* **Ties** split at bar lines stay separate events (a tied note repeats its token), as in the
  article. Grace notes and chord symbols (which MIDI files never hold) take no time and are
  skipped.

This module needs music21 only to read and write music; the pitch arithmetic on tokens
(:func:`token_pitches`) is plain Python so generation runs without it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import ContentError
from .pitch import PitchError, parse_pitch

REST = "r"
START = "<start>"
END = "<end>"
MARKERS = (START, END)
# Bumped whenever the encoding changes, so cached encodings and checkpoints are not reused.
ENCODING_VERSION = 1

# Every duration the model knows, in quarter notes: the 16th-note grid up to a whole note, and
# the triplet eighth, quarter and half. Longer events are capped at a whole note.
DURATIONS: tuple[Fraction, ...] = tuple(sorted({Fraction(k, 4) for k in range(1, 17)} | {Fraction(k, 3) for k in (1, 2, 4)}))
# The article's random durations for a model without a duration head: note types and their
# probabilities; rests are always 16ths.
ARTICLE_DURATIONS = {Fraction(1, 2): 0.65, Fraction(1, 4): 0.25, Fraction(1): 0.05, Fraction(2): 0.05}
ARTICLE_REST = Fraction(1, 4)
CHORD_OCTAVE = 4  # the article's note.Note(int) puts chord tones in octave 4

MIDI_SUFFIXES = (".mid", ".midi", ".smf")
SCORE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Event:
    """One token and how many quarter notes it moves the clock."""

    token: str
    quarter_length: Fraction


def quantise(quarter_length) -> Fraction:
    """The nearest of :data:`DURATIONS` on a log scale (so 1/8 and 1/4 are as far as 1 and 2)."""
    q = float(quarter_length)
    if q <= 0:
        return DURATIONS[0]
    return min(DURATIONS, key=lambda d: (abs(math.log(q / float(d))), d))


def format_quarter_length(q) -> str:
    """``0.25``, ``1.0``, ``0.3333``: short and stable for printing."""
    return repr(round(float(q), 4))


# -- tokens as pitches (no music21) ------------------------------------------------------------


def is_chord(token: str) -> bool:
    """The article's test: a chord token has a dot or is a lone pitch class."""
    return "." in token or token.isdigit()


def token_pitches(token: str) -> tuple[int, ...]:
    """MIDI numbers a token sounds: () for rests and markers.

    Chords are voiced as the article decodes them, pitch classes in octave 4, but stacked
    upwards in normal order so the chord keeps its shape (``11.2.6`` is B4 D5 F#5).
    """
    if token == REST or token in MARKERS:
        return ()
    if is_chord(token):
        out: list[int] = []
        for pc in (int(x) for x in token.split(".")):
            midi = (CHORD_OCTAVE + 1) * 12 + pc % 12
            while out and midi <= out[-1]:
                midi += 12
            out.append(midi)
        return tuple(out)
    return (parse_pitch(token),)


def top_pitch_class(token: str) -> int:
    """The pitch class of the highest note a token sounds (-1: a rest or a marker)."""
    pitches = token_pitches(token)
    return max(pitches) % 12 if pitches else -1


def valid_token(token: str) -> bool:
    try:
        token_pitches(token)
    except (PitchError, ValueError):
        return False
    return True


# -- music21 -> tokens ------------------------------------------------------------------------


def token_of(element) -> str | None:
    """The article's token for a music21 element, or None for anything else."""
    from music21 import chord, harmony, note

    if isinstance(element, note.Note):
        return str(element.pitch)
    if isinstance(element, chord.Chord) and not isinstance(element, harmony.Harmony):
        return ".".join(str(n) for n in element.normalOrder)
    if isinstance(element, note.Rest):
        return REST
    return None


def is_percussion(part) -> bool:
    from music21 import instrument

    inst = part.getInstrument(returnDefault=False)
    return isinstance(inst, instrument.UnpitchedPercussion) or getattr(inst, "midiChannel", None) == 9


def _sounding(element) -> bool:
    from music21 import chord, harmony, note

    if isinstance(element, harmony.Harmony) or element.duration.isGrace or element.quarterLength == 0:
        return False
    return isinstance(element, (note.Note, chord.Chord, note.Rest))


def part_events(part) -> list[Event]:
    """The events of one part exactly as the article's loop meets them: ``part.recurse()``, one
    event per note, chord or rest, with its own quarterLength (quantised)."""
    return [Event(token_of(e), quantise(e.quarterLength)) for e in part.recurse() if _sounding(e)]


def score_events(score) -> list[list[Event]]:
    """One event list per pitched part of a music21 score (an Opus gives every score's parts)."""
    from music21 import instrument, stream

    if isinstance(score, stream.Opus):
        return [seq for s in score.scores for seq in score_events(s)]
    parts = instrument.partitionByInstrument(score)
    walk = list(parts.parts) if parts is not None and parts.parts else list(score.parts) or [score]
    out = []
    for part in walk:
        if is_percussion(part):
            continue
        events = part_events(part)
        if any(ev.token != REST for ev in events):
            out.append(events)
    return out


def parse(path: Path):
    """Read a MIDI file, a YAML score or any format music21 reads; a bad file is a ContentError."""
    from music21 import converter

    path = Path(path)
    if path.suffix.lower() in SCORE_SUFFIXES:
        from .midi import midi_bytes
        from ..scorefile import compile_file

        song = compile_file(path)
        song = {**song, "lofi": {**song["lofi"], "swing": 0}}  # straight time: swing is a performance
        data, kind = midi_bytes(song), "midi"
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ContentError(f"cannot read file: {e.strerror or e}", path) from None
        kind = "midi" if path.suffix.lower() in MIDI_SUFFIXES else None
    what = "MIDI file" if kind == "midi" else "score"
    if not data:
        raise ContentError(f"cannot read {what}: the file is empty", path)
    try:
        if kind == "midi":
            return converter.parseData(data, format="midi", forceSource=True)
        return converter.parse(path, forceSource=True)
    except Exception as e:  # music21 raises many kinds (MidiException, IndexError, struct.error...)
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ContentError(f"cannot read {what}: {reason[:200]}", path) from None


def encode_file(path) -> list[list[Event]]:
    """Every pitched part of a file as events (``lofi-build tokens`` prints these)."""
    try:
        return score_events(parse(path))
    except ContentError:
        raise
    except Exception as e:  # a file music21 reads but cannot walk
        raise ContentError(f"cannot encode: {type(e).__name__}: {str(e)[:200]}", path) from None


def with_markers(parts: list[list[Event]]) -> list[Event]:
    """The sequence the model trains on: each part between START and END."""
    out: list[Event] = []
    for events in parts:
        out += [Event(START, Fraction(0)), *events, Event(END, Fraction(0))]
    return out


def format_events(parts: list[list[Event]], markers: bool = False) -> str:
    """One event a line, ``TOKEN<TAB>QUARTERLENGTH``; ``markers`` shows START/END as the model sees them."""
    events = with_markers(parts) if markers else [e for p in parts for e in p]
    return "".join(f"{e.token}\t{format_quarter_length(e.quarter_length)}\n" for e in events)


def file_text(path, markers: bool = False, chords: bool = False) -> str:
    """``lofi-build tokens``: a file's events as text; ``chords``: as the ``lofi`` network reads them, with
    each event's bar position and the chord under it."""
    if chords:
        return format_steps(encode_file_steps(path), markers=markers)
    return format_events(encode_file(path), markers=markers)


# -- tokens -> music21 (the article's decoding) ------------------------------------------------


def decode(events: list[Event], instrument_name: str = "Piano"):
    """A music21 stream of the events, placed one after another as the article does."""
    from music21 import chord, instrument, note, stream

    out = stream.Stream()
    out.insert(0, getattr(instrument, instrument_name)())
    offset = Fraction(0)
    for ev in events:
        if ev.token in MARKERS:
            continue
        if ev.token == REST:
            element = note.Rest(quarterLength=ev.quarter_length)
        elif is_chord(ev.token):
            element = chord.Chord(list(token_pitches(ev.token)), quarterLength=ev.quarter_length)
        else:
            element = note.Note(ev.token, quarterLength=ev.quarter_length)
        out.insert(offset, element)
        offset += ev.quarter_length
    return out


# -- conditioning: the chord under every event and where in the bar it starts (the `lofi` preset) --
#
# Tokens are the article's with two changes: a note is named from its MIDI number with sharps
# (``D#4``, never ``E-4``), so transposing a token is arithmetic and the vocabulary is the same in
# every key; and a note tied over a bar line is one event (music21's ``stripTies``), as a player
# hears it, where the article's walk repeats its token (a note longer than the longest duration
# sounds that long, then a rest fills the time it was held). Chords keep the normal order, rests
# ``r``. Beside each event:
#
# * ``position``: its onset within the bar in twelfths of a quarter (a 16th is 3, a triplet eighth
#   4): 0..47 in 4/4; :data:`OFF_GRID` (48) for an onset off that grid or past 4 quarters.
# * ``chord``: the harmony sounding at its onset as ``(root, pitch classes, bass)``, or None.
#   It comes from the score's chord symbols (lead sheets: read by the chord grammar over the chord
#   table wherever the symbol reads in it, else as music21 realises it), else from chordify of its
#   comping parts (our songs: parts that play mostly chords), else, for collections read as harmony
#   (Bach chorales), from chordify of the parts under the top part (never the melody itself); else None.
# * ``onset`` and ``bar``: where it starts, in quarters from the part's start, and the bar's length
#   there (what the network's lookback, the event one and two bars back, is found with).

LOFI_ENCODING_VERSION = 2  # 2: ties joined, chorale chords under the melody, symbols through the table
TWELFTHS = 12  # positions per quarter note
GRID = 48  # positions in a 4/4 bar
OFF_GRID = GRID  # position id of an onset off the grid
POSITIONS = GRID + 1

ChordLabel = tuple  # (root pc, tuple of pcs, bass pc)


@dataclass(frozen=True)
class Step:
    """An event with its conditioning: token, quarterLength, metrical position and the chord under it, and
    where it starts (quarters from the part's start) in bars of how many quarters."""

    token: str
    quarter_length: Fraction
    position: int
    chord: ChordLabel | None
    onset: Fraction = Fraction(0)
    bar: Fraction = Fraction(4)


class Parts(list):
    """A file's melody parts (lists of :class:`Step`), with what reading its chord symbols found: how many
    symbols it has and those the chord grammar does not read (music21's realisation stands for them)."""

    def __init__(self, parts=(), symbols: int = 0, unread: list[str] | None = None):
        super().__init__(parts)
        self.symbols = symbols
        self.unread = list(unread or [])


def metrical_position(onset_in_bar) -> int:
    """Twelfths of a quarter from the bar line: 0..47, or :data:`OFF_GRID`."""
    t = Fraction(onset_in_bar) * TWELFTHS
    if t.denominator != 1 or not 0 <= t < GRID:
        return OFF_GRID
    return int(t)


def chord_mask(pcs) -> int:
    """Pitch classes as a 12-bit mask (bit k = pitch class k)."""
    return sum(1 << (pc % 12) for pc in set(pcs))


def chord_text(chord: ChordLabel | None) -> str:
    """``C:0.4.7.11/E`` (root, pitch classes, bass) or ``-`` for no chord."""
    from .pitch import SHARP_NAMES

    if chord is None:
        return "-"
    root, pcs, bass = chord
    return f"{SHARP_NAMES[root]}:{'.'.join(map(str, pcs))}/{SHARP_NAMES[bass]}"


def normal_order(pcs) -> list[int]:
    """music21's ``Chord.normalOrder`` in plain Python: the most compact rotation, packed to the left,
    then the lowest first pitch class (so generation and augmentation need no music21)."""
    s = sorted({int(p) % 12 for p in pcs})
    rotations = [s[i:] + s[:i] for i in range(len(s))]

    def key(r):
        iv = [(pc - r[0]) % 12 for pc in r]
        return (iv[-1], *iv[1:-1], r[0])

    return min(rotations, key=key) if s else []


def transpose_token(token: str, semitones: int) -> str | None:
    """The token ``semitones`` higher (sharp names; chords in normal order); None off the MIDI range."""
    if token == REST or token in MARKERS or not semitones:
        return token
    if is_chord(token):
        return ".".join(map(str, normal_order(int(pc) + semitones for pc in token.split("."))))
    from .pitch import midi_name

    midi = parse_pitch(token) + semitones
    return midi_name(midi) if 0 <= midi <= 127 else None


def _label(element) -> ChordLabel | None:
    """(root, pcs, bass) of a music21 chord, chord symbol or note; None for rests and 'N.C.'."""
    from music21 import chord, harmony, note

    if isinstance(element, harmony.NoChord) or isinstance(element, note.Rest):
        return None
    if isinstance(element, note.Note):
        pc = element.pitch.pitchClass
        return (pc, (pc,), pc)
    if isinstance(element, chord.Chord):
        pcs = tuple(sorted({p.pitchClass for p in element.pitches}))
        if not pcs:
            return None
        return (element.root().pitchClass, pcs, element.bass().pitchClass)
    return None


def _frac(x) -> Fraction:
    return Fraction(x).limit_denominator(10_000)


class Harmony:
    """Chord changes as (onset, label) in quarters, looked up by onset: the last change at or before it."""

    def __init__(self, changes: list[tuple[Fraction, ChordLabel | None]]):
        changes = sorted(changes, key=lambda c: c[0])
        self.onsets = [c[0] for c in changes]
        self.labels = [c[1] for c in changes]

    def at(self, onset: Fraction) -> ChordLabel | None:
        import bisect

        i = bisect.bisect_right(self.onsets, onset) - 1
        return self.labels[i] if i >= 0 else None


_M21_FIGURE = re.compile(r"([^ /]+)(/[^ ]+)?((?: (?:add|alter|subtract) [#b-]*\d+)*)")
_M21_CHANGE = re.compile(r" (add|alter|subtract) ([#b-]*)(\d+)")


def grammar_symbol(figure: str) -> str:
    """music21's figure of a chord symbol (``C7 add b9``, ``Gsus/C add 7``) as a lead sheet spells it for the chord
    grammar (``C7addb9``, ``Gsusadd7/C``): "add X" is addX, "alter X" is X, "subtract X" is omitX, before the bass."""
    m = _M21_FIGURE.fullmatch(figure.strip())
    if not m:
        return figure
    base, bass, changes = m.groups()
    written = {"add": "add", "alter": "", "subtract": "omit"}
    return base + "".join(written[kind] + sign.replace("-", "b") + degree
                          for kind, sign, degree in _M21_CHANGE.findall(changes)) + (bass or "")


def _table_label(figure: str) -> ChordLabel | None:
    """(root, pcs, bass) of a symbol as the chord table spells it; None where the grammar does not read it."""
    from .chords import ChordError
    from .progression import make_chord

    try:
        chord = make_chord(grammar_symbol(figure))
    except ChordError:
        return None
    return (chord.root, chord.pcs, chord.bass)


def _symbol_harmony(score) -> tuple[Harmony | None, int, list[str]]:
    """The score's chord symbols as chord changes, read through the chord table wherever the grammar reads them
    (else as music21 realises them); with how many symbols there are and those the grammar does not read."""
    from music21 import harmony

    changes, symbols, unread = [], 0, []
    for cs in score.flatten().getElementsByClass(harmony.Harmony):
        if isinstance(cs, harmony.NoChord):
            changes.append((_frac(cs.offset), None))
            continue
        symbols += 1
        label = _table_label(cs.figure)
        if label is None:
            unread.append(cs.figure)
            try:
                label = _label(cs)
            except Exception:  # a symbol music21 cannot realise either: no chord there
                label = None
        changes.append((_frac(cs.offset), label))
    return (Harmony(changes) if changes else None), symbols, unread


def _chordify_harmony(stream_, hold: bool = False) -> Harmony:
    """Every vertical sonority as a chord change. Where everything rests there is no chord, unless
    ``hold``: a gap in a comping part is rhythm, and the chord before it still sounds."""
    flat = stream_.chordify().flatten()
    return Harmony([(_frac(e.offset), _label(e)) for e in (flat.notes if hold else flat.notesAndRests)])


def _is_comping(part) -> bool:
    """A part that plays chords: most of its sounding events hold three notes or more."""
    from music21 import chord

    sounding = [e for e in part.recurse().notes]
    chords = sum(1 for e in sounding if isinstance(e, chord.Chord) and len(e.pitches) >= 3)
    return bool(sounding) and chords * 2 >= len(sounding)


def lofi_token(element) -> str | None:
    """The article's token, but notes named from their MIDI number with sharps."""
    from music21 import note

    from .pitch import midi_name

    if isinstance(element, note.Note):
        return midi_name(element.pitch.midi)
    return token_of(element)


def part_steps(part, harmony: Harmony | None) -> list[Step]:
    """The article's walk of a part (``recurse()``) with its ties joined, each event with its bar position and
    chord, its onset and the bar's length; a note longer than the longest duration is followed by a rest for
    the rest of its time (so onsets and durations add up as they do when a solo is generated)."""
    from music21 import meter, stream

    part = part.stripTies(inPlace=False)
    out: list[Step] = []
    measure, start, pad = None, Fraction(0), Fraction(0)
    bar = Fraction(4)
    for e in part.recurse():
        if isinstance(e, stream.Measure):
            measure, start, pad = e, _frac(e.getOffsetInHierarchy(part)), _frac(e.paddingLeft or 0)
            continue
        if isinstance(e, meter.TimeSignature):
            bar = _frac(e.barDuration.quarterLength)
            continue
        if not _sounding(e):
            continue
        if measure is not None:
            try:
                within = _frac(e.getOffsetInHierarchy(measure))
            except Exception:
                within = _frac(e.getOffsetInHierarchy(part)) - start
            onset, in_bar = start + within, within + pad
        else:
            onset = _frac(e.getOffsetInHierarchy(part))
            in_bar = onset % bar
        chord = harmony.at(onset) if harmony is not None else None
        length = _frac(e.quarterLength)
        token = lofi_token(e)
        out.append(Step(token, quantise(length), metrical_position(in_bar), chord, onset, bar))
        held = DURATIONS[-1]
        if token != REST and length > held:
            after = onset + held
            out.append(Step(REST, quantise(length - held), metrical_position((in_bar + held) % bar),
                            harmony.at(after) if harmony is not None else None, after, bar))
    return out


def score_steps(score, chordify: bool = False) -> Parts:
    """Every melody part of a score with its conditioning (see the comment above :class:`Step`)."""
    from music21 import instrument, stream

    if isinstance(score, stream.Opus):
        found = [score_steps(s, chordify) for s in score.scores]
        return Parts([seq for parts in found for seq in parts], sum(p.symbols for p in found),
                     [u for p in found for u in p.unread])
    if chordify and score.parts:  # a chorale: its top part over the harmony of the parts under it
        under = list(score.parts)[1:]
        harmony = _chordify_harmony(stream.Score(under)) if under else None
        return Parts([part_steps(score.parts[0], harmony)])
    harmony, symbols, unread = _symbol_harmony(score)
    parts = instrument.partitionByInstrument(score)
    walk = list(parts.parts) if parts is not None and parts.parts else list(score.parts) or [score]
    walk = [p for p in walk if not is_percussion(p)]
    if harmony is None:
        comping = [p for p in walk if _is_comping(p)]
        if comping and len(comping) < len(walk):
            harmony = _chordify_harmony(stream.Score(comping), hold=True)
            walk = [p for p in walk if p not in comping]
    out = []
    for part in walk:
        steps = part_steps(part, harmony)
        if any(s.token != REST for s in steps):
            out.append(steps)
    return Parts(out, symbols, unread)


def encode_file_steps(path, chordify: bool = False) -> Parts:
    """Every melody part of a file with its chords and positions (``lofi-build tokens --chords``)."""
    try:
        return score_steps(parse(path), chordify)
    except ContentError:
        raise
    except Exception as e:
        raise ContentError(f"cannot encode: {type(e).__name__}: {str(e)[:200]}", path) from None


def format_steps(parts: list[list[Step]], markers: bool = False) -> str:
    """One event a line: ``TOKEN<TAB>QUARTERLENGTH<TAB>POSITION<TAB>CHORD`` (chord as :func:`chord_text`)."""
    lines = []
    for p in parts:
        steps = [Step(START, Fraction(0), OFF_GRID, None), *p, Step(END, Fraction(0), OFF_GRID, None)] if markers else p
        lines += [f"{s.token}\t{format_quarter_length(s.quarter_length)}\t{s.position}\t{chord_text(s.chord)}\n"
                  for s in steps]
    return "".join(lines)
