"""How much the player downloads before its first sound, and how long a click on Play takes to
be heard, in Debian Chromium on localhost.

Builds the shipped site into a temp folder, serves it, and for each run opens a fresh browser
context (empty cache) on the heaviest first bar we ship (Window Seat's piano over Lazy
half-time, with rain and a quote chosen), clicks Play as soon as the page is ready, and polls
the master output's level (an AnalyserNode) until it is above -50 dBFS: that is the first
sound. Bytes are the transfer sizes of every response finished by then (Resource Timing).

The reference, measured in the same run on the same page: load every sample of the kit first
(what the reference player did with its WAVs), then start.

    PYTHONPATH=. python benchmarks/player_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support import CHROMIUM, CHROMIUM_ARGS, static_server, wait_for  # noqa: E402

CHOICE = "#track=window-seat&drums=lazy-half-time&ambience=rain&quote=kettle"

# Runs in the page: window.__heard resolves to the performance.now() of the first audible output.
FIRST_SOUND = """() => { window.__heard = new Promise((resolve) => {
    const poll = setInterval(() => {
        if (window.lofi.level() > -50) { clearInterval(poll); resolve(performance.now()); }
    }, 2);
}); }"""

BYTES_BY = """(t) => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
    .filter((e) => e.name.startsWith('http') && e.responseEnd <= t)
    .reduce((sum, e) => sum + Math.max(e.transferSize, e.encodedBodySize), 0)"""

EAGER = """async () => {
    const m = window.lofi.manifest;
    const urls = [...m.instruments.flatMap((i) => Object.values(i.urls)), ...m.ambience.map((a) => a.url), ...m.quotes.map((q) => q.url)];
    const t0 = performance.now();
    const ctx = Tone.getContext();
    await Promise.all(urls.map((u) => fetch(u).then((r) => r.arrayBuffer()).then((b) => ctx.decodeAudioData(b))));
    window.lofi.play();
    return t0;
}"""


def run_once(browser, url: str, eager: bool) -> tuple[float, int]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + CHOICE)
    wait_for(page, "window.lofi !== undefined", timeout=60)
    page.evaluate(FIRST_SOUND)  # start listening before the click
    if eager:
        clicked = page.evaluate(EAGER)
    else:
        clicked = page.evaluate("() => { const t = performance.now(); document.getElementById('play').click(); return t; }")
    sound = page.evaluate("window.__heard")
    size = page.evaluate(BYTES_BY, sound)
    context.close()
    return sound - clicked, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "lofi_build", "site", "-f", str(ROOT / "lofi.yaml"), "-d", str(site), "-q"],
                       check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        kit = sum(p.stat().st_size for p in (site / "assets" / "samples").rglob("*.mp3"))
        with static_server(site) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            results = {"lazy": [], "eager": []}
            for _ in range(args.runs):  # interleaved, so both see the same machine load
                results["lazy"].append(run_once(browser, url, eager=False))
                results["eager"].append(run_once(browser, url, eager=True))
            browser.close()
    print(f"Player start in {CHROMIUM}, localhost, {args.runs} runs each, fresh cache; kit: {kit / 1e6:.1f} MB of MP3")
    print(f"  choice: {CHOICE[1:]}")
    med = {}
    for name, rows in results.items():
        ms = statistics.median(r[0] for r in rows)
        size = statistics.median(r[1] for r in rows)
        med[name] = (ms, size)
        label = "as shipped (first bar, lazy rest)" if name == "lazy" else "reference (every sample first)"
        print(f"  {label:36s} bytes before first sound {size / 1e6:6.3f} MB   click -> first sound {ms:7.1f} ms "
              f"(runs: {', '.join(f'{r[0]:.0f}' for r in rows)})")
    print(f"  ratio reference / shipped: bytes {med['eager'][1] / med['lazy'][1]:.1f}x, "
          f"click -> sound {med['eager'][0] / med['lazy'][0]:.1f}x")
    print(f"  budget: <= 1 MB before first sound ({'ok' if med['lazy'][1] <= 1e6 else 'OVER'}), "
          f"<= 1500 ms click -> sound ({'ok' if med['lazy'][0] <= 1500 else 'OVER'})")


if __name__ == "__main__":
    main()
