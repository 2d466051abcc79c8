"""Chord progressions (``Dm9 G13 | Cmaj9``): parsed, laid on a timeline, transposed, encoded, kept in a library."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .chords import ChordError, parts, pitch, read, split, strip

MOODS = ("bright", "warm", "calm", "dreamy", "hopeful", "nostalgic", "melancholy", "sad", "tense", "energetic")
MODES = ("major", "minor")
VECTOR_SIZE = 36  # root one-hot 12 | pitch-class set 12 | bass one-hot 12
# Root names a lead sheet uses after transposing: flats except F#.
_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


class ProgressionError(ValueError):
    """A progression that cannot be read; ``bar`` (1-based, or None) and ``symbol`` say where."""

    def __init__(self, message: str, bar: int | None = None, symbol: str | None = None):
        super().__init__(f"bar {bar}: {message}" if bar else message)
        self.bar = bar
        self.symbol = symbol


@dataclass(frozen=True)
class Chord:
    """One chord symbol: root and bass pitch classes, its pitch-class set and a close voicing."""

    symbol: str
    root: int
    pcs: tuple[int, ...]
    bass: int
    midi: tuple[int, ...]
    avoid: tuple[int, ...] = ()  # the avoid notes the chord table gives it (the natural 11 over a major 3rd)

    def vector(self) -> np.ndarray:
        return chord_vector(self.root, self.pcs, self.bass)

    def transpose(self, semitones: int) -> Chord:
        return make_chord(_transpose_symbol(self.symbol, semitones))


@dataclass(frozen=True)
class ChordSpan:
    """A chord sounding from ``start`` to ``end``, in quarters."""

    start: Fraction
    end: Fraction
    chord: Chord


def make_chord(symbol: str) -> Chord:
    """The Chord a symbol names; raises ChordError for an unknown symbol."""
    spelled = read(symbol)
    return Chord(strip(symbol), spelled.root, tuple(sorted({n % 12 for n in spelled.midi})), spelled.bass, spelled.midi,
                 spelled.avoid)


def _transpose_symbol(symbol: str, semitones: int) -> str:
    letter, accidental, kind, bass_letter, bass_accidental = parts(symbol)
    text = _NAMES[(pitch(letter, accidental) + semitones) % 12] + kind
    if bass_letter:
        text += "/" + _NAMES[(pitch(bass_letter, bass_accidental) + semitones) % 12]
    return text


def chord_vector(root: int | None, pcs, bass: int | None) -> np.ndarray:
    """float32[36]: root one-hot | pitch-class set | bass one-hot; all zeros when there is no chord."""
    v = np.zeros(VECTOR_SIZE, np.float32)
    if root is None:
        return v
    v[root % 12] = 1.0
    for pc in pcs:
        v[12 + pc % 12] = 1.0
    v[24 + (root if bass is None else bass) % 12] = 1.0
    return v


@dataclass(frozen=True)
class Progression:
    """Bars of chords; ``text`` is the canonical spelling (``Dm9 G13 | Cmaj9``)."""

    bars: tuple[tuple[Chord, ...], ...]

    @property
    def text(self) -> str:
        return " | ".join(" ".join(c.symbol for c in bar) for bar in self.bars)

    def __str__(self) -> str:
        return self.text

    def timeline(self, bars: int | None = None, beats_per_bar: int = 4) -> list[ChordSpan]:
        """Chord spans in quarters over ``bars`` bars (the progression repeats; default: its own length)."""
        bars = len(self.bars) if bars is None else bars
        spans = []
        for i in range(bars):
            chords = self.bars[i % len(self.bars)]
            step = Fraction(beats_per_bar, len(chords))
            start = Fraction(i * beats_per_bar)
            for j, chord in enumerate(chords):
                spans.append(ChordSpan(start + j * step, start + (j + 1) * step, chord))
        return spans

    def transpose(self, semitones: int) -> Progression:
        return Progression(tuple(tuple(c.transpose(semitones) for c in bar) for bar in self.bars))


def parse_progression(text: str) -> Progression:
    """Read ``Dm9 G13 | Cmaj9 | Cmaj9 A7b13``: bars split by ``|``, chords in a bar split it evenly."""
    if not isinstance(text, str) or not strip(text):
        raise ProgressionError("empty progression")
    bars = []
    for number, bar in enumerate(text.split("|"), 1):
        symbols = split(bar)
        if not symbols:
            raise ProgressionError("empty bar", number)
        chords = []
        for symbol in symbols:
            try:
                chords.append(make_chord(symbol))
            except ChordError as e:
                raise ProgressionError(str(e), number, symbol) from None
        bars.append(tuple(chords))
    return Progression(tuple(bars))


@dataclass(frozen=True)
class LibraryEntry:
    """A named progression of the library."""

    name: str
    progression: Progression
    mode: str
    moods: tuple[str, ...]
    description: str
