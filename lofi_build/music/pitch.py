"""Pitch names <-> MIDI numbers (C4 = 60), with General MIDI drum names for drum parts."""

from __future__ import annotations

import re

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"": 0, "#": 1, "##": 2, "x": 2, "b": -1, "bb": -2, "-": -1, "--": -2, "♯": 1, "♭": -1}
# Octave is a plain number: '-' always means flat (music21's spelling), so C-1 is C-flat 1.
_PITCH = re.compile(r"^([A-Ga-g])(##|#|x|bb|b|--|-|♯|♭)?([0-9]{1,2})$")
_PITCH_SHAPE = re.compile(r"^[A-Ga-g](##|#|x|bb|b|--|-|♯|♭)?-?[0-9]+$")

# General MIDI percussion key map (channel 10), by the names a drum part may use.
DRUM_NAMES = {
    "kick": 36, "kick2": 35, "bassdrum": 36,
    "rim": 37, "sidestick": 37,
    "snare": 38, "clap": 39, "snare2": 40,
    "brushtap": 38, "brushslap": 39, "brushswirl": 40,
    "tom-low": 45, "tom-mid": 47, "tom-high": 50,
    "hat": 42, "closedhat": 42, "pedalhat": 44, "openhat": 46,
    "crash": 49, "ride": 51, "ridebell": 53,
    "tambourine": 54, "cowbell": 56, "cabasa": 69, "shaker": 70,
}


class PitchError(ValueError):
    """A pitch that does not parse or is out of range."""


def midi_name(midi: int) -> str:
    """MIDI number to the name @tonejs/midi uses: sharps, C4 = 60."""
    return f"{SHARP_NAMES[midi % 12]}{midi // 12 - 1}"


def looks_like_pitch(text: str) -> bool:
    """Whether ``text`` has the shape of a pitch name (in range or not), e.g. ``C4``, ``Ab9``, ``B-12``."""
    return bool(_PITCH_SHAPE.match(text.strip()))


def parse_pitch(value, drums: bool = False) -> int:
    """A pitch name (``C4``, ``Bb3``, ``E-4``, ``F#2``), a MIDI number, or for drums a GM drum name."""
    if isinstance(value, bool):
        raise PitchError(f"{value!r} is not a pitch")
    if isinstance(value, int):
        midi = value
    elif isinstance(value, str):
        text = value.strip()
        if drums and text.lower() in DRUM_NAMES:
            return DRUM_NAMES[text.lower()]
        m = _PITCH.match(text)
        if not m:
            hint = f"; drum names are {', '.join(sorted(DRUM_NAMES))}" if drums else ""
            raise PitchError(f"unknown pitch '{value}' (expected a name like C4, Bb3, E-4 or F#2{hint})")
        letter, accidental, octave = m.groups()
        midi = (int(octave) + 1) * 12 + _STEPS[letter.upper()] + _ACCIDENTALS[accidental or ""]
    else:
        raise PitchError(f"{value!r} is not a pitch")
    if not 0 <= midi <= 127:
        raise PitchError(f"pitch '{value}' is outside the MIDI range 0..127")
    return midi


_KEY = re.compile(r"^([A-Ga-g])(#|b|-|♯|♭)?\s+(major|minor)$", re.I)
_FLAT_KEYS = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")


def parse_key(value) -> tuple[str, str]:
    """``"F major"`` -> ``("F", "major")``; the tonic spelled with ``#``/``b`` as @tonejs/midi does."""
    m = _KEY.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise PitchError(f"unknown key {value!r} (expected '<tonic> major' or '<tonic> minor', e.g. 'F major')")
    letter, accidental, scale = m.groups()
    accidental = {"-": "b", "♭": "b", "♯": "#"}.get(accidental or "", accidental or "")
    tonic = letter.upper() + accidental
    scale = scale.lower()
    sharps = _key_sharps(tonic, scale)
    if not -7 <= sharps <= 7:
        raise PitchError(f"'{value}' has no standard key signature; try its enharmonic twin")
    return tonic, scale


def _key_sharps(tonic: str, scale: str) -> int:
    """Sharps (+) or flats (-) in the key signature, from the circle of fifths."""
    fifths = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}[tonic[0]]
    fifths += 7 * (tonic.count("#") - tonic.count("b"))
    return fifths - (3 if scale == "minor" else 0)

