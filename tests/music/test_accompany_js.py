"""site_src/js/ai/accompany.js in Chromium against lofi_build/music/accompany.py: identical chord and bass notes
(ticks, durations, pitches, velocities) for every library progression in 3 keys x 3 seeds x 2 lengths, over a melody
or none, and for every comping and bass style."""

from __future__ import annotations

import itertools
import random

import pytest

from support import DEFAULTS
from lofi_build.music.accompany import BASS, COMPING, accompany, lead_shift, tables
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


def melody(seed: int, bars: int, beats: int, ppq: int) -> list[list[int]]:
    """A made-up melody line (ticks, duration, midi) at ``ppq``: eighths to half notes between G3 and C6, rests
    between some, so the comping has to fit under low notes and the pushes meet notes of both chords."""
    rnd = random.Random(seed)
    out, now, end = [], 0, bars * beats * ppq
    while now < end:
        length = rnd.choice((1, 1, 2, 2, 3, 4)) * ppq // 2
        if rnd.random() < 0.8:
            out.append([now, min(length, end - now), rnd.randint(55, 84)])
        now += length
    return out


def cases() -> list[tuple]:
    """(progression, bars, beats per bar, seed, ppq, melody, comping style, bass style)."""
    out = []
    for entry in load_library(LIBRARY).values():
        for key in KEYS:
            for seed in SEEDS:
                for bars in LENGTHS:
                    lead = melody(seed + key, bars, 4, 480) if seed != 7 else []
                    out.append((entry.progression.transpose(key).text, bars, 4, seed, 480, lead, None, None))
    for text, beats, bars in EXTRA:
        for seed in SEEDS:
            ppq = 96 if seed == 7 else 480
            out.append((text, bars, beats, seed, ppq, melody(seed, bars, beats, ppq), None, None))
    styles = list(itertools.zip_longest(COMPING, BASS))
    for i, (comping, bass) in enumerate(styles):
        text, beats, bars = EXTRA[i % len(EXTRA)]
        for seed in SEEDS:
            out.append((text, bars, beats, seed, 480, melody(seed, bars, beats, 480), comping or "held", bass or "lofi"))
    return out


def python_notes(text: str, bars: int, beats: int, seed: int, ppq: int, lead, comping, bass):
    timeline = parse_progression(text).timeline(bars, beats)
    styles = {k: v for k, v in (("comping", comping), ("bass", bass)) if v}
    chords, bass_notes = accompany(timeline, bars=bars, seed=seed, ppq=ppq, melody=lead, **styles)
    return [[list(n) for n in chords], [list(n) for n in bass_notes]]


JS_RUN = """async ([table, cases, tables]) => {
    const p = await import("/site_src/js/ai/progression.js");
    p.useChordTable(table);
    const a = await import("/site_src/js/ai/accompany.js");
    const out = cases.map(([text, bars, beats, seed, ppq, melody, comping, bass]) =>
        a.accompany(p.parseProgression(text).timeline(bars, beats), {bars, seed, ppq, tables, melody, comping, bass}));
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


@pytest.mark.browser
def test_js_lead_shift_and_style_errors_are_pythons(repo_page):
    lines = [[60, 62, 64, 65, 67], [55, 57, 59, 76, 77, 79], [48, 50, 52, 80], [70, 72, 74], [], [63] * 8]
    got = repo_page.evaluate("""async ([lines, tables]) => {
        const a = await import("/site_src/js/ai/accompany.js");
        const shifts = lines.map((line) => a.leadShift(line, tables));
        let error = null;
        try { a.accompany([{start: 0, end: 4, chord: {root: 0, pcs: [0, 4, 7], bass: 0}}], {bars: 1, seed: 1, ppq: 480, tables, comping: "polka"}); }
        catch (e) { error = e.message; }
        return [shifts, error];
    }""", [lines, tables()])
    assert got[0] == [lead_shift(line) for line in lines] == [12, 0, 0, 0, 0, 12]
    assert got[1] == "unknown comping style 'polka' (the styles: " + ", ".join(COMPING) + ")"
