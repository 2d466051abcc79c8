"""Station mode's data for the page: the word lists its AI tracks are named with and each library progression's home key."""

from __future__ import annotations

import re

import numpy as np

from . import yamlio
from .config import Config
from .errors import Collector, ContentError
from .model import pool, quality
from .music.progression import Progression
from .schema import REQUIRED, Custom, Invalid, ListOf, Schema, Section, Text, read_document

SLOT = re.compile(r"\{([a-z_]+)\}")


def _words(value):
    ok = isinstance(value, dict) and value and all(
        isinstance(k, str) and SLOT.fullmatch("{" + k + "}") and isinstance(v, list) and v
        and all(isinstance(w, str) and w.strip() for w in v) for k, v in value.items())
    if not ok:
        raise Invalid("must map each kind of word (lower-case letters) to a non-empty list of words")
    return {k: list(dict.fromkeys(w.strip() for w in v)) for k, v in value.items()}


NAMES = Section(schema=Schema({
    "patterns": ListOf(default=REQUIRED, item=Text(nonempty=True), nonempty=True,
                       what="a non-empty list of titles with {kind} slots", help="how a title is put together"),
    "words": Custom(default=REQUIRED, fn=_words, help="the words each {kind} is drawn from"),
}, what="names key"))


def load_names(config: Config) -> dict | None:
    """``content/station/names.yaml`` read and checked ({patterns, words}); None when the project has none
    (the station then numbers its tracks)."""
    path = config.station_names_yaml
    if not path.is_file():
        return None
    doc = yamlio.load(path, ContentError)
    errors = Collector()
    data = read_document(NAMES, doc, errors, "the station's word lists", strict=True, error_cls=ContentError)
    if data and "patterns" in data and "words" in data:
        for i, pattern in enumerate(data["patterns"]):
            slots = SLOT.findall(pattern)
            if not slots:
                errors.add(doc.error(("patterns", i), f"pattern {pattern!r} has no {{kind}} slot"))
            for kind in slots:
                if kind not in data["words"]:
                    errors.add(doc.error(("patterns", i), f"pattern {pattern!r} names {{{kind}}}, which 'words' does "
                                                         f"not list (known: {', '.join(sorted(data['words']))})"))
    errors.raise_if_any()
    return data


def home_tonic(progression: Progression, mode: str) -> int:
    """The pitch class of the key a library progression is written in, given its ``mode``: each root scores the
    bars its chords of that mode's colour last (a major third and no minor seventh for major, a minor third for
    minor), half a bar more as the first or last chord, and one for each dominant seventh a fifth above it (a V
    wants its I); a tie goes to the key finder's fit (model.quality's profiles over the chords' pitch classes)."""
    spans = progression.timeline()
    score = np.zeros(12)
    weights = np.zeros(12)
    for i, span in enumerate(spans):
        chord, length = span.chord, float(span.end - span.start) / 4
        intervals = {(pc - chord.root) % 12 for pc in chord.pcs}
        for pc in chord.pcs:
            weights[pc] += length
        if intervals >= {4, 10}:
            score[(chord.root + 5) % 12] += 1
            continue
        if (4 in intervals) if mode == "major" else (3 in intervals and 4 not in intervals):
            score[chord.root] += length + 0.5 * ((i == 0) + (i == len(spans) - 1))
    profile = next(p for scale, p, _ in quality._SCALES if scale == mode)
    fit = [np.corrcoef(weights, np.roll(profile, t))[0, 1] if np.ptp(weights) else 0.0 for t in range(12)]
    return max(range(12), key=lambda t: (round(float(score[t]), 6), fit[t]))


def station_data(config: Config, library: dict | None) -> dict:
    """The station's asset: ``names`` (or null), ``keys`` (the names of the 12 tonics of each scale, as the key
    finder spells them), ``tonics`` ({library name: home pitch class}, what a plan transposes from) and ``meter``
    (the AI solos', which the station's AI tracks keep: model.pool)."""
    return {
        "meter": [pool.METER.numerator, pool.METER.denominator],
        "names": load_names(config),
        "keys": {scale: list(names) for scale, _, names in quality._SCALES},
        "tonics": {name: home_tonic(e.progression, e.mode) for name, e in (library or {}).items()},
    }
