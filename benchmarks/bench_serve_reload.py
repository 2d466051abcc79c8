"""Save -> change heard, save -> page reloaded, idle CPU: `lofi-build serve` vs the livereload package's own Server.

Both servers run the same lofi-build rebuild on a copy of the shipped project, with Chromium
keeping the page open. Ours hot-swaps an edited score into the playing page (no reload); the
figures are taken from wall-clock stamps (ms since the epoch) on both sides, so polling the
page does not add to them:
  save -> scheduled    the page has the new version scheduled (lofi.replacePiece resolved)
  save -> heard        the bar the new version comes in at (a hot swap waits for the bar line)
  save -> reloaded     a template edit: the new page's load event has run
The reference reloads the page on every edit, and the music starts again from the top:
  save -> reloaded     the load event of the reloaded page
  save -> heard        + lofi.play() on `lofi:ready` and the first note out (startup.firstNoteAt)
It polls every 800 ms and ignores changes for 3 s after a reload, so its edits are spaced 3.5 s
apart (closer edits would simply be lost), and it injects an inline script, so its copy of the
site runs without the CSP <meta> tag. Idle CPU: utime + stime from /proc/PID/stat over 10 s
with one page connected and nothing changing.

    .venv/bin/python benchmarks/bench_serve_reload.py [--edits 10] [--idle-seconds 10] [--reduced-motion]

--reduced-motion opens the pages with prefers-reduced-motion (the scene and the visualiser hold
still), which shows how much of the page's share is its own animation competing for the CPU.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--disable-background-networking",
                 "--disable-gpu"]
REFERENCE = textwrap.dedent("""
    import sys
    from livereload import Server
    from lofi_build.config import load_config
    from lofi_build.site.build import BuildCache, build
    from lofi_build.errors import LofiError
    cache = BuildCache()
    def rebuild():
        try:
            build(load_config("lofi.yaml"), cache=cache)
        except LofiError as e:
            print(e, file=sys.stderr)
    rebuild()
    server = Server()
    for path in ("lofi.yaml", "content", "lofi_build/defaults"):
        server.watch(path, rebuild)
    server.serve(port=int(sys.argv[1]), root="build", restart_delay=0)
""")
# The reference page starts the music again after each reload, as a listener would press Play.
AUTOPLAY = """
document.addEventListener("lofi:ready", () => {
  const track = sessionStorage.getItem("lofi-bench-track");
  if (track) window.lofi.select({ track }).then(() => window.lofi.play());
});
"""
LOADED = "performance.timeOrigin + performance.getEntriesByType('navigation')[0].loadEventEnd"


def progress(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stdout.read()}")
            time.sleep(0.1)
    raise SystemExit("server did not start")


def poll(page, expression: str, timeout: float = 30):
    """Wait for ``expression`` (page.wait_for_function cannot run under the site's CSP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(expression)
            if value:
                return value
        except Exception:  # navigating
            pass
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {expression}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def idle_cpu(pid: int, seconds: float) -> float:
    """Share of one core the process used over ``seconds`` of nothing happening."""
    before, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.monotonic() - start)


def edit(path: Path, original: str, i: int) -> float:
    """Save an edit; returns the wall-clock time of the save, ms."""
    saved = time.time() * 1000
    path.write_text(original.replace("title: ", f"title: Take {i} ", 1))
    return saved


def start_playing(page, track: str) -> None:
    page.evaluate(f"lofi.select({{track: '{track}'}}).then(() => lofi.play())")
    poll(page, "lofi.state().transport.state === 'started' && lofi.state().layers.music.sounding")


def template_edits(page, template: Path, edits: int, name: str, ready: str, settle: float) -> list[float]:
    """Save the template `edits` times; for each, ms from the save to the reloaded page, once
    `ready` (the live connection back) holds; `settle` seconds between edits."""
    reloaded = []
    original = template.read_text()
    try:
        for i in range(edits):
            page.evaluate(f"window.__mark = {i}")
            saved = time.time() * 1000
            template.write_text(original.replace("</main>", f"<!-- edit {i} --></main>", 1))
            poll(page, f"window.__mark !== {i} && document.readyState === 'complete'")
            reloaded.append(page.evaluate(LOADED) - saved)
            progress(f"{name}: template edit {i}: reloaded after {reloaded[-1]:.0f} ms")
            poll(page, ready)
            time.sleep(settle)
    finally:
        template.write_text(original)
    return reloaded


def measure_ours(browser, url, song, template, track, edits, idle_seconds, pid, motion):
    page = browser.new_page(reduced_motion=motion)
    page.goto(url)
    poll(page, "window.lofi && window.__lofiDev && window.__lofiDev.connected")
    idle = idle_cpu(pid, idle_seconds)
    start_playing(page, track)
    page.evaluate("window.__mark = 'kept'")
    original = song.read_text()
    scheduled, heard, pushed, seen = [], [], [], []
    try:
        for i in range(edits):
            saved = edit(song, original, i)
            swap = poll(page, f"__lofiDev.swaps.length === {i + 1} && __lofiDev.swaps[{i}]")
            if page.evaluate("window.__mark") != "kept":
                raise SystemExit("the page reloaded on a score edit")
            scheduled.append(swap["scheduled"] - saved)
            progress(f"ours: score edit {i}: scheduled after {scheduled[-1]:.0f} ms")
            heard.append(swap["heard"] - saved)
            pushed.append(swap["built"] - saved)
            seen.append(swap["seen"] - saved)
            time.sleep(0.3)
    finally:
        song.write_text(original)
    poll(page, f"__lofiDev.swaps.length === {edits + 1}")
    reloaded = template_edits(page, template, edits, "ours", ready="window.__lofiDev.connected", settle=0.3)
    page.close()
    return {"seen": seen, "pushed": pushed, "scheduled": scheduled, "heard": heard, "reloaded": reloaded, "idle": idle}


def measure_reference(browser, url, song, template, track, edits, idle_seconds, pid, motion):
    page = browser.new_page(reduced_motion=motion)
    page.add_init_script(AUTOPLAY)
    page.goto(url)
    connected = "window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol"
    poll(page, connected)
    idle = idle_cpu(pid, idle_seconds)
    original = song.read_text()
    loaded, heard = [], []
    try:
        for i in range(edits):
            page.evaluate(f"window.__mark = {i}; sessionStorage.setItem('lofi-bench-track', '{track}')")
            saved = edit(song, original, i)
            poll(page, f"window.__mark !== {i} && document.readyState === 'complete'")
            loaded.append(page.evaluate(LOADED) - saved)
            first = poll(page, "window.lofi && lofi.state().startup.firstNoteAt")
            heard.append(page.evaluate("performance.timeOrigin") + first - saved)
            progress(f"reference: score edit {i}: reloaded after {loaded[-1]:.0f} ms, heard after {heard[-1]:.0f} ms")
            poll(page, connected)
            time.sleep(3.5)
        page.evaluate("window.__mark = 'restore'; sessionStorage.removeItem('lofi-bench-track')")
    finally:
        song.write_text(original)
    # Putting the score back reloads the page too, and livereload ignores any change within 3 s
    # of its last reload: wait for that reload, then as long as between edits.
    poll(page, "window.__mark !== 'restore' && document.readyState === 'complete'")
    poll(page, connected)
    time.sleep(3.5)
    reloaded = template_edits(page, template, edits, "reference", ready=connected, settle=3.5)
    page.close()
    return {"scheduled": loaded, "heard": heard, "reloaded": reloaded, "idle": idle}


def run_server(cmd, cwd, url):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_up(url, proc)
    return proc


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--reduced-motion", action="store_true", help="pages with prefers-reduced-motion: reduce")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    motion = "reduce" if args.reduced_motion else "no-preference"
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "site"
        shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".venv", "build", ".git", ".lofi-cache", "tests",
                                                                     "__pycache__"))
        song = sorted((project / "content" / "songs").glob("*.yaml"))[0]
        track = song.stem
        template = project / "lofi_build" / "defaults" / "site_src" / "templates" / "index.html"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            port = free_port()
            url = f"http://127.0.0.1:{port}/"
            ours = run_server([sys.executable, "-m", "lofi_build", "serve", "-a", f"127.0.0.1:{port}"], project, url)
            try:
                mine = measure_ours(browser, url, song, template, track, args.edits, args.idle_seconds, ours.pid,
                                    motion)
            finally:
                stop(ours)
            # livereload injects an inline <script>, which the site's CSP <meta> forbids: give the
            # reference a copy of the templates without the policy so that it can reload at all.
            base = project / "lofi_build" / "defaults" / "site_src" / "templates" / "base.html"
            base.write_text("".join(line for line in base.read_text().splitlines(True)
                                    if "Content-Security-Policy" not in line))
            port = free_port()
            url = f"http://127.0.0.1:{port}/"
            ref = run_server([sys.executable, "-c", REFERENCE, str(port)], project, url)
            try:
                theirs = measure_reference(browser, url, song, template, track, args.edits, args.idle_seconds, ref.pid,
                                            motion)
            finally:
                stop(ref)
            browser.close()

    def row(name, times):
        return f"  {name:44s} median {statistics.median(times):6.0f} ms   max {max(times):6.0f} ms"

    print(f"{args.edits} edits each, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"prefers-reduced-motion: {motion}")
    print("lofi-build serve (hot swap):")
    print(row("save -> seen by the watcher (inotify)", mine["seen"]))
    print(row("save -> pushed (+ settle, rebuild, send)", mine["pushed"]))
    print(row("save -> new version scheduled in the page", mine["scheduled"]))
    print(row("save -> new version heard (next bar)", mine["heard"]))
    print(row("save -> page reloaded (template edit)", mine["reloaded"]))
    print("livereload Server (reference, reloads on every edit):")
    print(row("save -> page reloaded (score edit)", theirs["scheduled"]))
    print(row("save -> music heard again (play, first note)", theirs["heard"]))
    print(row("save -> page reloaded (template edit)", theirs["reloaded"]))
    med = statistics.median
    print("ratios (reference / ours, medians):")
    print(f"  score edit: reference reloaded / ours scheduled   {med(theirs['scheduled']) / med(mine['scheduled']):5.1f}x")
    print(f"  score edit: reference heard / ours heard           {med(theirs['heard']) / med(mine['heard']):5.1f}x")
    print(f"  template edit: page reloaded                       {med(theirs['reloaded']) / med(mine['reloaded']):5.1f}x")
    print(f"idle CPU over {args.idle_seconds:.0f} s: lofi-build serve {mine['idle'] * 100:.2f} % of a core, "
          f"reference {theirs['idle'] * 100:.2f} %")


if __name__ == "__main__":
    main()
