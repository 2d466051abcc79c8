"""Chord progressions (``Dm9 G13 | Cmaj9``): parsed, laid on a timeline, transposed, encoded, kept in a library."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .chord_table import KEYS
from .chords import ChordError, parts, pitch, read, split, strip

MOODS = ("bright", "warm", "calm", "dreamy", "hopeful", "nostalgic", "melancholy", "sad", "tense", "energetic")
MODES = ("major", "minor")
VECTOR_SIZE = 36  # root one-hot 12 | pitch-class set 12 | bass one-hot 12
_NAMES = tuple(KEYS["names"]["mixed"])  # root names where no key says otherwise: flats except F#


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

    def transpose(self, semitones: int, names: tuple[str, ...] = _NAMES) -> Chord:
        """The chord ``semitones`` up, its root (and bass) named from ``names`` (a key's: :func:`key_names`)."""
        return make_chord(_transpose_symbol(self.symbol, semitones, names))

    @property
    def intervals(self) -> frozenset[int]:
        """Its pitch classes as semitones over the root."""
        return frozenset((p - self.root) % 12 for p in self.pcs)

    @property
    def minor(self) -> bool:
        """A minor 3rd over the root and no major one."""
        return 3 in self.intervals and 4 not in self.intervals


def key_names(tonic: int, minor: bool) -> tuple[str, ...]:
    """The root names of the key on ``tonic`` (a pitch class), :data:`~lofi_build.music.chord_table.KEYS`: sharps
    in a sharp key, flats in a flat key, else the mix (C major, A minor)."""
    mode = "minor" if minor else "major"
    for spelling in ("sharps", "flats"):
        if tonic % 12 in KEYS[spelling][mode]:
            return tuple(KEYS["names"][spelling])
    return _NAMES


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


def _transpose_symbol(symbol: str, semitones: int, names: tuple[str, ...] = _NAMES) -> str:
    letter, accidental, kind, bass_letter, bass_accidental = parts(symbol)
    text = names[(pitch(letter, accidental) + semitones) % 12] + kind
    if bass_letter:
        text += "/" + names[(pitch(bass_letter, bass_accidental) + semitones) % 12]
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

    def home(self) -> tuple[int, bool]:
        """(tonic, minor): the key it is spelled in. Its first chord's, unless it opens on a ii-V (a minor chord, then
        a dominant a 4th above it: a minor 7th over a major 3rd or a 4th): then the key that V leads to, a tone below
        the first chord, minor where the ii is half-diminished (a flat 5th)."""
        first, *more = [c for bar in self.bars for c in bar]
        if more and first.minor and (more[0].root - first.root) % 12 == 5 and 10 in more[0].intervals \
                and (4 in more[0].intervals or 5 in more[0].intervals):
            return (first.root - 2) % 12, 6 in first.intervals
        return first.root, first.minor

    def transpose(self, semitones: int) -> Progression:
        """The progression ``semitones`` up, its roots named in the key it lands in (:meth:`home`, :func:`key_names`)."""
        tonic, minor = self.home()
        names = key_names(tonic + semitones, minor)
        return Progression(tuple(tuple(c.transpose(semitones, names) for c in bar) for bar in self.bars))


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
