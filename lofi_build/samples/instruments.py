"""Sampler instruments and drum kits: each note rendered from a GM soundfont, cut to its attack, levelled."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from . import audio, settings, soundfont, tools
from .loudness import integrated_loudness, peak_db
from .manifest import Instrument, Kit
from ..schema import REQUIRED, Int, Number, Text

PEAK_CEILING = -1.0  # dBFS, headroom for the MP3 decoder's overshoot
IN_TUNE = 2.0  # cents; notes further off equal temperament are resampled onto it

SCHEMA = {
    "soundfont": Text(default=REQUIRED, nonempty=True, strip=True, help="the .sf2/.sf3 file to render from"),
    "program": Int(default=REQUIRED, low=0, high=127, help="GM program, or the drum kit number for a drumkit"),
    "bank": Int(default=0, low=0, high=127, help="soundfont bank of a pitched instrument"),
    "velocity": Int(default=96, low=1, high=127, help="MIDI velocity of every note"),
    "hold": Number(default=2.0, low=0.01, high=30, as_float=True, help="seconds before the note is released"),
    "length": Number(default=3.0, low=0.05, high=30, as_float=True, help="seconds kept from the attack, release included"),
    "loudness": Number(default=-18.0, low=-40, high=-6, as_float=True, help="LUFS of the median note after levelling"),
}


def _recipe(kit: Kit, item: Instrument) -> dict:
    recipe = settings.read(kit, item, SCHEMA)
    mark = kit.doc.mark(*item.keys, "bake", "soundfont")
    recipe["soundfont"] = tools.soundfont(recipe["soundfont"], kit.path, *(mark or (None, None)))
    return recipe


def level(notes: dict[int, np.ndarray], loudness: float, rate: int = audio.RATE) -> dict[int, np.ndarray]:
    """One gain for the whole instrument: its median note at ``loudness``, no peak above the ceiling.

    A single gain keeps the soundfont's own voicing across the range, which matters more to a
    sampler that repitches neighbours than making every note equally loud.
    """
    measured = [integrated_loudness(x, rate) for x in notes.values()]
    gain = loudness - statistics.median(measured)
    highest_peak = max(peak_db(x) for x in notes.values())
    gain = min(gain, PEAK_CEILING - highest_peak)
    factor = audio.db_to_gain(gain)
    return {midi: (x * factor).astype(np.float32) for midi, x in notes.items()}


def shape(renders: dict[int, np.ndarray], percussion: bool, rate: int = audio.RATE) -> dict[int, np.ndarray]:
    """Cut each render to its attack and its audible tail; fold to mono where stereo says nothing."""
    cut = {midi: audio.trim_tail(audio.trim_attack(x, rate), rate) for midi, x in renders.items()}
    if percussion:  # each drum is its own sound, so each decides for itself
        return {midi: audio.as_mono_if_coherent(x) for midi, x in cut.items()}
    # A sampler repitches neighbouring notes, so the whole instrument is mono or stereo alike.
    mono = {midi: audio.as_mono_if_coherent(x) for midi, x in cut.items()}
    return mono if all(x.ndim == 1 for x in mono.values()) else cut


def detune(x: np.ndarray, midi: int, rate: int = audio.RATE) -> float:
    """How many cents the note sounds above (+) or below (-) equal temperament at A4 = 440 Hz.

    Reads the lowest strong partial near its expected frequency in a long, zero-padded spectrum;
    piano bass strings often have a weak fundamental, so a partial within 20 dB of the strongest
    one stands in for it.
    """
    expected = 440.0 * 2 ** ((midi - 69) / 12)
    mono = x.mean(axis=1) if x.ndim == 2 else x
    start = round(0.03 * rate)
    segment = mono[start:start + round(0.8 * rate)]
    segment = segment * np.hanning(len(segment))
    nfft = 1 << int(np.ceil(np.log2(len(segment) * 8)))
    spectrum = np.abs(np.fft.rfft(segment, nfft))
    partials = []
    for k in range(1, 9):
        low, high = k * expected * 2 ** (-0.6 / 12), k * expected * 2 ** (0.6 / 12)
        if high > rate / 2 - 1000:
            break
        lo, hi = int(low * nfft / rate), int(np.ceil(high * nfft / rate))
        i = lo + int(np.argmax(spectrum[lo:hi + 1]))
        a, b, c = np.log(spectrum[i - 1:i + 2] + 1e-12)
        offset = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c else 0.0
        partials.append((spectrum[i], (i + offset) * rate / nfft / k))
    strongest = max(p[0] for p in partials)
    frequency = next(f for magnitude, f in partials if magnitude >= 0.1 * strongest)
    return 1200 * np.log2(frequency / expected)


def retune(x: np.ndarray, cents: float) -> np.ndarray:
    """Lower the pitch by ``cents`` (resampling, so the note also lasts that much longer)."""
    up = round(1000 * 2 ** (cents / 1200))
    return resample_poly(x, up, 1000, axis=0).astype(np.float32)


def in_tune(notes: dict[int, np.ndarray], rate: int = audio.RATE) -> dict[int, np.ndarray]:
    """Every note onto equal temperament: a stretch-tuned piano's top octave is 25 cents sharp,
    which clashes with the other instruments once a sampler repitches it."""
    out = {}
    for midi, x in notes.items():
        cents = detune(x, midi, rate)
        out[midi] = retune(x, cents) if abs(cents) > IN_TUNE else x
    return out


def _strike(recipe: dict, midi: int, percussion: bool) -> soundfont.Strike:
    return soundfont.Strike(program=recipe["program"], midi=midi, velocity=recipe["velocity"], hold=recipe["hold"],
                            length=recipe["length"], bank=recipe["bank"], percussion=percussion)


def bake(kit: Kit, items: list[Instrument], outdir: Path, bar) -> list[Path]:
    """Render every note of ``items`` (one fluidsynth run per soundfont) and write the MP3s."""
    recipes = {item.id: _recipe(kit, item) for item in items}
    written: list[Path] = []
    by_font: dict[Path, list[Instrument]] = {}
    for item in items:
        by_font.setdefault(recipes[item.id]["soundfont"], []).append(item)
    for font, group in by_font.items():
        bar.set_postfix_str(f"fluidsynth {font.name}")
        strikes = [_strike(recipes[item.id], midi, item.percussion) for item in group for midi in item.notes]
        renders = iter(soundfont.render(font, strikes))
        bar.update(1)
        for item in group:
            recipe = recipes[item.id]
            notes = shape({midi: next(renders) for midi in item.notes}, item.percussion)
            if not item.percussion:
                notes = in_tune(notes)
            notes = level(notes, recipe["loudness"])
            bar.set_postfix_str(item.id)
            for midi, x in notes.items():
                path = outdir / item.notes[midi].rel
                audio.write_mp3(path, x, quality=audio.QUALITY[item.kind])
                written.append(path)
                bar.update(1)
    return written
