"""site_src/js/ai/accompany.js in Chromium against lofi_build/music/accompany.py: identical chord and bass notes
(ticks, durations, pitches, velocities) for every library progression in 3 keys x 3 seeds x 2 lengths."""

from __future__ import annotations

import pytest

from support import DEFAULTS
from lofi_build.music.accompany import accompany, tables
from lofi_build.music.chord_table import chord_table
from lofi_build.music.progression import parse_progression
from lofi_build.progressions import load_library

LIBRARY = DEFAULTS / "content" / "progressions" / "progressions.yaml"
KEYS = (0, 5, 10)
SEEDS = (0, 7, 4242424242)
LENGTHS = (4, 9)  # a whole number of loops and one that cuts a loop short
# Beyond the library: three chords in a bar (spans of 4/3), a bar in 3/4, a held chord, a push across bars.
EXTRA = [("C E7 Am | F G C | Dm7 | G7sus4 G7", 4, 5), ("Dm9 G13 Cmaj9", 3, 6), ("Cmaj7 | Cmaj7 | Cmaj7", 4, 4),
         ("C#m7b5/G Fø7 | Bb13sus4 | E7#9 | Am(maj7)", 4, 8), ("Gmaj9#11 | D/F# | Em11 | C6/9", 3, 7)]


def cases() -> list[tuple[str, int, int, int, int]]:
    out = []
    for entry in load_library(LIBRARY).values():
        for key in KEYS:
            for seed in SEEDS:
                for bars in LENGTHS:
                    out.append((entry.progression.transpose(key).text, bars, 4, seed, 480))
    for text, beats, bars in EXTRA:
        for seed in SEEDS:
            out.append((text, bars, beats, seed, 96 if seed == 7 else 480))
    return out


def python_notes(text: str, bars: int, beats: int, seed: int, ppq: int):
    timeline = parse_progression(text).timeline(bars, beats)
    chords, bass = accompany(timeline, bars=bars, seed=seed, ppq=ppq)
    return [[list(n) for n in chords], [list(n) for n in bass]]


JS_RUN = """async ([table, cases, tables]) => {
    const p = await import("/site_src/js/ai/progression.js");
    p.useChordTable(table);
    const a = await import("/site_src/js/ai/accompany.js");
    const out = cases.map(([text, bars, beats, seed, ppq]) =>
        a.accompany(p.parseProgression(text).timeline(bars, beats), {bars, seed, ppq, tables}));
    out.push(a.accompany([], {bars: 4, seed: 1, ppq: 480, tables}));
    return out;
}"""


@pytest.mark.browser
def test_js_accompaniment_is_note_for_note_the_python_one(repo_page):
    todo = cases()
    assert len(todo) >= 18 * 3 * 3 * 2
    expected = [python_notes(*c) for c in todo] + [[[], []]]
    assert all(chords and bass for chords, bass in expected[:-1])
    got = repo_page.evaluate(JS_RUN, [chord_table(), [list(c) for c in todo], tables()])  # tables as the facts bake them
    mismatches = [(c, e, g) for c, e, g in zip(todo + ["empty"], expected, got) if e != g]
    assert not mismatches, mismatches[:2]
    assert len(got) == len(expected)


@pytest.mark.browser
def test_js_accompaniment_plays_in_the_registers_the_tables_give(repo_page):
    """The registers are read from the tables it is handed (the facts block), not written in the module."""
    moved = {**tables(), "bassLow": 40, "bassHigh": 60, "bassHome": 50, "chordLow": 60, "chordHigh": 84,
             "chordCentres": [70]}
    chords, bass = repo_page.evaluate("""async (tables) => {
        const p = await import("/site_src/js/ai/progression.js");
        const a = await import("/site_src/js/ai/accompany.js");
        return a.accompany(p.parseProgression("Dm9 G13 | Cmaj9 | A7b13").timeline(8, 4), {bars: 8, seed: 3, ppq: 480, tables});
    }""", moved)
    assert chords and bass
    assert all(40 <= midi <= 60 for _, _, midi, _ in bass) and max(m for _, _, m, _ in bass) > 48
    assert all(60 <= midi <= 84 for _, _, midi, _ in chords)
