"""TransportTime and Tone notation, read exactly as Tone.js 15 reads them."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofi_build.music.transport import (
    PPQ, Meter, TimeValueError, format_bbs, parse_beats, parse_ticks, swing_offset_ticks, ticks,
)

FOUR, THREE, SIX_EIGHT, SEVEN_EIGHT = Meter(4, 4), Meter(3, 4), Meter(6, 8), Meter(7, 8)


@pytest.mark.parametrize(
    "value, meter, expected",
    [
        ("0:0:0", FOUR, 0),
        ("0:0:2", FOUR, 240),  # the article's example: two sixteenths into the first bar
        ("2:1:0", FOUR, 2 * 1920 + 480),  # third bar, after one quarter
        ("1:3:2", FOUR, 1920 + 1440 + 240),
        ("0:5:0", FOUR, 5 * 480),  # Tone does not range-check fields
        ("0:0:17", FOUR, 17 * 120),
        ("1:2", FOUR, 1920 + 960),  # the sixteenths field is optional
        ("1:2:", FOUR, 1920 + 960),  # ... and so is its colon, as in Tone's regexp
        ("0:0:1.5", FOUR, 180),  # fractional sixteenths
        ("1.5:0:0", FOUR, 2880),  # fractional bars
        ("0:0.5:0", FOUR, 240),
        (" 1:0:0 ", FOUR, 1920),  # Tone trims
        ("1:0:0", THREE, 1440),
        ("2:2:0", THREE, 2 * 1440 + 960),
        ("1:0:0", SIX_EIGHT, 1440),  # 6/8 = 3 quarters per bar
        ("1:1:0", SIX_EIGHT, 1440 + 480),
        ("1:0:0", SEVEN_EIGHT, 1680),  # 7/8 = 3.5 quarters
        ("4n", FOUR, 480),
        ("8n", FOUR, 240),
        ("16n", FOUR, 120),
        ("32n", FOUR, 60),
        ("2n", FOUR, 960),
        ("1n", FOUR, 1920),
        ("1n", THREE, 1440),  # Tone reads 1n as one measure
        ("1n", SIX_EIGHT, 1440),
        ("4n.", FOUR, 720),
        ("8n.", FOUR, 360),
        ("1n.", THREE, 2160),
        ("3n", FOUR, 640),
        ("8t", FOUR, 160),
        ("4t", FOUR, 320),
        ("16t", FOUR, 80),
        ("2t", FOUR, 640),
        ("1m", FOUR, 1920),
        ("2m", THREE, 2880),
        ("4M", FOUR, 7680),  # unit letters are case-insensitive in Tone
        ("8N", FOUR, 240),
        ("960i", FOUR, 960),
        ("0.5s", FOUR, 480),  # at 120 bpm
        ("1", FOUR, 960),  # plain numbers are seconds
        (1.5, FOUR, 1440),
        (0, FOUR, 0),
        ("2hz", FOUR, 480),
        ({"4n": 2, "8t": 1}, FOUR, 1120),
    ],
)
def test_tone_semantics(value, meter, expected):
    assert parse_ticks(value, meter, 120) == expected


def test_seconds_follow_the_tempo():
    assert parse_ticks("1s", FOUR, 60) == 480
    assert parse_ticks(2, FOUR, 90) == 1440


@pytest.mark.parametrize(
    "bad",
    ["", "1:2:3:4", "-1:0:0", "1:-2:0", ".5:0:0", "1.:0:0", "abc", "4x", "0n", "0t", "+4n", "@4n", "1:0:0s",
     "10samples", "0hz", "٣:0:0", True, None, [1, 2], {}, float("nan"), float("inf"), -1, {"4q": 1}, {"4n": -1}],
)
def test_invalid_values_are_rejected(bad):
    with pytest.raises(TimeValueError):
        parse_beats(bad, FOUR, 120)


def test_error_message_shows_the_grammar():
    with pytest.raises(TimeValueError, match=r"BARS:QUARTERS\[:SIXTEENTHS\]"):
        parse_beats("soon", FOUR, 120)


def test_ticks_round_half_up_like_math_round():
    assert ticks(Fraction(1, 960)) == 1  # 0.5 tick -> 1
    assert ticks(Fraction(1, 961)) == 0


@pytest.mark.parametrize(
    "tick, meter, expected",
    [
        (0, FOUR, "0:0:0"),
        (240, FOUR, "0:0:2"),
        (3600, FOUR, "1:3:2"),
        (1440, THREE, "1:0:0"),
        (1440 + 480 + 120, SIX_EIGHT, "1:1:1"),
        (160, FOUR, "0:0:1.333"),  # a triplet eighth, as Tone prints it
        (180, FOUR, "0:0:1.5"),
        (2 * 1680 + 720, SEVEN_EIGHT, "2:1:2"),
        (1920, SEVEN_EIGHT, "1:0.5:0"),  # Tone's modulo with 3.5 quarters per bar
    ],
)
def test_format_matches_tone_toBarsBeatsSixteenths(tick, meter, expected):
    assert format_bbs(tick, meter) == expected


meters = st.sampled_from([FOUR, THREE, SIX_EIGHT, Meter(5, 4), Meter(2, 2), Meter(12, 8)])


@given(bars=st.integers(0, 500), quarters=st.integers(0, 40), sixteenths=st.integers(0, 40), meter=meters)
def test_integer_fields_add_up(bars, quarters, sixteenths, meter):
    expected = bars * meter.bar_ticks + quarters * PPQ + sixteenths * PPQ // 4
    assert parse_ticks(f"{bars}:{quarters}:{sixteenths}", meter) == expected


@settings(max_examples=300)
@given(tick=st.integers(0, 10_000_000), meter=meters)
def test_format_then_parse_is_the_identity_on_the_sixteenth_grid(tick, meter):
    tick -= tick % 120
    assert parse_ticks(format_bbs(tick, meter), meter) == tick


@settings(max_examples=300)
@given(tick=st.integers(0, 1_000_000), meter=meters)
def test_format_then_parse_is_within_a_tick_anywhere(tick, meter):
    # Tone rounds quarters to 4 decimals and sixteenths to 3, so a round trip may move by
    # a fraction of a tick -- never more than one.
    assert abs(parse_ticks(format_bbs(tick, meter), meter) - tick) <= 1


@given(
    st.decimals(min_value=0, max_value=1000, places=3),
    st.decimals(min_value=0, max_value=100, places=3),
    st.decimals(min_value=0, max_value=100, places=3),
)
def test_decimal_fields_are_exact(b, q, s):
    text = f"{b}:{q}:{s}"
    expected = Fraction(str(b)) * 4 + Fraction(str(q)) + Fraction(str(s)) / 4
    assert parse_beats(text, FOUR) == expected


def test_swing_moves_only_offbeat_eighths_fully():
    assert swing_offset_ticks(0, 1.0) == 0
    assert swing_offset_ticks(480, 1.0) == 0
    assert swing_offset_ticks(240, 1.0) == pytest.approx(160)  # the off-beat eighth becomes a triplet
    assert swing_offset_ticks(240, 0.5) == pytest.approx(80)
    assert swing_offset_ticks(120, 1.0) == pytest.approx(160 * 0.7071, rel=1e-3)
    assert swing_offset_ticks(240, 0.0) == 0
