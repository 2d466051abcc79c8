"""Programme loudness after ITU-R BS.1770-4 (K-weighting, 400 ms blocks, two-stage gating), in LUFS.

The K-weighting filters are designed for any sample rate from their analogue prototypes
(the formulation libebur128 uses), so 44.1 kHz files need no resampling; at 48 kHz the
coefficients equal the ones tabulated in the Recommendation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

BLOCK = 0.4  # seconds per gating block
OVERLAP = 0.75
ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU below the absolute-gated loudness
SILENCE = -math.inf


def k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two biquads (a high shelf for the head, then a high-pass) as (b, a) pairs."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]),
        np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]),
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = (np.array([1.0, -2.0, 1.0]), np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    return [shelf, highpass]


def _block_powers(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of each 400 ms block (75 % overlap), summed over channels (all weighted 1.0)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    block = round(BLOCK * rate)
    if len(x) < block:  # a one-shot shorter than a block counts as one block padded with silence
        x = np.concatenate([x, np.zeros((block - len(x), x.shape[1]))])
    for b, a in k_weighting(rate):
        x = lfilter(b, a, x, axis=0)
    power = np.cumsum(np.concatenate([np.zeros((1, x.shape[1])), x * x]), axis=0)
    step = round(block * (1 - OVERLAP))
    starts = np.arange(0, len(x) - block + 1, step)
    return ((power[starts + block] - power[starts]) / block).sum(axis=1)


def _lufs(power) -> float:
    return -0.691 + 10 * math.log10(power) if power > 0 else SILENCE


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS of a mono ``(n,)`` or ``(n, channels)`` signal; -inf if silent."""
    powers = _block_powers(samples, rate)
    loud = powers[powers > 10 ** ((ABSOLUTE_GATE + 0.691) / 10)]
    if not len(loud):
        return SILENCE
    threshold = _lufs(loud.mean()) + RELATIVE_GATE
    gated = loud[loud > 10 ** ((threshold + 0.691) / 10)]
    return _lufs(gated.mean())


def peak_db(samples: np.ndarray) -> float:
    """Sample peak in dBFS."""
    peak = float(np.max(np.abs(samples))) if np.size(samples) else 0.0
    return 20 * math.log10(peak) if peak > 0 else SILENCE
