"""Corpus encoding: the same files encoded by one process and by a process pool, timed in the same run.

Prints both wall times, the speed-up and whether the two caches are byte-identical. The files are the
first N of the shipped lofi corpus (lead sheets and chorales, alternating), encoded for the lofi
network into fresh cache folders, so nothing comes from an earlier cache.

    PYTHONPATH=. python benchmarks/bench_corpus_encoding.py [--files 40] [--jobs N] [--preset lofi]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lofi_build.config import load_config  # noqa: E402
from lofi_build.model import corpus, presets  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=40, help="corpus files to encode")
    parser.add_argument("--jobs", type=int, default=corpus.default_jobs(), help="processes of the parallel run")
    parser.add_argument("--preset", default="lofi", help="whose encoding (lofi: with chords and positions)")
    args = parser.parse_args()
    config = load_config(ROOT / "lofi.yaml")
    files = corpus.resolve(config).files
    kinds = [[f for f in files if f.name.startswith("content/")], [f for f in files if not f.name.startswith("content/")]]
    picked = [f for pair in zip(*kinds) for f in pair][: args.files] if all(kinds) else files[: args.files]
    subset = corpus.Corpus(picked)
    network = presets.get(args.preset)
    times, caches = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (1, args.jobs):
            where = Path(tmp) / f"jobs{jobs}"
            started = time.perf_counter()
            encoded = corpus.encode(subset, where, progress=False, network=network, jobs=jobs)
            times[jobs] = time.perf_counter() - started
            caches[jobs] = {p.name: p.read_bytes() for p in where.iterdir()}
    print(f"{len(picked)} files, {encoded.tokens:,} events, preset {args.preset}")
    print(f"serial (1 process):      {times[1]:6.1f} s")
    print(f"parallel ({args.jobs} processes): {times[args.jobs]:6.1f} s  (worker start-up included)")
    print(f"speed-up: {times[1] / times[args.jobs]:.2f}x on {args.jobs} processes")
    print(f"caches byte-identical: {caches[1] == caches[args.jobs]} ({len(caches[1])} files)")


if __name__ == "__main__":
    main()
