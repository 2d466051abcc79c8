"""Listen-proxies for the kit tests: pitch, onsets, band energy, transients, written independently
of the bakers (the pitch estimator here is time-domain, the baker's is spectral)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from support import DEFAULTS, IN_CI, ROOT, run_cli, static_server  # noqa: F401 (ROOT and run_cli re-exported)

KIT_YAML = DEFAULTS / "content" / "samples" / "samples.yaml"
DRUMS_DIR = DEFAULTS / "content" / "drums"
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
BAKE_NEEDS = {"fluidsynth": "fluidsynth", "espeak-ng": "espeak-ng"}


def require_bake_tools() -> None:
    """Skip when the re-bake tools are missing -- except in CI, where that is a failure."""
    missing = [f"{tool} (Debian package {pkg})" for tool, pkg in BAKE_NEEDS.items() if not shutil.which(tool)]
    if not SOUNDFONT.is_file():
        missing.append(f"{SOUNDFONT} (Debian package fluid-soundfont-gm)")
    if not missing:
        return
    message = "re-baking needs " + ", ".join(missing)
    if IN_CI:
        pytest.fail(message + "; CI must have them (make test installs them)")
    pytest.skip(message + "; `make test` installs them")


def pos(text: str, needle: str, skip: int = 0) -> tuple[int, int]:
    """(line, column) of ``needle`` in the yaml as written (1-based), ``skip`` characters into it."""
    text = text.lstrip("\n")
    index = text.index(needle) + skip
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def tone(seconds: float = 0.3, freq: float = 440.0, rate: int = 44100) -> np.ndarray:
    """A decaying sine: the smallest real audio a test kit can hold."""
    t = np.arange(round(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t) * np.exp(-3 * t)).astype(np.float32)


def mono(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=1) if x.ndim == 2 else x


def db(value: float) -> float:
    return 20 * np.log10(max(value, 1e-12))


def first_above(x: np.ndarray, threshold_db: float) -> int:
    """First frame within ``threshold_db`` of the peak (the onset, at that threshold)."""
    env = np.abs(x).max(axis=1) if x.ndim == 2 else np.abs(x)
    return int(np.argmax(env >= env.max() * 10 ** (threshold_db / 20)))


def pitch_cents(x: np.ndarray, rate: int, midi: int) -> float:
    """Cents off equal temperament (A4 = 440 Hz) of the note's lowest strong partial.

    A zero-padded spectrum of 0.5 s after the attack, in the louder channel (a stereo piano's
    channels can nearly cancel); the lowest of the first four partials within 20 dB of the
    strongest gives the pitch, so a weak piano-bass fundamental is stood in for by its octave.
    """
    expected = 440.0 * 2 ** ((midi - 69) / 12)
    channel = x[:, int(np.argmax((x.astype(np.float64) ** 2).sum(axis=0)))] if x.ndim == 2 else x
    segment = channel[round(0.05 * rate):][: round(0.5 * rate)].astype(np.float64)
    segment = segment * np.hanning(len(segment))
    nfft = 1 << int(np.ceil(np.log2(len(segment) * 16)))
    magnitude = np.abs(np.fft.rfft(segment, nfft))
    f = np.fft.rfftfreq(nfft, 1 / rate)
    found = []
    for k in range(1, 5):
        band = np.flatnonzero((f > k * expected * 2 ** (-1 / 24)) & (f < k * expected * 2 ** (1 / 24)))
        if not len(band) or band[-1] >= len(f) - 1:
            break
        i = band[int(np.argmax(magnitude[band]))]
        a, b, c = np.log(magnitude[i - 1:i + 2] + 1e-20)
        found.append((magnitude[i], (i + 0.5 * (a - c) / (a - 2 * b + c)) * rate / nfft / k))
    loudest = max(m for m, _ in found)
    frequency = next(freq for m, freq in found if m >= 0.1 * loudest)
    return 1200 * np.log2(frequency / expected)


def band_share(x: np.ndarray, rate: int, low: float, high: float) -> float:
    """Fraction of the signal's energy between ``low`` and ``high`` Hz."""
    power = np.abs(np.fft.rfft(mono(x))) ** 2
    f = np.fft.rfftfreq(len(mono(x)), 1 / rate)
    return float(power[(f >= low) & (f < high)].sum() / power.sum())


def centroid(x: np.ndarray, rate: int) -> float:
    power = np.abs(np.fft.rfft(mono(x))) ** 2
    f = np.fft.rfftfreq(len(mono(x)), 1 / rate)
    return float((power * f).sum() / power.sum())


def highpass(x: np.ndarray, rate: int, cutoff: float) -> np.ndarray:
    spectrum = np.fft.rfft(mono(x))
    f = np.fft.rfftfreq(len(mono(x)), 1 / rate)
    return np.fft.irfft(spectrum * (f >= cutoff), len(mono(x)))


def transients_per_second(x: np.ndarray, rate: int, cutoff: float = 2000.0, above_db: float = 10.0) -> float:
    """Clicks per second: 1 ms peaks of the high band more than ``above_db`` over the local median."""
    hp = np.abs(highpass(x, rate, cutoff))
    ms = rate // 1000
    env = hp[: len(hp) // ms * ms].reshape(-1, ms).max(axis=1)
    window = 100  # ms
    padded = np.pad(env, window, mode="wrap")
    local = np.array([np.median(padded[i:i + 2 * window]) for i in range(0, len(env), 10)]).repeat(10)[: len(env)]
    hits = env > local * 10 ** (above_db / 20)
    starts = np.flatnonzero(hits & ~np.roll(hits, 1))
    count, last = 0, -10
    for s in starts:  # 5 ms refractory: one click, one count
        if s - last >= 5:
            count += 1
        last = s
    return count / (len(x) / rate)


def windowed_rms_db(x: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    m = mono(x)
    w = round(seconds * rate)
    frames = m[: len(m) // w * w].reshape(-1, w)
    return 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) + 1e-12)


# -- real Chromium -------------------------------------------------------------------------------------

HEAD = 1024  # frames of each decoded file sent back for alignment checks

_DECODE_JS = """
async ([urls, rate, head]) => {
  const ctx = new OfflineAudioContext(1, 1, rate);
  const out = [];
  for (const url of urls) {
    const buffer = await ctx.decodeAudioData(await (await fetch(url)).arrayBuffer());
    const channels = [];
    for (let c = 0; c < buffer.numberOfChannels; c++) channels.push(buffer.getChannelData(c));
    const n = buffer.length;
    const level = new Float32Array(n);  // the louder channel, frame by frame
    let peak = 0;
    for (const data of channels)
      for (let i = 0; i < n; i++) {
        const v = Math.abs(data[i]);
        if (v > level[i]) level[i] = v;
        if (v > peak) peak = v;
      }
    const onset = (db) => {
      const threshold = peak * Math.pow(10, db / 20);
      for (let i = 0; i < n; i++) if (level[i] >= threshold) return i;
      return -1;
    };
    out.push({url, rate: buffer.sampleRate, frames: n, channels: channels.length,
              onset40: onset(-40), onset20: onset(-20), head: Array.from(channels[0].slice(0, head))});
  }
  return out;
}
"""


_LOOP_JS = """
async ([loops, rate, around]) => {
  const out = {};
  for (const [url, loopStart, loopEnd] of loops) {
    const ctx = new OfflineAudioContext(2, Math.round(2 * around * rate), rate);
    const source = ctx.createBufferSource();
    source.buffer = await ctx.decodeAudioData(await (await fetch(url)).arrayBuffer());
    Object.assign(source, {loop: true, loopStart, loopEnd});
    source.connect(ctx.destination);
    source.start(0, loopEnd - around);  // the loop point comes `around` seconds in
    const rendered = await ctx.startRendering();
    out[url] = Array.from(rendered.getChannelData(0));
  }
  return out;
}
"""


def chromium_decode(browser, directory: Path, jobs: dict[int, list[str]]) -> dict[int, dict[str, dict]]:
    """Decode files in real Chromium (fetch + decodeAudioData from localhost): {context rate: [rel paths]}."""
    results = {}
    with static_server(directory) as base:
        page = browser.new_page()
        try:
            page.goto(base + "__blank__.html")
            for rate, rels in jobs.items():
                rows = page.evaluate(_DECODE_JS, [[base + r for r in rels], rate, HEAD])
                results[rate] = dict(zip(rels, rows))
        finally:
            page.close()
    return results


def chromium_loop_seams(browser, directory: Path, loops: list[tuple[str, float, float]], around: float,
                        rate: int = 44100) -> dict[str, np.ndarray]:
    """Play each (rel, loopStart, loopEnd) through a looping AudioBufferSourceNode in Chromium and
    return channel 0 of the ``around`` seconds either side of the loop point."""
    with static_server(directory) as base:
        page = browser.new_page()
        try:
            page.goto(base + "__blank__.html")
            played = page.evaluate(_LOOP_JS, [[[base + rel, s, e] for rel, s, e in loops], rate, around])
        finally:
            page.close()
    return {rel: np.array(played[base + rel], dtype=np.float32) for rel, _, _ in loops}


