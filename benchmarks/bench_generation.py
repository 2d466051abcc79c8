"""Generation: the article's loop (one model.predict per note over a 100-event window, batch 1) versus the
numpy engine making 32 pieces x 30 bars (melody, chords and bass, in the one note format) as one batch,
both with the checkpoint lofi.yaml asks for (or --checkpoint).

Prints the pieces' wall and CPU time (imports and model loading excluded) against the 2 s target, the
same pool through the lofi gate (resampling included), the time per melody note of each loop and their
ratio (target >= 300x). Needs the [train] extra for the Keras side.

    PYTHONPATH=. python benchmarks/bench_generation.py [--notes 40] [--checkpoint content/model/NAME]
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
from lofi_build.model import checkpoint, pool, train  # noqa: E402
from lofi_build.model.candidates import CANDIDATES  # noqa: E402
from lofi_build.music.tokens import START  # noqa: E402

WINDOW = 100


def our_pool(ckpt, config, count: int, bars: int, gate: bool, candidates: int | None = None):
    started, cpu = time.perf_counter(), time.process_time()
    result = pool.make_pool(ckpt, count=count, bars=bars, temperature=0.9, top_k=8, seed=1, bpm=80,
                            progressions=pool.progressions(config), thresholds=pool.quality_thresholds(config),
                            gate=gate, candidates=candidates)
    return result, time.perf_counter() - started, time.process_time() - cpu


def keras_model(ckpt):
    """The checkpoint's network in Keras, with its trained weights."""
    model = ckpt.network.build(ckpt.settings, len(ckpt.vocab), len(ckpt.durations) + 1)
    train._import_weights(model, ckpt.weights)
    return model


def articles_loop(ckpt, prime: list[int], notes: int) -> float:
    """The article's generate loop: predict on the last 100 events, take the likeliest, slide the window."""
    import keras  # noqa: F401  (imported here so its import time is not counted)

    model = keras_model(ckpt)
    window = list(prime[-WINDOW:])
    banned = [ckpt.vocab.index(START), ckpt.vocab.index(START) + 1]

    def inputs():
        """Every input of the network over the window: token ids where it takes tokens, else zeros of its shape."""
        out = []
        for x in model.inputs:
            name = x.name.split(":")[0]
            shape = (1, WINDOW) + tuple(x.shape[2:])
            if "token" in name:
                out.append(np.array([window if name.startswith("token") else window[1:] + [0]], np.int32))
            else:
                out.append(np.zeros(shape, np.float32 if len(shape) > 2 else np.int32))
        return out

    def predict():
        result = model.predict(inputs(), verbose=0)
        return (result["token"] if isinstance(result, dict) else result)[0, -1]

    predict()  # the first call builds the graph: not counted
    started = time.perf_counter()
    for _ in range(notes):
        logits = np.array(predict(), dtype=np.float64)
        logits[banned] = -np.inf
        window = window[1:] + [int(np.argmax(logits))]
    return (time.perf_counter() - started) / notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=40, help="notes to time the article's loop on")
    parser.add_argument("--count", type=int, default=32)
    parser.add_argument("--bars", type=int, default=30)
    parser.add_argument("--checkpoint", type=Path, help="a checkpoint folder (default: the one lofi.yaml matches)")
    args = parser.parse_args()

    config = load_config(ROOT / "lofi.yaml")
    if args.checkpoint:
        ckpt = checkpoint.load(args.checkpoint)
    else:
        plan = train.plan(config)
        ckpt = plan.find()
        if ckpt is None:
            sys.exit(f"no checkpoint matches lofi.yaml ({plan.folder}): run `make train` first")
    our_pool(ckpt, config, 2, 1, False)  # warm up numpy/BLAS and the chord reader
    result, seconds, cpu = our_pool(ckpt, config, args.count, args.bars, False)
    notes = sum(len(s.events) for s in result.solos)
    tracks = {len(s.song["tracks"]) for s in result.solos}
    ours = seconds / notes
    prime = [ckpt.vocab.index(t) for t, _ in result.solos[0].events][:WINDOW]
    theirs = articles_loop(ckpt, [ckpt.vocab.index(START)] * (WINDOW - len(prime)) + prime, args.notes)
    gated, gated_seconds, gated_cpu = our_pool(ckpt, config, args.count, args.bars, True)
    single, single_seconds, _ = our_pool(ckpt, config, args.count, args.bars, False, 1)

    print(f"model: {ckpt.short} ({sum(a.size for a in ckpt.weights.values()):,} parameters, "
          f"{ckpt.network.name} network), {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    t = result.timings
    print(f"{args.count} pieces x {args.bars} bars ({sorted(tracks)} tracks each), {notes} melody events: "
          f"{seconds:.2f} s wall, {cpu:.2f} s CPU (target <= 2 s: {'met' if seconds <= 2 else 'MISSED'}); "
          f"engine and the best of {CANDIDATES} candidates {t['engine']:.2f} s, chords, bass and JSON "
          f"{t['pieces']:.2f} s")
    print(f"the same pool with one candidate a solo (no choice): {single_seconds:.2f} s wall, engine "
          f"{single.timings['engine']:.2f} s: choosing costs {seconds / single_seconds:.1f}x")
    t = gated.timings
    print(f"the same pool through the lofi gate: {gated_seconds:.2f} s wall, {gated_cpu:.2f} s CPU: "
          f"{len(gated.rejected)} tries rejected and resampled, {len(gated.failed)} solos kept failing; "
          f"engine {t['engine']:.2f} s, gate (lofi_measures) {t['gate']:.2f} s, pieces {t['pieces']:.2f} s")
    print(f"per note: article's loop {theirs * 1e3:.1f} ms (model.predict, window {WINDOW}, batch 1, "
          f"{args.notes} notes); our engine {ours * 1e3:.3f} ms (chords, bass and JSON included)")
    ratio = theirs / ours
    print(f"ratio: {ratio:,.0f}x faster per note (target >= 300x: {'met' if ratio >= 300 else 'MISSED'}); "
          f"the article's loop would take {theirs * notes:.0f} s for this pool's melodies alone")


if __name__ == "__main__":
    main()
