"""The sampler presets a score may name, and the General MIDI program each one exports as."""

from __future__ import annotations

from dataclasses import dataclass

from . import gm


@dataclass(frozen=True)
class Preset:
    name: str
    program: int  # GM program (or drum kit number when percussion)
    percussion: bool = False
    description: str = ""

    @property
    def gm(self) -> dict:
        """The ``instrument`` object of a track this preset plays (what it exports as)."""
        return gm.instrument_json(self.program, self.percussion)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("piano", 0, description="acoustic grand piano"),
        Preset("rhodes", 4, description="electric piano"),
        Preset("guitar", 24, description="nylon-string guitar"),
        Preset("vibraphone", 11, description="vibraphone"),
        Preset("musicbox", 10, description="music box"),
        Preset("bass", 32, description="upright (acoustic) bass"),
        Preset("drums", 32, percussion=True, description="jazz kit"),
        Preset("brushes", 40, percussion=True, description="brush kit"),
    )
}


class UnknownPreset(ValueError):
    pass


def preset(name) -> Preset:
    if isinstance(name, str) and name in PRESETS:
        return PRESETS[name]
    raise UnknownPreset(f"unknown instrument {name!r} (known: {', '.join(PRESETS)})")
