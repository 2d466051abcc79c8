"""Audio chores shared by the bakers: MP3 encoding, attack trimming, tails, fades and gain.

MP3 goes through soundfile's bundled libsndfile + LAME, which writes a Xing/LAME header that
records the encoder delay and padding. Chromium and libsndfile's mpg123 honour it: a decoded
file has exactly the encoded frames, starting on the first one (``benchmarks/chromium_onsets.py``
and tests/samples measure it), so no bytes need patching and no silence needs guessing away.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 44100
# soundfile's compression_level for LAME's VBR quality: 0 is best, 1 smallest. One value
# per kind: pitched samples get repitched by the Sampler, noise hides coding artefacts.
QUALITY = {"instrument": 0.35, "drumkit": 0.3, "ambience": 0.5, "quote": 0.6}


def write_mp3(path: Path, samples: np.ndarray, rate: int = RATE, quality: float = 0.4) -> None:
    """Encode ``(n,)`` or ``(n, channels)`` float samples as VBR MP3, replacing ``path`` atomically."""
    x = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    channels = 1 if x.ndim == 1 else x.shape[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".mp3", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f, sf.SoundFile(
            f, "w", rate, channels, format="MP3", subtype="MPEG_LAYER_III",
            compression_level=quality, bitrate_mode="VARIABLE",
        ) as mp3:
            mp3.write(x)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def quiet_c_stderr():
    """Silence what C libraries print on file descriptor 2 (libmpg123 warns about bad ID3 tags
    there before libsndfile reports the error we turn into a located message)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. captured): nothing to hide
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def read(path: Path) -> tuple[np.ndarray, int]:
    """Decode a file to float32 ``(frames, channels)`` samples and its rate."""
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data, rate


def db_to_gain(db: float) -> float:
    return 10 ** (db / 20)


def envelope(x: np.ndarray) -> np.ndarray:
    """Absolute value, the loudest channel at each frame."""
    return np.abs(x).max(axis=1) if x.ndim == 2 else np.abs(x)


def onset(x: np.ndarray, threshold_db: float = -40.0) -> int:
    """Index of the first frame louder than ``threshold_db`` below the peak (0 if silent)."""
    env = envelope(x)
    peak = env.max(initial=0.0)
    if peak <= 0:
        return 0
    return int(np.argmax(env >= peak * db_to_gain(threshold_db)))


def _ramp(n: int, ndim: int) -> np.ndarray:
    ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)).astype(np.float32)
    return ramp[:, None] if ndim == 2 else ramp


def fade(x: np.ndarray, fade_in: int = 0, fade_out: int = 0) -> np.ndarray:
    """A copy with raised-cosine fades of ``fade_in``/``fade_out`` frames."""
    y = np.array(x, dtype=np.float32, copy=True)
    if fade_in > 0:
        y[:fade_in] *= _ramp(fade_in, y.ndim)
    if fade_out > 0:
        y[len(y) - fade_out:] *= _ramp(fade_out, y.ndim)[::-1]
    return y


def trim_attack(x: np.ndarray, rate: int = RATE, lead: float = 0.0002, max_rise: float = 0.001) -> np.ndarray:
    """Start at the attack: at most ``lead`` s before the sound begins (-40 dB re peak), faded in.

    A slow hammer or pluck noise can take several ms to climb from -40 dB to -20 dB; anything
    earlier than ``max_rise`` before the -20 dB point is dropped too, so the note speaks within
    about a millisecond of the sample start, which is what a sampler triggered on the beat needs.
    """
    lead_frames = max(1, round(lead * rate))
    start = max(0, onset(x, -40.0) - lead_frames, onset(x, -20.0) - round(max_rise * rate))
    return fade(x[start:], fade_in=lead_frames)


def trim_tail(x: np.ndarray, rate: int = RATE, floor_db: float = -60.0, fade_time: float = 0.05) -> np.ndarray:
    """End where the sound has decayed below ``floor_db`` re its peak for good, with a short fade."""
    env = envelope(x)
    peak = env.max(initial=0.0)
    if peak <= 0:
        return x[:0]
    loud = np.nonzero(env >= peak * db_to_gain(floor_db))[0]
    end = min(len(x), int(loud[-1]) + 1 + round(fade_time * rate))
    return fade(x[:end], fade_out=min(end, round(fade_time * rate)))


def as_mono_if_coherent(x: np.ndarray, min_correlation: float = 0.95) -> np.ndarray:
    """Fold a stereo render to mono when its channels carry the same signal; keep true stereo."""
    if x.ndim == 1 or x.shape[1] == 1:
        return x.reshape(len(x))
    left, right = x[:, 0].astype(np.float64), x[:, 1].astype(np.float64)
    denominator = np.sqrt((left @ left) * (right @ right))
    if denominator > 0 and (left @ right) / denominator >= min_correlation:
        return (x.mean(axis=1)).astype(np.float32)
    return x
