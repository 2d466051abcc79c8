"""The pinned PRNG and sampling rule (Python side); tests/prng_vectors.json is what the browser must match too.

`python tests/model/test_prng.py` rewrites the vectors file from lofi_build/model/prng.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script, it rewrites the vectors
from lofi_build.model.prng import Prng, sample, splitmix32  # noqa: E402

VECTORS = ROOT / "tests" / "prng_vectors.json"
SEEDS = [0, 1, 7, 42, 123456789, 2**31 - 1, 2**32 - 1]


def make_vectors() -> dict:
    streams = {}
    for seed in SEEDS:
        p = Prng(seed)
        streams[str(seed)] = [p.next_u32() for _ in range(1000)]
    rows, cases = [], []
    maker = np.random.default_rng(2024)
    draw = Prng(99)
    shapes = [(5, 0), (20, 0), (21, 0), (621, 8), (621, 0)]
    for n, _ in shapes:
        for scale in (0.5, 3.0):
            logits = (maker.standard_normal(n) * scale).astype(np.float32)
            if n >= 20:
                logits[3] = logits[7] = logits.max()  # a tie at the top
                logits[n - 1] = logits[n - 2]
            rows.append([float(x) for x in logits])
            for temperature in (0.0, 0.5, 1.0, 1.7):
                for top_k in (0, 1, 8, 100):
                    for banned in ([], [0, 1]):
                        for u in (0.0, draw.random(), 1 - 2**-32):
                            cases.append({"row": len(rows) - 1, "u": u, "temperature": temperature,
                                          "topK": top_k, "banned": banned,
                                          "choice": sample(logits, u, temperature, top_k, banned)})
    # Equal logits with u just under 1: rounding may leave the running sum at or below u.
    rows.append([0.0] * 4)
    cases.append({"row": len(rows) - 1, "u": 1 - 2**-32, "temperature": 1.0, "topK": 0, "banned": [],
                  "choice": sample([0.0] * 4, 1 - 2**-32, 1.0, 0)})
    return {"about": "lofi_build/model/prng.py: Prng(seed).next_u32() streams and sample() choices",
            "streams": streams, "logits": rows, "sampling": cases}


def test_xoshiro128starstar_matches_the_reference_implementation():
    # Outputs of the authors' xoshiro128starstar.c from the state {1, 2, 3, 4}.
    p = Prng.from_state([1, 2, 3, 4])
    assert [p.next_u32() for _ in range(6)] == [11520, 0, 5927040, 70819200, 2031721883, 1637235492]


def test_seeding_is_four_splitmix32_outputs():
    state, words = 7, []
    for _ in range(4):
        state, out = splitmix32(state)
        words.append(out)
    assert Prng(7).s == words
    assert Prng(7 + 2**32).s == words and Prng(-1).s == Prng(2**32 - 1).s


def test_random_is_u32_over_2_to_the_32():
    a, b = Prng(5), Prng(5)
    for _ in range(100):
        x = a.random()
        assert 0 <= x < 1 and x == b.next_u32() / 2**32


def test_seed_must_be_an_integer():
    for bad in (1.5, "3", None, True):
        with pytest.raises(TypeError):
            Prng(bad)


def test_vectors_file_matches_the_python_implementation():
    assert json.loads(VECTORS.read_text()) == make_vectors()


def test_sampling_rules():
    logits = [1.0, 3.0, 3.0, 2.0]
    assert sample(logits, 0.5, 0, 0) == 1  # argmax, lowest index on a tie
    assert sample(logits, 0.5, 0, 0, banned=[1]) == 2
    assert sample(logits, 0.99, 1.0, 1) == 1  # top-1 keeps the first of the tied pair
    assert sample(logits, 0.0, 1.0, 0) == 1
    # u just below the first probability stays on it; just above moves to the next in order.
    p = np.exp(np.array([3.0, 3.0, 2.0, 1.0]) - 3.0)
    p /= p.sum()
    assert sample(logits, p[0] - 1e-12, 1.0, 0) == 1
    assert sample(logits, p[0] + 1e-12, 1.0, 0) == 2
    assert sample(logits, p[0] + p[1] + 1e-12, 1.0, 0) == 3
    assert sample(logits, 1 - 1e-12, 1.0, 0) == 0
    with pytest.raises(ValueError):
        sample([1.0, 2.0], 0.5, 1.0, 0, banned=[0, 1])


def test_sampling_frequencies_follow_the_softmax():
    logits = np.array([0.0, 1.0, 2.0, -1.0])
    p = Prng(3)
    counts = np.bincount([sample(logits, p.random(), 1.0, 0) for _ in range(20000)], minlength=4) / 20000
    want = np.exp(logits) / np.exp(logits).sum()
    assert np.abs(counts - want).max() < 0.02


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(make_vectors(), separators=(",", ":")) + "\n")
    print(f"wrote {VECTORS}")
