"""How fast the page makes solos in headless Chromium (its module worker), how long the page's
main thread is ever busy meanwhile, and Python's speed on the same solos.

Builds the shipped site into a temp folder, serves it with its CSP, and in a same-origin page
starts the generator (fetching and dequantising the exported weights), then makes --solos
solos of the site's loop length (30 bars) over --progression, one after the other, as "Make a
solo" does: the shipped network's bar-aware generation, then chords and bass, timed inside the
worker. A PerformanceObserver for long tasks runs on the main thread the whole time. The
reference, measured in the same run: Python's pool (numpy engine, one BLAS thread, and its
accompaniment) on the same dequantised weights, seeds, progression, temperature and top-k.

Events are the melody's steps (a note or a rest); notes count every note of the piece (melody,
chords and bass).

    PYTHONPATH=. python benchmarks/bench_js_engine.py [--solos 8] [--temperature 0.9] [--top-k 8]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support import CHROMIUM, CHROMIUM_ARGS, static_server  # noqa: E402

RUN = """async ([ai, manifest, runs, chords]) => {
    // Long tasks (>= 50 ms) that end after the first solo is asked for: importing the client and
    // loading the model are counted too, generating solos is the rest.
    const longest = {ms: 0, count: 0, tasks: []};
    let since = Infinity;
    const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
            if (e.startTime + e.duration < since) continue;
            longest.ms = Math.max(longest.ms, e.duration);
            longest.count++;
            longest.tasks.push([Math.round(e.startTime - since), Math.round(e.duration)]);
        }
    });
    observer.observe({type: "longtask", buffered: false});
    // Something for the main thread to do meanwhile: a frame loop, as the player's visualiser has.
    let frames = 0, stop = false, last = performance.now(), gap = 0;
    const tick = (now) => {
        frames++;
        if (now > since) gap = Math.max(gap, now - last);
        last = now;
        if (!stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    await new Promise((resolve) => setTimeout(resolve, 200));  // the page settles, as after a click
    since = performance.now();
    const { createGenerator } = await import(new URL(ai + "client.js", location.href).href);
    const gen = createGenerator(manifest, location.href);
    let t = performance.now();
    const phases = {imported: Math.round(t - since)};
    const loaded = await gen.load();
    const loadMs = performance.now() - t;
    phases.loaded = Math.round(performance.now() - since);
    const solos = [];
    t = performance.now();
    for (const r of runs) {
        const w = performance.now();
        const res = await gen.solo({...r, chords: new URL(chords, location.href).href});
        const notes = res.piece.tracks.reduce((n, track) => n + track.notes.length, 0);
        solos.push({ms: res.ms, wallMs: performance.now() - w, events: res.events.length, notes});
    }
    const totalMs = performance.now() - t;
    await new Promise((resolve) => setTimeout(resolve, 100));  // let the observer report
    stop = true;
    observer.disconnect();
    gen.terminate();
    phases.done = Math.round(performance.now() - since);
    return {loadMs, bytes: loaded.bytes, solos, totalMs, longest, frames, gap, phases};
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solos", type=int, default=8)
    parser.add_argument("--temperature", type=float, default=0.9)
    parser.add_argument("--top-k", type=int, default=8)
    parser.add_argument("--progression", default="Dm9 G13 | Cmaj9 | Cmaj9 A7b13 | Fmaj9 Bb13")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from lofi_build.model import checkpoint, export, pool
    from lofi_build.music.progression import parse_progression
    from lofi_build.site import csp

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "lofi_build", "site", "-f", str(ROOT / "lofi.yaml"), "-d", str(site), "-q"],
                       check=True, cwd=ROOT)
        manifest = json.loads((site / "manifest.json").read_text())
        entry = manifest["model"]
        bars = manifest["site"]["loops"]["solos"]
        ticks = bars * 4 * manifest["facts"]["ppq"]
        (client,) = site.glob("assets/js-*/ai/client.js")
        ai = client.parent.relative_to(site).as_posix() + "/"
        runs = [{"seed": 1000 + i, "progression": args.progression, "bars": bars, "temperature": args.temperature,
                 "topK": args.top_k, "bpm": manifest["site"]["bpm"]} for i in range(args.solos)]

        with static_server(site, headers=csp.netlify_headers(ROOT / "netlify.toml")) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.goto(url + "__blank__.html")
            js = page.evaluate(RUN, [ai, {"model": entry, "facts": manifest["facts"]}, runs, manifest["chords"]])
            browser.close()

        ex = export.Exported(json.loads((site / entry["header"]).read_text()), (site / entry["weights"]).read_bytes())
        twin = export.dequantised(checkpoint.load(ROOT / "lofi_build" / "defaults" / "content" / "model" / ex.header["model"]), ex)
        progression = [("bench", parse_progression(args.progression))]

        def python_solo(seed):
            return pool.make_pool(twin, count=1, bars=bars, temperature=args.temperature, top_k=args.top_k, seed=seed,
                                  bpm=manifest["site"]["bpm"], progressions=progression, transpose=False, gate=False)

        python_solo(1)  # warm up
        np_solos = []
        for r in runs:
            t = time.perf_counter()
            song = python_solo(r["seed"]).solos[0].song
            np_solos.append({"ms": (time.perf_counter() - t) * 1000, "notes": sum(len(tr["notes"]) for tr in song["tracks"]),
                             "events": len(song["tracks"][0]["notes"])})

    def rates(solos):
        ms = sum(s["ms"] for s in solos) / 1000
        best = max(s["notes"] / s["ms"] * 1000 for s in solos)
        return (sum(s["events"] for s in solos) / ms, sum(s["notes"] for s in solos) / ms,
                statistics.median(s["ms"] for s in solos) / 1000, max(s["ms"] for s in solos) / 1000, best)

    js_ev, js_notes, js_median, js_max, js_best = rates(js["solos"])
    _, np_notes, np_median, _, np_best = rates(np_solos)
    bars = ticks // 1920
    print(f"JS generator in headless Chromium (module worker), {len(runs)} solos of {bars} bars over "
          f"'{args.progression}', T={args.temperature}, top-k={args.top_k}, melody + chords + bass:")
    print(f"  model load (fetch {js['bytes'] / 1e6:.2f} MB + checksum + dequantise): {js['loadMs']:.0f} ms")
    print(f"  {js_notes:,.0f} notes/s ({js_ev:,.0f} events/s); a {bars}-bar solo: median {js_median:.3f} s, "
          f"worst {js_max:.3f} s (targets: >= 1,000 notes/s, <= 0.3 s); fastest solo {js_best:,.0f} notes/s")
    print(f"  longest main-thread task from the first request to the last solo: {js['longest']['ms']:.0f} ms "
          f"({js['longest']['count']} tasks over 50 ms; target <= 50 ms); {js['frames']} frames drawn meanwhile, "
          f"longest gap between frames {js['gap']:.0f} ms")
    if js["longest"]["tasks"]:
        print(f"  long tasks [start ms, duration ms] from the request: {js['longest']['tasks']}; "
              f"client imported at {js['phases']['imported']} ms, model loaded at {js['phases']['loaded']} ms, "
              f"last solo at {js['phases']['done']} ms")
    print(f"Python (numpy engine, one BLAS thread, and accompaniment), same solos and weights: {np_notes:,.0f} "
          f"notes/s, median {np_median:.3f} s a solo; fastest solo {np_best:,.0f} notes/s")
    print(f"ratio JS / Python: {js_notes / np_notes:.2f}x (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
