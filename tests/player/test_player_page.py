"""The page as a listener meets it (issue 20, item 7), on a desktop and a 375 x 740 phone: the pinned bar with
the title and the mixer one tap away, solo rows that say what they are in a short list with "more" and "Make
your own solo" in reach, a now-playing line that agrees with the tempo slider and names the preselected track
from the start, and Share (the share sheet, else the clipboard, else the link to copy)."""

from __future__ import annotations

import json

import pytest

from support import wait_for

pytestmark = pytest.mark.browser

STATE = "window.lofi.state()"
PHONE = {"width": 375, "height": 740}


def rect(page, selector) -> dict:
    return page.evaluate("(s) => { const r = document.querySelector(s).getBoundingClientRect(); "
                         "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; }",
                         selector)


def on_screen(page, selector, viewport) -> bool:
    r = rect(page, selector)
    return r["width"] > 0 and r["top"] >= 0 and r["bottom"] <= viewport["height"] and r["left"] >= 0 and r["right"] <= viewport["width"]


def manifest(site):
    return json.loads((site / "manifest.json").read_text("utf-8"))


def test_on_a_phone_the_pinned_bar_shows_the_title_and_the_mixer_is_one_tap_away(open_player):
    page = open_player("#track=paper-lanterns&drums=dusty-boom-bap&ambience=none&quote=none", viewport=PHONE)
    wait_for(page, "document.getElementById('now-title').textContent === 'Paper Lanterns'")
    # Wherever the listener has scrolled to, the bar is there with what plays and Play.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    for sel in ("#now-title", "#play", "#stop", "#deck-toggle"):
        assert on_screen(page, sel, PHONE), sel
    assert page.evaluate("getComputedStyle(document.querySelector('.deck-bar').parentElement).position") == "fixed"
    assert "bpm" in page.inner_text("#now-meta")
    # The mixer is not on the page until asked for; one tap shows every fader and the tempo, on screen.
    assert not page.is_visible("#vol-music")
    assert page.get_attribute("#deck-toggle", "aria-expanded") == "false"
    page.click("#deck-toggle")
    assert page.get_attribute("#deck-toggle", "aria-expanded") == "true"
    for sel in ("#vol-music", "#vol-drums", "#vol-ambience", "#vol-quote", "#vol-master", "#tempo", "#export-wav", "#share"):
        assert on_screen(page, sel, PHONE), sel
    assert on_screen(page, "#now-title", PHONE)  # the bar stays under the sheet
    # A fader works from there; Escape closes the sheet and gives the focus back to its button.
    drums = page.evaluate(f"{STATE}.volumes.drums")
    page.focus("#vol-drums")
    page.keyboard.press("ArrowLeft")
    wait_for(page, f"{STATE}.volumes.drums === {drums - 1}")
    page.keyboard.press("Escape")
    assert page.get_attribute("#deck-toggle", "aria-expanded") == "false" and not page.is_visible("#vol-music")
    assert page.evaluate("document.activeElement.id") == "deck-toggle"
    # Every control in the bar has a name, though the bar shows only icons.
    assert [page.evaluate(f"document.getElementById('{b}').innerText.trim()") for b in ("play", "stop", "deck-toggle")] == \
        ["Play", "Stop", "Mixer"]
    # The page is a few screens long, not 3,300 px: the solos are folded. (The bound holds three songs' rows; each
    # song past the third adds its own row.)
    rows = page.evaluate("[...document.querySelectorAll('#songs .track')].map((t) => t.getBoundingClientRect().height)")
    assert page.evaluate("document.documentElement.scrollHeight") - sum(rows[3:]) < 2200
    assert page.log.errors == []


def test_on_a_desktop_the_deck_is_open_beside_the_steps(open_player):
    page = open_player()
    assert page.is_hidden("#deck-toggle")
    for sel in ("#vol-music", "#tempo", "#share", "#export-wav", "#export-minutes"):
        assert page.is_visible(sel), sel
    assert rect(page, ".deck")["left"] >= rect(page, "section[aria-labelledby='step2-title']")["right"]
    assert rect(page, "#share")["top"] < rect(page, "#play")["top"]  # Share sits by the title
    assert page.log.errors == []


def test_each_solo_row_says_what_it_is_and_the_list_is_short_with_more(open_player, player_site):
    page = open_player(viewport=PHONE)
    man = manifest(player_site)
    rows = page.evaluate("[...document.querySelectorAll('#solos .track')].map(r => ({id: r.dataset.id, "
                         "meta: r.querySelector('.track-meta').innerText, shown: r.offsetParent !== null}))")
    pool = [r for r in rows if r["id"] != "fixture-solo"]
    assert len(pool) == 16
    for row in pool:
        entry = next(e for e in man["solos"] if e["id"] == row["id"])
        piece = json.loads((player_site / entry["url"]).read_text())
        key = piece["header"]["keySignatures"][0]
        assert row["meta"] == f"{key['key']} {key['scale']} · {piece['lofi']['progression']}", row
    shown = [r["id"] for r in rows if r["shown"]]
    assert len(shown) <= 5  # four of the pool (and the fixture, added to the page by the tests)
    more = page.locator("#solos-more")
    assert more.inner_text() == f"Show all {len(rows)} AI solos" and more.get_attribute("aria-expanded") == "false"
    # The solo playing is never folded away, wherever it is in the list.
    page.evaluate(f"lofi.select({{track: '{pool[-1]['id']}'}})")
    wait_for(page, f"document.querySelector('.track[data-id=\"{pool[-1]['id']}\"]').offsetParent !== null")
    more.click()
    assert more.get_attribute("aria-expanded") == "true" and more.inner_text() == "Show fewer"
    assert page.evaluate("[...document.querySelectorAll('#solos .track')].every(r => r.offsetParent !== null)")
    more.click()
    assert page.evaluate("[...document.querySelectorAll('#solos .track')].filter(r => r.offsetParent !== null).length") <= 6
    assert page.log.errors == []


def test_make_a_solo_is_in_reach_without_scrolling_past_every_solo(open_player):
    page = open_player(viewport=PHONE)
    # In the page's order, the panel comes after the few solos shown, not after all of them.
    between = page.evaluate("(() => { const a = document.querySelector('#solos .track').getBoundingClientRect().top;"
                            " const b = document.querySelector('#make-solo').getBoundingClientRect().top; return b - a; })()")
    assert between < 740  # within one phone screen of the first solo
    page.click("#make-own")
    wait_for(page, "document.querySelector('#make-solo').open && document.querySelector('#make-solo').dataset.ready === 'true'", timeout=30)
    wait_for(page, "(() => { const r = document.querySelector('#make-solo summary').getBoundingClientRect(); return r.top >= 0 && r.bottom <= 740; })()")
    assert page.evaluate("document.activeElement.closest('#make-solo') !== null")
    assert page.log.errors == []


def test_the_preselected_track_is_named_before_its_first_bar_has_loaded(browser, player_url):
    """A link to the third song, whose score never arrives: the title is there from the start."""
    from support import PageLog

    context = browser.new_context(viewport=PHONE)
    context.route("**/songs/window-seat.*.json", lambda route: None)  # held: never answered
    page = context.new_page()
    page.log = PageLog(page)
    page.goto(player_url + "#track=window-seat&drums=none&ambience=none&quote=none")
    wait_for(page, "window.lofi !== undefined", timeout=30)
    wait_for(page, "document.getElementById('now-title').textContent === 'Window Seat'")
    assert page.evaluate(f"{STATE}.layers.music.status") == "loading" and page.evaluate(f"{STATE}.track") is None
    assert page.inner_text("#now-meta").startswith("song · Eb major · 86 bpm")
    context.close()


def test_the_now_playing_line_and_the_tempo_slider_agree(open_player, player_site):
    """A solo chosen while a 72 bpm song plays: the line says the solo's tempo (the slider's) at once, not the
    Transport's 72 until the change lands; a song says its own; the slider moves them together."""
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap&ambience=none&quote=none")
    page.click("#play")
    wait_for(page, f"{STATE}.transport.state === 'started' && {STATE}.bpm === 72", timeout=30)
    assert page.inner_text("#now-meta").startswith("song · A minor · 72 bpm")
    solo = next(e for e in manifest(player_site)["solos"] if e["id"] != "fixture-solo")
    page.click(f"label[for='track-{solo['id']}']")
    wait_for(page, f"document.getElementById('now-title').textContent === {json.dumps(solo['title'])}")
    slider = page.evaluate("document.getElementById('tempo').value")
    assert f"· {slider} bpm" in page.inner_text("#now-meta") and page.inner_text("#tempo-out") == f"{slider} bpm"
    assert not page.is_disabled("#tempo")
    page.evaluate("window.lofi.setBpm(91)")
    wait_for(page, "document.getElementById('now-meta').textContent.includes('· 91 bpm') && "
                   "document.getElementById('tempo-out').textContent === '91 bpm'")
    wait_for(page, f"{STATE}.bpm === 91", timeout=30)  # and the music follows, at its bar
    assert page.log.errors == []


def _share(page) -> None:
    page.click("#share")


def test_share_copies_the_link_with_a_confirmation_where_there_is_no_share_sheet(browser, player_url):
    from support import PageLog

    context = browser.new_context(viewport=PHONE, permissions=["clipboard-read", "clipboard-write"])
    context.add_init_script("delete Navigator.prototype.share; delete Navigator.prototype.canShare;")
    page = context.new_page()
    page.log = PageLog(page)
    page.goto(player_url + "#track=paper-lanterns&drums=rainy-shuffle&ambience=fire&quote=none")
    wait_for(page, "window.lofi !== undefined", timeout=30)
    wait_for(page, "location.hash.includes('track=paper-lanterns')")
    page.click("#deck-toggle")
    _share(page)
    wait_for(page, "document.getElementById('share-message').textContent === 'Link copied: it plays these choices.'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.evaluate("location.href") and "track=paper-lanterns" in copied and "ambience=fire" in copied
    assert page.is_hidden("#share-link")
    context.close()


def test_share_opens_the_share_sheet_where_there_is_one(browser, player_url):
    from support import PageLog

    context = browser.new_context()
    context.add_init_script("""
        window.shared = [];
        Navigator.prototype.share = function (data) { window.shared.push(data);
            return window.refuse ? Promise.reject(new DOMException('closed', 'AbortError')) : Promise.resolve(); };
        Navigator.prototype.canShare = () => true;""")
    page = context.new_page()
    page.log = PageLog(page)
    page.goto(player_url + "#track=window-seat&drums=none&ambience=rain&quote=none")
    wait_for(page, "window.lofi !== undefined", timeout=30)
    wait_for(page, "document.getElementById('now-title').textContent === 'Window Seat'")
    _share(page)
    wait_for(page, "window.shared.length === 1")
    data = page.evaluate("window.shared[0]")
    assert data["url"] == page.evaluate("location.href") and data["title"].startswith("Window Seat · ")
    assert page.inner_text("#share-message") == ""
    page.evaluate("window.refuse = true")  # the listener closes the sheet: nothing to say
    _share(page)
    wait_for(page, "window.shared.length === 2")
    assert page.inner_text("#share-message") == "" and page.is_hidden("#share-link")
    assert page.log.errors == []
    context.close()


def test_share_shows_the_link_to_copy_when_nothing_else_works(browser, player_url):
    from support import PageLog

    context = browser.new_context()
    context.add_init_script("""delete Navigator.prototype.share;
        Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => ({writeText: () => Promise.reject(new DOMException('no', 'NotAllowedError'))})});""")
    page = context.new_page()
    page.log = PageLog(page)
    page.goto(player_url)
    wait_for(page, "window.lofi !== undefined", timeout=30)
    _share(page)
    wait_for(page, "!document.getElementById('share-link').hidden")
    assert page.input_value("#share-url") == page.evaluate("location.href")
    assert page.evaluate("document.activeElement.id") == "share-url"
    assert page.evaluate("(() => { const f = document.getElementById('share-url'); return f.selectionEnd - f.selectionStart; })()") == \
        len(page.evaluate("location.href"))
    assert page.log.errors == []
    context.close()


def test_space_still_plays_and_pauses_with_the_deck_rebuilt(open_player):
    page = open_player("#track=late-bus-home&drums=none&ambience=none&quote=none", viewport=PHONE)
    page.click("h1")
    page.keyboard.press("Space")
    wait_for(page, f"{STATE}.transport.state === 'started'", timeout=30)
    page.keyboard.press("Space")
    wait_for(page, f"{STATE}.transport.state === 'paused'")
    assert page.log.errors == []
