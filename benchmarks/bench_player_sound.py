"""How the player sounds, in figures: time to silence after Pause and Stop, the old layer's tail
after a change, and peak / true peak / flat-top sample counts at the sliders' extremes for every
song and a solo.

Builds the shipped site (pool included) into a temp folder and, as the reference measured in the
same run, the site of a reference commit (default: the player before the layer interface,
7e9f4f5); renders through `window.lofi.render` (Tone.Offline, the player's own engine) in Debian
Chromium, and measures Pause live through `window.lofi.level()` (an AnalyserNode of 1024
samples, so live figures include its ~21 ms window).

    PYTHONPATH=. python benchmarks/bench_player_sound.py [--reference COMMIT | --no-reference] [--bars 8]
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "player")]

from audio import dbfs, flat_tops, silent_after, true_peak  # noqa: E402
from support import CHROMIUM, CHROMIUM_ARGS, static_server, wait_for  # noqa: E402

RATE = 44100
MAX = {"master": 6, "drums": 6, "music": 6, "ambience": 6, "quote": 6}
LIVE_PAUSE = """async (what) => {
    await window.lofi.play();
    const t0 = performance.now();
    while (window.lofi.level() < -30) { if (performance.now() - t0 > 20000) return null; await new Promise(r => setTimeout(r, 10)); }
    await new Promise(r => setTimeout(r, 2000));
    while (window.lofi.level() < -20) await new Promise(r => setTimeout(r, 2));  // press it while loud
    window.lofi[what]();
    const called = performance.now();
    let quiet = null;
    while (performance.now() - called < 4000) {
        const level = window.lofi.level();
        if (level < -60 && quiet === null) quiet = performance.now() - called;
        if (level >= -60) quiet = null;
        await new Promise(r => setTimeout(r, 5));
    }
    return quiet;
}"""


def build(root: Path, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "lofi_build", "site", "-f", str(root / "lofi.yaml"), "-d", str(out), "-q"],
                   cwd=root, check=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    return out


def render(page, **options) -> tuple[np.ndarray, dict]:
    out = page.evaluate("(o) => window.lofi.render(o)", options)
    return np.frombuffer(base64.b64decode(out.pop("channels")[0]), dtype="<f4"), out


def open_page(browser, url: str, hash_: str = ""):
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + hash_)
    wait_for(page, "window.lofi !== undefined", timeout=60)
    return context, page


def measure(browser, site: Path, bars: int, new: bool) -> dict:
    man = json.loads((site / "manifest.json").read_text("utf-8"))
    tracks = [s["id"] for s in man["songs"]] + [s["id"] for s in man["solos"][:1]]
    figures = {"extremes": {}}
    with static_server(site) as url:
        for what in ("pause", "stop"):
            context, page = open_page(browser, url, "#track=late-bus-home&drums=rainy-shuffle&ambience=rain")
            wait_for(page, "window.lofi.state().layers.music.status === 'ready'", timeout=60)
            figures[f"live_{what}_ms"] = page.evaluate(LIVE_PAUSE, what)
            context.close()
        context, page = open_page(browser, url)
        for track in tracks:
            for name, volumes in (("all +6 dB", MAX), ("master +6 dB", {"master": 6})):
                x, _ = render(page, track=track, drums="lazy-half-time", ambience="rain", quote="kettle", bars=bars,
                              volumes=volumes, sampleRate=RATE)
                figures["extremes"][(track, name)] = (dbfs(np.max(np.abs(x))), true_peak(x), flat_tops(x), len(x))
        if new:
            at = 4 * 60 / 78 * 4 + 1.0
            x, info = render(page, track="paper-lanterns", drums="dusty-boom-bap", ambience="rain", quote="kettle",
                             bars=7, pause=at, sampleRate=RATE)
            figures["offline_pause_ms"] = 1000 * silent_after(x, RATE, info["lead"] + at)
            for reverb in (False, True):
                x, info = render(page, track="paper-lanterns", bars=5, changes=[{"bar": 2, "track": None}], crackle=False,
                                 reverb=reverb, sampleRate=RATE)
                figures[f"change_tail_ms_{'wet' if reverb else 'dry'}"] = 1000 * silent_after(x, RATE, info["lead"] + 2 * info["secondsPerBar"])
        context.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default="7e9f4f5", help="commit measured as the reference")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--bars", type=int, default=8)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sites = {"now": build(ROOT, tmp / "now")}
        if not args.no_reference:
            ref = tmp / "ref-src"
            ref.mkdir()
            archive = subprocess.run(["git", "archive", args.reference], cwd=ROOT, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(ref)], input=archive, check=True)
            sites[args.reference] = build(ref, tmp / "ref")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            results = {name: measure(browser, site, args.bars, name == "now") for name, site in sites.items()}
            browser.close()
    now = results["now"]
    ref = results.get(args.reference)

    def fmt(v, unit="ms"):
        return "never (4 s)" if v is None else f"{v:.0f} {unit}"

    print("Time to silence (< -60 dBFS) after the call, late-bus-home + rainy-shuffle + rain, live (analyser window included):")
    for what in ("pause", "stop"):
        line = f"  {what:5s}: {fmt(now[f'live_{what}_ms'])}"
        if ref:
            line += f"   reference {args.reference}: {fmt(ref[f'live_{what}_ms'])}"
        print(line)
    print(f"  pause, offline render (song, drums, rain, quote speaking), exact: {now['offline_pause_ms']:.1f} ms")
    print(f"Old layer's tail after a change (paper-lanterns -> none at bar 3, offline), after the bar to < -60 dBFS: "
          f"notes {now['change_tail_ms_dry']:.0f} ms, with the shared reverb's tail {now['change_tail_ms_wet']:.0f} ms")
    print(f"Slider extremes ({args.bars} bars, lazy-half-time + rain + kettle, 44.1 kHz): peak dBFS / true peak dBFS / flat-top samples")
    for (track, name), (peak, tp, flat, n) in now["extremes"].items():
        line = f"  {track:22s} {name:12s} {peak:6.2f} / {tp:6.2f} / {flat:6d}"
        if ref:
            other = ref["extremes"].get((track, name))
            if other:
                line += f"   reference: {other[0]:6.2f} / {other[1]:6.2f} / {other[2]:6d} ({100 * other[2] / other[3]:.1f} % of samples)"
        print(line)


if __name__ == "__main__":
    main()
