"""Tone.js time values (TransportTime, note values, seconds) read exactly as Tone.js reads them.

Everything is computed in exact fractions of a quarter note ("beats"), then rounded once to
ticks at PPQ 480. The grammar mirrors Tone.js 15's TimeBase expressions: ``BARS:QUARTERS[:SIXTEENTHS]``
with decimal fields that are not range-checked, ``Nn``/``Nn.`` (``1n`` is one *measure*, as in
Tone), ``Nt``, ``Nm``, ``Ni`` (ticks at PPQ 480, the rate the player runs its Transport at),
``N.Ns``, ``N.Nhz``, plain numbers as seconds, and ``{"4n": 2, "8t": 1}`` sums.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PPQ = 480


class TimeValueError(ValueError):
    """A time or duration that does not parse; the compiler adds the file position."""


@dataclass(frozen=True)
class Meter:
    numerator: int = 4
    denominator: int = 4

    @functools.cached_property
    def quarters_per_bar(self) -> Fraction:
        # Tone's Transport.timeSignature for [n, d] is n / d * 4 quarters.
        return Fraction(self.numerator * 4, self.denominator)

    @property
    def bar_ticks(self) -> int:
        return int(self.quarters_per_bar * PPQ)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


_DEC = r"([0-9]+(?:\.[0-9]+)?)"
_EXPRESSIONS = [
    ("hz", re.compile(rf"^{_DEC}hz$", re.I | re.A)),
    ("i", re.compile(r"^([0-9]+)i$", re.I | re.A)),
    ("m", re.compile(r"^([0-9]+)m$", re.I | re.A)),
    ("n", re.compile(r"^([0-9]+)n(\.?)$", re.I | re.A)),
    ("number", re.compile(rf"^{_DEC}$", re.A)),
    ("s", re.compile(rf"^{_DEC}s$", re.A)),
    ("samples", re.compile(r"^([0-9]+)samples$", re.A)),
    ("t", re.compile(r"^([0-9]+)t$", re.I | re.A)),
    ("tr", re.compile(rf"^{_DEC}:{_DEC}:?{_DEC}?$", re.A)),
]



def time_pattern() -> str:
    """Every time string :func:`parse_beats` reads, as one ECMAScript pattern for editors (which have no
    inline flags: a case-insensitive unit's letters become classes, 'm' -> '[mM]')."""
    def case_free(pattern: str) -> str:
        return re.sub(r"[a-z]", lambda m: f"[{m.group()}{m.group().upper()}]", pattern)

    forms = [(case_free(r.pattern) if r.flags & re.I else r.pattern).strip("^$") for _, r in _EXPRESSIONS]
    return r"^\s*(?:" + "|".join(forms) + r")\s*$"


HINT = (
    "expected TransportTime 'BARS:QUARTERS[:SIXTEENTHS]' like '1:2:0', "
    "a note value like '4n', '8t', '4n.' or '1m', or seconds like '1.5s'"
)


def _seconds_to_beats(seconds: Fraction, bpm: Fraction) -> Fraction:
    return seconds * bpm / 60


def _number(value) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TimeValueError(f"{value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise TimeValueError(f"{value!r} is not a finite number")
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def parse_beats(value, meter: Meter = Meter(), bpm: float = 120) -> Fraction:
    """A Tone.js Time value as an exact number of quarter notes from the start (>= 0)."""
    bpm_f = _number(bpm)
    if isinstance(value, dict):
        if not value:
            raise TimeValueError("an empty mapping is not a time")
        total = Fraction(0)
        for unit, quantity in value.items():
            if not isinstance(unit, str):
                raise TimeValueError(f"{unit!r} is not a time unit like '4n' or '1m'")
            total += parse_beats(unit, meter, bpm) * _number(quantity)
        if total < 0:
            raise TimeValueError(f"time {value!r} adds up to less than zero")
        return total
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = _number(value)
        if seconds < 0:
            raise TimeValueError(f"time {value!r} is negative")
        return _seconds_to_beats(seconds, bpm_f)
    if not isinstance(value, str):
        raise TimeValueError(f"{value!r} is not a time value; {HINT}")
    return _parse_text(value, meter, bpm)


@functools.lru_cache(maxsize=4096)  # a score writes the same few durations and many nearby times
def _parse_text(value: str, meter: Meter, bpm) -> Fraction:
    bpm_f = _number(bpm)
    text = value.strip()
    if text.startswith("+"):
        raise TimeValueError(f"'{value}': times relative to 'now' ('+...') have no place in a score")
    if text.startswith("@"):
        raise TimeValueError(f"'{value}': quantized times ('@...') have no place in a score")
    for unit, regexp in _EXPRESSIONS:
        m = regexp.match(text)
        if not m:
            continue
        if unit == "tr":
            bars, quarters, sixteenths = (
                (int(g) if g.isdigit() else Fraction(g)) if g else 0 for g in m.groups()
            )
            return bars * meter.quarters_per_bar + quarters + Fraction(sixteenths) / 4
        if unit == "n":
            n = int(m.group(1))
            if n == 0:
                raise TimeValueError(f"'{value}': 0n is not a note value")
            scalar = Fraction(3, 2) if m.group(2) == "." else Fraction(1)
            # Tone reads "1n" as one measure of the current meter, not four quarters.
            return (meter.quarters_per_bar if n == 1 else Fraction(4, n)) * scalar
        if unit == "t":
            n = int(m.group(1))
            if n == 0:
                raise TimeValueError(f"'{value}': 0t is not a note value")
            return Fraction(8, n * 3)
        if unit == "m":
            return int(m.group(1)) * meter.quarters_per_bar
        if unit == "i":
            return Fraction(int(m.group(1)), PPQ)
        if unit in ("number", "s"):
            return _seconds_to_beats(Fraction(m.group(1)), bpm_f)
        if unit == "hz":
            hz = Fraction(m.group(1))
            if hz == 0:
                raise TimeValueError(f"'{value}': 0hz has no period")
            return _seconds_to_beats(1 / hz, bpm_f)
        if unit == "samples":
            raise TimeValueError(f"'{value}': sample counts depend on the listener's sound card; use seconds")
    raise TimeValueError(f"invalid time '{value}': {HINT}")


def ticks(beats: Fraction) -> int:
    """Quarter notes to ticks at PPQ 480, rounding half up like Math.round."""
    beats = Fraction(beats)
    return (2 * beats.numerator * PPQ + beats.denominator) // (2 * beats.denominator)


def parse_ticks(value, meter: Meter = Meter(), bpm: float = 120) -> int:
    return ticks(parse_beats(value, meter, bpm))


def ticks_to_seconds(tick: int, bpm: float) -> float:
    return tick / PPQ * 60 / bpm


def js_number(x: float) -> str:
    """Format a number the way JavaScript's Number#toString does (for the values we print)."""
    if x == int(x) and abs(x) < 1e21:
        return str(int(x))
    return repr(float(x))


def _to_fixed(x: float, digits: int) -> float:
    # Number#toFixed rounds the exact binary value half up.
    return float(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=4096)
def format_bbs(tick: int, meter: Meter = Meter()) -> str:
    """Ticks as Tone's ``Time#toBarsBeatsSixteenths()`` prints them, e.g. ``'1:3:2'``."""
    time_signature = float(meter.quarters_per_bar)
    quarters = _to_fixed(tick / PPQ, 4)
    measures = math.floor(quarters / time_signature)
    sixteenths = (quarters % 1) * 4
    quarters = math.floor(quarters) % time_signature
    if len(js_number(sixteenths)) > 3:
        sixteenths = _to_fixed(sixteenths, 3)
    return ":".join(js_number(v) for v in (measures, quarters, sixteenths))


# Tone's swingSubdivision values a piece may name, the one a piece gets when it names none, and
# the ticks of each (what Tone reads "8n" and "16n" as): the player reads these from the facts block.
SWING_SUBDIVISIONS = ("8n", "16n")
SWING_DEFAULT = "8n"
SWING_TICKS = {name: parse_ticks(name) for name in SWING_SUBDIVISIONS}


def swing_offset_ticks(tick: int, amount: float, subdivision_ticks: int = SWING_TICKS[SWING_DEFAULT]) -> float:
    """How far Tone's Transport swing moves an event at ``tick`` (in ticks, may be fractional)."""
    pair = subdivision_ticks * 2
    if amount <= 0 or tick % PPQ == 0 or tick % pair == 0:
        return 0.0
    progress = (tick % pair) / pair
    return math.sin(progress * math.pi) * amount * pair / 3
