"""A new station's first build: `lofi-build new s && cd s && lofi-build site`, nothing cached, TensorFlow
unimportable (the packaged model serves), timed as the user waits for it (interpreter start and imports
included), against this repository's own first build measured in the same run (the same command on its
eight songs, its corpus fingerprint and the same packaged kit and model).

    PYTHONPATH=. python benchmarks/bench_new_station.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The CLI as a user runs it, with TensorFlow and Keras made unimportable: a station must not need them.
NO_TF = ("import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None; "
         "from lofi_build.cli import main; sys.argv = ['lofi-build'] + sys.argv[1:]; main()")


def lofi_build(*args, cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", NO_TF, *args], cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    station, reference = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            lofi_build("new", "s", cwd=Path(tmp))
            station.append(lofi_build("site", "-q", cwd=Path(tmp) / "s"))
            reference.append(lofi_build("site", "-q", "-d", str(Path(tmp) / "ref"), cwd=ROOT))
    s, r = statistics.median(station), statistics.median(reference)
    print(f"new station, first build:      {s:5.2f} s  (median of {args.runs}: {', '.join(f'{x:.2f}' for x in station)})")
    print(f"this repository, first build:  {r:5.2f} s  (median of {args.runs}: {', '.join(f'{x:.2f}' for x in reference)})")
    print(f"ratio station / repository:    {s / r:5.2f}")
    print(f"load average while measuring:  {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
