"""Live solos in the player (real Chromium, the site's CSP, under a sub-path): lofi.generate/piece/mood, the solo
joining the AI solos and playing, its MIDI file read back by mido, its link making the same notes in a fresh
page, the Make a solo panel, and bad input that leaves a message and the music playing."""

from __future__ import annotations

import base64
import io
import json
from fractions import Fraction

import mido
import pytest

from support import wait_for
from lofi_build.config import Loops, bounds

pytestmark = pytest.mark.browser

STATE = "window.lofi.state()"
PROGRESSION = "Dm9 G13 | Cmaj9 | Cmaj9 A7b13"
# What a browser logs by itself when a download fails (not thrown by the page).
NETWORK = ("Failed to load resource",)


def errors(page) -> list[str]:
    return [e for e in page.log.errors if not any(n in e for n in NETWORK)]


def generate(page, **options) -> dict:
    return page.evaluate("(o) => window.lofi.generate(o)", options)


def open_panel(page):
    page.click("#make-solo summary")
    wait_for(page, "document.querySelector('#make-solo').dataset.ready === 'true'", timeout=30)


def started(page):
    wait_for(page, f"{STATE}.transport.state === 'started'", timeout=30)


def test_generate_makes_a_bar_aware_solo_that_joins_the_ai_solos_and_plays(open_player):
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap&ambience=none&quote=none")
    page.evaluate("window.lofi.play()")
    started(page)
    solo = generate(page, progression=PROGRESSION, bars=8, seed=11, temperature=0.9, topK=0)
    assert set(solo) == {"id", "title", "seed", "progression", "notes", "seconds"}
    assert solo["seed"] == 11 and solo["progression"] == PROGRESSION and solo["notes"]
    assert solo["seconds"] == pytest.approx(8 * 4 * 60 / page.evaluate(f"{STATE}.soloBpm"))
    # Every onset on the 16th or triplet grid, nothing past the loop point; the same seed gives the same notes.
    for n in solo["notes"]:
        assert n["ticks"] % 120 == 0 or n["ticks"] % 160 == 0, n
    assert max(n["ticks"] + n["durationTicks"] for n in solo["notes"]) <= 8 * 1920
    assert generate(page, progression=PROGRESSION, bars=8, seed=11, temperature=0.9, topK=0)["notes"] == solo["notes"]
    twice = page.evaluate("(o) => Promise.all([window.lofi.generate(o), window.lofi.generate(o)]).then((r) => r.map((x) => x.id))",
                          {"progression": "Am9  |  D13", "bars": 4, "seed": 77})
    assert twice[0] == twice[1] and page.locator(f"#solos .track[data-id='{twice[0]}']").count() == 1
    other = generate(page, progression=PROGRESSION, bars=8, seed=12, temperature=0.9, topK=0)
    assert other["notes"] != solo["notes"] and other["id"] != solo["id"]
    # It is listed with the AI solos, selectable, and comes in while the music plays.
    assert page.locator(f"#solos .track[data-id='{solo['id']}'] input[type=radio]").count() == 1
    at = page.evaluate(f"{STATE}.transport.ticks")
    page.evaluate("(id) => window.lofi.select({track: id})", solo["id"])
    s = page.evaluate(STATE)
    assert s["selected"]["track"] == solo["id"] and s["track"]["title"] == solo["title"]
    wait_for(page, f"{STATE}.loops.solo === 8")  # a live solo loops at its own length
    wait_for(page, f"{STATE}.transport.ticks > {at + 1920} && {STATE}.layers.music.status === 'ready'", timeout=30)
    assert page.evaluate(f"{STATE}.transport.state") == "started"
    assert page.is_checked(f"#track-{solo['id']}")
    # lofi.piece: the generated solo's three tracks and a built song's JSON as served.
    piece = page.evaluate("(id) => window.lofi.piece(id)", solo["id"])
    assert [t["name"] for t in piece["tracks"]] == ["melody", "chords", "bass"]
    assert [{k: n[k] for k in ("midi", "ticks", "durationTicks", "velocity")} for n in piece["tracks"][0]["notes"]] == solo["notes"]
    lofi = piece["lofi"]
    assert lofi["progression"] == PROGRESSION and lofi["seed"] == 11 and lofi["loopBars"] == 8
    assert [c["symbol"] for c in lofi["chords"][:5]] == ["Dm9", "G13", "Cmaj9", "Cmaj9", "A7b13"]
    song = page.evaluate("window.lofi.piece('late-bus-home')")
    assert song["header"]["name"] == "Late Bus Home"
    assert errors(page) == []


def test_the_midi_file_reads_back_in_mido(open_player):
    page = open_player()
    solo = generate(page, progression="Ebm9 Ab13 | Dbmaj9", bars=4, seed=5)
    data = page.evaluate("""async (id) => {
        const a = document.querySelector(`#solos .track[data-id='${id}'] a.midi`);
        const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
        let s = ""; for (const b of bytes) s += String.fromCharCode(b);
        return {b64: btoa(s), name: a.download, piece: await window.lofi.piece(id)};
    }""", solo["id"])
    assert data["name"].endswith(".mid")
    mid = mido.MidiFile(file=io.BytesIO(base64.b64decode(data["b64"])), charset="utf-8")
    piece = data["piece"]
    assert mid.type == 1 and mid.ticks_per_beat == 480 and len(mid.tracks) == 4
    conductor = {m.type: m for m in mid.tracks[0] if m.is_meta}
    assert conductor["track_name"].name == piece["header"]["name"]  # "Your solo 1 · Ebm9 Ab13 | Dbmaj9": UTF-8
    assert "·" in conductor["text"].text and "seed 5" in conductor["text"].text
    assert mido.tempo2bpm(conductor["set_tempo"].tempo) == pytest.approx(piece["lofi"]["bpm"])
    assert (conductor["time_signature"].numerator, conductor["time_signature"].denominator) == (4, 4)
    for track, part in zip(mid.tracks[1:], piece["tracks"]):
        assert track.name == part["name"]
        now, notes, sounding = 0, [], {}
        for m in track:
            now += m.time
            if m.type == "note_on" and m.velocity:
                sounding.setdefault(m.note, []).append((now, m.velocity))
            elif m.type in ("note_off", "note_on"):
                start, velocity = sounding[m.note].pop(0)
                notes.append((start, now - start, m.note, velocity))
        late = piece["lofi"]["layBack"].get(part["name"], 0)  # the melody behind the beat, as the player plays it
        want = [(n["ticks"] + late, n["durationTicks"], n["midi"], round(n["velocity"] * 127)) for n in part["notes"]]
        assert sorted(notes) == sorted(want)
    assert piece["lofi"]["layBack"] == {"melody": 20}
    assert errors(page) == []


def test_the_link_makes_the_same_notes_in_a_fresh_page(open_player):
    page = open_player()
    solo = generate(page, progression="F#m7b5 B7#9 | Em9", bars=6, seed=99, temperature=0.7, topK=5)
    page.evaluate("(id) => window.lofi.select({track: id})", solo["id"])
    link = page.url.split("#", 1)[1]
    for key in ("solo=", "seed=99", "temperature=0.7", "topk=5", "bars=6", "progression="):
        assert key in link, link
    fresh = open_player("#" + link)  # a new browser context: nothing saved, nothing cached
    wait_for(fresh, f"{STATE}.selected.track === {json.dumps(solo['id'])}", timeout=60)
    again = fresh.evaluate("(id) => window.lofi.piece(id)", solo["id"])
    assert [{k: n[k] for k in ("midi", "ticks", "durationTicks", "velocity")} for n in again["tracks"][0]["notes"]] == solo["notes"]
    assert fresh.evaluate("document.querySelector('#make-solo').open")
    assert fresh.input_value("#solo-progression") == "F#m7b5 B7#9 | Em9"
    assert errors(page) == [] and errors(fresh) == []


def test_mood_in_words_fills_the_panel(open_player):
    page = open_player()
    direct = page.evaluate("window.lofi.mood('What a bright, happy morning!!')")
    assert set(direct) >= {"valence", "arousal", "mode", "progression", "bpm", "temperature"}
    assert direct["valence"] > 0 and 70 <= direct["bpm"] <= 90
    open_panel(page)
    wait_for(page, "document.querySelectorAll('#solo-preset option').length > 12", timeout=30)
    page.fill("#solo-mood", "What a bright, happy morning!!")
    page.press("#solo-mood", "Enter")
    wait_for(page, "document.querySelector('#solo-message').textContent.startsWith('Mood')")
    assert page.input_value("#solo-progression") == direct["progression"]
    assert float(page.input_value("#solo-temperature")) == pytest.approx(direct["temperature"])
    assert page.evaluate(f"{STATE}.soloBpm") == direct["bpm"]
    # A preset fills the progression.
    first = page.evaluate("document.querySelectorAll('#solo-preset option')[1].value")
    page.select_option("#solo-preset", index=1)
    assert page.input_value("#solo-progression") == first
    assert errors(page) == []


def test_the_panel_makes_a_solo_with_its_controls(open_player):
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap&ambience=none&quote=none")
    open_panel(page)
    page.fill("#solo-progression", "Am9 | D13 | Gmaj9")
    page.fill("#solo-bars", "4")
    page.focus("#solo-temperature")
    cooler = round(float(page.input_value("#solo-temperature")) - 0.05, 2)  # one step below the site's ai.temperature
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#solo-temperature", "aria-valuetext") == f"temperature {cooler:.2f}"
    page.click("#solo-generate")
    wait_for(page, "document.querySelector('#solo-message').textContent.includes('joins the AI solos')", timeout=60)
    s = page.evaluate(STATE)
    piece = page.evaluate("(id) => window.lofi.piece(id)", s["selected"]["track"])
    assert piece["lofi"]["progression"] == "Am9 | D13 | Gmaj9" and piece["lofi"]["loopBars"] == 4
    assert piece["lofi"]["temperature"] == pytest.approx(cooler)
    # Its row says what it is: its key and its progression (Export WAV is the deck's: test_export_wav.py).
    meta = page.inner_text(f".track[data-id='{s['selected']['track']}'] .track-meta")
    assert meta.startswith(f"{piece['header']['keySignatures'][0]['key']} {piece['header']['keySignatures'][0]['scale']} · Am9 | D13 | Gmaj9")
    assert errors(page) == []


def _panel_says(page, text: str):
    wait_for(page, f"document.querySelector('#solo-message').textContent.includes({json.dumps(text)})", timeout=60)
    assert page.get_attribute("#solo-message", "class").split().count("error") == 1


def test_a_mood_the_words_do_not_tell_is_a_message_and_fills_nothing(open_player):
    """"asdfgh" and "雨の夜" have no word the mood lexicon knows: lofi.mood rejects them, as `lofi-build mood`
    does, and the panel says so instead of filling in a neutral mood nobody asked for."""
    from lofi_build.music.mood import NO_MOOD

    page = open_player()
    for text in ("asdfgh", "雨の夜"):
        assert page.evaluate(f"window.lofi.mood({json.dumps(text)}).then(() => 'read', (e) => e.message)") == NO_MOOD
    open_panel(page)
    before = page.input_value("#solo-progression")
    page.fill("#solo-mood", "雨の夜")
    page.press("#solo-mood", "Enter")
    _panel_says(page, f"The mood could not be read: {NO_MOOD}.")
    assert page.input_value("#solo-progression") == before
    assert page.get_attribute("#solo-mood", "aria-invalid") == "true"
    # Words it knows: the message names them, and a solo made from the mood says so in its row.
    page.fill("#solo-mood", "a slow rainy sunday")
    page.press("#solo-mood", "Enter")
    wait_for(page, "document.querySelector('#solo-message').textContent.startsWith('Mood from “slow”, “rainy”:')")
    assert page.get_attribute("#solo-mood", "aria-invalid") is None
    page.fill("#solo-bars", "2")
    page.click("#solo-generate")
    wait_for(page, "document.querySelector('#solo-message').textContent.includes('joins the AI solos')", timeout=60)
    track = page.evaluate(f"{STATE}.selected.track")
    assert page.inner_text(f".track[data-id='{track}'] .track-meta").startswith("“a slow rainy sunday” · ")
    assert errors(page) == []


@pytest.mark.parametrize("weights", ["abort", "corrupt"])
def test_bad_input_is_a_message_and_the_music_plays_on(browser, player_url, player_site, weights):
    from support import PageLog

    context = browser.new_context()
    if weights == "abort":
        context.route("**/assets/model/*.bin", lambda route: route.abort())
    else:
        def corrupt(route):
            body = bytearray(route.fetch().body())
            body[100] ^= 0xFF
            route.fulfill(status=200, body=bytes(body), headers={"content-type": "application/octet-stream"})
        context.route("**/assets/model/*.bin", corrupt)
    page = context.new_page()
    page.log = PageLog(page)
    page.goto(player_url + "#track=late-bus-home&drums=dusty-boom-bap&ambience=none&quote=none")
    wait_for(page, "window.lofi !== undefined", timeout=30)
    page.click("#play")
    started(page)
    open_panel(page)
    # Live validation names the bar and the symbol.
    page.fill("#solo-progression", "Dm9 | Hm7 G7")
    assert page.inner_text("#solo-progression-error") == "Bar 2: unknown chord symbol 'Hm7'."
    assert page.get_attribute("#solo-progression", "aria-invalid") == "true"
    page.click("#solo-generate")
    _panel_says(page, "Fix the progression first")
    page.fill("#solo-progression", "")
    assert page.inner_text("#solo-progression-error") == "Empty progression."
    page.fill("#solo-progression", "Dm9 G13 | Cmaj9")
    assert page.inner_text("#solo-progression-error") == ""
    # One bar limit: the config schema's for loops.solos, as the CLI's --bars (the facts block carries it).
    most = bounds(Loops, "solos")[1]
    assert json.loads((player_site / "manifest.json").read_text())["facts"]["limits"]["bars"] == {"min": 1, "max": most}
    assert page.get_attribute("#solo-bars", "max") == str(most)
    for bars in ("0", str(most + 1)):
        page.fill("#solo-bars", bars)
        page.click("#solo-generate")
        _panel_says(page, f"a solo is 1 to {most} bars long, not {bars}")
    page.fill("#solo-bars", "8")
    page.click("#solo-generate")
    _panel_says(page, "The solo could not be made")
    message = page.inner_text("#solo-message")
    assert ("corrupt" in message) if weights == "corrupt" else ("fetch" in message.lower()), message
    # The music never stopped.
    at = page.evaluate(f"{STATE}.transport.ticks")
    wait_for(page, f"{STATE}.transport.ticks > {at + 480}", timeout=20)
    assert page.evaluate(f"{STATE}.selected.track") == "late-bus-home"
    assert errors(page) == []
    context.close()


def test_a_link_from_another_model_says_so(open_player):
    page = open_player("#solo=someone-elses-model&seed=1&progression=Dm9&bars=4")
    wait_for(page, "document.querySelector('#solo-message').textContent.includes('cannot be made again here')", timeout=30)
    assert page.evaluate(f"{STATE}.selected.track")  # the page still has music to play
    assert errors(page) == []


def test_notes_sit_on_chord_tones_on_beats_1_and_3(open_player):
    """The masks: a melody note starting on beat 1 or 3 is a chord tone or an available tension of the chord there."""
    page = open_player()
    from lofi_build.music.progression import parse_progression

    text = "Abmaj7/C | Dbmaj9 | C7#9 | Fm11"
    solo = generate(page, progression=text, bars=8, seed=3)
    timeline = parse_progression(text).timeline(8)
    tones = page.evaluate("""async (symbols) => {
        const live = performance.getEntriesByType("resource").map((e) => e.name).find((n) => n.endsWith("/ondemand/live.js"));
        const m = await import(live.replace("/ondemand/live.js", "/ai/solo.js"));
        const p = await import(live.replace("/ondemand/live.js", "/ai/progression.js"));
        const { model } = await (await fetch("manifest.json")).json();
        const { solo } = await (await fetch(model.header)).json();  // the tables the worker writes solos with
        return symbols.map((s) => m.melodyPcs(p.makeChord(s), solo.tensions));
    }""", [s.chord.symbol for s in timeline])
    strong = [n for n in solo["notes"] if n["ticks"] % 960 == 0]
    assert strong
    for n in strong:
        q = Fraction(n["ticks"], 480)
        i = next(i for i, s in enumerate(timeline) if s.start <= q < s.end)
        assert n["midi"] % 12 in tones[i], (n, timeline[i].chord.symbol)
    assert errors(page) == []


@pytest.mark.parametrize("width", [1280, 375, 360])
def test_the_open_panel_fits_the_screen(open_player, width):
    page = open_player(viewport={"width": width, "height": 740})
    open_panel(page)
    page.fill("#solo-progression", "Dm9 G13 | Cmaj9 | Hm7b5 E7alt | Am9 Am9/G")  # a long line and an error message
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("[...document.querySelectorAll('#make-solo, #make-solo .field, #make-solo .slider, .solo-actions')]"
                         ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.className)") == []
    for sel in ("#solo-progression", "#solo-generate", "#solo-temperature", "#solo-preset", "#solo-mood"):
        b = page.evaluate("(s) => { const r = document.querySelector(s).getBoundingClientRect(); return [r.x, r.right, r.width]; }", sel)
        assert b[0] >= 0 and b[1] <= width and b[2] >= 24, (sel, b)
    assert errors(page) == []
