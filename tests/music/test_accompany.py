"""Lofi accompaniment: voicings from the chord, the bass on each chord's bass note, smooth voice leading, seeds."""

from fractions import Fraction

import pytest

from support import DEFAULTS
from lofi_build.music.accompany import (
    ANTICIPATE, BASS_HIGH, BASS_LOW, CHORD_HIGH, CHORD_LOW, accompany, voicing_pcs,
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
