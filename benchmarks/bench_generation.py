"""Generation: the article's loop (one model.predict per note over a 100-token window, batch 1) versus the
numpy engine advancing a pool of 32 solos x 30 bars as one batch, both with the shipped default model.

Prints the pool's wall time (imports and model loading excluded) against the 2 s target and the
time per note of each, and their ratio (target >= 300x). Needs the [train] extra for the Keras side.

    PYTHONPATH=. python benchmarks/bench_generation.py [--notes 40]
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

from lofi_build.config import load_config  # noqa: E402
from lofi_build.model import checkpoint, engine, pool, presets, train  # noqa: E402
from lofi_build.music.tokens import ARTICLE_DURATIONS, DURATIONS, START  # noqa: E402

WINDOW = 100


def our_pool(ckpt, count: int, bars: int):
    started = time.perf_counter()
    result = pool.make_pool(ckpt, count=count, bars=bars, temperature=0.9, top_k=8, seed=1, bpm=80)
    return result, time.perf_counter() - started


def articles_loop(ckpt, prime: list[int], notes: int) -> float:
    """The article's generate loop: predict on the last 100 tokens, take the likeliest, slide the window."""
    import keras  # noqa: F401  (imported here so its import time is not counted)

    model = presets.build("default", ckpt.settings, len(ckpt.vocab), len(ckpt.durations) + 1)
    train._import_weights(model, ckpt.weights)
    rng = np.random.default_rng(0)
    classes = [DURATIONS.index(d) + 1 for d in ARTICLE_DURATIONS]
    window = list(prime[-WINDOW:])
    durations = [1] * len(window)

    def predict():
        x = np.array([window]), np.array([durations]), np.array([window[1:] + [0]])
        return model.predict([*x], verbose=0)["token"][0, -1]

    predict()  # the first call builds the graph: not counted
    started = time.perf_counter()
    for _ in range(notes):
        logits = predict()
        logits[[ckpt.vocab.index(START), ckpt.vocab.index(START) + 1]] = -np.inf
        window = window[1:] + [int(np.argmax(logits))]
        durations = durations[1:] + [int(rng.choice(classes, p=list(ARTICLE_DURATIONS.values())))]
    return (time.perf_counter() - started) / notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=40, help="notes to time the article's loop on")
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--bars", type=int, default=30)
    args = parser.parse_args()

    plan = train.plan(load_config(ROOT / "lofi.yaml"))
    ckpt = checkpoint.find(plan.root, plan.preset, plan.fingerprint)
    if ckpt is None:
        sys.exit(f"no checkpoint matches lofi.yaml ({plan.folder}): run `make train` first")
    our_pool(ckpt, 2, 1)  # warm up numpy/BLAS
    result, seconds = our_pool(ckpt, args.count, args.bars)
    notes = sum(len(s.events) for s in result.solos)
    ours = seconds / notes
    prime = [ckpt.vocab.index(t) for t, _ in result.solos[0].events][:WINDOW]
    theirs = articles_loop(ckpt, [ckpt.vocab.index(START)] * (WINDOW - len(prime)) + prime, args.notes)

    print(f"model: {ckpt.short} ({sum(a.size for a in ckpt.weights.values()):,} parameters), "
          f"{os.cpu_count()} CPU cores")
    print(f"our pool: {args.count} solos x {args.bars} bars = {notes} events kept "
          f"({len(result.rejected)} more solos rejected by the gate and resampled) in {seconds:.2f} s "
          f"(target <= 2 s: {'met' if seconds <= 2 else 'MISSED'})")
    print(f"per note: article's loop {theirs * 1e3:.1f} ms (model.predict, window {WINDOW}, batch 1, "
          f"{args.notes} notes); our engine {ours * 1e3:.3f} ms")
    ratio = theirs / ours
    print(f"ratio: {ratio:,.0f}x faster per note (target >= 300x: {'met' if ratio >= 300 else 'MISSED'}); "
          f"the article's loop would take {theirs * notes:.0f} s for this pool")


if __name__ == "__main__":
    main()
