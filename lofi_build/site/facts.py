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
``ai``                  the site's ``temperature``, ``topK``, ``quality`` (ai.quality's thresholds) and
                        ``layBack`` (ai.lay_back, ticks): what a live solo is made with unless the
                        listener says otherwise, the rest rules its generation keeps, as the pool's,
                        and how far behind the beat its melody plays
``station``             station mode's settings (the config's ``station:``, units converted once): ``bpm``
                        {min, max} and ``bpmStep`` of the AI tracks, their length ``seconds`` {min, max},
                        ``songEvery`` (every Nth track a song; 0 never), ``repeatSeconds`` (no track comes
                        again within it), ``history`` (tracks kept to go back to), ``transitions``,
                        ``sleepMinutes`` (the sleep timer's choices) and ``sleepFade`` (seconds)

``solo`` in the exported model header, the same for every site (model.pool.solo_facts): the tables the
worker writes a solo with, fetched only with the model:

``noteNames``           the 12 pitch-class names of the note format's ``name`` (music.pitch)
``meter``, ``parts``   as the pool writes its first solo: the meter, the tracks [{name, instrument,
                        gm}] in order (model.pool)
``dynamics``            the melody's velocity rule, by phrase and metre (music.dynamics.tables)
``tensions``, ``keys``  what a melody may add over a chord, and the key finder's scales [{scale,
                        profile, names}] in the order it tries them (model.quality)
``accompany``           the comping and bass registers, voicing and lead rules and the styles' pattern
                        tables (music.accompany.tables)
``form``                the loop's turnaround chords and the chords that lead back by themselves
                        (music.form.tables)

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
        "ai": {"temperature": config.ai.temperature, "topK": config.ai.top_k, "quality": as_dict(config.ai.quality),
               "layBack": config.ai.lay_back},
        "station": station_facts(config),
    }


def station_facts(config: Config) -> dict:
    """Station mode's settings as the page reads them (this module's docstring)."""
    s = config.station
    return {
        "bpm": {"min": s.bpm_min, "max": s.bpm_max},
        "bpmStep": s.bpm_step,
        "seconds": {"min": s.minutes_min * 60, "max": s.minutes_max * 60},
        "songEvery": s.song_every,
        "repeatSeconds": s.repeat_hours * 3600,
        "history": s.history,
        "transitions": list(s.transitions),
        "sleepMinutes": list(s.sleep_minutes),
        "sleepFade": s.sleep_fade,
    }
