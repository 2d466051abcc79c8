"""Ambience loops synthesised from seeded noise: rain, fire, wind, a stream, vinyl crackle, a cricket night.

Every generator builds exactly one period of its sound: noise is shaped in the frequency domain
(an inverse FFT is periodic by construction), slow level changes are periodic random curves,
and each raindrop, crackle, bubble or chirp is added modulo the period, so a tail that runs off
the end comes back in at the start. The loop point is therefore seamless, with no crossfade
and no level dip, and the file carries a margin of the same periodic sound on both sides of
the loop so that no decoder delay or padding can ever land in the loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import BakeError
from . import audio, settings
from .loudness import integrated_loudness, peak_db
from .manifest import Ambience, Kit
from ..schema import REQUIRED, Int, Number, Text

PEAK_CEILING = -1.0

SCHEMA = {
    "synth": Text(default=REQUIRED, nonempty=True, strip=True,
                  help="which generator: rain, fire, wind, stream, vinyl or night"),
    "seed": Int(default=1, low=0, high=2**32 - 1, help="random seed; the same seed gives the same audio"),
    "loudness": Number(default=-24.0, low=-34, high=-12, as_float=True, help="integrated loudness in LUFS"),
}


# -- periodic building blocks ----------------------------------------------------------------------


def _freqs(n: int, rate: int) -> np.ndarray:
    return np.fft.rfftfreq(n, 1 / rate)


def band(f: np.ndarray, low: float | None = None, high: float | None = None, order: int = 2) -> np.ndarray:
    """Butterworth-shaped magnitude response: high-pass at ``low``, low-pass at ``high``."""
    g = np.ones_like(f)
    if low:
        with np.errstate(divide="ignore"):
            g /= np.sqrt(1 + (low / np.maximum(f, 1e-9)) ** (2 * order))
    if high:
        g /= np.sqrt(1 + (f / high) ** (2 * order))
    return g


def peak(f: np.ndarray, centre: float, q: float) -> np.ndarray:
    """A resonance (second-order band-pass magnitude) at ``centre`` Hz."""
    ratio = np.maximum(f, 1e-9) / centre
    return 1 / np.sqrt(1 + q * q * (ratio - 1 / ratio) ** 2)


def tilt(f: np.ndarray, db_per_octave: float, reference: float = 1000.0) -> np.ndarray:
    return (np.maximum(f, 1.0) / reference) ** (db_per_octave / (20 * np.log10(2)))


def noise(rng: np.random.Generator, n: int, rate: int, response: Callable[[np.ndarray], np.ndarray],
          channels: int = 2, correlation: float = 0.0) -> np.ndarray:
    """Periodic Gaussian noise with magnitude ``response(f)``, unit RMS per channel, ``(n, channels)``."""
    f = _freqs(n, rate)
    g = response(f)
    g[0] = 0.0

    def spectrum():
        return rng.standard_normal(len(f)) + 1j * rng.standard_normal(len(f))

    common = spectrum()
    out = np.empty((n, channels), dtype=np.float64)
    for c in range(channels):
        mixed = np.sqrt(correlation) * common + np.sqrt(1 - correlation) * spectrum()
        x = np.fft.irfft(mixed * g, n)
        out[:, c] = x / (np.sqrt(np.mean(x * x)) or 1.0)
    return out


def drift(rng: np.random.Generator, n: int, rate: int, cutoff: float, depth_db: float) -> np.ndarray:
    """A smooth periodic random gain curve ``(n,)``: level wanders by about ``depth_db`` (1 sigma)."""
    f = _freqs(n, rate)
    g = np.exp(-0.5 * (f / cutoff) ** 2)
    g[0] = 0.0
    curve = np.fft.irfft((rng.standard_normal(len(f)) + 1j * rng.standard_normal(len(f))) * g, n)
    curve /= np.std(curve) or 1.0
    return 10 ** (depth_db * curve / 20)


def shape(x: np.ndarray, rate: int, response: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Filter a periodic signal with a zero-phase magnitude ``response(f)`` (circular, so still periodic)."""
    g = response(_freqs(len(x), rate))
    return np.fft.irfft(np.fft.rfft(x, axis=0) * (g[:, None] if x.ndim == 2 else g), len(x), axis=0)


def poisson_times(rng: np.random.Generator, n: int, rate: int, per_second: float) -> np.ndarray:
    count = rng.poisson(per_second * n / rate)
    return np.sort(rng.integers(0, n, count))


def scatter(out: np.ndarray, times, grains, pans=None) -> None:
    """Add each grain at its time, wrapping past the end back to the start; pans 0 = left, 1 = right."""
    n = len(out)
    for i, (t, grain) in enumerate(zip(times, grains)):
        grain = np.asarray(grain)[: n]
        if out.ndim == 2:
            p = 0.5 if pans is None else pans[i]
            grain = grain[:, None] * np.array([np.sqrt(1 - p), np.sqrt(p)])[None, :] * np.sqrt(2)
        end = int(t) + len(grain)
        if end <= n:
            out[int(t):end] += grain
        else:
            cut = n - int(t)
            out[int(t):] += grain[:cut]
            out[: end - n] += grain[cut:]


def ring(rate: int, freq: float, decay: float, glide: float = 0.0, phase: float = 0.0) -> np.ndarray:
    """A damped sinusoid (a drop, a bubble, a click's body): ``decay`` seconds to 1/e, pitch ``glide``."""
    t = np.arange(max(2, int(decay * 6 * rate))) / rate
    inst = freq * (1 + glide * t / decay)
    return np.sin(phase + 2 * np.pi * np.cumsum(inst) / rate) * np.exp(-t / decay)


def _overlay(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two grains added from their common start."""
    out = np.zeros(max(len(a), len(b)))
    out[: len(a)] += a
    out[: len(b)] += b
    return out


def _pareto(rng, alpha: float, size, cap: float = 30.0) -> np.ndarray:
    """Heavy-tailed amplitudes: most events soft, a few loud, as in crackles."""
    return np.minimum(rng.pareto(alpha, size) + 1, cap)


# -- the sounds ------------------------------------------------------------------------------------


def rain(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Steady rain on a window: a hiss of countless tiny drops, single drops ticking, some heavier drips."""
    hiss = noise(rng, n, rate, lambda f: band(f, 500, 9000, 2) * tilt(f, -1.5, 3000), correlation=0.2)
    out = 0.25 * hiss * drift(rng, n, rate, 0.08, 1.0)[:, None]
    ticks = np.zeros((n, 2))
    times = poisson_times(rng, n, rate, 320)
    freqs = np.exp(rng.normal(np.log(3200), 0.45, len(times)))
    decays = rng.uniform(0.0004, 0.0016, len(times))
    amps = 10 ** (rng.normal(-2, 6, len(times)) / 20)
    scatter(ticks, times, (a * ring(rate, f, d, phase=rng.uniform(0, 6.3)) for a, f, d in zip(amps, freqs, decays)),
            pans=rng.uniform(0, 1, len(times)))
    drips = np.zeros((n, 2))
    times = poisson_times(rng, n, rate, 4)
    scatter(drips, times, (
        rng.uniform(0.4, 1.0) * ring(rate, rng.uniform(700, 1900), rng.uniform(0.004, 0.012), glide=-0.08)
        for _ in times), pans=rng.uniform(0.15, 0.85, len(times)))
    out += 0.5 * ticks / (np.sqrt(np.mean(ticks ** 2)) or 1) + 0.35 * drips / (np.abs(drips).max() or 1)
    return shape(out, rate, lambda f: band(f, 120, 11000, 1))


def fire(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A fireplace: a low flickering roar, a thin hiss, bursts of sharp crackles and a few wood pops."""
    flicker = drift(rng, n, rate, 2.5, 3.0) * drift(rng, n, rate, 0.1, 2.0)
    roar = noise(rng, n, rate, lambda f: band(f, 35, 320, 2) * tilt(f, -3, 100), correlation=0.6)
    hiss = noise(rng, n, rate, lambda f: band(f, 1800, 6000, 2), correlation=0.3)
    out = (0.4 * roar + 0.03 * hiss) * flicker[:, None]
    crackle = np.zeros((n, 2))
    bursts = poisson_times(rng, n, rate, 2.2)
    times = np.concatenate([
        t + np.cumsum(rng.exponential(0.012 * rate, rng.geometric(0.22))).astype(int) for t in bursts
    ]) % n if len(bursts) else np.array([], dtype=int)
    times = np.concatenate([times, poisson_times(rng, n, rate, 3.0)])  # lone crackles between bursts
    amps = 0.3 * _pareto(rng, 1.6, len(times), cap=10) * rng.choice([-1, 1], len(times))
    scatter(crackle, times, (a * ring(rate, rng.uniform(2500, 7500), rng.uniform(0.00008, 0.0003),
                                      phase=np.pi / 2) for a in amps), pans=rng.uniform(0.1, 0.9, len(times)))
    pops = np.zeros((n, 2))
    times = poisson_times(rng, n, rate, 0.35)
    snap = ring(rate, 5000, 0.0002, phase=np.pi / 2)
    scatter(pops, times, (
        _overlay(ring(rate, rng.uniform(350, 900), rng.uniform(0.003, 0.008)) * rng.uniform(0.5, 1.0), snap)
        for _ in times), pans=rng.uniform(0.2, 0.8, len(times)))
    return out + shape(crackle, rate, lambda f: band(f, 900, None, 1)) + 0.5 * pops


def wind(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Gusty wind: a broad low rush whose hollow whistle rises and swells with every gust."""
    gust_db = 20 * np.log10(drift(rng, n, rate, 0.09, 5.0)) + 20 * np.log10(drift(rng, n, rate, 0.7, 1.2))
    rush = noise(rng, n, rate, lambda f: band(f, 30, 700, 2) * tilt(f, -2.5, 200), correlation=0.5)
    out = rush * 10 ** (gust_db / 20)[:, None]
    for centre, threshold in ((210, -6), (330, -2), (520, 2), (800, 5)):
        tone = noise(rng, n, rate, lambda f, c=centre: peak(f, c, 9.0), correlation=0.7)
        swell = 1 / (1 + np.exp(-(gust_db - threshold) / 1.8))  # higher whistles need stronger gusts
        out += 0.5 * tone * (swell * 10 ** (gust_db / 20))[:, None]
    return shape(out, rate, lambda f: band(f, 25, 2500, 2))


def stream(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A brook over stones: a babbling bed of water noise and many small rising bubble tones."""
    babble = drift(rng, n, rate, 9.0, 2.5) * drift(rng, n, rate, 0.15, 1.5)
    bed = noise(rng, n, rate, lambda f: band(f, 250, 3500, 2) * peak(f, 900, 0.8), correlation=0.3)
    gurgle = noise(rng, n, rate, lambda f: band(f, 60, 250, 2), correlation=0.5)
    out = (0.35 * bed + 0.25 * gurgle) * babble[:, None]
    bubbles = np.zeros((n, 2))
    times = poisson_times(rng, n, rate, 110)
    freqs = np.exp(rng.uniform(np.log(380), np.log(2600), len(times)))
    amps = 10 ** (rng.normal(-4, 5, len(times)) / 20)
    # Minnaert: small bubbles ring higher and die faster; the surface makes the pitch rise.
    scatter(bubbles, times, (a * ring(rate, f, 0.012 * (600 / f) ** 0.7, glide=rng.uniform(0.05, 0.25))
                             for a, f in zip(amps, freqs)), pans=rng.uniform(0, 1, len(times)))
    out += 0.55 * bubbles / (np.sqrt(np.mean(bubbles ** 2)) or 1)
    return shape(out, rate, lambda f: band(f, 50, 7000, 2))


def vinyl(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A record between tracks: surface hiss, rumble, random crackle, a scratch ticking every turn (33 1/3)."""
    hiss = noise(rng, n, rate, lambda f: band(f, 2500, 12000, 2), correlation=0.4)
    rumble = noise(rng, n, rate, lambda f: band(f, 15, 60, 2), correlation=0.9)
    out = 0.03 * hiss + 0.012 * rumble
    clicks = np.zeros((n, 2))
    times = poisson_times(rng, n, rate, 16)
    amps = 0.2 * _pareto(rng, 1.5, len(times), cap=8) * rng.choice([-1, 1], len(times))
    scatter(clicks, times, (a * ring(rate, rng.uniform(3000, 9000), rng.uniform(0.00006, 0.0002), phase=np.pi / 2)
                            for a in amps), pans=rng.uniform(0, 1, len(times)))
    turn = round(rate * 60 / (100 / 3))  # one revolution at 33 1/3 rpm
    for _ in range(rng.integers(2, 4)):  # a scratch comes back on every revolution
        where, size = rng.integers(0, turn), rng.uniform(0.3, 0.6)
        grain = size * ring(rate, rng.uniform(1200, 3000), rng.uniform(0.0004, 0.0012), phase=np.pi / 2)
        times = np.arange(where, n, turn)
        scatter(clicks, times, (grain * rng.uniform(0.7, 1.0) for _ in times), pans=np.full(len(times), 0.5))
    return out + shape(clicks, rate, lambda f: band(f, 700, 12000, 1))


def night(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """A summer night: a few crickets chirping at their own pace over soft night air."""
    air = noise(rng, n, rate, lambda f: band(f, 40, 500, 2) * tilt(f, -3, 100), correlation=0.6)
    out = 0.02 * air * drift(rng, n, rate, 0.05, 2.0)[:, None]
    for cricket in range(4):
        carrier = rng.uniform(3900, 5100)
        period = rng.uniform(0.45, 0.95)  # seconds between chirps
        count = max(1, round(n / (period * rate)))
        pulses, pulse_len, gap = int(rng.integers(3, 6)), rng.uniform(0.012, 0.02), rng.uniform(0.012, 0.02)
        t = np.arange(int(pulse_len * rate)) / rate
        env = np.sin(np.pi * t / pulse_len) ** 2
        chirp = np.zeros(int(pulses * (pulse_len + gap) * rate) + len(t))
        for p in range(pulses):
            start = int(p * (pulse_len + gap) * rate)
            pitch = carrier * (1 + 0.01 * np.sin(2 * np.pi * 60 * t))
            chirp[start:start + len(t)] += env * np.sin(2 * np.pi * np.cumsum(pitch) / rate) * (1 - 0.12 * p)
        level = 10 ** (rng.uniform(-9, 0) / 20)
        # Evenly spaced round the loop from a random phase, each chirp a little early or late.
        jitter = rng.normal(0, 0.02 * period * rate, count).astype(int)
        times = (np.arange(count) * n // count + rng.integers(0, n) + jitter) % n
        track = np.zeros((n, 2))
        scatter(track, times, (chirp * rng.uniform(0.75, 1.0) for _ in times), pans=np.full(count, rng.uniform(0.1, 0.9)))
        out += 0.35 * level * track
    return shape(out, rate, lambda f: band(f, 30, 9000, 2))


SYNTHS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "rain": rain, "fire": fire, "wind": wind, "stream": stream, "vinyl": vinyl, "night": night,
}


# -- from a period to a file -----------------------------------------------------------------------


def period(synth: str, seconds: float, seed: int, loudness: float, rate: int = audio.RATE) -> np.ndarray:
    """One exactly periodic stretch of ``synth``, ``(frames, 2)`` float32, at ``loudness`` LUFS."""
    n = round(seconds * rate)
    x = SYNTHS[synth](np.random.default_rng(seed), n, rate)
    # Measure the loop as it plays: two periods, so the gating blocks straddle the seam too.
    gain = loudness - integrated_loudness(np.concatenate([x, x]), rate)
    gain = min(gain, PEAK_CEILING - peak_db(x))
    return (x * audio.db_to_gain(gain)).astype(np.float32)


def loop_file(one_period: np.ndarray, start: int, end: int) -> np.ndarray:
    """The file's samples: the periodic sound from 0 to ``end + start``, one period from start to end."""
    n = len(one_period)
    if end - start != n:
        raise ValueError("the loop must span exactly one period")
    return one_period[(np.arange(end + start) - start) % n]


def bake(kit: Kit, items: list[Ambience], outdir: Path, bar) -> list[Path]:
    recipes = {item.id: settings.read(kit, item, SCHEMA) for item in items}
    for item in items:
        if recipes[item.id]["synth"] not in SYNTHS:
            err = kit.doc.error(item.keys + ("bake", "synth"),
                                f"unknown ambience synth {recipes[item.id]['synth']!r} (known: {', '.join(SYNTHS)})")
            raise BakeError(err.message, err.path, err.line, err.col)
    written = []
    for item in items:
        recipe = recipes[item.id]
        bar.set_postfix_str(item.id)
        start, end = round(item.loop_start * audio.RATE), round(item.loop_end * audio.RATE)
        x = period(recipe["synth"], (end - start) / audio.RATE, recipe["seed"], recipe["loudness"])
        path = outdir / item.audio.rel
        audio.write_mp3(path, loop_file(x, start, end), quality=audio.QUALITY["ambience"])
        written.append(path)
        bar.update(1)
    return written
