"""``lofi-build serve`` through a real server process: mounting, safety, watching, pushes and hot swap."""

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from support import DEFAULTS, ROOT, run_cli, tree_bytes, wait_for
from lofi_build.music.starter import starter_score

SONG = "content/songs/test-song.yaml"
GROOVE = DEFAULTS / "content" / "drums" / "lazy-half-time.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(project, *args):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lofi_build", "serve", "-a", f"127.0.0.1:{port}", *args],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/__lofi__/overlay.css", timeout=1).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start:\n{proc.stdout.read()}")
                time.sleep(0.1)
        proc.url = url
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Events:
    """The server's event stream as a page sees it: (event, data) pairs in a queue."""

    def __init__(self, url):
        self.queue = queue.Queue()
        self.response = urllib.request.urlopen(url + "/__lofi__/events", timeout=30)
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next()[0] == "hello"

    def _read(self):
        event = None
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.queue.put((event, json.loads(line[6:])))
        except (OSError, ValueError):  # the server went away
            pass

    def next(self, timeout=20):
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no event from the server") from None


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.geturl()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), url


@pytest.fixture
def lofi_project(project):
    (project / "lofi.yaml").write_text("title: Served\nbase_path: /lofi/\nai: {pool_size: 0}\n")
    (project / "content" / "drums").mkdir()
    shutil.copy(GROOVE, project / "content" / "drums" / "groove.yaml")
    return project


def test_serves_the_build_under_its_base_path(lofi_project):
    with serving(lofi_project) as server:
        status, body, final = get(server.url + "/")
        assert status == 200 and final.endswith("/lofi/")  # redirected to the base path
        status, body, _ = get(server.url + "/lofi/")
        assert status == 200 and "<title>Served</title>" in body
        assert re.search(r'<script type="module" src="/__lofi__/dev\.js" data-build="[0-9a-f]{12}"></script>', body)
        assert get(server.url + "/lofi/manifest.json")[0] == 200
        status, body, _ = get(server.url + "/lofi/no/such/page")
        assert status == 404 and "This page drifted off" in body  # the site's own 404 page
        assert "/__lofi__/dev.js" in body
        assert get(server.url + "/manifest.json")[0] == 404  # outside the base path
        assert get(server.url + "/__lofi__/dev.js")[0] == 200


def test_never_serves_outside_the_build_or_dotfiles(lofi_project):
    (lofi_project / "build").mkdir(exist_ok=True)
    with serving(lofi_project) as server:
        (lofi_project / "build" / ".secret").write_text("no")
        for path in ["/lofi/../lofi.yaml", "/lofi/%2e%2e/lofi.yaml", "/lofi/..%2flofi.yaml", "/lofi/.secret",
                     "/lofi/assets/../../content/songs/test-song.yaml", "/__lofi__/../lofi.yaml",
                     "/__lofi__/serve.py"]:
            req = urllib.request.Request(server.url + path)
            status, body, _ = get(req.full_url)
            assert status == 404, path
            assert "title:" not in body and body != "no"


def test_no_livereload_injects_nothing(lofi_project):
    with serving(lofi_project, "--no-livereload") as server:
        assert "/__lofi__/" not in get(server.url + "/lofi/")[1]
        assert get(server.url + "/__lofi__/events")[0] == 404


def test_a_burst_of_saves_is_one_rebuild(lofi_project):
    """Five saves at once (an editor's "save all", a formatter) are one rebuild and one push. The
    burst is made a burst whatever the machine is doing: the server is stopped (SIGSTOP) while the
    five saves are written and continued after, so their inotify events wait in the kernel and
    reach it together, as they do when nothing holds this process up between writes."""
    song = lofi_project / SONG
    text = song.read_text()
    with serving(lofi_project) as server:
        events = Events(server.url)
        os.kill(server.pid, signal.SIGSTOP)
        try:
            for i in range(5):
                song.write_text(text.replace("Test Song", f"Burst {i}"))
        finally:
            os.kill(server.pid, signal.SIGCONT)
        event, data = events.next()
        assert event == "swap", (event, data)
        assert [p["piece"]["header"]["name"] for p in data["pieces"]] == ["Burst 4"]
        with pytest.raises(AssertionError, match="no event"):  # nothing more comes of that burst
            events.next(timeout=0.5)


def test_saves_that_come_during_a_rebuild_are_never_lost(lofi_project):
    song = lofi_project / SONG
    text = song.read_text()
    with serving(lofi_project) as server:
        events = Events(server.url)
        for i in range(30):  # spacings around the settle time and the rebuild's length
            song.write_text(text.replace("Test Song", f"Save {i}"))
            time.sleep((i % 5) * 0.015)
        titles = []
        while "Save 29" not in titles:
            event, data = events.next()
            if event == "failed":  # the build read a file halfway through its write; the next one is whole
                continue
            assert event == "swap", (event, data)
            titles += [p["piece"]["header"]["name"] for p in data["pieces"]]
        assert "Save 29" in get(server.url + "/lofi/manifest.json")[1]
        assert titles == sorted(set(titles), key=titles.index)  # in order, never an older one after a newer one
        assert [int(t.split()[1]) for t in titles] == sorted(int(t.split()[1]) for t in titles)


def test_what_each_change_pushes_and_build_stays_what_a_fresh_build_writes(lofi_project, tmp_path):
    song, groove = lofi_project / SONG, lofi_project / "content" / "drums" / "groove.yaml"
    css = lofi_project / "site_src" / "css" / "site.css"
    text = song.read_text()
    with serving(lofi_project) as server:
        events = Events(server.url)

        song.write_text(text.replace("Test Song", "Second take").replace("G4", "A4"))
        event, data = events.next()
        assert event == "swap" and data["css"] is None
        [piece] = data["pieces"]
        assert (piece["kind"], piece["id"]) == ("songs", "test-song")
        assert piece["piece"]["header"]["name"] == "Second take"
        assert (lofi_project / "build" / piece["url"]).read_bytes() == json.dumps(
            piece["piece"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        manifest = json.loads((lofi_project / "build" / "manifest.json").read_text())
        assert manifest["songs"][0]["url"] == piece["url"] and manifest["songs"][0]["title"] == "Second take"

        groove.write_text(groove.read_text().replace("title: Lazy half-time", "title: Lazier"))
        event, data = events.next()
        assert event == "swap" and [(p["kind"], p["id"], p["piece"]["header"]["name"]) for p in data["pieces"]] == [
            ("drums", "groove", "Lazier")]

        song.write_text(text + "parts: [\n")  # broken: the pages keep the last good build
        event, data = events.next()
        assert event == "failed"
        assert re.match(r".*test-song\.yaml:\d+:\d+: error: ", data["diagnostics"][0])
        assert "Second take" in get(server.url + "/lofi/manifest.json")[1]
        status, body, _ = get(server.url + "/lofi/")
        assert status == 200 and 'id="lofi-build-error"' in body  # a page opened now shows it too

        song.write_text(text.replace("Test Song", "Fixed"))
        event, data = events.next()
        assert event == "swap" and data["pieces"][0]["piece"]["header"]["name"] == "Fixed"
        assert 'id="lofi-build-error"' not in get(server.url + "/lofi/")[1]

        song.write_text(starter_score("Fixed", SONG))  # rewritten with a form: swapped in written out
        event, data = events.next()
        assert event == "swap" and [s["name"] for s in data["pieces"][0]["piece"]["lofi"]["sections"]][:2] == ["intro", "A"]

        css.write_text(css.read_text() + "\nbody { outline: 0; }\n")
        event, data = events.next()
        assert event == "swap" and data["pieces"] == [] and re.fullmatch(r"/lofi/assets/site\.[0-9a-f]{10}\.css", data["css"])
        assert get(server.url + data["css"])[0] == 200

        (lofi_project / "content" / "songs" / "new-one.yaml").write_text(text.replace("Test Song", "New one"))
        assert events.next()[0] == "reload"  # the page's song list changes
        template = lofi_project / "site_src" / "templates" / "index.html"
        template.write_text(template.read_text().replace("</main>", "<!-- edited --></main>", 1))
        assert events.next()[0] == "reload"
        (lofi_project / "lofi.yaml").write_text("title: Renamed\nbase_path: /lofi/\nai: {pool_size: 0}\n")
        assert events.next()[0] == "reload"
        assert "<title>Renamed</title>" in get(server.url + "/lofi/")[1]
    fresh = tmp_path / "fresh"
    run_cli("site", "-d", fresh, cwd=lofi_project, check=True)
    assert tree_bytes(lofi_project / "build") == tree_bytes(fresh)


@pytest.mark.browser
def test_a_score_saved_while_playing_comes_in_at_the_next_bar_without_a_reload(lofi_project, page):
    song, groove = lofi_project / SONG, lofi_project / "content" / "drums" / "groove.yaml"
    css = lofi_project / "site_src" / "css" / "site.css"
    text = song.read_text()
    with serving(lofi_project) as server:
        page.goto(server.url + "/lofi/")
        wait_for(page, "window.lofi && window.__lofiDev && window.__lofiDev.connected")
        page.evaluate("lofi.select({track: 'test-song', drums: 'groove'}).then(() => lofi.play())")
        wait_for(page, "lofi.state().transport.state === 'started' && lofi.state().layers.music.sounding")
        page.evaluate("window.__mark = 'still here'")

        song.write_text(text.replace("Test Song", "Second take").replace("G4", "A4"))
        swap = wait_for(page, "__lofiDev.swaps.length === 1 && __lofiDev.swaps[0]")
        state = page.evaluate("lofi.state()")
        assert swap["title"] == "Second take" and state["track"]["title"] == "Second take"
        per_bar = 4 * 480
        assert swap["ticks"] % per_bar == 0 and swap["ticks"] > 0  # on a bar line
        assert state["layers"]["music"]["startTick"] == swap["ticks"]
        assert state["transport"]["state"] == "started"
        # Once the bar comes, the new notes are the ones played.
        wait_for(page, f"lofi.state().transport.ticks > {swap['ticks'] + per_bar}", timeout=20)
        assert page.evaluate("lofi.state().layers.music.sounding")

        groove.write_text(groove.read_text().replace("title: Lazy half-time", "title: Lazier"))
        drums = wait_for(page, "__lofiDev.swaps.length === 2 && __lofiDev.swaps[1]")
        assert drums["id"] == "groove" and drums["ticks"] % per_bar == 0

        song.write_text(text + "parts: [\n")  # broken: the overlay, and the music plays on
        wait_for(page, "__lofiDev.failures === 1")
        assert page.locator("#lofi-build-error").is_visible()
        assert re.search(r"test-song\.yaml:\d+:\d+: error: ", page.locator("#lofi-build-error").inner_text())
        state = page.evaluate("lofi.state()")
        assert state["transport"]["state"] == "started" and state["track"]["title"] == "Second take"

        song.write_text(text.replace("Test Song", "Fixed"))
        wait_for(page, "__lofiDev.swaps.length === 3")
        assert page.locator("#lofi-build-error").count() == 0
        assert page.evaluate("lofi.state().track.title") == "Fixed"
        wait_for(page, "document.querySelector('.track[data-id=\"test-song\"] .track-title').textContent === 'Fixed'")

        css.write_text(css.read_text() + "\nhtml body { outline: 3px solid rgb(1, 2, 3); }\n")
        wait_for(page, "__lofiDev.css === 1")
        assert page.evaluate("getComputedStyle(document.body).outlineColor") == "rgb(1, 2, 3)"
        assert page.evaluate("document.querySelectorAll('link[rel=stylesheet][href*=\"site.\"]').length") == 1
        assert page.evaluate("window.__mark") == "still here"  # never reloaded so far
        assert page.evaluate("lofi.state().transport.state") == "started"

        template = lofi_project / "site_src" / "templates" / "index.html"
        template.write_text(template.read_text().replace("</main>", "<p id='edited'>edited</p></main>", 1))
        wait_for(page, "!window.__mark && !!document.getElementById('edited')")
    assert page.log.errors == []


def test_what_a_build_asks_of_the_pages(tmp_path):
    from lofi_build.config import Config
    from lofi_build.serve import plan_push

    project = Config(path=tmp_path / "lofi.yaml")

    def site(title="A", url="songs/a.1.json", css="assets/site.1.css", ids=("a",)):
        manifest = {"site": {"title": title}, "songs": [{"id": i, "url": url} for i in ids], "drums": [], "solos": []}
        return {"manifest.json": json.dumps(manifest).encode(), url: b"{}", css: b"body{}"}

    song, css = {tmp_path / "content/songs/a.yaml"}, {tmp_path / "site_src/css/site.css"}
    assert plan_push(song, project, site(), site()) is None
    assert plan_push(song, project, site(), site(url="songs/a.2.json")) == {
        "pieces": [("songs", "a", {"id": "a", "url": "songs/a.2.json"})], "css": None}
    assert plan_push(css, project, site(), site(css="assets/site.2.css")) == {"pieces": [], "css": "assets/site.2.css"}
    assert plan_push(song, project, site(), site(url="songs/a.2.json", title="B")) == {"reload": True}
    assert plan_push(song, project, site(), site(ids=("a", "b"))) == {"reload": True}
    for other in ("site_src/templates/index.html", "site_src/js/audio/engine.js", "lofi.yaml", "content/samples/samples.yaml"):
        assert plan_push(song | {tmp_path / other}, project, site(), site(url="songs/a.2.json")) == {"reload": True}


def test_serve_previews_a_new_station_and_follows_its_songs(tmp_path):
    """`lofi-build new s && cd s && lofi-build serve`: the station's page, with the packaged theme, and a
    saved song in the next build."""
    assert run_cli("new", "s", cwd=tmp_path).returncode == 0
    station = tmp_path / "s"
    with serving(station) as proc:
        page = wait_until(lambda: "First Light" in (text := fetch(proc.url + "/")) and text)
        assert "<title>S</title>" in page
        song = station / "content" / "songs" / "first-light.yaml"
        song.write_text(song.read_text().replace("title: First Light", "title: Last Light"))
        wait_until(lambda: "Last Light" in fetch(proc.url + "/"))


def fetch(url: str) -> str:
    try:
        return urllib.request.urlopen(url, timeout=5).read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError):
        return ""


def wait_until(condition, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)
    return result
