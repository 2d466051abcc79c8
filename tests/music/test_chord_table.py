"""The chord table and the grammar over it: music21's own reading of every chord the build plays, the choices
the table states per kind, and the grammar's rules one by one."""

from __future__ import annotations

import json

import pytest
import yaml

from music21_reference import grammar_chord, music21_chord
from support import DEFAULTS, ROOT
from lofi_build.music.chord_table import FIELDS, chord_table, melody_pcs
from lofi_build.music.chords import ChordError, chord_pitches, read
from lofi_build.music.pitch import looks_like_pitch
from lofi_build.progressions import load_library
from lofi_build.scorefile import compile_file

KINDS = chord_table()["kinds"]
ROOTS = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


def library_symbols() -> list[str]:
    """Every chord of content/progressions/progressions.yaml in the 12 keys the pool plays it in."""
    out = set()
    for entry in load_library(DEFAULTS / "content" / "progressions" / "progressions.yaml").values():
        for k in range(12):
            out |= {c.symbol for bar in entry.progression.transpose(k).bars for c in bar}
    return sorted(out)


def _note_lists(data: dict):
    """Every list of notes a score writes: its parts' ``notes``, and in a score with a form each section's and each
    ending's notes per part."""
    for part in data.get("parts", []):
        yield part.get("notes", [])
    names = {part["name"] for part in data.get("parts", [])}
    for body in (data.get("sections") or {}).values():
        for each in [body, *body.get("endings", [])]:
            yield from (notes for name, notes in each.items() if name in names)


def song_symbols() -> list[str]:
    """Every chord symbol of content/songs/*.yaml: the chords its chord lines play (its "lofi" chords), ``chord:``
    values and compact notes that are no pitch."""
    out = set()
    for path in sorted((ROOT / "content" / "songs").glob("*.yaml")):
        out |= {chord["symbol"] for chord in compile_file(path)["lofi"].get("chords", [])}
        for notes in _note_lists(yaml.safe_load(path.read_text(encoding="utf-8"))):
            for note in notes:
                if isinstance(note, dict) and "chord" in note:
                    out.add(note["chord"])
                elif isinstance(note, list) and isinstance(note[1], str) and not looks_like_pitch(note[1]):
                    out.add(note[1])
    return sorted(out)


def test_every_chord_the_build_plays_reads_as_music21_reads_it():
    """Root, pitch-class set, bass and voicing: the library in 12 keys and the songs' chords."""
    symbols = library_symbols() + song_symbols()
    assert len(symbols) >= 200 and len(song_symbols()) >= 8
    differ = [(s, grammar_chord(s), music21_chord(s)) for s in symbols if grammar_chord(s) != music21_chord(s)]
    assert not differ, differ[:5]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_in_every_key_reads_as_music21_spells_it(name):
    for root in ROOTS:
        for spelling in KINDS[name]["spellings"]:
            assert grammar_chord(root + spelling) == music21_chord(root + spelling), (root, spelling)


def test_every_kind_states_every_field_and_the_table_is_json():
    table = chord_table()
    assert json.loads(json.dumps(table)) == table
    for name, kind in KINDS.items():
        assert set(kind) == set(FIELDS), name
        assert len(kind["intervals"]) == len(kind["spelling"]) == len(kind["pcs"]) >= 2
        assert kind["pcs"] == sorted({i % 12 for i in kind["intervals"]})
        assert set(kind["tones"]) <= set(kind["pcs"]) and not set(kind["tensions"]) & set(kind["tones"])
        assert set(kind["tones"]) | set(kind["tensions"]) == melody_pcs(0, kind["pcs"], kind["avoid_notes"])
        assert set(kind["avoid_notes"]) <= set(kind["avoid"]) and not set(kind["avoid_notes"]) & set(kind["tensions"])


def test_the_table_states_the_choices_it_keeps():
    thirteen = KINDS["dominant-13th"]
    assert thirteen["spelling"] == ["1", "3", "5", "b7", "9", "11", "13"] and thirteen["intervals"][5] == 17
    assert thirteen["voiced_avoid"] == [5]  # the natural 11 over the major 3rd: music21's dominant 13th
    assert thirteen["avoid_notes"] == [5] and 5 not in thirteen["tensions"]  # ... which a melody avoids
    assert KINDS["dominant-11th"]["avoid_notes"] == [] and KINDS["major-seventh"]["avoid_notes"] == [5]
    assert KINDS["suspended-fourth-seventh"]["avoid_notes"] == [] and KINDS["minor-11th"]["avoid_notes"] == []
    assert read("C13").avoid == (5,) and read("C13add11").avoid == () and read("Bb13").avoid == (3,)
    assert 5 in set(n % 12 for n in chord_pitches("C13"))
    assert KINDS["dominant-ninth"]["drops"] == ["9"] and KINDS["major-13th"]["drops"] == ["9", "11", "13"]
    assert chord_pitches("C9b9") == chord_pitches("C9")  # an alteration of a degree the kind has: dropped
    assert chord_pitches("Cmaj13#11") == chord_pitches("Cmaj13")
    assert thirteen["drops"] == ["13"] and thirteen["altered_omits"] == ["11"]
    assert chord_pitches("C13b9") == (48, 52, 55, 58, 61, 69)  # b9 for the 9, no 11
    assert chord_pitches("C13#11") == (48, 52, 55, 58, 62, 66, 69)


@pytest.mark.parametrize("symbol, expected", [
    ("C7b5", (48, 52, 54, 58)),  # an alteration moves the kind's note of its degree
    ("C7b9", (48, 52, 55, 58, 61)),  # ... or adds one
    ("C7#9b9", (48, 52, 55, 58, 61, 63)),  # two alterations of a degree the kind lacks: both sound
    ("C7b9b9", (48, 52, 55, 58, 61)),  # equal notes sound once
    ("Cadd9", (48, 52, 55, 62)), ("Cadd2", (48, 50, 52, 55)), ("C6add9", (48, 52, 55, 57, 62)),
    ("C9omit3", (48, 55, 58, 62)), ("C7♭9", (48, 52, 55, 58, 61)),
    ("Cmaj7/E", (52, 55, 59, 60)),  # a chord tone in the bass: the notes under it move up
    ("C13/Bb", (58, 60, 62, 64, 65, 67, 69)),
    ("D/C", (48, 62, 66, 69)),  # another bass: in the octave below the root's, counted from C
    ("C/B", (59, 60, 64, 67)),
    ("Abm9/F#", (54, 68, 71, 75, 78, 82)),  # F# is not spelled as the 7th (Gb): added, not an inversion
    ("Abm9/Gb", (54, 56, 58, 59, 63)),
    ("  Fmaj7\u3000", (53, 57, 60, 64)),  # the grammar's white space around a symbol
])
def test_grammar_rules(symbol, expected):
    assert chord_pitches(symbol) == expected


@pytest.mark.parametrize("symbol", ["C7omit9", "C5omit5", "C7alt9", "Cm7b", "C7 b9", "C,7", "Csus#4", "Cadd#7",
                                    "C/E/G", "Cpedal", "C\u200b", "Ｃ", "C3", "Hm7", ""])
def test_what_the_grammar_refuses(symbol):
    with pytest.raises(ChordError, match=r"^unknown chord symbol '.*'$"):
        read(symbol)


def test_error_text_quotes_the_symbol_as_written():
    with pytest.raises(ChordError) as info:
        read("C7'x")
    assert str(info.value) == "unknown chord symbol 'C7'x'"
