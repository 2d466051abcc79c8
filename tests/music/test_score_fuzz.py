"""Fuzzing with hypothesis: times, durations, pitches and whole scores never crash the compiler,
valid input always compiles to well-formed Tone.js JSON that agrees with Tone's arithmetic, and a
song with a form compiles to exactly the notes of the same song written out flat.

The default run uses a few hundred examples per property; `pytest -m slow` runs the dedicated
10,000-example pass.
"""

import json
import math
import string
from collections import Counter

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


FORM_PARTS = {"keys": ("piano", ["C4", "Eb4", "G4", "Bb3", "Dm9"]), "bass": ("bass", ["C2", "G1", "Bb1"]),
              "kit": ("drums", ["kick", "snare", "hat"])}
FORM_DURATIONS = ["16n", "8n", "4n", "2n", "1m", "8t", "4n.", "0:1:2"]


@st.composite
def form_songs(draw):
    """A random song with a form, and the same song written out flat by hand, as two score dicts.

    Note times are TransportTime inside their section (or ending); the flat copy adds the bars
    before it to the bar field. Every pass n of a section plays ending n, later passes the last.
    """
    meter = draw(st.sampled_from(["4/4", "3/4", "6/8", "7/8", "5/4"]))
    n, d = map(int, meter.split("/"))
    whole_quarters = n * 4 // d  # notes start within the bar: 7/8 has 3.5 quarters, so quarters 0..2
    parts = list(FORM_PARTS)[:draw(st.integers(1, 3))]

    def block(bars, every_part=False):
        out = {"bars": bars}
        for part in parts:
            if not (every_part or draw(st.booleans())):
                continue
            out[part] = [[f"{draw(st.integers(0, bars - 1))}:{draw(st.integers(0, whole_quarters - 1))}:"
                          f"{draw(st.sampled_from(['0', '1', '2', '3', '1.5']))}",
                          draw(st.sampled_from(FORM_PARTS[part][1])), draw(st.sampled_from(FORM_DURATIONS)),
                          draw(st.sampled_from([0.3, 0.55, 1]))]
                         for _ in range(draw(st.integers(1 if every_part else 0, 4)))]
        return out

    names = draw(st.lists(st.sampled_from(["intro", "A", "B", "C", "outro"]), min_size=1, max_size=4, unique=True))
    sections = {name: block(draw(st.integers(1, 4)), every_part=i == 0) for i, name in enumerate(names)}
    form = draw(st.lists(st.sampled_from(names), min_size=1, max_size=8))
    form += [name for name in names if name not in form]
    played = Counter(form)
    for name, section in sections.items():
        endings = [block(draw(st.integers(1, 2))) for _ in range(draw(st.integers(0, 2)))][:played[name]]
        if endings:
            section["endings"] = endings

    flat = {part: [] for part in parts}
    bar, passes = 0, Counter()
    for name in form:
        passes[name] += 1
        section = sections[name]
        endings = section.get("endings", [])
        for b in [section] + ([endings[min(passes[name], len(endings)) - 1]] if endings else []):
            for part in parts:
                for time, pitch, duration, velocity in b.get(part, []):
                    first, rest = time.split(":", 1)
                    flat[part].append([f"{int(first) + bar}:{rest}", pitch, duration, velocity])
            bar += b["bars"]
    head = {"title": "Form", "bpm": 84, "time_signature": meter}
    with_form = {**head, "parts": [{"name": p, "instrument": FORM_PARTS[p][0]} for p in parts],
                 "sections": sections, "form": form}
    written_out = {**head, "loop_bars": bar,
                   "parts": [{"name": p, "instrument": FORM_PARTS[p][0], "notes": flat[p]} for p in parts]}
    return with_form, written_out


def form_property(songs):
    with_form, written_out = (compile_text(yaml.safe_dump(s), "form.yaml", strict=True) for s in songs)
    assert tonejson.problems(with_form) == []
    # Notes that start together on one pitch may come in either order; everything else is the same.
    for track in (*with_form["tracks"], *written_out["tracks"]):
        track["notes"].sort(key=lambda note: json.dumps(note, sort_keys=True))
    sections = with_form["lofi"].pop("sections")
    assert with_form == written_out
    assert sum(s["bars"] for s in sections) == written_out["lofi"]["loopBars"]


PROPERTIES = [
    (time_property, (transport | notation, meters)),
    (junk_time_property, (junk | transport, meters)),
    (pitch_property, (names,)),
    (junk_pitch_property, (junk,)),
    (score_property, (score,)),
    (raw_text_property, (st.text(max_size=300),)),
    (form_property, (form_songs(),)),
]


@pytest.mark.parametrize("prop, strategies", PROPERTIES, ids=[p.__name__ for p, _ in PROPERTIES])
def test_fuzz(prop, strategies):
    DEFAULT(given(*strategies)(prop))()


@pytest.mark.slow
@pytest.mark.parametrize("prop, strategies", PROPERTIES, ids=[p.__name__ for p, _ in PROPERTIES])
def test_fuzz_10000_examples(prop, strategies):
    THOROUGH(given(*strategies)(prop))()
