"""Chord lines in scores (``chords: "Dm9 G13 | Cmaj9"``): laid on the song's timeline and played by the accompaniment
the AI solos use, each part in its comping or bass style, under the parts written as notes."""

from __future__ import annotations

from fractions import Fraction

from . import accompany, tonejson
from .progression import ChordSpan, Progression
from .transport import PPQ, Meter

KINDS = {"comping": accompany.COMPING, "bass": accompany.BASS}  # what a part may play from a chord line


def unknown_style(kind: str, name) -> str | None:
    """The message for a style ``name`` that is not one of ``kind``'s, or None when it is one."""
    styles = KINDS[kind]
    if isinstance(name, str) and name in styles:
        return None
    return f"unknown {kind} style {name!r} (the {kind} styles: {', '.join(styles)})"


def place(progression: Progression, bar: int, meter: Meter) -> list[ChordSpan]:
    """The chord line's spans in quarters from the song's start, its first bar at ``bar``."""
    at = bar * meter.quarters_per_bar
    return [ChordSpan(s.start + at, s.end + at, s.chord)
            for s in progression.timeline(len(progression.bars), meter.quarters_per_bar)]


def chords_json(spans) -> list[dict]:
    """The chords a piece plays, as its ``"lofi"`` block lists them: ticks, length and symbol of each."""
    return [{"ticks": int(s.start * PPQ), "durationTicks": int((s.end - s.start) * PPQ), "symbol": s.chord.symbol}
            for s in spans]


def play(spans: list[ChordSpan], styles: dict[str, dict[str, list[str]]], *, meter: Meter, seed: int,
         melody) -> dict[str, list[tonejson.Note]]:
    """Each styled part's notes over ``spans``: ``styles`` maps a part to {kind: one style per span}; the comping
    goes under ``melody`` ((ticks, duration ticks, midi) of the parts written as notes)."""
    if not spans:
        return {}
    bars = int(Fraction(spans[-1].end) / meter.quarters_per_bar)
    out = {}
    for part, kinds in styles.items():
        notes = []
        comping, bass = accompany.accompany(spans, bars=bars, seed=seed, ppq=PPQ, melody=melody,
                                            **{kind: styles for kind, styles in kinds.items()})
        for kind, played in (("comping", comping), ("bass", bass)):
            if kind in kinds:
                notes += [tonejson.Note(midi, ticks, duration, tonejson.unit_velocity(velocity))
                          for ticks, duration, midi, velocity in played]
        out[part] = notes
    return out
