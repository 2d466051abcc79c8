"""Edit -> browser reloaded: `lofi-build serve` vs the livereload package's own Server, same build.

Both servers run the same lofi-build rebuild on a copy of the shipped project; Chromium keeps
the page open, a song file is edited, and the clock stops when the page has reloaded (load
event done). The reference polls every 800 ms and ignores changes for 3 s after a reload, so
its edits are spaced 3.5 s apart (closer edits would simply be lost), and it injects an inline
script, so its copy of the site runs without the CSP <meta> tag.

    .venv/bin/python benchmarks/bench_serve_reload.py [--edits 10]
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
    for path in ("lofi.yaml", "content", "site_src"):
        server.watch(path, rebuild)
    server.serve(port=int(sys.argv[1]), root="build", restart_delay=0)
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stdout.read()}")
            time.sleep(0.1)
    raise SystemExit("server did not start")


def poll(page, expression: str, timeout: float = 20) -> None:
    """Wait for ``expression`` (page.wait_for_function cannot run under the site's CSP)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(expression):
                return
        except Exception:  # navigating
            pass
        time.sleep(0.005)
    raise SystemExit(f"timed out waiting for {expression}")


def measure(browser, url: str, song: Path, edits: int, spacing: float) -> list[float]:
    page = browser.new_page()
    page.goto(url)
    connected = "window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol"
    poll(page, connected)
    original = song.read_text()
    times = []
    try:
        for i in range(edits):
            page.evaluate(f"window.__mark = {i}")
            start = time.perf_counter()
            song.write_text(original.replace("title: ", f"title: Take {i} ", 1))
            poll(page, f"window.__mark !== {i} && document.readyState === 'complete'", timeout=15)
            times.append(time.perf_counter() - start)
            poll(page, connected)
            time.sleep(spacing)
    finally:
        song.write_text(original)
        page.close()
    return times


def run_server(cmd, cwd, port):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_up(f"http://127.0.0.1:{port}/", proc)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "site"
        shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".venv", "build", ".git", ".lofi-cache", "tests"))
        song = sorted((project / "content" / "songs").glob("*.yaml"))[0]
        results = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
            port = free_port()
            ours = run_server([sys.executable, "-m", "lofi_build", "serve", "-a", f"127.0.0.1:{port}"], project, port)
            try:
                results["lofi-build serve"] = measure(browser, f"http://127.0.0.1:{port}/", song, args.edits, 0.3)
            finally:
                ours.terminate()
                ours.wait()
            # livereload injects an inline <script>, which the site's CSP <meta> forbids: give the
            # reference a copy of the templates without the policy so that it can reload at all.
            base = project / "site_src" / "templates" / "base.html"
            base.write_text("".join(line for line in base.read_text().splitlines(True)
                                    if "Content-Security-Policy" not in line))
            port = free_port()
            ref = run_server([sys.executable, "-c", REFERENCE, str(port)], project, port)
            try:
                results["livereload Server (reference)"] = measure(
                    browser, f"http://127.0.0.1:{port}/", song, args.edits, 3.5)
            finally:
                ref.terminate()
                ref.wait()
            browser.close()
    print(f"edit -> page reloaded, {args.edits} song edits each, {os.cpu_count()} cores")
    for name, times in results.items():
        print(f"  {name:32s} median {statistics.median(times) * 1000:6.0f} ms   max {max(times) * 1000:6.0f} ms")
    ours_m = statistics.median(results["lofi-build serve"])
    ref_m = statistics.median(results["livereload Server (reference)"])
    print(f"  ratio (reference / ours, median): {ref_m / ours_m:.1f}x faster")


if __name__ == "__main__":
    main()
