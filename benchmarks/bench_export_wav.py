"""Export WAV speed: three minutes of the full mix (a song, drums, rain and a quote, at the mixer's
levels) rendered offline and written as 16-bit 44.1 kHz stereo, in headless Debian Chromium.

The reference is real time: the same three minutes played live take three minutes. Target: the
export takes <= 9 s, >= 20x real time. Runs the export `--runs` times in one page (samples already
decoded after the first, as for a listener who exports twice) and prints each.

    PYTHONPATH=. python benchmarks/bench_export_wav.py [--seconds 180] [--runs 2] [--choice '#track=...']
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support import CHROMIUM, CHROMIUM_ARGS, static_server, wait_for  # noqa: E402

CHOICE = "#track=late-bus-home&drums=dusty-boom-bap&ambience=rain&quote=different-drummer"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--choice", default=CHOICE, help=f"the selection, as the player's URL hash (default {CHOICE})")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "lofi_build", "site", "-f", str(ROOT / "lofi.yaml"), "-d", str(site), "-q"],
                       check=True)
        with static_server(site) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url + args.choice)
            wait_for(page, "window.lofi !== undefined", timeout=60)
            print(f"export of {args.seconds:.0f} s of {args.choice}, 44.1 kHz stereo 16-bit:")
            for run in range(1, args.runs + 1):
                out = page.evaluate("(seconds) => lofi.exportWav({seconds, save: false})", args.seconds)
                ratio = out["seconds"] / out["renderSeconds"]
                print(f"  run {run}: {out['renderSeconds']:.2f} s for {out['seconds']:.1f} s of audio "
                      f"({out['bytes'] / 1e6:.1f} MB): {ratio:.1f}x real time (target >= 20x, <= 9 s)")
            browser.close()


if __name__ == "__main__":
    main()
