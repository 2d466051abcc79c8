"""Differential test: our TransportTime reader against the vendored Tone.js itself, in Chromium.

Thousands of generated time values (every notation, decimal fields, odd meters, several tempos)
are read by ``lofi_build.music.transport`` and by ``Tone.TransportTime`` on a real Transport (in
seconds at its tempo and meter); both must agree to float precision, and ``format_bbs`` must print
what ``toBarsBeatsSixteenths`` prints. (Our ticks are the exact value rounded once; Tone floors a
float, which can land a tick early -- the player schedules our integer ticks, so it never does.)
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from lofi_build.music.transport import PPQ, Meter, TimeValueError, format_bbs, parse_beats, ticks
from support import THEME, static_server

pytestmark = pytest.mark.browser

METERS = [(4, 4), (3, 4), (6, 8), (7, 8), (5, 4), (12, 8), (2, 2), (9, 16)]
TEMPOS = [60, 78, 90.5, 120, 174]


def _decimal(rng: random.Random, high: int) -> str:
    whole = str(rng.randrange(high))
    return whole if rng.random() < 0.6 else f"{whole}.{rng.randrange(1, 1000):03d}".rstrip("0")


def _value(rng: random.Random):
    kind = rng.randrange(9)
    if kind <= 2:
        fields = [_decimal(rng, 40), _decimal(rng, 8)]
        if rng.random() < 0.7:
            fields.append(_decimal(rng, 20))
        return ":".join(fields)
    if kind == 3:
        return f"{rng.choice([1, 2, 3, 4, 6, 8, 12, 16, 32, 64])}n{rng.choice(['', '.'])}"
    if kind == 4:
        return f"{rng.choice([1, 2, 3, 4, 8, 16, 32])}t"
    if kind == 5:
        return f"{rng.randrange(1, 64)}{rng.choice(['m', 'M'])}"
    if kind == 6:
        return f"{rng.randrange(0, 100000)}i"
    if kind == 7:
        return rng.choice([f"{_decimal(rng, 30)}s", _decimal(rng, 30), f"{rng.randrange(1, 50)}hz"])
    return {rng.choice(["4n", "8t", "1m", "16n", "2n."]): rng.randrange(1, 5) for _ in range(rng.randrange(1, 3))}


def _cases(n: int, seed: int = 2024) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    while len(cases) < n:
        value, meter, bpm = _value(rng), rng.choice(METERS), rng.choice(TEMPOS)
        try:
            beats = parse_beats(value, Meter(*meter), bpm)
        except TimeValueError:
            continue
        cases.append({"value": value, "meter": list(meter), "bpm": bpm, "exact": beats})
    return cases


_READ_JS = """
([cases, ppq]) => {
  const transport = Tone.getTransport();
  transport.PPQ = ppq;
  return cases.map(({value, meter, bpm, tick}) => {
    transport.timeSignature = meter;
    transport.bpm.value = bpm;
    return [Tone.TransportTime(value).valueOf(), Tone.Ticks(tick).toBarsBeatsSixteenths()];
  });
}
"""


def test_transport_times_read_like_tone_js(page):
    cases = _cases(3000)
    with static_server(THEME / "vendor") as url:
        page.goto(url + "__blank__.html")
        page.add_script_tag(url=url + "tone/Tone.js")
        payload = [
            {"value": c["value"], "meter": c["meter"], "bpm": c["bpm"], "tick": ticks(c["exact"])} for c in cases
        ]
        results = page.evaluate(_READ_JS, [payload, PPQ])
    mismatches = []
    for case, (tone_seconds, tone_bbs) in zip(cases, results):
        ours = float(case["exact"] * 60 / Fraction(str(case["bpm"])))
        if abs(tone_seconds - ours) > 1e-9 * max(1.0, ours):
            mismatches.append(f"{case['value']!r} in {case['meter']} at {case['bpm']}: ours {ours} s, Tone {tone_seconds} s")
        tick = ticks(case["exact"])
        bbs = format_bbs(tick, Meter(*case["meter"]))
        if bbs != tone_bbs:
            mismatches.append(f"tick {tick} in {case['meter']}: ours {bbs!r}, Tone {tone_bbs!r}")
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ:\n" + "\n".join(mismatches[:20])
    # the generator really covered the grammar
    assert sum(isinstance(c["value"], str) and c["value"].count(":") == 2 and "." in c["value"] for c in cases) > 100
    assert any(isinstance(c["value"], dict) for c in cases)
    assert any(c["exact"].denominator % 3 == 0 for c in cases)  # triplets

