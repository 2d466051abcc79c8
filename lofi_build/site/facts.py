"""The facts block: the numbers and tables Python owns that the page and the generator's worker need.

Written once, as ``facts`` in build/manifest.json; the page reads it from the manifest and hands it to
the worker with the model (ai/client.js: the ``load`` message), so no JS module restates a tick rate,
a limit, a default or a table. Every value is taken from where Python defines it:

``ppq``                 ticks per quarter of every piece and of the Transport (music.transport.PPQ)
``noteNames``           the 12 pitch-class names of the note format's ``name`` (music.pitch.SHARP_NAMES)
``swing``               ``default``: the subdivision a piece without ``swingSubdivision`` swings;
                        ``ticks``: ticks of each subdivision a piece may name (music.transport.SWING_*)
``limits``              ``{min, max}`` of ``bars`` (a solo's length: loops.solos), ``bpm`` (the solo tempo),
                        ``temperature``, ``topK`` and ``seed``, as the config schema declares them; the CLI's
                        options check the same ranges (config.bounds)
``ai``                  the site's ``temperature``, ``topK`` and ``quality`` (ai.quality's thresholds): a live
                        solo's defaults and the rest rules its generation obeys, as the pool's
``solo``                how a live solo is written, as the pool writes its first solo: ``meter``, ``parts``
                        ([{name, instrument, gm}] in track order), melody ``velocity`` {note, chord}
                        (model.pool.piece_facts), the ``tensions`` a melody may take over a chord and the key
                        finder's ``keys`` [{scale, profile, names}] (model.quality)
``accompany``           the comping and bass registers and pattern tables (music.accompany.tables)

A live solo's default length is the site's ``site.loops.solos`` and its default tempo ``site.bpm``, both
in the manifest already.
"""

from __future__ import annotations

from ..config import AI, Config, Loops, as_dict, bounds
from ..model import pool, quality
from ..music import accompany, pitch, transport


def _range(section: type, name: str) -> dict:
    low, high = bounds(section, name)
    return {"min": low, "max": high}


def facts(config: Config) -> dict:
    """The facts block of a site built with ``config`` (the keys are described in this module's docstring)."""
    return {
        "ppq": transport.PPQ,
        "noteNames": list(pitch.SHARP_NAMES),
        "swing": {"default": transport.SWING_DEFAULT, "ticks": dict(transport.SWING_TICKS)},
        "limits": {
            "bars": _range(Loops, "solos"),
            "bpm": _range(Config, "bpm"),
            "temperature": _range(AI, "temperature"),
            "topK": _range(AI, "top_k"),
            "seed": _range(Config, "seed"),
        },
        "ai": {"temperature": config.ai.temperature, "topK": config.ai.top_k, "quality": as_dict(config.ai.quality)},
        "solo": {**pool.piece_facts(), "tensions": list(quality.TENSIONS), "keys": quality.key_table()},
        "accompany": accompany.tables(),
    }
