"""Chord progressions: the pinned syntax, timelines, transposition, chord vectors, the lofi chord symbols."""

from fractions import Fraction

import numpy as np
import pytest

from support import DEFAULTS
from lofi_build.music.chords import chord_pitches
from lofi_build.music.progression import MOODS, ProgressionError, chord_vector, make_chord, parse_progression
from lofi_build.progressions import load_library


def pcs(symbol):
    return tuple(sorted({n % 12 for n in chord_pitches(symbol)}))


@pytest.mark.parametrize(
    "symbol, expected",
    [("Cm7b5", (0, 3, 6, 10)), ("C7#9", (0, 3, 4, 7, 10)), ("C13sus4", (0, 2, 5, 7, 9, 10)),
     ("C6/9", (0, 2, 4, 7, 9)), ("Cmaj9#11", (0, 2, 4, 6, 7, 11)), ("C7b13", (0, 4, 7, 8, 10)),
     ("C13b9", (0, 1, 4, 7, 9, 10)), ("C13#11", (0, 2, 4, 6, 7, 9, 10)), ("C13#9", (0, 3, 4, 7, 9, 10)),
     ("Cø", (0, 3, 6, 10)), ("C7alt", (0, 3, 4, 7, 8, 10)), ("C/E", (0, 4, 7)), ("Dm9", (0, 2, 4, 5, 9))],
)
def test_lofi_chord_symbols(symbol, expected):
    assert pcs(symbol) == expected


def test_parse_bars_and_timeline():
    p = parse_progression("  Dm9 G13 |Cmaj9|  Cmaj9   A7b13 ")
    assert p.text == "Dm9 G13 | Cmaj9 | Cmaj9 A7b13"
    assert [[c.symbol for c in bar] for bar in p.bars] == [["Dm9", "G13"], ["Cmaj9"], ["Cmaj9", "A7b13"]]
    spans = p.timeline(4)
    assert [(s.start, s.end, s.chord.symbol) for s in spans] == [
        (0, 2, "Dm9"), (2, 4, "G13"), (4, 8, "Cmaj9"), (8, 10, "Cmaj9"), (10, 12, "A7b13"),
        (12, 14, "Dm9"), (14, 16, "G13"),
    ]
    three = parse_progression("C F G").timeline(1, beats_per_bar=4)
    assert [s.end for s in three] == [Fraction(4, 3), Fraction(8, 3), 4]
    assert parse_progression("C | F").timeline(2, beats_per_bar=3)[-1].end == 6


def test_chord_fields_and_slash_bass():
    c = make_chord("Bbmaj7/F")
    assert (c.root, c.bass, c.pcs) == (10, 5, (2, 5, 9, 10))
    assert c.midi == chord_pitches("Bbmaj7/F")
    d = make_chord("F#m7b5")
    assert (d.root, d.bass) == (6, 6)


@pytest.mark.parametrize(
    "text, bar, symbol",
    [("C | Hm7", 2, "Hm7"), ("Cmaj7 Xyz", 1, "Xyz"), ("C | | F", 2, None), ("", None, None),
     ("C | Dm7 | G7 | C3", 4, "C3")],
)
def test_bad_progressions(text, bar, symbol):
    with pytest.raises(ProgressionError) as info:
        parse_progression(text)
    assert (info.value.bar, info.value.symbol) == (bar, symbol)
    if symbol:
        assert str(info.value) == f"bar {bar}: unknown chord symbol {symbol!r}"


def test_transpose_all_keys():
    p = parse_progression("Dm9 G13 | Cmaj9/E | F#m7b5 B7b9")
    for k in range(12):
        q = p.transpose(k)
        for a, b in zip([c for bar in p.bars for c in bar], [c for bar in q.bars for c in bar]):
            assert b.root == (a.root + k) % 12 and b.bass == (a.bass + k) % 12
            assert b.pcs == tuple(sorted((x + k) % 12 for x in a.pcs))
        assert parse_progression(q.text) == q
    assert p.transpose(12) == p
    assert p.transpose(1).text == "Ebm9 Ab13 | Dbmaj9/F | Gm7b5 C7b9"


def test_a_transposed_progression_is_spelled_in_its_key():
    """Sharps in the sharp keys, flats in the flat ones, the key read from the first chord or the ii-V it opens
    (a lead sheet in F# minor writes C#m9, not Dbm9; in E major A#m7b5 D#7b9)."""
    cases = [("Am9 | Dm9 | Em9 | Am9", 9, "F#m9 | Bm9 | C#m9 | F#m9"),
             ("Am9 | Dm9 | Em9 | Am9", 6, "Ebm9 | Abm9 | Bbm9 | Ebm9"),  # Eb minor (6 flats), not D# minor (6 sharps)
             ("Dm9 G13 | Cmaj9/E | F#m7b5 B7b9", 4, "F#m9 B13 | Emaj9/G# | A#m7b5 D#7b9"),  # C major's ii-V, in E
             ("Dm9 G13 | Cmaj9/E | F#m7b5 B7b9", 0, "Dm9 G13 | Cmaj9/E | F#m7b5 B7b9"),
             ("Em7b5 | A7#9 | Dm9 | Bb7#11 A7b9", 0, "Em7b5 | A7#9 | Dm9 | Bb7#11 A7b9"),  # iiø-V-i: D minor
             ("Em7b5 | A7#9 | Dm9 | Bb7#11 A7b9", 7, "Bm7b5 | E7#9 | Am9 | F7#11 E7b9"),
             ("Gm11 | C7sus4 | Fmaj9 | D7sus4", 1, "G#m11 | C#7sus4 | F#maj9 | D#7sus4"),  # F major's ii-V, in F#
             ("Gm11 | C7sus4 | Fmaj9 | D7sus4", 3, "Bbm11 | Eb7sus4 | Abmaj9 | F7sus4")]
    for text, k, want in cases:
        assert parse_progression(text).transpose(k).text == want, (text, k)


def test_chord_vector():
    v = chord_vector(2, (0, 2, 5, 9), 5)
    assert v.dtype == np.float32 and v.shape == (36,)
    assert list(np.flatnonzero(v)) == [2, 12, 14, 17, 21, 29]
    assert not chord_vector(None, (), None).any()
    assert (make_chord("Dm7/F").vector() == chord_vector(2, (0, 2, 5, 9), 5)).all()


LIBRARY = DEFAULTS / "content" / "progressions" / "progressions.yaml"


def test_library_entries_parse_and_transpose_to_every_key():
    library = load_library(LIBRARY)
    assert len(library) >= 12
    assert {m for e in library.values() for m in e.moods} == set(MOODS)
    for name, entry in library.items():
        assert entry.name == name and entry.mode in ("major", "minor") and entry.description
        assert 2 <= len(entry.progression.bars) <= 8, name
        for k in range(12):
            moved = entry.progression.transpose(k)
            assert parse_progression(moved.text) == moved
            for a, b in zip(entry.progression.timeline(8), moved.timeline(8)):
                assert (a.start, a.end) == (b.start, b.end)
                assert b.chord.pcs == tuple(sorted((x + k) % 12 for x in a.chord.pcs))
