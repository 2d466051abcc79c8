"""Spoken quotes: espeak-ng reads the text, then an old-radio treatment (band-limit, wow, tape, crackle)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

from ..errors import BakeError
from . import ambience, audio, settings, tools
from .loudness import integrated_loudness, peak_db
from .manifest import Kit, Quote
from ..schema import Custom, Int, Invalid, Number, Text

PEAK_CEILING = -1.0
LEAD_IN, TAIL = 0.5, 1.0  # seconds of crackle around the voice
_MBROLA = re.compile(r"(^|[/+])mb[-/]|mbrola", re.I)


_VOICE_TEXT = Text(nonempty=True, strip=True)


def _voice(v):
    v = _VOICE_TEXT.check(v)
    if _MBROLA.search(v):
        # MBROLA voices are licensed for non-commercial use only.
        raise Invalid(f"{v!r} is an MBROLA voice, which the kit cannot ship; use an espeak-ng voice like en-us+m3")
    if not re.fullmatch(r"[A-Za-z0-9_./-]+(\+[A-Za-z0-9_ .-]+)?", v):
        raise Invalid(f"{v!r} is not an espeak-ng voice name like en-us or en-gb+f3")
    return v


SCHEMA = {
    "voice": Custom(default="en-us", fn=_voice, help="espeak-ng voice, optionally +variant (no MBROLA)"),
    "speed": Int(default=135, low=80, high=260, help="words per minute"),
    "pitch": Int(default=40, low=0, high=99, help="espeak-ng base pitch"),
    "seed": Int(default=1, low=0, high=2**32 - 1, help="seed of the crackle and wow"),
    "loudness": Number(default=-20.0, low=-34, high=-12, as_float=True, help="integrated loudness in LUFS"),
}


def speak(text: str, voice: str, speed: int, pitch: int) -> tuple[np.ndarray, int]:
    """The dry espeak-ng reading of ``text`` as float samples and their rate."""
    espeak = tools.program("espeak-ng")
    with tempfile.TemporaryDirectory(prefix="lofi-espeak-") as tmp:
        wav = Path(tmp) / "voice.wav"
        # Text goes in on stdin so nothing in it can be read as an option.
        tools.run([espeak, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav)],
                  "espeak-ng", input=text.encode("utf-8"))
        x, rate = audio.read(wav)
    if not np.any(x):
        raise BakeError(f"espeak-ng produced silence for voice {voice!r}")
    return x[:, 0], rate


def wow_and_flutter(x: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A slowly wandering playback speed, as from a worn tape transport (about 0.3 % deep)."""
    t = np.arange(len(x)) / rate
    delay = (0.0012 * np.sin(2 * np.pi * 0.6 * t + rng.uniform(0, 6.3))
             + 0.00004 * np.sin(2 * np.pi * 7.5 * t + rng.uniform(0, 6.3)))
    return np.interp(t - delay - 0.0013, t, x, left=0.0, right=0.0)


def tape(x: np.ndarray, drive: float = 2.2, bias: float = 0.08) -> np.ndarray:
    """Soft, slightly asymmetric saturation: warm even harmonics, rounded peaks."""
    scale = np.max(np.abs(x)) or 1.0
    y = np.tanh(drive * (x / scale + bias)) - np.tanh(drive * bias)
    return y / (np.max(np.abs(y)) or 1.0)


def radio(voice: np.ndarray, rate: int, seed: int) -> np.ndarray:
    """The lofi treatment of a dry voice at ``rate`` (44.1 kHz): mono float32 ready to level."""
    rng = np.random.default_rng(seed)
    lead, tail = round(LEAD_IN * rate), round(TAIL * rate)
    x = np.concatenate([np.zeros(lead), voice, np.zeros(tail)])
    x = wow_and_flutter(x, rate, rng)
    x = sosfilt(butter(2, [300, 3400], btype="bandpass", fs=rate, output="sos"), x)
    x = tape(x)
    x = sosfilt(butter(2, 4500, btype="lowpass", fs=rate, output="sos"), x)
    bed = ambience.vinyl(rng, len(x), rate).mean(axis=1)
    bed = sosfilt(butter(1, 6000, btype="lowpass", fs=rate, output="sos"), bed)
    speech = x[lead:len(x) - tail]
    # A little crackle: well under the voice on average, and no pop louder than a third of it.
    gain = min(0.12 * np.sqrt(np.mean(speech**2)) / (np.sqrt(np.mean(bed**2)) or 1.0),
               0.33 * np.max(np.abs(speech)) / (np.max(np.abs(bed)) or 1.0))
    x = x + gain * bed
    return audio.fade(x.astype(np.float32), fade_in=round(0.2 * rate), fade_out=round(0.5 * rate))


def render(item: Quote, recipe: dict) -> np.ndarray:
    """The finished quote at the kit's rate and loudness."""
    dry, rate = speak(item.text, recipe["voice"], recipe["speed"], recipe["pitch"])
    if rate != audio.RATE:
        dry = resample_poly(dry, audio.RATE, rate)
    x = radio(dry, audio.RATE, recipe["seed"])
    gain = min(recipe["loudness"] - integrated_loudness(x, audio.RATE), PEAK_CEILING - peak_db(x))
    return (x * audio.db_to_gain(gain)).astype(np.float32)


def bake(kit: Kit, items: list[Quote], outdir: Path, bar) -> list[Path]:
    recipes = {item.id: settings.read(kit, item, SCHEMA) for item in items}
    written = []
    for item in items:
        bar.set_postfix_str(item.id)
        path = outdir / item.audio.rel
        audio.write_mp3(path, render(item, recipes[item.id]), quality=audio.QUALITY["quote"])
        written.append(path)
        bar.update(1)
    return written
