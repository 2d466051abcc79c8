"""Offline renders are a function of their options: every note of a render lands on the same
sample in every run (probe renders byte for byte, in one page and in a fresh one); the full
render (song, drums, rain, reverb, crackle) agrees to within float rounding; and a Play pressed
while a render is being set up starts the page's own context, not the render's.

Why not the full render byte for byte: Chromium sums the connections into one AudioNode input
in an order that varies run to run (three buffer sources into one destination, no Tone at all,
give different last bits), so overlapping notes round differently. Two connections commute;
three do not. What the player decides (times, levels, the reverb's impulse, the crackle) is
identical; the sum order is Chromium's."""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pytest

from support import wait_for

pytestmark = pytest.mark.browser

FULL = {"track": "paper-lanterns", "drums": "dusty-boom-bap", "ambience": "rain", "bars": 4, "sampleRate": 22050, "channels": 2}
# Every note as a click of 0.25 at unity gain: sums of them are exact in any order.
FLAT = {"master": 0, "drums": 0, "music": 0, "ambience": 0, "quote": 0}
PROBE = {"track": "paper-lanterns", "drums": "dusty-boom-bap", "bars": 4, "sampleRate": 22050, "probe": True, "humanise": False, "volumes": FLAT}
ROUNDING = 1e-4  # -80 dBFS: float32 rounding of a different sum order, far below any real change


def digest(out: dict) -> str:
    h = hashlib.sha256()
    for channel in out["channels"]:
        h.update(base64.b64decode(channel))
    return h.hexdigest()


def samples(out: dict) -> np.ndarray:
    return np.stack([np.frombuffer(base64.b64decode(c), dtype="<f4") for c in out["channels"]])


def test_every_note_lands_on_the_same_sample_in_every_render_and_every_page(open_player):
    page = open_player()
    first = page.evaluate("(o) => window.lofi.render(o)", PROBE)
    second = page.evaluate("(o) => window.lofi.render(o)", PROBE)
    assert samples(first).max() > 0.2  # the clicks are there
    assert digest(first) == digest(second)
    # A fresh page downloads the pieces again, in whatever order the network gives them.
    again = open_player().evaluate("(o) => window.lofi.render(o)", PROBE)
    assert digest(again) == digest(first)
    assert page.log.errors == []


def test_the_same_full_render_twice_differs_by_float_rounding_at_most(open_player):
    page = open_player()
    first = samples(page.evaluate("(o) => window.lofi.render(o)", FULL))
    second = samples(page.evaluate("(o) => window.lofi.render(o)", FULL))
    third = samples(open_player().evaluate("(o) => window.lofi.render(o)", FULL))
    assert first.shape == second.shape == third.shape and first.shape[0] == 2
    assert np.abs(first).max() > 0.05  # music, drums and rain are there
    # An unseeded reverb impulse alone moved samples by about 1e-2.
    assert np.abs(first - second).max() <= ROUNDING
    assert np.abs(first - third).max() <= ROUNDING
    assert page.log.errors == []


def test_where_the_render_stops_to_tidy_up_changes_nothing(open_player):
    """A render stops every `slice` seconds (2 by default) to dispose the notes that have ended
    while the Transport's clock runs a slice ahead: every note of a probe render lands on the same
    sample with stops every quarter second or every five, and the full mix agrees to rounding."""
    page = open_player()
    reference = page.evaluate("(o) => window.lofi.render(o)", PROBE)
    for slice_seconds in (0.25, 5):
        assert digest(page.evaluate("(o) => window.lofi.render(o)", {**PROBE, "slice": slice_seconds})) == digest(reference)
    full = samples(page.evaluate("(o) => window.lofi.render(o)", FULL))
    fine = samples(page.evaluate("(o) => window.lofi.render(o)", {**FULL, "slice": 0.25}))
    assert np.abs(full).max() > 0.05
    assert np.abs(full - fine).max() <= ROUNDING
    assert page.log.errors == []


def test_play_pressed_during_a_render_starts_the_page_and_leaves_the_render_alone(open_player):
    page = open_player()
    reference = page.evaluate("(o) => window.lofi.render(o)", PROBE)
    # Tone's global context is the render's while the render's engine loads: press Play then.
    page.evaluate("(o) => { window.__render = window.lofi.render(o); window.__play = window.lofi.play(); }", PROBE)
    wait_for(page, "window.lofi.state().transport.state === 'started'", timeout=60)
    out = page.evaluate("window.__render")
    assert digest(out) == digest(reference)
    assert page.evaluate("window.lofi.state().audio.state") == "running"
    page.evaluate("window.lofi.stop()")
    assert page.log.errors == []
