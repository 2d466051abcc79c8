"""What music21's ChordSymbol itself reads for a chord symbol: the reference the chord table's tests and
benchmarks/chords_vs_music21.py compare the grammar with."""

from __future__ import annotations

from lofi_build.music import chords
from lofi_build.music.chord_table import VOICING_FLOOR, chord_table

_ACCIDENTAL = {"b": "-", "bb": "--", "♭": "-", "♯": "#"}


def _note(letter: str, accidental: str | None) -> str:
    return letter.upper() + _ACCIDENTAL.get(accidental or "", accidental or "")




def figure(symbol: str) -> str:
    """music21's figure for a symbol: the table's figure for the kind the grammar reads (our spellings, such
    as ``13sus4``, are no music21 abbreviations), the changes as written; the symbol itself when the grammar
    does not read it."""
    letter, accidental, suffix, bass_letter, bass_accidental = chords.parts(symbol) or (None,) * 5
    if letter is None:
        return symbol
    try:
        spelled = chords.read(symbol)
    except chords.ChordError:
        middle = suffix
    else:
        middle = chord_table()["kinds"][spelled.kind]["music21"] + spelled.changes.replace("♭", "b").replace("♯", "#")
    return _note(letter, accidental) + middle + ("/" + _note(bass_letter, bass_accidental) if bass_letter else "")


def music21_chord(symbol: str) -> dict:
    """{root, pcs, bass, midi} as music21 spells ``figure(symbol)`` (voiced up to the floor octave as the
    grammar voices), or {error} where music21 fails or answers with a doubled note or fewer than two."""
    from music21 import harmony

    try:
        cs = harmony.ChordSymbol(figure(symbol))
        midis = [p.midi for p in cs.pitches]
        root, bass = cs.root().pitchClass, cs.bass().pitchClass
    except Exception as e:  # music21 signals a bad figure with several exception types
        return {"error": type(e).__name__}
    if len(set(midis)) != len(midis) or len(midis) < 2:
        return {"error": "not a chord"}
    shift = 12 * ((VOICING_FLOOR - midis[0] + 11) // 12)
    midi = sorted(n + shift for n in midis)
    return {"root": root, "pcs": sorted({n % 12 for n in midi}), "bass": bass, "midi": midi}


def grammar_chord(symbol: str) -> dict:
    """The same fields as the grammar reads them over the chord table."""
    try:
        spelled = chords.read(symbol)
    except chords.ChordError as e:
        return {"error": str(e)}
    return {"root": spelled.root, "pcs": sorted({n % 12 for n in spelled.midi}), "bass": spelled.bass,
            "midi": list(spelled.midi)}
