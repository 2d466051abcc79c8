"""site_src/js/ai/progression.js in Chromium against lofi_build/music/progression.py, both reading the chord
table with the one grammar: the same chords, voicings and errors for the library in 12 keys and thousands of
generated symbols."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from support import DEFAULTS
from lofi_build.music.chord_table import chord_table
from lofi_build.music.chords import ChordError
from lofi_build.music.progression import ProgressionError, chord_vector, make_chord, parse_progression
from lofi_build.progressions import load_library

LIBRARY = DEFAULTS / "content" / "progressions" / "progressions.yaml"
MODULE = "/site_src/js/ai/progression.js"

ROOTS = ["C", "C#", "Db", "D", "D#", "Eb", "E", "E#", "Fb", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb",
         "B", "B#", "Cb", "C♯", "B♭", "Dbb", "F##", "g", "e-", "B--"]
KINDS = ["", "m", "M", "maj", "min", "mi", "+", "aug", "dim", "o", "5", "6", "m6", "6/9", "69", "m6/9", "m69",
         "7", "maj7", "M7", "Δ", "Δ7", "m7", "min7", "mi7", "mM7", "m(maj7)", "mmaj7", "-maj7", "m7b5", "m7-5", "ø",
         "ø7", "dim7", "o7", "7+", "+7", "aug7", "+M7", "7b5", "7#5", "9", "maj9", "M9", "Δ9", "m9", "mi9",
         "mM9", "9#5", "+9", "ø9", "o9", "11", "m11", "maj11", "M11", "13", "maj13", "M13", "m13", "sus2",
         "sus4", "sus", "7sus4", "7sus", "9sus4", "9sus", "13sus4", "13sus", "7b9", "7#9", "7#11", "7b13",
         "7alt", "7b9b13", "7#9b13", "7#9#11", "7b9#11", "7b5b9", "7#5#9", "13b9", "13#11", "13#9", "9#11",
         "9b13", "maj7#11", "maj9#11", "maj13#11", "maj7#5", "m9b5", "m7#5", "m11b5", "add9", "madd9", "add2",
         "add4", "add11", "6add9", "7add13", "7add11", "maj7add13", "m7add11", "7omit3", "7omit5", "9omit3",
         "7sus4add9", "7sus4add9add13", "dom7", "dom9", "min9", "min11", "min13", "7b9sus4", "N6", "It+6",
         "Fr+6", "Gr+6", "pedal", "power", "tristan", "9#5", "+M9", "augmaj7", "dom7dim5", "m#7", "minmaj7",
         "9b9", "7#5b9", "m7add9", "maj7b5", "6sus4", "7#9b9"]
BASSES = ["E", "G", "Bb", "F#", "C", "Ab", "D", "B", "Eb", "A", "C#", "Fb"]
# Symbols the grammar rejects (and a few odd ones it reads), each for its own reason.
BROKEN = ["H", "Hm7", "X7", "C3", "C64", "C8", "C12", "C-7", "Cb-7", "C#-m", "Cxyz", "Cmaj", "Cmajor", "Cminor",
          "C7#", "C7b", "Cadd", "Cadd#", "C7alt9", "C/H", "C/", "/C", "C//E", "C/E/G", "Cm7/", "C7(b9)", "C(add9)",
          "Cm7b", "Cmaj7#", "C##m7", "Cbbm7", "C♯♯", "7", "m7", "", "C 7", "Δ", "C7b9b9", "C13b9#11", "C9+5",
          "Cø11", "Cø13", "Co11", "C7-9", "C7+9", "Cm7add", "Caddx", "C7omit", "C7omit9", "Cm7omit3", "C7subtract5",
          "C7alter5", "C7alterb5", "C7alter#9", "C2", "C4", "C10", "C21", "C31", "C99", "Cm21", "C7 b9", "C,7",
          "C7,b9", "Csus#4", "Csusb2", "Cmaj7/", "C#/E#", "C/C", "C/C#", "Cb/B", "E#m/B#", "C/E#", "Cm/D#",
          "C+/G#", "Cdim/Gb", "Cm7b5/Bb", "Cdim7/A", "C7/Bb", "C9/E", "C11/F", "C13/A", "Cmaj9/D", "C6/A", "Cm6/A",
          "Cø7/Bb", "CmM7/B", "Csus4/F", "C7sus4/Bb", "Cpedal/E", "Cpower/G", "C'", "C\"", "C\\", "C\x01", "C\xad",
          "Cm7\u200b", "Ｃ", "C7♭9", "C7♯11", "Cmaj7add#7", "Cadd#7", "C7add#7", "C6add9/E", "Cm11omit5"]


def generated_symbols(seed: int = 5, count: int = 2400) -> list[str]:
    """Roots with accidentals x a broad list of kinds x an optional slash bass, plus broken symbols."""
    rng = random.Random(seed)
    grid = [r + k for r, k in itertools.product(ROOTS, KINDS)]
    rng.shuffle(grid)
    out = grid[:count]
    out = [s + ("/" + rng.choice(BASSES) if rng.random() < 0.3 else "") for s in out]
    return out + BROKEN


def python_chord(symbol: str) -> dict:
    try:
        c = make_chord(symbol)
    except ChordError as e:
        return {"error": str(e)}
    return {"symbol": c.symbol, "root": c.root, "pcs": list(c.pcs), "bass": c.bass, "midi": list(c.midi),
            "avoid": list(c.avoid)}


def python_progression(text: str, bars: int) -> dict:
    try:
        p = parse_progression(text)
    except ProgressionError as e:
        return {"error": str(e), "bar": e.bar, "symbol": e.symbol}
    return {
        "text": p.text,
        "bars": [[python_chord(c.symbol) for c in bar] for bar in p.bars],
        "timeline": [[[s.start.numerator, s.start.denominator], [s.end.numerator, s.end.denominator], s.chord.symbol]
                     for s in p.timeline(bars, 3 if bars % 2 else 4)],
        "vectors": [[float(x) for x in c.vector()] for bar in p.bars for c in bar],
    }


JS_RUN = """async ({module, table, symbols, progressions, library}) => {
    const m = await import(module);
    m.useChordTable(table);
    const chord = (s) => {
        try {
            const c = m.makeChord(s);
            return {symbol: c.symbol, root: c.root, pcs: c.pcs, bass: c.bass, midi: c.midi, avoid: c.avoid};
        }
        catch (e) { if (!(e instanceof m.ChordError)) throw e; return {error: e.message}; }
    };
    const progression = ([text, bars]) => {
        let p;
        try { p = m.parseProgression(text); }
        catch (e) { if (!(e instanceof m.ProgressionError)) throw e; return {error: e.message, bar: e.bar, symbol: e.symbol}; }
        return {
            text: p.text,
            bars: p.bars.map((bar) => bar.map((c) => chord(c.symbol))),
            timeline: p.timeline(bars, bars % 2 ? 3 : 4).map((s) => [[s.start.num, s.start.den], [s.end.num, s.end.den], s.chord.symbol]),
            vectors: p.bars.flat().map((c) => Array.from(c.vector())),
        };
    };
    const transposed = library.map((text) => [...Array(12).keys()].map((k) => m.parseProgression(text).transpose(k).text));
    const defaults = library.map((text) => m.parseProgression(text).timeline().length);
    const validation = progressions.map(([text]) => m.validateProgression(text));
    return {chords: symbols.map(chord), progressions: progressions.map(progression), transposed, defaults, validation,
            empty: Array.from(m.chordVector(null, [], null))};
}"""


def run_js(page, symbols: list[str], progressions: list[tuple[str, int]], library: list[str]) -> dict:
    return page.evaluate(JS_RUN, {"module": MODULE, "table": chord_table(), "symbols": symbols,
                                  "progressions": progressions, "library": library})


def library_in_all_keys() -> list[str]:
    texts = []
    for entry in load_library(LIBRARY).values():
        for k in range(12):
            texts.append(entry.progression.transpose(k).text)
    return texts


BAD_PROGRESSIONS = ["", "   ", "|", "| |", "Cmaj7 |", "Cmaj7 | | Dm7", "Dm7 | Hm7", "Dm7 G7 | Cmaj7 X9 | C",
                    "Cmaj7 |\tFmaj7\n| G7", "Dm7\u3000G7", "Dm7\xa0G7 | C", "Dm7\x1cG7 | C", "Dm7\u200bG7 | C",
                    "C | C | C | C | C | C | C | C | C | Cm7/", "|Cmaj7", "Am7 |  | ", "C7's", 'C7"s', "C7'\"x"]


@pytest.mark.browser
def test_js_reads_every_symbol_and_progression_as_python_does(repo_page):
    """Every library progression in 12 keys and 2,500 generated symbols (good and broken): the same root,
    pitch-class set, bass and voicing, the same error text, the same bars, timeline and chord vectors."""
    symbols = generated_symbols()
    assert len(symbols) >= 2000
    expected_chords = [python_chord(s) for s in symbols]
    accepted = sum("error" not in e for e in expected_chords)
    assert 1500 <= accepted < len(symbols)  # a broad list, most of it readable, some of it not
    cases = [(t, 4 + i % 5) for i, t in enumerate(library_in_all_keys() + BAD_PROGRESSIONS)]
    expected_progressions = [python_progression(t, bars) for t, bars in cases]
    # Transposed and spelled in the key each lands in: the library and openings that read a key differently (a ii-V
    # into major or minor, a sus V, a minor tonic, a slash chord).
    library = [entry.progression.text for entry in load_library(LIBRARY).values()] + [
        "Em7b5 | A7#9 | Dm9 | Bb7#11 A7b9", "Gm11 | C7sus4 | Fmaj9 | D7sus4", "Am9 | Dm9 | Em9 | Am9",
        "Dm9 G13 | Cmaj9/E | F#m7b5 B7b9", "Cmaj7/E | Fmaj7/A | G7/B | Am7/G", "F#m7 B7 | Emaj7"]
    got = run_js(repo_page, symbols, cases, library)
    chord_mismatches = [(s, e, g) for s, e, g in zip(symbols, expected_chords, got["chords"]) if e != g]
    assert not chord_mismatches, chord_mismatches[:10]
    progression_mismatches = [(c, e, g) for c, e, g in zip(cases, expected_progressions, got["progressions"]) if e != g]
    assert not progression_mismatches, progression_mismatches[:5]
    assert got["validation"] == [e.get("error") for e in expected_progressions]
    assert got["transposed"] == [[parse_progression(t).transpose(k).text for k in range(12)] for t in library]
    assert got["defaults"] == [len(parse_progression(t).timeline()) for t in library]
    assert got["empty"] == [0.0] * 36


def test_python_says_the_pinned_error_texts():
    """The pinned error texts, so that the differential test above compares the messages that matter."""
    with pytest.raises(ProgressionError, match=r"^bar 2: unknown chord symbol 'Hm7'$"):
        parse_progression("Dm7 | Hm7")
    with pytest.raises(ProgressionError, match=r"^empty progression$"):
        parse_progression("  ")
    with pytest.raises(ProgressionError, match=r"^bar 2: empty bar$"):
        parse_progression("Cmaj7 |")
    assert python_chord("C7#")["error"] == "unknown chord symbol 'C7#'"
    assert list(chord_vector(None, (), None)) == [0.0] * 36


def test_the_page_keeps_only_the_grammar_and_the_lookup():
    """progression.js reads the chord table the build bakes: the symbol grammar and the lookup, no chord facts of its
    own and nothing that imitates music21 or Python (issue 17: at most 250 lines)."""
    text = (DEFAULTS / "site_src" / "js" / "ai" / "progression.js").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert not re.search(r"music21 quirk|\bpy(Split|Strip|Int)\b", text)
