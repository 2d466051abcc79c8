"""Render many single notes from a soundfont with ONE fluidsynth process, then cut them apart.

Loading a soundfont takes fluidsynth longer than rendering a note, so every note of every
instrument goes into one MIDI file, each in its own time slot after a program change, and
one fast-render pass turns it into float audio that is sliced back into notes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

from ..errors import BakeError
from . import tools
from .audio import RATE

DRUM_CHANNEL = 9
_TICKS_PER_SECOND = 960  # 480 PPQ at 120 bpm
_SETTLE = 0.25  # seconds between a program change and the note, and between slots


@dataclass(frozen=True)
class Strike:
    """One note to render: which preset, which key, how hard, how long held, how long to keep."""

    program: int
    midi: int
    velocity: int = 100
    hold: float = 1.0  # seconds until note-off
    length: float = 2.0  # seconds of audio to keep from note-on (release tail included)
    bank: int = 0
    percussion: bool = False


def strikes_midi(strikes: list[Strike]) -> tuple[mido.MidiFile, list[float]]:
    """The MIDI file that plays every strike in its own slot, and each slot's note-on time."""
    midi = mido.MidiFile(type=0, ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    events: list[tuple[int, int, mido.Message]] = []  # (tick, order, message)

    def at(seconds: float, order: int, message: mido.Message) -> None:
        events.append((round(seconds * _TICKS_PER_SECOND), order, message))

    starts, now = [], _SETTLE
    for strike in strikes:
        channel = DRUM_CHANNEL if strike.percussion else 0
        # Dry, centred, full level: the player's effect chain adds space and pan.
        for control, value in ((121, 0), (7, 127), (11, 127), (10, 64), (91, 0), (93, 0)):
            at(now - _SETTLE, 0, mido.Message("control_change", channel=channel, control=control, value=value))
        if not strike.percussion:
            at(now - _SETTLE, 1, mido.Message("control_change", channel=channel, control=0, value=strike.bank))
        at(now - _SETTLE, 2, mido.Message("program_change", channel=channel, program=strike.program))
        at(now, 3, mido.Message("note_on", channel=channel, note=strike.midi, velocity=strike.velocity))
        at(now + strike.hold, 0, mido.Message("note_off", channel=channel, note=strike.midi, velocity=0))
        # All sound off: nothing of this note may ring into the next one's slot.
        at(now + strike.length, 0, mido.Message("control_change", channel=channel, control=120, value=0))
        starts.append(now)
        now += strike.length + 2 * _SETTLE
    at(now, 9, mido.Message("control_change", channel=0, control=121, value=0))  # keeps the last tail
    events.sort(key=lambda e: (e[0], e[1]))
    tick = 0
    for when, _, message in events:
        track.append(message.copy(time=when - tick))
        tick = when
    return midi, starts


def render(soundfont: Path, strikes: list[Strike], rate: int = RATE, gain: float = 0.5) -> list[np.ndarray]:
    """Every strike as float32 ``(frames, 2)`` audio from its note-on, ``strike.length`` long."""
    if not strikes:
        return []
    fluidsynth = tools.program("fluidsynth")
    midi, starts = strikes_midi(strikes)
    with tempfile.TemporaryDirectory(prefix="lofi-fluidsynth-") as tmp:
        mid_path, wav_path = Path(tmp) / "notes.mid", Path(tmp) / "notes.wav"
        midi.save(mid_path)
        tools.run(
            [fluidsynth, "-n", "-i", "-q", "-R", "0", "-C", "0", "-g", str(gain), "-r", str(rate),
             "-T", "wav", "-O", "float", "-F", str(wav_path), str(soundfont), str(mid_path)],
            "fluidsynth",
        )
        audio, got_rate = sf.read(wav_path, dtype="float32", always_2d=True)
    if got_rate != rate:
        raise BakeError(f"fluidsynth rendered at {got_rate} Hz instead of {rate} Hz")
    out = []
    for strike, start in zip(strikes, starts):
        # The MIDI clock quantises to 1/960 s; slice on the same grid fluidsynth saw.
        first = round(round(start * _TICKS_PER_SECOND) / _TICKS_PER_SECOND * rate)
        piece = audio[first:first + round(strike.length * rate)]
        out.append(np.pad(piece, ((0, round(strike.length * rate) - len(piece)), (0, 0))))
    return out
