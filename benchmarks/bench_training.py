"""Training throughput: target tokens per second of the article's many-to-one windows versus our
many-to-many rows, with the same layer sizes (LSTM 256-512-256), the same window (100) and batch (128).

The article's network learns one target per 100-step window; ours learns a target at every step of
the same work. Prints both rates and their ratio (target >= 30x). Needs the [train] extra.

    PYTHONPATH=. python benchmarks/bench_training.py [--steps 6]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from lofi_build.model import presets  # noqa: E402
from lofi_build.music.tokens import DURATIONS  # noqa: E402

VOCAB = 621  # the shipped model's vocabulary
WINDOW, BATCH = 100, 128


def rate(step, steps: int, targets_per_step: int) -> float:
    step()  # the first step traces the graph: not counted
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * targets_per_step / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6, help="batches timed for each network")
    args = parser.parse_args()
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    seed = presets.settings("article")
    article = presets.get("article").build(seed, VOCAB)
    x = rng.integers(0, VOCAB, (BATCH, WINDOW, 1)).astype("float32") / VOCAB
    y = keras.utils.to_categorical(rng.integers(0, VOCAB, BATCH), VOCAB)
    theirs = rate(lambda: article.train_on_batch(x, y), args.steps, BATCH)

    ours_settings = presets.settings("default", lstm=seed.lstm, sequence=WINDOW, batch_size=BATCH)
    ours = presets.get("default").build(ours_settings, VOCAB, len(DURATIONS) + 1)
    tok = rng.integers(0, VOCAB, (BATCH, WINDOW))
    dur = rng.integers(0, len(DURATIONS) + 1, (BATCH, WINDOW))
    targets = {"token": rng.integers(0, VOCAB, (BATCH, WINDOW)), "duration": dur}
    mine = rate(lambda: ours.train_on_batch([tok, dur, targets["token"]], targets), args.steps, BATCH * WINDOW)

    print(f"layers LSTM {'-'.join(map(str, seed.lstm))}, window {WINDOW}, batch {BATCH}, vocabulary {VOCAB}, "
          f"{os.cpu_count()} CPU cores, {args.steps} timed batches each")
    print(f"article (many-to-one windows): {theirs:,.0f} target tokens/s")
    print(f"ours (many-to-many rows):      {mine:,.0f} target tokens/s")
    ratio = mine / theirs
    print(f"ratio: {ratio:.0f}x (target >= 30x: {'met' if ratio >= 30 else 'MISSED'})")


if __name__ == "__main__":
    main()
