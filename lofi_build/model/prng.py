"""The pinned PRNG and sampling rule shared with the browser (site_src/js/ai/prng.js), so a seed means the same solo on both sides.

PRNG: xoshiro128** (Blackman and Vigna) whose four 32-bit state words are four successive
outputs of SplitMix32 started from the seed (reduced mod 2**32)::

    splitmix32: state = (state + 0x9E3779B9) mod 2**32; z = state
                z = (z ^ (z >> 16)) * 0x21F0AAAD mod 2**32
                z = (z ^ (z >> 15)) * 0x735A2D97 mod 2**32
                return z ^ (z >> 15)

``random()`` is the next xoshiro128** output divided by 2**32: a float in [0, 1).

Sampling (:func:`sample`): banned indices never win. Temperature <= 0: the argmax (lowest
index on a tie). Otherwise order the candidates by logit, highest first (ties: lower index
first), keep the first ``top_k`` (all when ``top_k`` is 0 or at least their number),
``e = exp((logit - max) / T)`` in float64, ``p = e / sum(e)``, and walk the cumulative sum of
``p`` in that order: the first index whose running sum exceeds ``u`` wins (the last kept one
if rounding leaves the sum at or below ``u``). Sums are plain left-to-right float64 additions.
"""

from __future__ import annotations

import numpy as np

MASK = 0xFFFFFFFF


def _rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & MASK


def splitmix32(state: int) -> tuple[int, int]:
    """One SplitMix32 step: (new state, output)."""
    state = (state + 0x9E3779B9) & MASK
    z = state
    z = ((z ^ (z >> 16)) * 0x21F0AAAD) & MASK
    z = ((z ^ (z >> 15)) * 0x735A2D97) & MASK
    return state, z ^ (z >> 15)


class Prng:
    """xoshiro128** seeded by four SplitMix32 outputs of a 32-bit seed."""

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an integer, not {type(seed).__name__}")
        state = int(seed) & MASK
        words = []
        for _ in range(4):
            state, out = splitmix32(state)
            words.append(out)
        self.s = words

    @classmethod
    def from_state(cls, words) -> "Prng":
        """A generator with this raw xoshiro128** state (for the reference test vectors)."""
        prng = cls.__new__(cls)
        prng.s = [int(w) & MASK for w in words]
        return prng

    def next_u32(self) -> int:
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 9) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def random(self) -> float:
        """A float in [0, 1): the next 32-bit output / 2**32."""
        return self.next_u32() / 4294967296.0


def sample(logits, u: float, temperature: float, top_k: int, banned=()) -> int:
    """The pinned choice of one index from one row of logits, given ``u`` = prng.random()."""
    logits = np.asarray(logits, dtype=np.float64).ravel()
    allowed = np.ones(len(logits), dtype=bool)
    if len(banned):
        allowed[list(banned)] = False
    candidates = np.flatnonzero(allowed)
    if not len(candidates):
        raise ValueError("every index is banned")
    values = logits[candidates]
    if temperature <= 0:
        return int(candidates[int(np.argmax(values))])  # argmax returns the first maximum
    order = candidates[np.argsort(-values, kind="stable")]  # highest first, lower index first on ties
    if 0 < top_k < len(order):
        order = order[:top_k]
    kept = logits[order]
    e = np.exp((kept - kept[0]) / float(temperature))
    total = np.cumsum(e)[-1]  # left to right, as the browser adds them
    cum = np.cumsum(e / total)
    above = np.flatnonzero(cum > u)
    return int(order[above[0]] if len(above) else order[-1])
