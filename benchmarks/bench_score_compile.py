"""Score compile time: a generated 4,000-note score read through libyaml's C parser and through the
pure-Python YAML path, in the same run.

Prints both times (best of --repeat runs; CPU time of this process, which other processes on a
busy machine do not inflate, and wall time), their ratio, and the <= 0.5 s target for the C path.
The compiler's caches are emptied before every run, so each run compiles the score from scratch.

    PYTHONPATH=. python benchmarks/bench_score_compile.py [--notes 4000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lofi_build import yamlio  # noqa: E402
from lofi_build.errors import ContentError  # noqa: E402
from lofi_build.music import transport  # noqa: E402
from lofi_build.music.score import compile_doc  # noqa: E402

TARGET_SECONDS = 0.5
PITCHES = ["C4", "D4", "Eb4", "F4", "G4", "Ab4", "Bb4", "C5", "D5", "G3"]
CHORDS = ["Cm7", "Fm9", "Bbmaj7", "Ebmaj7", "Abmaj7", "G7b9"]


def score_text(notes: int, seed: int = 1) -> str:
    """A score with three parts and ``notes`` note entries in both written forms (compact and mapping)."""
    rng = random.Random(seed)
    bars = notes // 12 + 1
    lines = ["title: Benchmark", "bpm: 84", "key: C minor", "swing: 0.3", "parts:"]
    per_part = [notes // 2, notes // 4, notes - notes // 2 - notes // 4]
    for name, instrument, count in zip(("melody", "keys", "bass"), ("rhodes", "piano", "bass"), per_part):
        lines += [f"  - name: {name}", f"    instrument: {instrument}", "    notes:"]
        for i in range(count):
            bar, beat, six = i * bars // count, rng.randrange(4), rng.randrange(4)
            at = f'"{bar}:{beat}:{six}"'
            if instrument == "piano":
                lines.append(f"      - {{time: {at}, chord: {rng.choice(CHORDS)}, duration: 2n, velocity: 0.6}}")
            elif instrument == "bass":
                lines.append(f"      - [{at}, {rng.choice(['C2', 'F2', 'G2', 'Bb1'])}, 4n]")
            else:
                lines.append(f"      - [{at}, {rng.choice(PITCHES)}, 8n, {rng.randint(40, 90) / 100}]")
    return "\n".join(lines) + "\n"


def best_of(repeat: int, fn) -> tuple[float, float]:
    """The best CPU time and the best wall time of ``repeat`` cold runs."""
    cpu, wall = [], []
    for _ in range(repeat):
        transport._parse_text.cache_clear()
        transport.format_bbs.cache_clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return min(cpu), min(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    text = score_text(args.notes)
    results = {}
    for name, libyaml in (("libyaml (C)", True), ("pure Python", False)):
        if libyaml and not yamlio.LIBYAML:
            print("libyaml is not available in this PyYAML: only the pure-Python path is measured")
            continue
        song = compile_doc(yamlio.loads(text, "bench.yaml", ContentError, libyaml=libyaml))
        assert sum(len(t["notes"]) for t in song["tracks"]) >= args.notes
        parse, _ = best_of(args.repeat, lambda: yamlio.loads(text, "bench.yaml", ContentError, libyaml=libyaml))
        total, wall = best_of(args.repeat, lambda: compile_doc(yamlio.loads(text, "bench.yaml", ContentError,
                                                                            libyaml=libyaml)))
        results[name] = total
        print(f"{name:12s}: compile {total * 1000:7.1f} ms CPU ({wall * 1000:7.1f} ms wall), YAML "
              f"{parse * 1000:6.1f} ms of it ({parse / total:3.0%}); {args.notes} notes, {len(text.splitlines())} lines")
    if len(results) == 2:
        fast, slow = results["libyaml (C)"], results["pure Python"]
        print(f"ratio       : pure Python / libyaml = {slow / fast:.1f}x (CPU time)")
        print(f"target      : <= {TARGET_SECONDS} s with libyaml: {'met' if fast <= TARGET_SECONDS else 'MISSED'} "
              f"({fast:.3f} s CPU)")


if __name__ == "__main__":
    main()
