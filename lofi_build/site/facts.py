"""The facts Python owns that the page and the generator's worker read instead of restating them, in two blocks.

``facts`` in build/manifest.json, the site's: the page reads it from the manifest and hands it to the
worker with the model (ai/client.js: the ``load`` message). Fetched before the first sound, so it
holds only what the page needs and the site's own settings:

``ppq``                 ticks per quarter of every piece and of the Transport (music.transport.PPQ)
``swing``               ``default``: the subdivision a piece that names none swings; ``ticks``: the
                        ticks of each subdivision a piece may name (music.transport.SWING_*)
``limits``              ``{min, max}`` of ``bars`` (a solo's length: loops.solos), ``bpm`` (the solo
                        tempo), ``temperature``, ``topK`` and ``seed``, as the config schema declares
                        them; the CLI's options check the same ranges (config.bounds); and
                        ``exportMinutes``, the length picker of the page's Export WAV (EXPORT_MINUTES)
``ai``                  the site's ``temperature``, ``topK`` and ``quality`` (ai.quality's thresholds):
                        what a live solo is made with unless the listener says otherwise, and the rest
                        rules its generation keeps, as the pool's

``solo`` in the exported model header, the same for every site (model.pool.solo_facts): the tables the
worker writes a solo with, fetched only with the model:

``noteNames``           the 12 pitch-class names of the note format's ``name`` (music.pitch)
``meter``, ``parts``,   as the pool writes its first solo: the meter, the tracks [{name, instrument,
``velocity``            gm}] in order, the melody's velocities {note, chord} (model.pool)
``tensions``, ``keys``  what a melody may add over a chord, and the key finder's scales [{scale,
                        profile, names}] in the order it tries them (model.quality)
``accompany``           the comping and bass registers and pattern tables (music.accompany.tables)

A live solo's default length is the site's ``site.loops.solos`` and its tempo ``site.bpm``, both in the
manifest already.
"""

from __future__ import annotations

from ..config import AI, Config, Loops, as_dict, bounds
from ..music import transport


# Whole minutes the page's Export WAV offers: an hour of study music at most (a 635 MB file; the page renders
# it a segment at a time, so memory stays bounded however long it is).
EXPORT_MINUTES = (1, 60)


def _range(section: type, name: str) -> dict:
    low, high = bounds(section, name)
    return {"min": low, "max": high}


def facts(config: Config) -> dict:
    """The manifest's facts block for a site built with ``config`` (its keys: this module's docstring)."""
    return {
        "ppq": transport.PPQ,
        "swing": {"default": transport.SWING_DEFAULT, "ticks": dict(transport.SWING_TICKS)},
        "limits": {
            "bars": _range(Loops, "solos"),
            "bpm": _range(Config, "bpm"),
            "temperature": _range(AI, "temperature"),
            "topK": _range(AI, "top_k"),
            "seed": _range(Config, "seed"),
            "exportMinutes": {"min": EXPORT_MINUTES[0], "max": EXPORT_MINUTES[1]},
        },
        "ai": {"temperature": config.ai.temperature, "topK": config.ai.top_k, "quality": as_dict(config.ai.quality)},
    }
