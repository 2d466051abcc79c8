"""A listener who keeps changing things: random layer switches while the player plays, with the
JS heap measured after a forced garbage collection (the DevTools protocol), and the main
thread's load (long tasks, busy share) measured while it plays."""

from __future__ import annotations

import random
import time

# Runs in the page once: every long task (> 50 ms) of the main thread from now on.
WATCH_LONG_TASKS = """() => { window.__long = []; new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push(e.duration);
}).observe({ type: 'longtask' }); }"""


def heap_after_gc(cdp) -> float:
    """Bytes of JS heap in use after a full garbage collection."""
    cdp.send("HeapProfiler.enable")
    for _ in range(2):
        cdp.send("HeapProfiler.collectGarbage")
    return float(cdp.send("Runtime.getHeapUsage")["usedSize"])


def choices(manifest: dict) -> dict[str, list]:
    return {
        "drums": [None] + [e["id"] for e in manifest["drums"]],
        "ambience": [None] + [e["id"] for e in manifest["ambience"]],
        "quote": [None] + [e["id"] for e in manifest["quotes"]],
        "track": [e["id"] for e in manifest["songs"] + manifest["solos"]],
    }


def soak(page, cdp, seconds: float, *, seed: int = 5, every: float = 4.0, sample_every: float = 30.0, log=print) -> dict:
    """Switch one random layer every `every` seconds for `seconds` while playing; returns
    {switches, errors, heap: [(elapsed s, bytes after GC)...]}."""
    rnd = random.Random(seed)
    manifest = page.evaluate("window.lofi.manifest")
    options = choices(manifest)
    page.evaluate("window.lofi.play()")
    heap = [(0.0, heap_after_gc(cdp))]
    log(f"  soak: heap after GC at 0 s: {heap[-1][1] / 1e6:.1f} MB")
    start = time.monotonic()
    next_sample = sample_every
    switches = 0
    while (elapsed := time.monotonic() - start) < seconds:
        layer = rnd.choice(list(options))
        value = rnd.choice(options[layer])
        page.evaluate("(c) => window.lofi.select(c).catch((e) => console.error(String(e)))", {layer: value})
        switches += 1
        if rnd.random() < 0.08:  # now and then a pause and a resume, or a stop
            page.evaluate("window.lofi.pause()" if rnd.random() < 0.7 else "window.lofi.stop()")
            time.sleep(0.5)
            page.evaluate("window.lofi.play()")
        time.sleep(every)
        if elapsed >= next_sample:
            heap.append((round(elapsed), heap_after_gc(cdp)))
            log(f"  soak: heap after GC at {elapsed:.0f} s: {heap[-1][1] / 1e6:.1f} MB ({switches} switches)")
            next_sample += sample_every
    heap.append((round(time.monotonic() - start), heap_after_gc(cdp)))
    return {"switches": switches, "heap": heap}


def main_thread_load(page, cdp, seconds: float, throttle: float = 1.0) -> dict:
    """While the page plays: share of wall time the main thread was busy, long tasks per second
    and the longest task, over `seconds`, with CPU throttling `throttle` (1: none)."""
    cdp.send("Performance.enable")
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    try:
        time.sleep(2)  # settle at this rate
        page.evaluate(WATCH_LONG_TASKS)
        busy0 = _task_seconds(cdp)
        t0 = time.monotonic()
        time.sleep(seconds)
        busy = _task_seconds(cdp) - busy0
        wall = time.monotonic() - t0
        long = page.evaluate("window.__long")
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    return {"busy": busy / wall, "long_per_s": len(long) / wall, "long": len(long), "longest_ms": max(long, default=0.0)}


def _task_seconds(cdp) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"]
