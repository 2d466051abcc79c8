"""The player on a phone: a context made for playback, "tap to resume" after an interruption, the
context asleep after 30 s paused, PNG artwork on the lock screen, scenes drawn off the main
thread, decoded audio let go when its layer is, a crackle bed that does not loop audibly, and a
JS heap that stays small through a soak of random switches (LOFI_SOAK_SECONDS, default 180;
benchmarks/bench_player_phone.py runs it longer and prints the figures)."""

from __future__ import annotations

import base64
import os
import struct
import time

import numpy as np
import pytest

from soak import soak
from support import wait_for

pytestmark = pytest.mark.browser

STATE = "window.lofi.state()"
SOAK_SECONDS = float(os.environ.get("LOFI_SOAK_SECONDS", "180"))
HEAP_LIMIT = 30e6


def playing(page):
    page.evaluate("window.lofi.play()")
    wait_for(page, f"{STATE}.transport.state === 'started'", timeout=60)


def test_the_context_is_made_for_playback_with_a_long_look_ahead(open_player):
    page = open_player()
    audio = page.evaluate(f"{STATE}.audio")
    assert audio["latencyHint"] == "playback" and audio["lookAhead"] >= 0.25
    # Tone's global context is the page's own one (anything made without a context lands there).
    assert page.evaluate("Tone.getContext().lookAhead") == audio["lookAhead"]
    assert page.log.errors == []


def test_an_interruption_shows_tap_to_resume_and_a_tap_resumes(open_player):
    page = open_player("#track=late-bus-home")
    playing(page)
    assert page.locator("#resume").is_hidden()
    # What a phone call does: the system suspends the context; the page did not ask for it.
    page.evaluate("Tone.getContext().rawContext.suspend()")
    wait_for(page, "!document.getElementById('resume').hidden", timeout=10)
    assert page.evaluate(f"{STATE}.audio.interrupted") is True
    page.locator("#resume").click()
    wait_for(page, f"{STATE}.audio.state === 'running' && document.getElementById('resume').hidden", timeout=10)
    t0 = page.evaluate(f"{STATE}.transport.seconds")
    wait_for(page, f"{STATE}.transport.seconds > {t0 + 0.5}", timeout=10)  # the music goes on
    assert page.log.errors == []


def test_back_in_view_a_page_that_may_resume_by_itself_does(open_player):
    page = open_player("#track=late-bus-home")
    playing(page)
    page.evaluate("Tone.getContext().rawContext.suspend()")  # what a tab in the background may get
    wait_for(page, "!document.getElementById('resume').hidden", timeout=10)
    # Visible again: desktop Chromium lets the page resume without a tap (a phone would not).
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    wait_for(page, f"{STATE}.audio.state === 'running' && document.getElementById('resume').hidden", timeout=10)
    assert page.log.errors == []


def test_the_context_sleeps_after_30_s_paused_and_play_wakes_it(open_player):
    page = open_player("#track=late-bus-home")
    playing(page)
    page.evaluate("window.lofi.pause()")
    time.sleep(20)
    assert page.evaluate(f"{STATE}.audio.state") == "running"  # not yet
    wait_for(page, f"{STATE}.audio.idleSuspended", timeout=20)
    assert page.locator("#resume").is_hidden()  # our own sleep is no interruption
    playing(page)
    wait_for(page, f"{STATE}.audio.state === 'running'", timeout=10)
    assert page.log.errors == []


def test_the_lock_screen_gets_png_artwork(open_player):
    page = open_player("#track=window-seat")
    playing(page)
    wait_for(page, "navigator.mediaSession.metadata && navigator.mediaSession.metadata.artwork.length > 0")
    artwork = page.evaluate("navigator.mediaSession.metadata.artwork.map((a) => ({src: a.src, sizes: a.sizes, type: a.type}))")
    assert [a["type"] for a in artwork[:2]] == ["image/png", "image/png"]
    assert [a["sizes"] for a in artwork[:2]] == ["512x512", "192x192"]
    for art in artwork[:2]:
        data = base64.b64decode(page.evaluate(
            "async (u) => { const b = new Uint8Array(await (await fetch(u)).arrayBuffer()); let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); }",
            art["src"]))
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert f"{width}x{height}" == art["sizes"]


def test_the_scene_is_drawn_in_a_worker_and_keeps_moving(open_player):
    page = open_player(reduced_motion="no-preference")
    assert page.evaluate(f"{STATE}.scene.mode") == "worker"
    frames = page.evaluate(f"{STATE}.scene.frames")
    wait_for(page, f"{STATE}.scene.frames > {frames + 20}", timeout=20)
    assert page.log.errors == []


def test_an_unselected_ambience_and_quote_are_let_go(open_player):
    page = open_player("#track=late-bus-home&ambience=rain&quote=kettle")
    playing(page)
    wait_for(page, f"{STATE}.layers.ambience.status === 'ready' && {STATE}.layers.quote.status === 'ready'", timeout=60)
    held = page.evaluate(f"{STATE}.decoded.bytes")
    rain = 36.5 * 4 * page.evaluate("Tone.getContext().sampleRate")  # at least 36.5 s of float32
    page.evaluate("window.lofi.select({ambience: null, quote: null})")
    wait_for(page, f"{STATE}.decoded.bytes <= {held - rain * 0.9}", timeout=10)
    # Chosen again, it comes back.
    page.evaluate("window.lofi.select({ambience: 'rain'})")
    wait_for(page, f"{STATE}.layers.ambience.sounding", timeout=60)
    assert page.log.errors == []


def test_the_crackle_bed_does_not_repeat_for_20_s(open_player):
    page = open_player()
    rate = 8000
    out = page.evaluate("(o) => window.lofi.render(o)", {"track": None, "bars": 10, "bpm": 80, "sampleRate": rate, "lead": 0, "tail": 0})
    x = np.frombuffer(base64.b64decode(out["channels"][0]), dtype="<f4").astype(np.float64)
    assert len(x) == 30 * rate and np.abs(x).max() > 1e-4  # 10 bars at 80 bpm: 30 s of crackle
    ref = x[rate: 3 * rate]  # two seconds from 1 s in

    def similarity(lag_s: float) -> float:
        y = x[rate + int(lag_s * rate): 3 * rate + int(lag_s * rate)]
        return float(np.dot(ref, y) / np.sqrt(np.dot(ref, ref) * np.dot(y, y)))

    near = max(similarity(lag) for lag in np.arange(0.5, 20, 0.1))
    assert near < 0.3, f"the crackle repeats within 20 s (similarity {near:.2f})"
    assert similarity(24.0) > 0.9  # its loop is 24 s long


def test_a_soak_of_random_switches_keeps_the_js_heap_small(open_player):
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap&ambience=rain")
    cdp = page.context.new_cdp_session(page)
    result = soak(page, cdp, SOAK_SECONDS, log=lambda *_: None)
    heaps = [bytes_ for _, bytes_ in result["heap"]]
    assert max(heaps) < HEAP_LIMIT, f"JS heap after GC: {[round(h / 1e6, 1) for h in heaps]} MB"
    assert result["switches"] >= SOAK_SECONDS / 8  # one every 4 s, plus the page's own time
    assert page.log.errors == []
