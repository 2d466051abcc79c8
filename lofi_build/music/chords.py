"""Chord symbols (``Fmaj7``, ``Dm9``, ``G7b9``, ``Bbmaj7/F``) spelled by music21 and voiced for keys."""

from __future__ import annotations

import functools
import re

# The lowest note of a voiced chord sits in C3..B3: warm, clear of the bass, under the melody.
VOICING_FLOOR = 48

_ROOT = re.compile(r"^([A-Ga-g])(##|#|bb|b|--|-|♯|♭)?(.*?)(?:/([A-Ga-g])(##|#|bb|b|--|-|♯|♭)?)?$")
# Common lead-sheet spellings music21's harmony module does not know, mapped to ones it does.
_KIND_ALIASES = {
    "maj9": "M9", "maj11": "M11", "maj13": "M13", "Δ": "maj7", "Δ7": "maj7", "Δ9": "M9",
    "m(maj7)": "mM7", "m(M7)": "mM7", "mmaj7": "mM7", "mMaj7": "mM7", "-maj7": "mM7",
    "6/9": "6add9", "69": "6add9", "m6/9": "m6add9", "m69": "m6add9",
    "9sus4": "7sus4add9", "9sus": "7sus4add9", "m7-5": "m7b5", "mi7": "m7", "mi9": "m9", "mi": "m",
    "13sus4": "7sus4add9add13", "13sus": "7sus4add9add13", "ø": "m7b5", "7alt": "7#9b13",
}
# music21 drops the alteration of an altered 13th ("13b9", "13#11"); spell it as a 7th with an added 13th.
_ALTERED_13 = re.compile(r"^13((?:[#b+-](?:5|9|11))+)$")


# A suffix of bare digits is a chord only in these lead-sheet senses; music21 reads others
# ("C3", "C64") as figured bass, and returns a single note or an interval for them.
_NUMERIC_KINDS = {"", "5", "6", "7", "9", "11", "13", "69"}


class ChordError(ValueError):
    """A chord symbol music21 cannot spell."""


def _accidental(text: str | None) -> str:
    return {"b": "-", "bb": "--", "♭": "-", "♯": "#"}.get(text or "", text or "")


@functools.lru_cache(maxsize=512)
def chord_pitches(symbol: str) -> tuple[int, ...]:
    """MIDI numbers of a chord symbol, lowest first, voiced in a sensible octave."""
    from music21 import harmony  # music21 is slow to import; only scores with chords need it

    m = _ROOT.match(symbol.strip()) if isinstance(symbol, str) else None
    if not m or not symbol.strip():
        raise ChordError(f"unknown chord symbol {symbol!r}")
    letter, accidental, kind, bass_letter, bass_accidental = m.groups()
    if kind.isdigit() and kind not in _NUMERIC_KINDS or kind.startswith("-") and kind[1:2].isdigit():
        raise ChordError(f"unknown chord symbol {symbol!r}")
    altered = _ALTERED_13.match(kind)
    if altered:
        kind = ("7" if "9" in altered.group(1) else "9") + altered.group(1) + "add13"
    kind = _KIND_ALIASES.get(kind) or re.sub(r"^maj(9|11|13)(?=[#b+-])", r"M\1", kind)
    text = letter.upper() + _accidental(accidental) + kind
    if bass_letter:
        text += "/" + bass_letter.upper() + _accidental(bass_accidental)
    try:
        cs = harmony.ChordSymbol(text)
        midis = [p.midi for p in cs.pitches]
    except Exception:  # music21 signals a bad symbol with several exception types
        raise ChordError(f"unknown chord symbol {symbol!r}") from None
    # music21 answers some nonsense suffixes with a doubled note rather than an error.
    if len(set(midis)) != len(midis) or len(midis) < (2 if kind in ("5", "power") else 3):
        raise ChordError(f"unknown chord symbol {symbol!r}")
    shift = 12 * ((VOICING_FLOOR - midis[0] + 11) // 12)
    return tuple(sorted(n + shift for n in midis))
