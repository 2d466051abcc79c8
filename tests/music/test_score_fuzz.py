"""Fuzzing with hypothesis: times, durations, pitches and whole scores never crash the compiler,
and valid input always compiles to well-formed Tone.js JSON that agrees with Tone's arithmetic.

The default run uses a few hundred examples per property; `pytest -m slow` runs the dedicated
10,000-example pass.
"""

import math
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lofi_build.errors import LofiError
from lofi_build.music import tonejson
from lofi_build.music.pitch import PitchError, midi_name, parse_pitch
from lofi_build.music.score import compile_text
from lofi_build.music.transport import Meter, TimeValueError, parse_beats, parse_ticks

DEFAULT = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))

meters = st.builds(Meter, st.integers(1, 12), st.sampled_from([1, 2, 4, 8, 16]))
decimals = st.one_of(st.integers(0, 999).map(str), st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 99), st.integers(0, 999)))
transport = st.one_of(
    st.builds(lambda b, q: f"{b}:{q}", decimals, decimals),
    st.builds(lambda b, q, s: f"{b}:{q}:{s}", decimals, decimals, decimals),
)
notation = st.one_of(
    st.builds(lambda n, dot: f"{n}n{dot}", st.sampled_from([1, 2, 4, 8, 16, 32, 64]), st.sampled_from(["", "."])),
    st.builds(lambda n: f"{n}t", st.sampled_from([1, 2, 4, 8, 16, 32])),
    st.builds(lambda n: f"{n}m", st.integers(0, 64)),
)
junk = st.one_of(st.text(max_size=20), st.text(alphabet=string.digits + ":.ntmis+@-hz ", max_size=12),
                 st.integers(-10, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.none(), st.booleans())


def tone_beats(text: str, meter: Meter) -> float:
    """An independent float re-implementation of Tone 15's TimeBase for the grammar above."""
    ts = meter.numerator * 4 / meter.denominator
    if ":" in text:
        fields = [float(x) if x else 0.0 for x in text.split(":")] + [0.0]
        return fields[0] * ts + fields[1] + fields[2] / 4
    value, unit = int(text.rstrip("ntm.")), text.rstrip(".")[-1]
    if unit == "m":
        return value * ts
    if unit == "t":
        return 8 / (value * 3)
    scalar = 1.5 if text.endswith(".") else 1
    return (ts if value == 1 else 4 / value) * scalar


def time_property(text, meter):
    beats = parse_beats(text, meter, 90)
    assert beats >= 0
    assert math.isclose(float(beats), tone_beats(text, meter), rel_tol=1e-9, abs_tol=1e-9)
    assert abs(parse_ticks(text, meter) - tone_beats(text, meter) * 480) <= 0.5 + 1e-6


def junk_time_property(value, meter):
    try:
        assert parse_beats(value, meter, 90) >= 0
    except TimeValueError:
        pass


names = st.builds(lambda l, a, o: f"{l}{a}{o}", st.sampled_from("CDEFGABcdefgab"),
                  st.sampled_from(["", "#", "b", "-", "##", "bb", "--"]), st.integers(0, 9))


def pitch_property(name):
    step = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}[name[0].upper()]
    acc = name[1:-1]
    expected = (int(name[-1]) + 1) * 12 + step + acc.count("#") - acc.count("b") - acc.count("-")
    try:
        midi = parse_pitch(name)
    except PitchError:
        assert not 0 <= expected <= 127
        return
    assert midi == expected
    if midi >= 12:  # below C0, "B-1" would read as music21's B-flat 1: such notes are written as numbers
        assert parse_pitch(midi_name(midi)) == midi


def junk_pitch_property(value):
    try:
        assert 0 <= parse_pitch(value) <= 127
    except PitchError:
        pass


note_entry = st.one_of(
    st.fixed_dictionaries({"time": st.one_of(transport, notation, junk), "note": st.one_of(names, junk),
                           "duration": st.one_of(notation, transport, junk)},
                          optional={"velocity": st.one_of(st.floats(0, 1), junk)}),
    st.fixed_dictionaries({"time": transport, "chord": st.sampled_from(["Fmaj7", "Dm9", "G7b9", "Bbmaj7/F", "Q7", "C"]),
                           "duration": notation}),
    st.tuples(transport, st.one_of(names, st.lists(names, min_size=1, max_size=4)), notation).map(list),
    junk,
)
score = st.fixed_dictionaries(
    {"title": st.one_of(st.text(min_size=1, max_size=30), junk), "bpm": st.one_of(st.integers(20, 300), junk),
     "parts": st.lists(st.fixed_dictionaries({
         "name": st.one_of(st.text(min_size=1, max_size=8), junk),
         "instrument": st.sampled_from(["piano", "rhodes", "bass", "drums", "kazoo"]),
         "notes": st.lists(note_entry, max_size=6)}), max_size=3)},
    optional={"time_signature": st.one_of(st.sampled_from(["4/4", "3/4", "6/8", "7/8", "5/3"]), junk),
              "swing": st.one_of(st.floats(0, 1), junk), "loop_bars": st.one_of(st.integers(1, 64), junk),
              "key": st.one_of(st.sampled_from(["F major", "A minor", "Bb major", "H major"]), junk)},
)


def score_property(data):
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        song = compile_text(text, "fuzz.yaml")
    except LofiError as e:
        for d in e.diagnostics:  # every error names the file, and a real position when it has one
            assert str(d).startswith("fuzz.yaml")
            assert d.line is None or 1 <= d.line <= text.count("\n") + 1
        return
    assert tonejson.problems(song) == []


def raw_text_property(text):
    try:
        compile_text(text, "fuzz.yaml")
    except LofiError:
        pass


PROPERTIES = [
    (time_property, (transport | notation, meters)),
    (junk_time_property, (junk | transport, meters)),
    (pitch_property, (names,)),
    (junk_pitch_property, (junk,)),
    (score_property, (score,)),
    (raw_text_property, (st.text(max_size=300),)),
]


@pytest.mark.parametrize("prop, strategies", PROPERTIES, ids=[p.__name__ for p, _ in PROPERTIES])
def test_fuzz(prop, strategies):
    DEFAULT(given(*strategies)(prop))()


@pytest.mark.slow
@pytest.mark.parametrize("prop, strategies", PROPERTIES, ids=[p.__name__ for p, _ in PROPERTIES])
def test_fuzz_10000_examples(prop, strategies):
    THOROUGH(given(*strategies)(prop))()
