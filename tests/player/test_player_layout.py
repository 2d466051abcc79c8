"""The page at desktop and phone sizes, judged by its layout boxes (robust across fonts): nothing
wider than the screen, every control on screen and in the order of the steps, Play in reach. On a
phone the deck is a bar pinned to the bottom of the screen (what plays, Play, Stop, the mixer button)
and the mixer opens above it with one tap (issue 20, item 7): its controls are measured open.

Screenshots go to a temp folder; with LOFI_SCREENSHOTS=DIR (`make screenshots`) they are saved
there instead, as docs/screenshot-desktop.png and docs/screenshot-phone.png are made.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import wait_for

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (375, 740), "narrow-phone": (360, 740)}
CONTROLS = ["#pick-drums", "#pick-ambience", "#pick-quote", "label[for='track-late-bus-home']", "#play", "#stop",
            "#vol-music", "#vol-master", "#tempo"]


def box(page, selector):
    return page.evaluate("(s) => { const r = document.querySelector(s).getBoundingClientRect(); "
                         "return {x: r.x, y: r.y + scrollY, w: r.width, h: r.height, right: r.right, bottom: r.bottom + scrollY, "
                         "top: r.top}; }", selector)


@pytest.mark.parametrize("name", list(SIZES))
def test_layout_fits_and_keeps_the_controls_in_order(open_player, name, tmp_path):
    width, height = SIZES[name]
    page = open_player("#track=paper-lanterns&drums=dusty-boom-bap&ambience=rain&quote=none",
                       viewport={"width": width, "height": height})
    page.evaluate("window.lofi.play()")
    wait_for(page, "window.lofi.state().visualizer.status === 'running' && window.lofi.state().layers.ambience.sounding", timeout=30)
    # Nothing sideways: the page is exactly as wide as the screen, and so is every card's content.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    overflowing = page.evaluate("[...document.querySelectorAll('.card, .track, .slider, .transport, .deck-bar, .export-row')]"
                                ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className)")
    assert overflowing == []
    if name != "desktop":
        page.click("#deck-toggle")  # the mixer, one tap away
    boxes = {sel: box(page, sel) for sel in CONTROLS}
    for sel, b in boxes.items():
        assert b["w"] >= 24 and b["h"] >= 16, (sel, b)  # big enough to hit
        assert 0 <= b["x"] and b["right"] <= width, (sel, b)
    assert boxes["#pick-drums"]["y"] < boxes["#pick-ambience"]["y"] < boxes["#pick-quote"]["y"]
    assert boxes["#pick-quote"]["bottom"] <= boxes["label[for='track-late-bus-home']"]["y"]
    assert boxes["#vol-music"]["y"] < boxes["#vol-master"]["y"] < boxes["#tempo"]["y"]
    step2 = box(page, "section[aria-labelledby='step2-title']")
    deck = box(page, ".deck")
    play = boxes["#play"]
    if name == "desktop":
        assert deck["x"] >= step2["right"]  # side by side: the steps, then the deck
        assert play["bottom"] <= height  # Play in the first screen
    else:
        # The bar (title, Play, Stop, the mixer button) is pinned to the bottom of the screen, in reach
        # without scrolling; the open mixer's faders are on screen above it.
        assert page.evaluate("getComputedStyle(document.querySelector('.deck')).position") == "fixed"
        for sel in ("#now-title", "#play", "#stop", "#deck-toggle"):
            b = box(page, sel)
            assert b["top"] >= 0 and b["top"] + b["h"] <= height, (sel, b)
        for sel in ("#vol-music", "#vol-master", "#tempo"):
            b = box(page, sel)
            assert b["top"] >= 0 and b["top"] + b["h"] <= box(page, "#now-title")["top"], (sel, b)
        assert box(page, "#now-title")["w"] >= 120  # room for a title beside the buttons
    assert play["x"] + play["w"] <= boxes["#stop"]["x"] + 1  # Play comes before Stop
    out = Path(os.environ.get("LOFI_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    if name != "narrow-phone":
        if name == "phone":
            page.click("#deck-toggle")  # the page as it opens, the bar pinned over it
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out / f"screenshot-{name}.png"))
    assert page.log.errors == []
