"""Shared test helpers: the CLI as a subprocess, a static server, Chromium settings, polling a page.

Kept out of conftest.py so that sub-folders can have conftest files of their own."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = ROOT / "lofi_build" / "defaults"  # the package's defaults, laid out as a project
THEME = DEFAULTS / "site_src"
CHROMIUM = os.environ.get("LOFI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
IN_CI = os.environ.get("CI", "").lower() == "true"

MINIMAL_CONFIG = "title: Test Station\nseed: 3\nai:\n  pool_size: 0\n"
MINIMAL_SONG = """\
title: Test Song
bpm: 90
parts:
  - name: keys
    instrument: piano
    notes:
      - {time: "0:0:0", chord: Cmaj7, duration: 2n}
      - ["1:0:0", G4, 4n]
"""


def need_tool(path: str, why: str) -> None:
    """Skip when a system tool is missing -- except in CI, where a missing tool is a failure."""
    if shutil.which(path) or Path(path).exists():
        return
    if IN_CI:
        pytest.fail(f"{path} is required in CI ({why}); `make test` installs it")
    pytest.skip(f"{path} is not installed ({why}); run `make test` to install it")


def run_cli(*args, cwd=None, check=False, env=None, timeout=300) -> subprocess.CompletedProcess:
    """Run ``lofi-build ARGS`` as a user would, in a fresh interpreter (``env`` overrides variables)."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    environ.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "lofi_build", *map(str, args)],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"lofi-build {' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extra_headers: dict = {}
    prefix = "/"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/__blank__.html":  # an empty same-origin page to run scripts on
            body = b"<!doctype html><title>blank</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self):
        for k, v in self.extra_headers.items():
            self.send_header(k, v)
        super().end_headers()

    def translate_path(self, path):
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + path[len(self.prefix):])


@contextlib.contextmanager
def static_server(directory: Path, prefix: str = "/", headers: dict | None = None, port: int = 0):
    """Serve ``directory`` at http://127.0.0.1:PORT``prefix`` in a thread (``port``: 0 for any free
    one, or a given one to come back to the same origin); yields the page URL."""
    handler = type("Handler", (_QuietHandler,), {"extra_headers": headers or {}, "prefix": prefix})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{prefix}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class PageLog:
    """Console errors and uncaught exceptions of a page; a clean page has neither."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))


def wait_for(page, expression: str, timeout: float = 15.0, interval: float = 0.05):
    """Poll ``expression`` in the page until it is truthy and return its value.

    Playwright's ``wait_for_function`` compiles strings with ``new Function`` inside the page,
    which a Content-Security-Policy without 'unsafe-eval' forbids; ``evaluate`` goes through
    the DevTools protocol and is not subject to the page's policy.
    """
    import time

    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as e:  # the page is navigating (e.g. a live reload): ask again
            if "context was destroyed" not in str(e) and "navigat" not in str(e):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for: {expression}")
        time.sleep(interval)


def write_midi(path: Path, tracks, *, ppq: int = 480, bpm: float = 90, meter=(4, 4), tempo_changes=()) -> Path:
    """A hand-made type-1 MIDI file: ``tracks`` is [(channel, program, [(start, length, pitch), ...])] in ticks;
    ``tempo_changes`` is [(tick, bpm)]."""
    import mido

    mid = mido.MidiFile(type=1, ticks_per_beat=ppq)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("time_signature", numerator=meter[0], denominator=meter[1], time=0))
    now = 0
    for tick, tempo in [(0, bpm), *tempo_changes]:
        conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo), time=tick - now))
        now = tick
    mid.tracks.append(conductor)
    for channel, program, notes in tracks:
        track = mido.MidiTrack()
        track.append(mido.Message("program_change", channel=channel, program=program, time=0))
        events = sorted([(s, 1, p) for s, _, p in notes] + [(s + d, 0, p) for s, d, p in notes])
        now = 0
        for tick, on, pitch in events:
            kind = "note_on" if on else "note_off"
            track.append(mido.Message(kind, channel=channel, note=pitch, velocity=80 if on else 0, time=tick - now))
            now = tick
        mid.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    mid.save(path)
    return path


def melody_notes(seed: int, count: int = 48, q: int = 480) -> list:
    """A deterministic scale melody with rests, for tiny training corpora."""
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    notes, tick = [], 0
    for i in range(count):
        length = q // 2 if (i + seed) % 3 else q
        notes.append((tick, length, scale[(i * (seed + 1)) % 8]))
        tick += length + (q if i % 8 == 7 else 0)
    return notes
