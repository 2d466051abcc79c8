"""The player on a phone's budget, in Debian Chromium on localhost: decoded audio held after
visiting every layer (with eviction vs everything ever decoded), the main thread's load while
music plays with the scenes animating (busy share, long tasks per second, longest task) without
and with Chromium's 4x CPU throttling (Lighthouse's mobile setting), against the same page with
reduced motion (no animation) as the reference, and the JS heap after garbage collection through
a soak of random layer switches.

    PYTHONPATH=. python benchmarks/bench_player_phone.py [--seconds 10] [--soak 300]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "player")]

from soak import heap_after_gc, main_thread_load, soak  # noqa: E402
from support import CHROMIUM, CHROMIUM_ARGS, static_server, wait_for  # noqa: E402

PLAYING = "#track=late-bus-home&drums=dusty-boom-bap&ambience=rain"


def open_page(browser, url, hash_="", **options):
    context = browser.new_context(viewport={"width": 412, "height": 915}, **options)
    page = context.new_page()
    page.on("pageerror", lambda e: print("  page error:", e))
    page.goto(url + hash_)
    wait_for(page, "window.lofi !== undefined", timeout=60)
    return context, page, context.new_cdp_session(page)


def play(page):
    page.evaluate("window.lofi.play()")
    wait_for(page, "window.lofi.state().transport.state === 'started' && window.lofi.state().layers.ambience.sounding", timeout=60)
    wait_for(page, "window.lofi.state().visualizer.status === 'running'", timeout=60)


def decoded_after_every_layer(browser, url):
    context, page, _ = open_page(browser, url, PLAYING)
    play(page)
    man = page.evaluate("window.lofi.manifest")
    visits = [("drums", e["id"]) for e in man["drums"]] + [("ambience", e["id"]) for e in man["ambience"]]
    visits += [("quote", e["id"]) for e in man["quotes"]] + [("track", e["id"]) for e in man["songs"] + man["solos"][:3]]
    for layer, id_ in visits:
        page.evaluate("(c) => window.lofi.select(c)", {layer: id_})
        wait_for(page, f"window.lofi.state().samples.pending === 0", timeout=120)
    decoded = page.evaluate("window.lofi.state().decoded")
    context.close()
    return len(visits), decoded


def load(browser, url, seconds, reduced):
    out = {}
    context, page, cdp = open_page(browser, url, PLAYING, reduced_motion="reduce" if reduced else "no-preference")
    play(page)
    out["mode"] = page.evaluate("window.lofi.state().scene.mode")
    for throttle in (1, 4):
        out[throttle] = main_thread_load(page, cdp, seconds, throttle)
    context.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="seconds of each main-thread measurement")
    parser.add_argument("--soak", type=float, default=300, help="seconds of random switches (0: skip)")
    parser.add_argument("--parts", default="decoded,load,soak", help="which measurements, comma-separated")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "lofi_build", "site", "-f", str(ROOT / "lofi.yaml"), "-d", str(site), "-q"], check=True, cwd=ROOT)
        with static_server(site) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            parts = set(args.parts.split(","))
            if "decoded" in parts:
                n, decoded = decoded_after_every_layer(browser, url)
                print(f"decoded audio after visiting {n} layers: {decoded['bytes'] / 1e6:.1f} MB held "
                      f"(everything decoded: {decoded['total'] / 1e6:.1f} MB; held/total {decoded['bytes'] / decoded['total']:.2f})")
            if "load" in parts:
                moving = load(browser, url, args.seconds, reduced=False)
                still = load(browser, url, args.seconds, reduced=True)
                print(f"main thread while playing, scenes drawn in: {moving['mode']}")
                for throttle in (1, 4):
                    m, s = moving[throttle], still[throttle]
                    print(f"  CPU x{throttle}: busy {m['busy']:.0%} (reduced motion {s['busy']:.0%}, ratio {m['busy'] / max(s['busy'], 1e-9):.2f}); "
                          f"long tasks {m['long_per_s']:.2f}/s, longest {m['longest_ms']:.0f} ms "
                          f"(reduced motion {s['long_per_s']:.2f}/s, longest {s['longest_ms']:.0f} ms)")
            if "soak" in parts and args.soak > 0:
                context, page, cdp = open_page(browser, url, PLAYING)
                play(page)
                result = soak(page, cdp, args.soak)
                first, last = result["heap"][0][1], result["heap"][-1][1]
                peak = max(h for _, h in result["heap"])
                print(f"soak: {result['switches']} switches in {args.soak:.0f} s; JS heap after GC {first / 1e6:.1f} -> {last / 1e6:.1f} MB "
                      f"(peak {peak / 1e6:.1f} MB; growth {(last - first) / 1e6 / (args.soak / 60):.2f} MB/min)")
                context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
