"""Lofi accompaniment: voicings from the chord, the bass on each chord's bass note, smooth voice leading, seeds."""

from fractions import Fraction

import pytest

from support import DEFAULTS
from lofi_build.music.accompany import (
    ANTICIPATE, BASS, BASS_HIGH, BASS_LOW, CHORD_HIGH, CHORD_LOW, COMPING, accompany, chord_tones, lead_shift,
    voicing_pcs,
)
from lofi_build.music.progression import parse_progression
from lofi_build.progressions import load_library

PPQ = 480
HARD = ("Dm9 | G13 | Cmaj9 | A7b13 | Bm7b5 E7#9 | Am9 | D/C | F#m7b5 B7b9 | C13sus4 | Ebmaj9#11 | Cdim7 | C6/9 "
        "| C/E Csus4 | C Db7#11 Gb7alt")
LIBRARY = load_library(DEFAULTS / "content" / "progressions" / "progressions.yaml")
CASES = [(HARD, 16)] + [(e.progression.transpose(k).text, 8) for k, e in enumerate(LIBRARY.values())]


def chord_under(spans, ticks, bar_ticks):
    """The span a chord hit belongs to: the one it starts in, or the next when it is pushed an eighth early."""
    for j, s in enumerate(spans):
        if s.start * PPQ <= ticks < s.end * PPQ:
            if j + 1 < len(spans) and ticks >= (spans[j + 1].start - ANTICIPATE) * PPQ \
                    and spans[j + 1].start * PPQ % bar_ticks == 0:
                return s, spans[j + 1]
            return s, None
    raise AssertionError(f"note at {ticks} outside the timeline")


@pytest.mark.parametrize("text, bars", CASES)
def test_chord_notes_belong_to_their_chord_in_register(text, bars):
    spans = parse_progression(text).timeline(bars)
    for seed in range(4):
        chords, _ = accompany(spans, bars=bars, seed=seed)
        assert chords
        for ticks, duration, midi, velocity in chords:
            span, pushed = chord_under(spans, ticks, 4 * PPQ)
            assert midi % 12 in span.chord.pcs or pushed and midi % 12 in pushed.chord.pcs
            assert CHORD_LOW <= midi <= CHORD_HIGH and 1 <= velocity <= 127 and duration > 0
            assert ticks + duration <= bars * 4 * PPQ


@pytest.mark.parametrize("text, bars", CASES)
def test_bass_starts_every_chord_on_its_bass_note(text, bars):
    spans = parse_progression(text).timeline(bars)
    for seed in range(4):
        _, bass = accompany(spans, bars=bars, seed=seed)
        starts = {}
        for ticks, duration, midi, velocity in bass:
            assert BASS_LOW <= midi <= BASS_HIGH and 1 <= velocity <= 127 and duration > 0
            assert ticks + duration <= bars * 4 * PPQ
            starts.setdefault(ticks, []).append(midi)
        for s in spans:
            assert [m % 12 for m in starts[int(s.start * PPQ)]] == [s.chord.bass], s.chord.symbol
        # one note at a time, never overlapping
        for (t1, d1, *_), (t2, *_) in zip(bass, bass[1:]):
            assert t1 + d1 <= t2


def test_voicings_are_lofi():
    assert sorted(voicing_pcs(2, (0, 2, 4, 5, 9))) == [0, 4, 5, 9]  # Dm9: F C E A, rootless
    assert sorted(voicing_pcs(7, (0, 2, 4, 5, 7, 9, 11))) == [4, 5, 9, 11]  # G13: B F A E, no 11, no root
    assert sorted(voicing_pcs(0, (0, 2, 4, 7, 11))) == [2, 4, 7, 11]  # Cmaj9: E B D G
    assert sorted(voicing_pcs(0, (0, 4, 7))) == [0, 4, 7]  # a triad stays a triad
    assert sorted(voicing_pcs(4, (2, 4, 5, 8, 11))) == [2, 5, 8, 11]  # E7b9: G# D F B


def test_voice_leading_is_smooth():
    spans = parse_progression("Dm9 | G13 | Cmaj9 | Fmaj9 | Bm7b5 | E7b9 | Am9 | A7b13").timeline(8)
    for seed in range(8):
        chords, _ = accompany(spans, bars=8, seed=seed)
        by_span = {}
        for ticks, _, midi, _ in chords:
            span = max(i for i, s in enumerate(spans) if (s.start - ANTICIPATE) * PPQ <= ticks)
            by_span.setdefault(span, set()).add(midi)
        voicings = [sorted(by_span[i]) for i in sorted(by_span)]
        moves = [abs(a - b) for v, w in zip(voicings, voicings[1:]) if len(v) == len(w) for a, b in zip(v, w)]
        assert sum(moves) / len(moves) <= 2.5
        assert max(moves) <= 7


def test_same_seed_same_notes_other_seed_other_comping():
    spans = parse_progression("Dm9 G13 | Cmaj9 | Fm9 | Bb13").timeline(8)
    first = accompany(spans, bars=8, seed=11)
    assert accompany(spans, bars=8, seed=11) == first
    others = [accompany(spans, bars=8, seed=s) for s in range(12)]
    assert len({repr(o) for o in others}) >= 8


def test_comping_is_laid_back():
    spans = parse_progression("Dm9 | G13 | Cmaj9 | Cmaj9").timeline(8)
    onsets = set()
    for seed in range(16):
        chords, _ = accompany(spans, bars=8, seed=seed)
        onsets |= {Fraction(t, PPQ) % 4 for t, *_ in chords}
    assert Fraction(3, 2) in onsets and 0 in onsets  # on 1, on the and of 2
    assert Fraction(7, 2) in onsets  # pushed to the and of 4


def test_triplet_and_three_four_timelines():
    spans = parse_progression("C F G | Am7").timeline(2)
    chords, bass = accompany(spans, bars=2, seed=1)
    assert {t for t, *_ in bass} >= {0, 640, 1280, 1920}
    waltz = parse_progression("Dm9 | G13").timeline(4, beats_per_bar=3)
    chords, bass = accompany(waltz, bars=4, seed=2)
    assert max(t + d for t, d, *_ in chords + bass) <= 12 * PPQ
    assert accompany([], bars=0, seed=1) == ([], [])


# -- under the melody, and styles ---------------------------------------------------------------------------

LINE = "Dm9 | G13 | Cmaj9 | A7b13 | Bm7b5 E7#9 | Am9 | D/C | F#m7b5 B7b9"


def lead(bars, low, high, seed):
    """A melody line of eighths to half notes between ``low`` and ``high`` (ticks, duration, midi)."""
    import random

    rnd, out, now = random.Random(seed), [], 0
    while now < bars * 4 * PPQ:
        length = rnd.choice((1, 2, 3, 4)) * PPQ // 2
        out.append((now, length, rnd.randint(low, high)))
        now += length
    return out


def sounding(melody, start, end):
    return [m for t, d, m in melody if t < end and t + d > start]


@pytest.mark.parametrize("low, high", [(64, 84), (60, 76), (55, 70)])
def test_the_comping_sits_under_the_melody(low, high):
    """Every chord struck sits under every melody note sounding with it: where four voices cannot go under
    the melody, fewer do (the guide tones first), and where none can, the comping lays out."""
    spans = parse_progression(LINE).timeline(16)
    thinned = silent = 0
    for seed in range(6):
        melody = lead(16, low, high, seed)
        chords, _ = accompany(spans, bars=16, seed=seed, melody=melody)
        alone, _ = accompany(spans, bars=16, seed=seed)
        by_hit = {}
        for ticks, duration, midi, _ in chords:
            by_hit.setdefault((ticks, duration), []).append(midi)
        for (ticks, duration), notes in by_hit.items():
            over = sounding(melody, ticks, ticks + duration)
            assert not over or max(notes) < min(over), (ticks, notes, over)
            thinned += len(notes) < 4
        silent += len({t for t, *_ in alone}) - len({t for t, *_ in chords})
    assert thinned > (20 if low < 64 else 0)
    assert (silent > 0) == (low < 57)  # only a melody down at G3 drives the comping out


def test_without_a_melody_every_chord_is_voiced_whole():
    spans = parse_progression(LINE).timeline(8)
    sizes = {len(voicing_pcs(s.chord.root, s.chord.pcs)) for s in spans}
    for seed in range(4):
        chords, _ = accompany(spans, bars=8, seed=seed)
        struck = {}
        for t, _, m, _ in chords:
            struck.setdefault(t, set()).add(m % 12)
        assert len(struck) >= len(spans) and {len(pcs) for pcs in struck.values()} <= sizes


def test_7_sharp_9_puts_the_sharp_9_above_the_3rd():
    for key in range(12):
        spans = parse_progression("E7#9 | Am9").transpose(key).timeline(4)
        for seed in range(6):
            chords, _ = accompany(spans, bars=4, seed=seed)
            root = spans[0].chord.root
            voicing = {m % 12: m for t, _, m, _ in chords if t < 4 * PPQ - ANTICIPATE * PPQ}
            third, sharp9 = (root + 4) % 12, (root + 3) % 12
            assert third in voicing and sharp9 in voicing and voicing[sharp9] > voicing[third]


def test_a_chord_is_pushed_only_under_a_melody_note_of_its_own():
    """Pushes happen (one change in four for the pushed style), but never while the melody sounds a note that
    is not one of the new chord's tones in the eighth before the bar line."""
    spans = parse_progression("Dm9 | G9 | Cmaj9 | A7b9").timeline(16)
    pushed = kept = 0
    for seed in range(40):
        melody = lead(16, 64, 80, seed)
        chords, _ = accompany(spans, bars=16, seed=seed, melody=melody)
        for s in spans[1:]:
            bar_line = int(s.start * PPQ)
            early = [m for t, d, m, _ in chords if t == bar_line - PPQ // 2 and t + d > bar_line]  # held over it
            if early:
                pushed += 1
                tones = chord_tones(s.chord.root, s.chord.pcs)
                assert all(m % 12 in tones for m in sounding(melody, bar_line - PPQ // 2, bar_line))
            elif not all(m % 12 in chord_tones(s.chord.root, s.chord.pcs)
                         for m in sounding(melody, bar_line - PPQ // 2, bar_line)):
                kept += 1
    assert pushed > 10 and kept > 10


@pytest.mark.parametrize("comping", list(COMPING))
@pytest.mark.parametrize("bass", list(BASS))
def test_every_style_plays_its_chords(comping, bass):
    spans = parse_progression("Dm9 G13 | Cmaj9 | Fmaj7 | E7b9").timeline(8)
    chords, line = accompany(spans, bars=8, seed=3, comping=comping, bass=bass, melody=lead(8, 65, 80, 3))
    assert chords and line
    for ticks, duration, midi, velocity in chords + line:
        assert duration > 0 and 1 <= velocity <= 127 and ticks + duration <= 8 * 4 * PPQ
    assert {t for t, *_ in line} >= {int(s.start * PPQ) for s in spans}  # the bass starts every chord
    if comping == "held":
        assert sorted({t for t, *_ in chords}) == [int(s.start * PPQ) for s in spans]  # once a chord, held
    if bass == "walking":
        bar_of_quarters = [t for t, *_ in line if 4 * PPQ <= t < 8 * PPQ]
        assert bar_of_quarters == [4 * PPQ + k * PPQ for k in range(4)]
    if bass == "roots":
        assert len(line) == len(spans)


def test_styles_change_per_span_and_unknown_ones_are_named():
    spans = parse_progression("Dm9 | G13 | Cmaj9 | Cmaj9").timeline(4)
    chords, _ = accompany(spans, bars=4, seed=2, comping=["held", "held", "ballad", "ballad"])
    assert [t for t, *_ in chords if t < 8 * PPQ][::4] == [0, 4 * PPQ]
    with pytest.raises(ValueError, match="unknown bass style 'stride' \\(the styles: lofi, roots, two-feel, walking\\)"):
        accompany(spans, bars=4, seed=2, bass="stride")


def test_the_lead_moves_up_an_octave_only_out_of_the_comping():
    assert lead_shift([57, 59, 60, 62, 64, 67, 69, 71]) == 12  # a quarter of the notes under E4
    assert lead_shift([64, 65, 67, 69, 71, 72, 74, 76]) == 0
    assert lead_shift([55, 57, 59, 60, 79]) == 0  # an octave up would pass E6
    assert lead_shift([]) == 0
