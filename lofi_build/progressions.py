"""content/progressions/: the progression library and the mood table, read against their schemas, every error at once.

A project's library adds to the package's (an entry of the same name replaces the package's); its mood
table, when it has one, replaces the package's whole.
"""

from __future__ import annotations

from pathlib import Path

from . import yamlio
from .errors import Collector, ContentError, LofiError
from .music.mood import Mood, library_rows, read
from .music.progression import MODES, MOODS, LibraryEntry, ProgressionError, parse_progression
from .schema import REQUIRED, Choice, Custom, Invalid, ListOf, Number, Schema, Section, Text, read_document


def _progression(value):
    try:
        return parse_progression(value)
    except ProgressionError as e:
        raise Invalid(str(e), whole=True) from None


def _mood(value):
    if value not in MOODS:
        raise Invalid(f"unknown mood {value!r} (known: {', '.join(MOODS)})", whole=True)
    return value


ENTRY = Schema({
    "name": Text(default=REQUIRED, nonempty=True, help="what ai.progressions and the page's presets call it"),
    "progression": Custom(default=REQUIRED, fn=_progression, shape={"type": "string"},
                          help="the chords: bars split by |, chords in a bar split it evenly ('Dm9 G13 | Cmaj9')"),
    "mode": Choice(default=REQUIRED, choices=MODES, show_value=True, help="the mood box picks progressions of its mode"),
    "moods": ListOf(default=REQUIRED, item=Custom(fn=_mood, shape={"enum": list(MOODS)}), nonempty=True, what="a non-empty list of mood tags",
                    help="the tags the mood box weighs it by"),
    "description": Text(default=REQUIRED, nonempty=True, strip=True, help="a line about it"),
}, what="progression key")
LIBRARY = ListOf(item=ENTRY, nonempty=True, what="a non-empty list of progressions {name, progression, mode, "
                                                  "moods, description}")

_SPAN = ListOf(default=REQUIRED, item=Number(), length=2, what="[min, max], two numbers")
_WORDS = ListOf(default=REQUIRED, item=Text(nonempty=True), what="a list of words")
_BOUNDS = Schema({"min": Number(default=REQUIRED), "max": Number(default=REQUIRED)})
ENERGY = Schema({
    **{name: Number(default=REQUIRED, help=f"arousal's weight of {what}") for name, what in (
        ("base", "nothing (where it starts)"), ("exclamation", "each '!'"), ("intensifier", "VADER's boosters"),
        ("capitals", "the share of words in CAPITALS"), ("strength", "|valence|"),
        ("calm_word", "each calm word"), ("lively_word", "each lively word"))},
    "calm_words": _WORDS, "lively_words": _WORDS,
}, what="energy key")
CELL = Schema({
    "valence": _SPAN, "arousal": _SPAN,
    "mode": Choice(default=REQUIRED, choices=MODES, show_value=True),
    "moods": ListOf(default=REQUIRED, item=Text(nonempty=True), nonempty=True, what="a non-empty list of mood tags"),
}, what="cell key")
TABLE = Section(schema=Schema({
    "energy": Section(default=REQUIRED, schema=ENERGY, help="how a text's energy cues make its arousal"),
    "tempo": Section(default=REQUIRED, schema=_BOUNDS, help="bpm from arousal 0 to 1"),
    "temperature": Section(default=REQUIRED, schema=_BOUNDS, help="sampling temperature from arousal 0 to 1"),
    "cells": ListOf(default=REQUIRED, item=CELL, nonempty=True,
                    what="a non-empty list of cells {valence: [min, max], arousal: [min, max], mode, moods}"),
}, what="mood table key"))


def load_library(path: Path) -> dict[str, LibraryEntry]:
    """The progression library (a YAML list of {name, progression, mode, moods, description}) by name."""
    doc = yamlio.load(path, ContentError)
    errors = Collector()
    items = read_document(LIBRARY, doc, errors, "the progression library", strict=True, error_cls=ContentError)
    names: set[str] = set()
    for i, item in enumerate(items or ()):
        if item.get("name") in names:
            errors.add(doc.error((i, "name"), f"duplicate name {item['name']!r}"))
        names.add(item.get("name"))
    errors.raise_if_any()
    return {e["name"]: LibraryEntry(e["name"], e["progression"], e["mode"], tuple(e["moods"]), e["description"])
            for e in items}


def _covers(cells: list[dict]) -> tuple[float, float, int] | None:
    """The first (valence, arousal) on a 0.05 grid of [-1, 1] x [0, 1] not in exactly one cell, and how many hold it."""
    for v, a in ((v / 20, a / 20) for v in range(-20, 21) for a in range(0, 21)):
        hits = [c for c in cells if c["valence"][0] <= v < c["valence"][1] and c["arousal"][0] <= a < c["arousal"][1]]
        if len(hits) != 1:
            return v, a, len(hits)
    return None


def load_mood_table(path: Path) -> dict:
    """The mood table, checked: every (valence, arousal) in [-1, 1] x [0, 1] falls in exactly one cell."""
    doc = yamlio.load(path, ContentError)
    errors = Collector()
    table = read_document(TABLE, doc, errors, "the mood table", strict=True, error_cls=ContentError)
    for key in ("tempo", "temperature"):
        bounds = (table or {}).get(key, {})
        if {"min", "max"} <= bounds.keys() and bounds["min"] > bounds["max"]:
            errors.add(doc.error((key, "min"), f"'{key}.min' must not exceed '{key}.max'"))
    cells = (table or {}).get("cells")
    if not errors and cells:
        gap = _covers(cells)
        if gap:
            errors.add(doc.error(("cells",), f"valence {gap[0]}, arousal {gap[1]} falls in {gap[2]} cells "
                                             "(must be exactly 1)"))
    errors.raise_if_any()
    return table


def library(config) -> dict[str, LibraryEntry]:
    """The progression library in force: the package's, with the project's entries laid over it."""
    entries: dict[str, LibraryEntry] = {}
    errors = Collector()
    for path in config.progressions_yamls:
        try:
            entries.update(load_library(path))
        except LofiError as e:
            errors.add(e)
    errors.raise_if_any()
    return entries


def mood_table(config) -> dict | None:
    """The mood table in force (the project's, else the package's); None when there is none."""
    path = config.mood_table_yaml
    return load_mood_table(path) if path.is_file() else None


def mood_of(text: str, config) -> Mood:
    """``text``'s mood by the project's mood table and library, or the package's (mood.read: NoMoodError for a
    text that tells none)."""
    return read(text, load_mood_table(config.mood_table_yaml), library_rows(library(config)))
