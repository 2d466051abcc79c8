"""The player in real Chromium, under a sub-path and netlify.toml's CSP, driven the way a
listener drives it (the page's controls) and through window.lofi (the same functions)."""

from __future__ import annotations

import json
import time

import pytest

from support import DEFAULTS, wait_for

pytestmark = pytest.mark.browser

STATE = "window.lofi.state()"


def manifest(site):
    return json.loads((site / "manifest.json").read_text("utf-8"))


def state(page):
    return page.evaluate(STATE)


def started(page):
    wait_for(page, f"{STATE}.transport.state === 'started'", timeout=30)


def ticks(page):
    return page.evaluate(f"{STATE}.transport.ticks")


def test_a_song_with_drums_ambience_and_quote_plays_through_the_two_steps(open_player, player_site):
    page = open_player()
    man = manifest(player_site)
    # Step 1 with the selects, step 2 with the song's row: what a listener clicks.
    page.select_option("#pick-drums", "rainy-shuffle")
    page.select_option("#pick-ambience", "fire")
    page.select_option("#pick-quote", "kettle")
    page.click("label[for='track-paper-lanterns']")
    wait_for(page, f"{STATE}.selected.track === 'paper-lanterns' && {STATE}.layers.music.status === 'ready'")
    s = state(page)
    assert s["selected"] == {"drums": "rainy-shuffle", "ambience": "fire", "quote": "kettle", "track": "paper-lanterns"}
    assert s["transport"]["state"] == "stopped"
    page.click("#play")
    started(page)
    wait_for(page, f"{STATE}.layers.ambience.sounding", timeout=30)
    s = state(page)
    song = next(e for e in man["songs"] if e["id"] == "paper-lanterns")
    own = json.loads((player_site / song["url"]).read_text())
    assert s["bpm"] == own["header"]["tempos"][0]["bpm"] and s["transport"]["ppq"] == 480
    loops = man["site"]["loops"]
    assert s["loops"] == {"drums": loops["drums"], "ambience": loops["ambience"], "solo": None, "song": own["lofi"]["loopBars"]}
    assert man["site"]["quoteStartTicks"] == 4 * 1920 and s["quoteStart"] == "4:0:0"
    assert all(s["layers"][k]["status"] == "ready" for k in ("drums", "ambience", "quote", "music"))
    assert s["samples"]["failed"] == [] and len(s["samples"]["loaded"]) > 10
    # Only the samples the pieces play were fetched (the default song's first bar was fetched
    # while the page waited): no music box anywhere, and not every Rhodes note.
    loaded = s["samples"]["loaded"]
    assert not any("/instruments/musicbox/" in url for url in loaded)
    rhodes = next(i for i in man["instruments"] if i["id"] == "rhodes")
    assert 0 < sum("/instruments/rhodes/" in url for url in loaded) < len(rhodes["urls"])
    # The visualiser (p5, loaded after the first sound) hears every music part and the drums.
    wait_for(page, f"{STATE}.visualizer.status === 'running'", timeout=30)
    tracks = {t["name"] for t in json.loads((player_site / song["url"]).read_text())["tracks"]}
    wait_for(page, f"{json.dumps(sorted(tracks))}.every(t => {STATE}.visualizer.parts.includes('music:' + t))", timeout=20)
    assert any(p.startswith("drums:") for p in state(page)["visualizer"]["parts"])
    assert page.locator("#visualizer canvas").count() == 1
    assert page.inner_text("#now-title") == song["title"]

    # Pause keeps the position, Play resumes from it, Stop goes back to the top.
    page.click("#play")
    wait_for(page, f"{STATE}.transport.state === 'paused'")
    held = ticks(page)
    time.sleep(0.6)
    assert ticks(page) == held
    assert page.inner_text("#play").strip() == "Resume"
    page.click("#play")
    started(page)
    wait_for(page, f"{STATE}.transport.ticks > {held}")
    page.click("#stop")
    wait_for(page, f"{STATE}.transport.state === 'stopped'")
    assert ticks(page) == 0 and state(page)["selected"]["track"] == "paper-lanterns"
    assert page.log.errors == []


def test_a_song_with_a_form_loops_its_whole_form_on_its_own_samples(project, page):
    """new-song's starter: the melody and bass enter after a keys-only intro, so their first
    bar has no samples to wait for; they still play sampled, and the loop is the whole form."""
    from lofi_build.music.starter import starter_score
    from support import run_cli, static_server

    (project / "content" / "songs" / "test-song.yaml").write_text(starter_score("Test Song", "x.yaml"))
    (project / "content" / "samples").symlink_to(DEFAULTS / "content" / "samples")
    site = project / "build"
    run_cli("site", "-q", cwd=project, check=True)
    piece = json.loads((site / manifest(site)["songs"][0]["url"]).read_text())
    with static_server(site) as url:
        page.goto(url)
        wait_for(page, "window.lofi !== undefined", timeout=30)
        page.evaluate("lofi.select({track: 'test-song'}).then(() => lofi.play())")
        started(page)
        heard = "['rhodes', 'vibraphone', 'bass'].every(i => " + STATE + ".samples.loaded.some(u => u.includes(`/instruments/${i}/`)))"
        wait_for(page, f"{STATE}.layers.music.status !== 'loading' && {heard}", timeout=30)
        s = state(page)
    assert s["layers"]["music"]["status"] == "ready" and s["layers"]["music"]["error"] is None  # no synth stand-ins
    assert s["loops"]["song"] == piece["lofi"]["loopBars"] == sum(x["bars"] for x in piece["lofi"]["sections"])
    assert page.log.errors == []


def test_the_song_and_solo_midi_files_download(open_player, player_site):
    page = open_player()
    for row in ("paper-lanterns", "fixture-solo"):
        link = page.locator(f".track[data-id='{row}'] a.midi")
        assert link.get_attribute("download") == f"{row}.mid"
        href = link.get_attribute("href")
        assert not href.startswith("/") and (player_site / href).read_bytes()[:4] == b"MThd"
        head = page.evaluate("(u) => fetch(u).then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b).slice(0, 4)))", href)
        assert head == "MThd"


@pytest.mark.parametrize("which", ["fixture", "pool"])
def test_an_ai_solo_plays_at_the_site_tempo_and_the_tempo_slider_moves_it(open_player, player_site, which):
    """The fixture solo, and the first solo of the pool the shipped model generated."""
    page = open_player()
    man = manifest(player_site)
    pool = [s["id"] for s in man["solos"] if s["id"] != "fixture-solo"]
    assert len(pool) == 16  # lofi.yaml's ai.pool_size, from the shipped checkpoint
    solo = "fixture-solo" if which == "fixture" else pool[0]
    assert page.locator("#tempo").is_disabled()  # a song is selected: songs keep their tempo
    page.click(f"label[for='track-{solo}']")
    wait_for(page, f"{STATE}.selected.track === '{solo}' && {STATE}.layers.music.status === 'ready'")
    page.evaluate("window.lofi.play()")
    started(page)
    s = state(page)
    assert s["bpm"] == man["site"]["bpm"] and s["track"]["kind"] == "solo"
    assert s["loops"]["solo"] == man["site"]["loops"]["solos"] and s["loops"]["song"] is None
    wait_for(page, "!document.getElementById('tempo').disabled")
    # The slider, from the keyboard: up four steps.
    page.focus("#tempo")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    wait_for(page, f"{STATE}.bpm === {man['site']['bpm'] + 4}")
    # The slider's text follows on the page's next drawn frame, which a loaded machine may delay.
    wait_for(page, f"document.getElementById('tempo').getAttribute('aria-valuetext') === "
                   f"'{man['site']['bpm'] + 4} beats per minute'")
    assert page.evaluate("window.lofi.setBpm(200)") == 100  # the listener's range is 60-100
    wait_for(page, f"{STATE}.bpm === 100")
    assert page.log.errors == []


def test_live_changes_land_on_the_next_bar_with_no_reload_and_no_console_error(open_player):
    """Two minutes of play with every choice changing while it plays: each change comes in
    at the bar after it was made, the page never reloads, the console stays clean."""
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap&ambience=rain&quote=none")
    page.evaluate("window.__sameDocument = true")
    page.evaluate("window.lofi.play()")
    started(page)
    changes = [
        {"drums": "lazy-half-time"}, {"ambience": "stream"}, {"quote": "transformation"},
        {"track": "window-seat"}, {"drums": None}, {"ambience": None},
        {"track": "fixture-solo", "drums": "brushed-late-night", "ambience": "night"},
        {"quote": "different-drummer"}, {"track": "paper-lanterns", "drums": "rainy-shuffle"},
        {"ambience": "vinyl", "quote": None},
    ]
    layer_of = {"drums": "drums", "ambience": "ambience", "quote": "quote", "track": "music"}
    deadline = time.monotonic() + 120
    i = 0
    while time.monotonic() < deadline or i < len(changes):
        change = changes[i % len(changes)]
        i += 1
        before = ticks(page)
        s = page.evaluate("(c) => window.lofi.select(c)", change)
        bar = 4 * 480
        for key, value in change.items():
            layer = s["layers"][layer_of[key]]
            assert s["selected"][key] == value
            if value is None:
                assert layer["status"] == "off" and layer["loopBars"] is None
                continue
            assert layer["status"] == "ready", layer
            start = layer["startTick"]
            if key == "quote":
                start = s["layers"]["quote"]["startTick"]
                assert start % bar == 0
                continue
            # The next bar after the change was ready (select resolves right after that), a
            # beat's margin for the clock's look-ahead.
            after = s["transport"]["ticks"]
            assert start % bar == 0 and before <= start <= after + bar + 480, (key, start, before, after)
        # Wait until the change has happened, then check the Transport carried on.
        target = max([s["layers"][layer_of[k]]["startTick"] or 0 for k in change if k != "quote"] + [0])
        wait_for(page, f"{STATE}.transport.ticks > {target}", timeout=30)
        if i % 4 == 0:  # now and then, the other controls too
            page.evaluate("window.lofi.setVolume('drums', -10 - (Date.now() % 7))")
            page.click("#play")
            wait_for(page, f"{STATE}.transport.state === 'paused'")
            page.click("#play")
            started(page)
        if i % 7 == 0:
            page.click("#stop")
            wait_for(page, f"{STATE}.transport.ticks === 0")
            page.click("#play")
            started(page)
    s = state(page)
    assert page.evaluate("window.__sameDocument") is True
    assert s["transport"]["state"] == "started"
    final = page.evaluate("location.hash")
    assert f"track={s['selected']['track']}" in final
    assert page.log.errors == [], page.log.errors


def test_choices_survive_a_reload_and_travel_in_the_link(open_player):
    page = open_player()
    choice = {"drums": "lazy-half-time", "ambience": "night", "quote": "kettle", "track": "window-seat"}
    page.evaluate("(c) => window.lofi.select(c)", choice)
    page.evaluate("window.lofi.setVolume('drums', -12)")
    page.evaluate("window.lofi.setBpm(92)")
    link = page.url
    assert "track=window-seat" in link and "drums=lazy-half-time" in link and "bpm=92" in link
    page.reload()
    wait_for(page, "window.lofi !== undefined")
    s = state(page)
    assert s["selected"] == choice and s["volumes"]["drums"] == -12 and s["soloBpm"] == 92
    assert page.input_value("#pick-ambience") == "night"
    assert page.is_checked("#track-window-seat")
    # A fresh browser (nothing saved) given the link gets the same choices.
    other = open_player("#" + link.split("#", 1)[1])
    assert state(other)["selected"] == choice and state(other)["soloBpm"] == 92
    # A link with a stale id keeps the rest and falls back for that one.
    stale = open_player("#track=no-such-song&drums=none&ambience=fire")
    s = state(stale)
    assert s["selected"]["track"] and s["selected"]["drums"] is None and s["selected"]["ambience"] == "fire"
    assert page.log.errors == [] and other.log.errors == [] and stale.log.errors == []


def test_keyboard_labels_and_focus(open_player):
    page = open_player()
    wait_for(page, f"{STATE}.layers.music.status === 'ready'")
    page.keyboard.press("Space")  # from the page itself: play
    started(page)
    page.keyboard.press("Space")
    wait_for(page, f"{STATE}.transport.state === 'paused'")
    # Tab order follows the steps: moods, then the music, then the transport and the mixer.
    page.evaluate("document.activeElement.blur()")
    seen = []
    while "vol-master" not in seen and len(seen) < 200:  # every track's MIDI link is a stop on the way
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
    order = [seen.index(x) for x in ("pick-drums", "pick-ambience", "pick-quote", "track-late-bus-home", "play", "stop", "vol-music", "vol-master")]
    assert order == sorted(order), seen
    page.focus("#play")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    # Every control has a name; sliders say their value in words.
    for control in page.locator("select, input[type=range], input[type=radio]").all():
        cid = control.get_attribute("id")
        assert page.locator(f"label[for='{cid}']").count() == 1, cid
    for slider in page.locator("input[type=range]").all():
        assert slider.get_attribute("aria-valuetext"), slider.get_attribute("id")
    assert page.get_attribute("#vol-drums", "aria-valuetext").endswith("dB")
    # Space on a radio picks it rather than toggling play.
    songs = page.evaluate("[...document.querySelectorAll('#songs .track')].map((t) => t.dataset.id)")
    page.focus("#track-late-bus-home")
    page.keyboard.press("ArrowDown")  # the next song in the list
    wait_for(page, f"{STATE}.selected.track === '{songs[songs.index('late-bus-home') + 1]}'")
    assert state(page)["transport"]["state"] == "paused"
    assert page.log.errors == []


def test_media_session_names_the_track_and_follows_play_and_pause(open_player):
    page = open_player("#track=window-seat")
    page.evaluate("window.lofi.play()")
    started(page)
    wait_for(page, "navigator.mediaSession.metadata && navigator.mediaSession.metadata.title === 'Window Seat'")
    assert page.evaluate("navigator.mediaSession.playbackState") == "playing"
    assert page.evaluate("navigator.mediaSession.metadata.artist") == "lofi station"
    page.evaluate("window.lofi.pause()")
    wait_for(page, "navigator.mediaSession.playbackState === 'paused'")
    assert page.log.errors == []


def test_a_failed_download_says_so_for_its_layer_and_the_rest_plays_on(browser, player_url):
    context = browser.new_context()
    page = context.new_page()
    context.route("**/instruments/piano/**", lambda route: route.abort())
    context.route("**/ambience/rain*", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(player_url + "#track=window-seat&drums=dusty-boom-bap&ambience=rain&quote=none")
    wait_for(page, "window.lofi !== undefined")
    page.click("#play")
    started(page)
    wait_for(page, f"{STATE}.layers.ambience.status === 'error' && {STATE}.layers.music.status === 'error'", timeout=30)
    # The layers' status lines follow on the page's next drawn frame, which a loaded machine may delay.
    wait_for(page, "document.getElementById('status-ambience').textContent.includes('Rain on the window')")
    music = page.locator("#status-music")
    ambience = page.locator("#status-ambience")
    assert music.is_visible() and "piano" in music.inner_text().lower() and "keeps playing" in music.inner_text()
    assert ambience.is_visible() and "Rain on the window" in ambience.inner_text()
    assert music.get_attribute("role") == "alert"
    s = state(page)
    assert any("/instruments/piano/" in url for url in s["samples"]["failed"])
    assert s["layers"]["drums"]["status"] == "ready"
    # The rest keeps playing: the Transport runs on and the drums and bass still sound.
    at = ticks(page)
    wait_for(page, f"{STATE}.transport.ticks > {at + 480}", timeout=20)
    wait_for(page, f"{STATE}.visualizer.parts.includes('music:bass')", timeout=30)
    assert page.evaluate("window.lofi.level()") > -60
    context.close()


def test_before_the_first_sound_the_page_loads_under_1_mb(open_player):
    """The heaviest first bar we ship (Window Seat's piano over Lazy half-time), with rain and a
    quote chosen: everything fetched before the first note sounds adds up to under 1 MB; the
    ambience, the quote, the other samples and p5 come after."""
    page = open_player("#track=window-seat&drums=lazy-half-time&ambience=rain&quote=kettle")
    page.click("#play")
    wait_for(page, f"{STATE}.startup.firstNoteAt !== null", timeout=30)
    report = page.evaluate("""(() => {
        const first = window.lofi.state().startup.firstNoteAt;
        const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')];
        // A body that came from a cache (the favicon, say) still counts, at its size.
        return entries.map(e => ({name: e.name, end: e.responseEnd, bytes: Math.max(e.transferSize, e.encodedBodySize),
                                  before: e.responseEnd <= first}));
    })()""")
    before = [e for e in report if e["before"] and e["name"].startswith("http")]  # not the blob: keep-alive
    total = sum(e["bytes"] for e in before)
    assert total <= 1_000_000, f"{total} bytes before the first sound"
    names = " ".join(e["name"] for e in before)
    assert "Tone." in names and "/instruments/piano/" in names
    for later in ("p5.min", "/ambience/rain", "/quotes/kettle"):
        assert later not in names, later
    # Live solos, moods, WAV export and the station load only when asked for: no modules, weights, library, chord
    # table, lexicons or station data.
    for lazy in ("/ai/", "/ondemand/", "/station/", "/assets/model/", "/assets/progressions.", "/assets/chords.",
                 "/assets/station.", "vader"):
        assert lazy not in names, lazy
    wait_for(page, f"{STATE}.layers.ambience.sounding && {STATE}.visualizer.status === 'running'", timeout=30)
    assert page.log.errors == []


def test_reduced_motion_holds_the_scene_still(open_player):
    still = open_player(reduced_motion="reduce")
    frames = still.evaluate(f"{STATE}.scene.frames")
    time.sleep(1)
    assert still.evaluate(f"{STATE}.scene.frames") == frames
    moving = open_player(reduced_motion="no-preference")
    frames = moving.evaluate(f"{STATE}.scene.frames")
    wait_for(moving, f"{STATE}.scene.frames > {frames + 5}")
    # The scene follows the ambience.
    moving.evaluate("window.lofi.select({ambience: 'fire'})")
    assert moving.evaluate(f"{STATE}.scene.visual") == "fire"
    assert moving.evaluate("document.documentElement.dataset.scene") == "fire"
