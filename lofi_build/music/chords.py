"""Chord symbols (``Fmaj7``, ``Dm9``, ``G7b9``, ``Bbmaj7/F``) read by one grammar over the chord table and voiced.

The grammar, written the same way in ``site_src/js/ai/progression.js``:

* a symbol is ROOT KIND CHANGE* [``/`` BASS]; white space (SPACE) around it is not part of it;
* ROOT and BASS are a letter A-G (either case) and at most one accidental of ACCIDENTALS;
* KIND is the longest spelling in the table after which the rest reads as changes ("" is major);
* a CHANGE is an alteration ``b``/``#`` (or ``♭``/``♯``) + 5, 9, 11 or 13; an addition ``add`` +
  an optional accidental + 2, 4, 6, 9, 11 or 13; or an omission ``omit`` + a degree;
* the notes are the kind's intervals; a change of a degree in the kind's ``drops`` is dropped; an
  alteration or addition of a degree the kind has moves that note, else adds a note at the table's
  degree interval; the first alteration kept leaves out the kind's ``altered_omits``; an omission
  removes every note of its degree (and is unknown when there is none); equal notes sound once, and
  fewer than two notes are no chord;
* a BASS spelled as a note of the chord (the letter of that note's degree, its pitch class) is
  lowest: the notes under it move up by octaves until above it; any other BASS is added in the
  octave below the root's, octaves counted by letter from C (so Cb sits under C, B# over B);
* the voicing is moved by octaves so that its lowest note lies in the octave from the table's
  ``floor`` (C3..B3);
* its avoid notes are the kind's ``avoid_notes`` over the root, less an 11 the changes add (``add11``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .chord_table import chord_table

SPACE = " \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # a regex class
_SPACE_RUN = re.compile(f"[{SPACE}]+")
_SPACE_AROUND = re.compile(f"^[{SPACE}]+|[{SPACE}]+\\Z")
ACCIDENTALS = {"##": 2, "#": 1, "♯": 1, "bb": -2, "b": -1, "♭": -1, "--": -2, "-": -1}
_NOTE = "([A-Ga-g])(##|#|♯|bb|b|♭|--|-)?"
_SYMBOL = re.compile(f"{_NOTE}(.*?)(?:/{_NOTE})?", re.S)
_CHANGE = "([b#♭♯])(13|11|9|5)|add([b#♭♯]?)(13|11|9|6|4|2)|omit(13|11|9|7|6|5|4|3|2|1)"
_CHANGES = re.compile(f"(?:{_CHANGE})*")
_LETTERS = "CDEFGAB"
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_SIGN = {"b": -1, "♭": -1, "#": 1, "♯": 1, "": 0}


class ChordError(ValueError):
    """A chord symbol the grammar cannot read."""


@dataclass(frozen=True)
class Spelled:
    """A symbol read: root and bass pitch classes, the kind's name in the table, the changes as written
    and the voicing (MIDI numbers, lowest first)."""

    root: int
    bass: int
    kind: str
    changes: str
    midi: tuple[int, ...]
    avoid: tuple[int, ...] = ()  # pitch classes a melody never sounds on a strong beat or holds a beat


def strip(text: str) -> str:
    """``text`` without the grammar's white space around it."""
    return _SPACE_AROUND.sub("", text)


def split(text: str) -> list[str]:
    """``text`` cut at runs of the grammar's white space."""
    return [s for s in _SPACE_RUN.split(text) if s]


def pitch(letter: str, accidental: str | None) -> int:
    """Semitones above the C of a note's octave, counted by its letter: Cb is -1, B# is 12."""
    return _STEPS[letter.upper()] + ACCIDENTALS.get(accidental or "", 0)


def _unknown(symbol: str) -> ChordError:
    return ChordError(f"unknown chord symbol '{symbol}'")


@functools.cache
def _spellings() -> list[tuple[str, str]]:
    """(spelling, kind name) of every kind in the table, longest spelling first."""
    kinds = chord_table()["kinds"]
    return sorted(((s, name) for name, kind in kinds.items() for s in kind["spellings"]), key=lambda x: -len(x[0]))


def _kind_of(rest: str) -> tuple[str, str] | None:
    """(kind name, changes text): the longest spelling after which ``rest`` reads as changes."""
    for spelling, name in _spellings():
        if rest.startswith(spelling) and _CHANGES.fullmatch(rest, len(spelling)):
            return name, rest[len(spelling):]
    return None


def _notes_of(kind: dict, changes: str, degrees: dict) -> list[tuple[int, int]] | None:
    """(degree, semitones above the root) of the kind's notes with the changes applied, lowest first;
    None when an omission finds nothing."""
    # [degree, semitones, the kind's own note]: an alteration moves the kind's note of its degree.
    notes = [[d.lstrip("b#"), i, True] for d, i in zip(kind["spelling"], kind["intervals"])]
    altered = False
    for m in re.finditer(_CHANGE, changes):
        sign, degree, add_sign, add_degree, omit = m.groups()
        if omit:
            kept = [n for n in notes if n[0] != omit]
            if len(kept) == len(notes):
                return None
            notes = kept
            continue
        degree = degree or add_degree
        if degree in kind["drops"]:
            continue
        if sign and not altered:
            altered = True
            notes = [n for n in notes if not (n[2] and n[0] in kind["altered_omits"])]
        semitones = degrees[degree] + _SIGN[sign or add_sign]
        own = next((n for n in notes if n[2] and n[0] == degree), None)
        if own:
            own[1] = semitones
        else:
            notes.append([degree, semitones, False])
    out = {}
    for degree, semitones, _ in notes:
        out.setdefault(semitones, int(degree))
    return [(d, i) for i, d in sorted(out.items())]


def _voice(notes: list[tuple[int, int]], root: tuple[str, int], bass: tuple[str, int] | None, floor: int):
    """MIDI numbers of ``notes`` ((degree, semitones above the root), lowest first) over ``root`` and
    ``bass`` ((letter, pitch))."""
    intervals = [i for _, i in notes]
    if bass is not None:
        letter = _LETTERS.index(root[0].upper())
        tone = next((i for d, i in notes if _LETTERS[(letter + d - 1) % 7] == bass[0].upper()
                     and (root[1] + i - bass[1]) % 12 == 0), None)
        if tone is not None:  # a chord tone in the bass: the notes under it move up above it
            intervals = sorted(i + 12 * ((tone - i) // 12 + 1) if i < tone else i for i in intervals)
        else:  # another note: added in the octave below the root's
            below = bass[1] - root[1] - 12
            intervals = [below - 12 if below >= 0 else below] + intervals
    low = floor + root[1] + intervals[0]
    shift = 12 * ((floor - low + 11) // 12)
    return tuple(floor + root[1] + i + shift for i in intervals)


def parts(symbol: str) -> tuple[str, str | None, str, str | None, str | None] | None:
    """(root letter, accidental, kind and changes, bass letter, bass accidental) of a symbol written
    as the grammar has it, before the kind is looked up; None when it is not."""
    m = _SYMBOL.fullmatch(strip(symbol))
    return m.groups() if m else None


def read(symbol: str) -> Spelled:
    """A chord symbol read by the grammar over the chord table; raises ChordError when it is unknown."""
    if not isinstance(symbol, str):
        raise _unknown(str(symbol))
    table = chord_table()
    split_up = parts(symbol)
    found = _kind_of(split_up[2]) if split_up else None
    notes = _notes_of(table["kinds"][found[0]], found[1], table["degrees"]) if found else None
    if notes is None or len(notes) < 2:
        raise _unknown(symbol)
    letter, accidental, _, bass_letter, bass_accidental = split_up
    root = (letter, pitch(letter, accidental))
    bass = (bass_letter, pitch(bass_letter, bass_accidental)) if bass_letter else None
    asked = {int(m.group(4)) for m in re.finditer(_CHANGE, found[1]) if m.group(4) and not m.group(3)}
    avoid = tuple(sorted((root[1] + i) % 12 for i in table["kinds"][found[0]]["avoid_notes"]
                         if not (i == table["degrees"]["11"] % 12 and 11 in asked)))
    return Spelled(root[1] % 12, (bass or root)[1] % 12, *found, _voice(notes, root, bass, table["floor"]), avoid)


def chord_pitches(symbol: str) -> tuple[int, ...]:
    """MIDI numbers of a chord symbol, lowest first, voiced in a sensible octave."""
    return read(symbol).midi
