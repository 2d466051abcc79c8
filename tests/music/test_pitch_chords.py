"""Pitch names, drum names, keys and chord symbols."""

import pytest

from lofi_build.music.chords import ChordError, chord_pitches
from lofi_build.music.pitch import PitchError, midi_name, parse_key, parse_pitch


@pytest.mark.parametrize(
    "name, midi",
    [("C4", 60), ("A4", 69), ("Bb3", 58), ("A#3", 58), ("E-4", 63), ("F##2", 43), ("Cb4", 59), ("B#3", 60),
     ("c4", 60), ("G9", 127), ("C0", 12), ("E--4", 62), ("Fx4", 67), (0, 0), (127, 127)],
)
def test_pitch_names(name, midi):
    assert parse_pitch(name) == midi


@pytest.mark.parametrize("bad", ["H4", "C", "4", "C#", "G#9", "C10", "Cb0x", 128, -1, True, None, 4.0, "C 4"])
def test_bad_pitches(bad):
    with pytest.raises(PitchError):
        parse_pitch(bad)


def test_drum_names_only_in_drum_parts():
    assert parse_pitch("kick", drums=True) == 36
    assert parse_pitch("Snare", drums=True) == 38
    assert parse_pitch("C2", drums=True) == 36
    with pytest.raises(PitchError):
        parse_pitch("kick")


@pytest.mark.parametrize("midi, name", [(60, "C4"), (61, "C#4"), (70, "A#4"), (0, "C-1"), (127, "G9")])
def test_names_use_sharps_like_tonejs_midi(midi, name):
    assert midi_name(midi) == name


@pytest.mark.parametrize(
    "text, key",
    [("F major", ("F", "major")), ("A minor", ("A", "minor")), ("Bb major", ("Bb", "major")),
     ("e- minor", ("Eb", "minor")), ("f# MINOR", ("F#", "minor"))],
)
def test_keys(text, key):
    assert parse_key(text) == key


@pytest.mark.parametrize("bad", ["F lydian", "H major", "major", "", 5, "G# major"])
def test_bad_keys(bad):
    with pytest.raises(PitchError):
        parse_key(bad)


@pytest.mark.parametrize(
    "symbol, pcs",
    [("Fmaj7", {5, 9, 0, 4}), ("Dm9", {2, 5, 9, 0, 4}), ("G7b9", {7, 11, 2, 5, 8}), ("Bbmaj7/F", {10, 2, 5, 9}),
     ("C6/9", {0, 4, 7, 9, 2}), ("Cm(maj7)", {0, 3, 7, 11}), ("F#m7b5", {6, 9, 0, 4}), ("Gb7", {6, 10, 1, 4})],
)
def test_chord_spelling(symbol, pcs):
    midis = chord_pitches(symbol)
    assert {m % 12 for m in midis} == pcs
    assert 48 <= midis[0] <= 59 and list(midis) == sorted(midis)


def test_slash_chords_put_the_bass_first():
    assert chord_pitches("Bbmaj7/F")[0] % 12 == 5
    assert chord_pitches("D/F#")[0] % 12 == 6


@pytest.mark.parametrize("bad", ["Hmaj7", "Cxyz", "", "maj7", "C/H"])
def test_bad_chords(bad):
    with pytest.raises(ChordError):
        chord_pitches(bad)


@pytest.mark.parametrize("symbol", ["C1", "C2", "C3", "C4", "C8", "C0", "C10", "C12", "C64", "C-1", "Cb-1"])
def test_figured_bass_and_octave_suffixes_are_not_chords(symbol):
    """Digits that name no kind in the chord table (figured bass, octaves) are not lead-sheet chords."""
    with pytest.raises(ChordError):
        chord_pitches(symbol)


@pytest.mark.parametrize("symbol, expected", [
    ("C5", (48, 55)), ("C69", (48, 52, 55, 57, 62)), ("Cmaj9#11", (48, 52, 55, 59, 62, 66)),
])
def test_numeric_and_altered_kinds(symbol, expected):
    assert chord_pitches(symbol) == expected
