"""Station mode in Debian Chromium on localhost: an 8-hour plan (tracks, distinct tracks, repeats), the worker's
time to make one arranged track against one 30-bar solo (lofi.generate) in the same run, the main thread's cost of
bringing a long track in (sliced, as the station does, against every note's event made at once, as a loop layer
does), silence, clicks and overlap at three track changes in offline renders, and a station session in a
375 x 740 window: the JS heap after garbage collection, decoded audio, how long before each change the next track
was ready, long tasks against plain playback of a song, and console errors.

    PYTHONPATH=. python benchmarks/bench_station.py [--seed 11] [--session 180] [--skip-every 30]
    PYTHONPATH=. python benchmarks/bench_station.py --session 3600 --skip-every 0   # the 60-minute soak
"""

from __future__ import annotations

import argparse
import base64
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "player")]

from audio import clicks_near, levels, longest_quiet, overlap  # noqa: E402
from soak import WATCH_LONG_TASKS, heap_after_gc  # noqa: E402
from support import CHROMIUM, CHROMIUM_ARGS, static_server, wait_for  # noqa: E402

PHONE = {"width": 375, "height": 740}


def open_page(browser, url, hash_=""):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.errors.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
    page.goto(url + hash_)
    wait_for(page, "window.lofi !== undefined", timeout=60)
    return context, page


def plan_figures(page, seed):
    plan = page.evaluate(f"window.lofi.station.plan({{seed: {seed}, minutes: 480}})")
    window = page.evaluate("window.lofi.manifest.facts.station.repeatSeconds")
    last, repeats = {}, 0
    for t in plan:
        if t["id"] in last and t["start"] - last[t["id"]] < window:
            repeats += 1
        last[t["id"]] = t["start"] + t["seconds"]
    ai = [t for t in plan if t["kind"] == "solo"]
    hours = (plan[-1]["start"] + plan[-1]["seconds"]) / 3600
    print(f"8-hour plan, seed {seed}: {len(plan)} tracks over {hours:.2f} h, {len({t['id'] for t in plan})} distinct, "
          f"{repeats} repeats within {window / 3600:g} h")
    print(f"  {len(ai)} AI tracks ({min(t['seconds'] for t in ai) / 60:.1f}-{max(t['seconds'] for t in ai) / 60:.1f} min, "
          f"{min(t['bpm'] for t in ai)}-{max(t['bpm'] for t in ai)} bpm, {len({t['key'] for t in ai})} keys, "
          f"{len({tuple(t['form']) for t in ai})} forms), {len(plan) - len(ai)} songs, "
          f"{len({t['title'] for t in plan})} distinct titles")
    for t in plan[:4]:
        print(f"  {t['index']:>3} {t['title']:<28} {t['kind']:<4} {t['key']:<10} {t['bpm']:>3} bpm {t['bars']:>3} bars "
              f"{t['seconds'] / 60:4.1f} min  {'-'.join(t['form'])}  -> {t['transition']}")
    return plan


def worker_time(page, plan, count=3):
    made = page.evaluate("""async ([ids]) => {
        const out = [];
        for (const id of ids) { const t = performance.now(); const p = await window.lofi.piece(id);
          out.push({ms: performance.now() - t, notes: p.tracks.reduce((n, t) => n + t.notes.length, 0), bars: p.lofi.loopBars}); }
        const ref = [];
        for (const seed of [1, 2, 3]) { const t = performance.now();
          await window.lofi.generate({progression: "Dm9 G13 | Cmaj9 | Cmaj9 A7b13", seed}); ref.push(performance.now() - t); }
        return {made: out, ref};
    }""", [[t["id"] for t in plan if t["kind"] == "solo"][1:count + 1]])
    each = [m["ms"] for m in made["made"]]
    ref = statistics.median(made["ref"])
    tracks = ", ".join(f"{m['bars']} bars/{m['notes']} notes {m['ms']:.0f} ms" for m in made["made"])
    print(f"worker: one arranged track (as the page asks for it, worker and transfer) {statistics.median(each):.0f} ms median "
          f"({tracks}); one 30-bar solo (lofi.generate) {ref:.0f} ms; ratio {statistics.median(each) / ref:.1f}x")


def bring_in(page, plan):
    out = page.evaluate("""async ([id]) => {
        const base = new URL(".", document.querySelector('script[type="module"]').src).href;
        const { PieceParts } = await import(base + "layers/playback.js");
        const { SlicedParts } = await import(base + "layers/sliced-parts.js");
        const piece = await window.lofi.piece(id);
        const bar = 4 * piece.header.ppq;
        const ctx = window.Tone.getContext();
        const opts = { context: ctx, loopTicks: piece.lofi.loopBars * bar, voiceFor: () => ({ play() {} }),
                       swing: () => ({ amount: 0, sub: piece.header.ppq / 2 }) };
        const time = (Parts) => { const t = performance.now(); const p = new Parts(piece, opts).start(1e7); const ms = performance.now() - t; p.dispose(); return ms; };
        const whole = [], sliced = [];
        for (let i = 0; i < 5; i++) { whole.push(time(PieceParts)); sliced.push(time(SlicedParts)); }
        const median = (xs) => xs.sort((a, b) => a - b)[2];
        return { whole: median(whole), sliced: median(sliced), notes: piece.tracks.reduce((n, t) => n + t.notes.length, 0), bars: piece.lofi.loopBars };
    }""", [plan[0]["id"]])
    print(f"bringing a track in ({out['bars']} bars, {out['notes']} notes) on the main thread: sliced {out['sliced']:.1f} ms "
          f"against {out['whole']:.1f} ms for every note's event at once ({out['whole'] / max(out['sliced'], 1e-3):.0f}x less)")


def changes(page, seed):
    print("track changes, offline renders (the music alone: no ambience, no vinyl bed):")
    for change in ({"index": 0}, {"index": 1}, {"index": 2, "skip": 9}):
        out = page.evaluate("(o) => window.lofi.render(o)", {"station": {"seed": seed, "before": 5, "after": 3, **change}, "crackle": False})
        x = np.frombuffer(base64.b64decode(out.pop("channels")[0]), dtype="<f4")
        rate, at = out["sampleRate"], out["change"]
        sides = {}
        for side in ("out", "in"):
            o = page.evaluate("(o) => window.lofi.render(o)", {"station": {"seed": seed, "before": 5, "after": 3, "only": side, **change},
                                                               "crackle": False})
            sides[side] = np.frombuffer(base64.b64decode(o.pop("channels")[0]), dtype="<f4")
        db = levels(x, rate, 0.05)
        dip = db[int((at - 1) / 0.05):int((at + 1) / 0.05)].min()
        what = f"skip at bar {change['skip']}" if "skip" in change else "end"
        print(f"  {out['tracks'][0]['title']} -> {out['tracks'][1]['title']} ({what}, {out['transition']}): longest silence "
              f"(< -50 dBFS) {longest_quiet(x, rate, at - 2, at + 2):.2f} s, clicks {clicks_near(x, rate, at)}, quietest 50 ms "
              f"{dip:.0f} dBFS, both tracks above -35 dBFS for {overlap(sides['out'], sides['in'], rate):.2f} s")


def session(browser, url, seed, seconds, skip_every, sample_every):
    context, page = open_page(browser, url, "#track=late-bus-home&drums=dusty-boom-bap&ambience=rain")
    cdp = context.new_cdp_session(page)
    # The reference: a song looping with a groove and rain, for a minute or the session's first sample.
    page.evaluate("window.lofi.play()")
    wait_for(page, "window.lofi.state().layers.music.sounding", timeout=60)
    time.sleep(3)
    page.evaluate(WATCH_LONG_TASKS)
    time.sleep(min(60, sample_every))
    plain = page.evaluate("window.__long")
    plain_heap = heap_after_gc(cdp)
    page.evaluate(f"window.lofi.station.start({{seed: {seed}}})")
    wait_for(page, "window.lofi.state().station.track && window.lofi.state().layers.music.sounding", timeout=120)
    page.evaluate(WATCH_LONG_TASKS)
    start = time.monotonic()
    heap = [(0, heap_after_gc(cdp), page.evaluate("window.lofi.state().decoded.bytes"))]
    next_skip = skip_every or float("inf")
    next_sample = sample_every
    seen = {}
    while (elapsed := time.monotonic() - start) < seconds:
        time.sleep(1)
        st = page.evaluate("window.lofi.state().station")
        for c in st["changes"]:
            seen[(c["index"], c["tick"])] = c
        if elapsed >= next_skip:
            page.evaluate("window.lofi.station.skip().catch((e) => console.error(String(e)))")
            next_skip += skip_every
        if elapsed >= next_sample:
            heap.append((round(elapsed), heap_after_gc(cdp), page.evaluate("window.lofi.state().decoded.bytes")))
            print(f"  {elapsed / 60:5.1f} min: heap after GC {heap[-1][1] / 1e6:.1f} MB, decoded audio {heap[-1][2] / 1e6:.1f} MB, "
                  f"track {st['index']} {st['track']['title']!r} ({st['section']}), kept {st['kept']}")
            next_sample += sample_every
    long = page.evaluate("window.__long")
    mb = [h / 1e6 for _, h, _ in heap]
    print(f"session, {seconds / 60:.0f} min in a 375 x 740 window ({'a skip every %d s' % skip_every if skip_every else 'no skips'}): "
          f"heap after GC {mb[0]:.1f} -> max {max(mb):.1f} MB (plain playback {plain_heap / 1e6:.1f} MB), decoded audio max "
          f"{max(d for _, _, d in heap) / 1e6:.1f} MB, {len(seen) - 1} changes")
    late = [x for _, _, x in heap[len(heap) // 2:]]
    if seconds >= 1800 and len(heap) >= 4:
        t = np.array([s for s, _, _ in heap[len(heap) // 2:]]) / 3600
        slope = np.polyfit(t, np.array([h for _, h, _ in heap[len(heap) // 2:]]) / 1e6, 1)[0]
        print(f"  last half: heap trend {slope:+.2f} MB per hour, decoded audio {min(late) / 1e6:.1f}-{max(late) / 1e6:.1f} MB")
    natural = [c for c in seen.values() if c["transition"] and c["transition"] not in ("tape-stop", "vinyl-brake")]
    ahead = [c["readyAhead"] for c in seen.values() if c["index"] > 0]
    if ahead:
        print(f"  the next track was ready {min(ahead):.0f}-{max(ahead):.0f} s before its change ({len(natural)} crossfades)")
    top = lambda xs: f"{len(xs)} long tasks, longest {max(xs, default=0):.0f} ms"  # noqa: E731
    per_min = lambda xs, s: len(xs) / (s / 60)  # noqa: E731
    print(f"  main thread: station {top(long)} ({per_min(long, seconds):.1f}/min); plain playback {top(plain)} "
          f"({per_min(plain, min(60, sample_every)):.1f}/min)")
    print(f"  console errors and warnings: {len(page.errors)}" + "".join(f"\n    {e}" for e in page.errors[:10]))
    context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--session", type=float, default=180, help="seconds of station session (3600: the soak)")
    parser.add_argument("--skip-every", type=float, default=30, help="seconds between skips in the session (0: none)")
    parser.add_argument("--sample-every", type=float, default=None, help="seconds between heap samples")
    parser.add_argument("--parts", default="plan,worker,bring,changes,session")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "lofi_build", "site", "-f", str(ROOT / "lofi.yaml"), "-d", str(site), "-q"],
                       check=True, cwd=ROOT)
        with static_server(site) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context, page = open_page(browser, url)
            plan = plan_figures(page, args.seed)
            if "worker" in parts:
                worker_time(page, plan)
            if "bring" in parts:
                bring_in(page, plan)
            if "changes" in parts:
                changes(page, args.seed)
            context.close()
            if "session" in parts:
                sample = args.sample_every or (60 if args.session >= 1200 else 30)
                session(browser, url, args.seed, args.session, args.skip_every, sample)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
