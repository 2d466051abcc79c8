"""``lofi-build serve`` through a real server process: mounting, safety, reloads and recovery."""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from support import ROOT, wait_for

SONG = "content/songs/test-song.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(project, *args):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lofi_build", "serve", "-a", f"127.0.0.1:{port}", *args],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/livereload.js", timeout=1).read()
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


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.geturl()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), url


@pytest.fixture
def lofi_project(project):
    (project / "lofi.yaml").write_text("title: Served\nbase_path: /lofi/\nai: {pool_size: 0}\n")
    return project


def test_serves_the_build_under_its_base_path(lofi_project):
    with serving(lofi_project) as server:
        status, body, final = get(server.url + "/")
        assert status == 200 and final.endswith("/lofi/")  # redirected to the base path
        status, body, _ = get(server.url + "/lofi/")
        assert status == 200 and "<title>Served</title>" in body
        assert '<script src="/__lofi__/reload.js"></script>' in body
        assert get(server.url + "/lofi/manifest.json")[0] == 200
        status, body, _ = get(server.url + "/lofi/no/such/page")
        assert status == 404 and "This page drifted off" in body  # the site's own 404 page
        assert get(server.url + "/manifest.json")[0] == 404  # outside the base path
        assert get(server.url + "/livereload.js")[0] == 200


def test_never_serves_outside_the_build_or_dotfiles(lofi_project):
    (lofi_project / "build").mkdir(exist_ok=True)
    with serving(lofi_project) as server:
        (lofi_project / "build" / ".secret").write_text("no")
        for path in ["/lofi/../lofi.yaml", "/lofi/%2e%2e/lofi.yaml", "/lofi/..%2flofi.yaml", "/lofi/.secret",
                     "/lofi/assets/../../content/songs/test-song.yaml"]:
            req = urllib.request.Request(server.url + path)
            status, body, _ = get(req.full_url)
            assert status == 404, path
            assert "title:" not in body and body != "no"


def test_no_livereload_injects_nothing(lofi_project):
    with serving(lofi_project, "--no-livereload") as server:
        assert "reload.js" not in get(server.url + "/lofi/")[1]


def test_a_burst_of_saves_is_one_rebuild(lofi_project):
    song = lofi_project / SONG
    with serving(lofi_project) as server:
        text = song.read_text()
        for i in range(5):
            song.write_text(text.replace("Test Song", f"Burst {i}"))
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while "Burst 4" not in get(server.url + "/lofi/manifest.json")[1]:
            assert time.monotonic() < deadline, "the last save was never built"
            time.sleep(0.05)
        time.sleep(0.5)
        server.terminate()
        log = server.stdout.read()
    after_start = log.split("Serving", 1)[1]
    assert len(re.findall(r"^Rebuilt in", after_start, re.M)) == 1, log


@pytest.mark.browser
def test_fifty_edits_reload_the_page_and_broken_ones_recover(lofi_project, page):
    song = lofi_project / SONG
    original = song.read_text()
    with serving(lofi_project) as server:
        page.goto(server.url + "/lofi/")
        wait_for(page, "window.LiveReload && window.LiveReload.connector && window.LiveReload.connector._connectionDesired")
        wait_for(page, "document.readyState === 'complete'")
        for i in range(50):
            page.evaluate(f"window.__edit = {i}")
            broken = i % 5 == 2
            if broken:
                song.write_text(original + "parts: [\n")
            else:
                song.write_text(original.replace("Test Song", f"Edit number {i}"))
            wait_for(page, f"window.__edit !== {i} && document.readyState === 'complete'", timeout=10)
            text = page.evaluate("document.body.innerText")
            if broken:
                assert re.search(r"test-song\.yaml:\d+:\d+: error: ", text), text
                assert page.locator("#lofi-build-error").is_visible()
            else:
                assert page.locator("#lofi-build-error").count() == 0
                assert f"Edit number {i}" in page.evaluate("fetch('manifest.json').then(r => r.text())")
            wait_for(page, "window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol")
    assert [e for e in page.log.errors if "livereload" not in e.lower()] == []
