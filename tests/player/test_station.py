"""Station mode through window.lofi in Chromium: the 8-hour plan, the same tracks note for note on two pages,
track changes measured in offline renders (silence, clicks, two tracks at once), a short session for heap,
errors and gaps, the sleep timer ending in silence, broken seeds and settings, reload and the media keys."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from audio import clicks_near, levels, longest_quiet, overlap, render
from support import wait_for

pytestmark = pytest.mark.browser

SEED = 11


def station(page):
    return page.evaluate("window.lofi.state().station")


def facts(page):
    return page.evaluate("window.lofi.manifest.facts.station")


def render_change(page, **change) -> tuple[np.ndarray, dict]:
    """One station change rendered offline, without the vinyl bed (the music alone): (samples, the answer).
    Five bars of the outgoing track: more than two of its slices (layers/sliced-parts.js)."""
    out = page.evaluate("(o) => window.lofi.render(o)", {"station": {"seed": SEED, "before": 5, "after": 2, **change},
                                                         "crackle": False})
    return np.frombuffer(base64.b64decode(out.pop("channels")[0]), dtype="<f4"), out


# -- the plan ----------------------------------------------------------------------------------------


def test_eight_hours_of_one_seed_repeat_no_track_and_every_ai_track_has_its_arrangement(open_player):
    page = open_player()
    plan = page.evaluate(f"window.lofi.station.plan({{seed: {SEED}, minutes: 480}})")
    f = facts(page)
    assert plan[-1]["start"] + plan[-1]["seconds"] >= 8 * 3600 and plan[-1]["start"] < 8 * 3600
    assert [t["index"] for t in plan] == list(range(len(plan)))
    assert all(abs(a["start"] + a["seconds"] - b["start"]) < 0.01 for a, b in zip(plan, plan[1:]))
    last = {}
    for t in plan:  # the same track again only once repeatSeconds have passed
        assert t["id"] not in last or t["start"] - last[t["id"]] >= f["repeatSeconds"], t
        last[t["id"]] = t["start"] + t["seconds"]
    assert len({t["id"] for t in plan}) == len(plan) and len({t["title"] for t in plan}) == len(plan)
    ai = [t for t in plan if t["kind"] == "solo"]
    songs = [t for t in plan if t["kind"] == "song"]
    assert len(ai) > 100 and 1 <= len(songs) <= len(page.evaluate("window.lofi.manifest.songs"))
    assert len({(t["seed"], t["progression"], t["key"]) for t in ai}) == len(ai)
    for t in ai:
        assert f["seconds"]["min"] - 1e-6 <= t["seconds"] <= f["seconds"]["max"] + 1e-6, t
        assert f["bpm"]["min"] <= t["bpm"] <= f["bpm"]["max"]
        form = t["form"]
        assert form[0] == "intro" and form[-1] == "outro" and form.count("breakdown") == 1
        assert form.index("A") < form.index("B") < form.index("breakdown") < len(form) - 1 - form[::-1].index("A")
        assert [s["name"] for s in t["sections"]] == form and sum(s["bars"] for s in t["sections"]) == t["bars"]
        assert t["seconds"] == pytest.approx(t["bars"] * 4 * 60 / t["bpm"], abs=1e-3)
        assert t["progression"] and t["progressionB"] and t["title"]
    for s in songs:
        assert s["form"] and s["seconds"] >= f["seconds"]["min"] - 1e-6 and s["transition"] in f["transitions"]
    # Tempo and key drift gently from one AI track to the next: a few bpm, and round the circle of fifths,
    # a whole step, or to the relative key.
    keys = page.evaluate("fetch(window.lofi.manifest.station).then((r) => r.json()).then((d) => d.keys)")
    tonic = lambda t: keys[t["key"].split()[1]].index(t["key"].split()[0])  # noqa: E731
    for a, b in zip(plan, plan[1:]):
        if a["kind"] == b["kind"] == "solo":
            assert abs(a["bpm"] - b["bpm"]) <= f["bpmStep"]
            assert (tonic(b) - tonic(a)) % 12 in {0, 2, 3, 5, 7, 9, 10}, (a["key"], b["key"])
    assert len({t["key"] for t in ai}) >= 6 and len({t["groove"] for t in plan}) >= 2
    # The same seed, the same program; another seed, another.
    assert page.evaluate(f"window.lofi.station.plan({{seed: {SEED}, minutes: 30}})") == [t for t in plan if t["start"] < 1800]
    other = page.evaluate(f"window.lofi.station.plan({{seed: {SEED + 1}, minutes: 30}})")
    assert [t["id"] for t in other] != [t["id"] for t in plan[:len(other)]]


def test_two_fresh_pages_with_the_same_seed_make_the_same_first_three_tracks_note_for_note(open_player):
    first, second = open_player(), open_player()
    plan = first.evaluate(f"window.lofi.station.plan({{seed: {SEED}, minutes: 12}})")[:3]
    # The second page makes them from their ids alone (a link, or the history, makes a track again).
    pieces = [[page.evaluate("(id) => window.lofi.piece(id)", t["id"]) for t in plan] for page in (first, second)]
    assert pieces[0] == pieces[1]
    for t, piece in zip(plan, pieces[0]):
        lofi = piece["lofi"]
        assert piece["header"]["name"] == t["title"] and piece["header"]["tempos"][0]["bpm"] == t["bpm"]
        assert f"{piece['header']['keySignatures'][0]['key']} {piece['header']['keySignatures'][0]['scale']}" == t["key"]
        assert lofi["loopBars"] == t["bars"] and [s["name"] for s in lofi["sections"]] == t["form"]
        assert [(s["bar"], s["bars"]) for s in lofi["sections"]] == [(s["bar"], s["bars"]) for s in t["sections"]]
        tracks = {tr["name"]: tr for tr in piece["tracks"]}
        assert {"melody", "chords", "bass"} <= set(tracks) and any(tr["channel"] == 9 for tr in piece["tracks"])
        bar = 4 * piece["header"]["ppq"]
        end = t["bars"] * bar
        assert all(n["ticks"] + n["durationTicks"] <= end for tr in piece["tracks"] for n in tr["notes"])
        # The intro has no melody; the breakdown, drums only where the plan says; the outro ends on one chord.
        intro = next(s for s in lofi["sections"] if s["name"] == "intro")
        assert not [n for n in tracks["melody"]["notes"] if n["ticks"] < intro["bars"] * bar]
        assert [n for n in tracks["melody"]["notes"] if n["ticks"] >= intro["bars"] * bar]
        last = [n for n in tracks["chords"]["notes"] if n["ticks"] >= end - bar]
        assert last and len({n["ticks"] for n in last}) == 1


# -- track changes, offline --------------------------------------------------------------------------


def test_a_track_change_and_a_skip_leave_no_gap_no_click_and_never_two_tracks_at_once(open_player):
    page = open_player()
    for change in ({"index": 0}, {"index": 1, "skip": 9}):
        x, out = render_change(page, **change)
        rate, at = out["sampleRate"], out["change"]
        assert out["transition"] in facts(page)["transitions"]
        assert longest_quiet(x, rate, at - 2, at + 2) <= 0.5, (change, out["transition"])
        assert clicks_near(x, rate, at) == 0, (change, out["transition"])
        # Every bar of both tracks sounds, the outgoing one's last chord too.
        bar = 4 * 60 / out["tracks"][0]["bpm"]
        db = levels(x, rate)
        for b in range(5):
            start = at - (5 - b) * bar
            assert db[int(start / 0.02):int((start + bar) / 0.02)].max() > -40, (change, b)
        assert db[int((at + 0.5) / 0.02):int((at + 2) / 0.02)].max() > -40
    # The two sides alone: the outgoing track is gone (below -35 dBFS) within a second of the bar where the
    # next one starts, and the next is silent until then.
    alone = {side: render_change(page, index=0, only=side) for side in ("out", "in")}
    (xo, out), (xi, _) = alone["out"], alone["in"]
    rate, at = out["sampleRate"], out["change"]
    assert overlap(xo, xi, rate) <= 1.0
    assert levels(xi, rate)[: int((at - 0.05) / 0.02)].max() < -60
    assert levels(xo, rate)[int((at + 1.0) / 0.02):].max() < -35


def test_the_click_and_gap_measures_find_them():
    """The measures above on made-up signals, so they can fail: a step in a tone, a cut, a hole."""
    rate = 8000
    t = np.arange(4 * rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    assert clicks_near(tone, rate, 2.0) == 0 and longest_quiet(tone, rate, 1, 3) == 0
    stepped = tone.copy()
    stepped[int(2.1 * rate):] += 0.4
    assert clicks_near(stepped, rate, 2.0) > 0
    cut = tone.copy()
    cut[int(2.2 * rate):] = 0
    assert clicks_near(cut, rate, 2.0) > 0
    # A slow, peaky wave (a record braking: its bass pitched down to tens of Hz) passes near zero as fast as a
    # cut falls (its 1 ms level drops 30 dB in 3 ms) and comes straight back: no click.
    slow = np.sin(2 * np.pi * 20 * t)
    slow = (0.4 * np.sign(slow) * np.abs(slow) ** 3).astype(np.float32)
    assert clicks_near(slow, rate, 2.0) == 0
    hole = tone.copy()
    hole[int(1.5 * rate):int(2.3 * rate)] = 0
    assert longest_quiet(hole, rate, 1, 3) == pytest.approx(0.8, abs=0.05)


# -- a session ---------------------------------------------------------------------------------------


def heap_after_gc(page) -> float:
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")
    for _ in range(2):
        cdp.send("HeapProfiler.collectGarbage")
    return float(cdp.send("Runtime.getHeapUsage")["usedSize"])


def test_a_short_station_session_keeps_the_heap_small_lets_tracks_go_and_has_no_errors_or_gaps(open_player):
    page = open_player("#ambience=rain")
    page.evaluate(f"window.lofi.station.start({{seed: {SEED}}})")
    wait_for(page, "window.lofi.state().station.next.ready && window.lofi.state().layers.music.sounding", timeout=120)
    f = facts(page)
    # The next track was ready long before it is needed: on the audio clock, this one still had most of its
    # length to play.
    st = station(page)
    plan = page.evaluate(f"window.lofi.station.plan({{seed: {SEED}, minutes: 30}})")
    assert st["next"]["readyAhead"] >= min(30, plan[0]["seconds"] - 30)
    heaps = []
    for i in range(1, 7):
        page.evaluate("window.lofi.station.skip()")
        wait_for(page, f"window.lofi.state().station.index === {i} && window.lofi.state().layers.music.sounding "
                       f"&& window.lofi.state().station.next.ready", timeout=120)
        s = page.evaluate("window.lofi.state()")
        change = s["station"]["changes"][0]
        assert change["index"] == i and change["transition"] in ("tape-stop", "vinyl-brake")
        assert change["tick"] % (4 * 480) == 0 and s["layers"]["music"]["startTick"] == change["tick"]  # at a bar
        assert s["station"]["track"]["id"] == plan[i]["id"] and s["selected"]["track"] == plan[i]["id"]
        assert s["layers"]["ambience"]["id"] == "rain" and s["layers"]["ambience"]["sounding"]  # it carries on
        # Only the recent history, this track and the next are kept.
        assert s["station"]["kept"] <= f["history"] + 2 and len(s["station"]["history"]) == min(i, f["history"])
        heaps.append(heap_after_gc(page))
    assert max(heaps) < 30e6, heaps
    assert heaps[-1] < heaps[1] + 3e6, heaps  # no track left behind: six tracks later, about where it was
    assert page.evaluate("window.lofi.state().decoded.bytes") < 60e6
    assert page.log.errors == []


def test_a_track_plays_to_its_end_and_the_next_comes_in_at_that_bar(open_player):
    page = open_player()
    plan = page.evaluate(f"window.lofi.station.plan({{seed: {SEED}, minutes: 5}})")
    page.evaluate(f"window.lofi.station.start({{seed: {SEED}, index: 0, bar: {plan[0]['bars'] - 6}}})")
    wait_for(page, "window.lofi.state().station.index === 1", timeout=120)
    s = page.evaluate("window.lofi.state()")
    change = s["station"]["changes"][0]
    assert change["transition"] == plan[0]["transition"] and change["tick"] == s["station"]["changes"][1]["tick"] + 6 * 4 * 480
    assert s["station"]["history"][0]["id"] == plan[0]["id"] and s["station"]["section"] == "intro"
    assert page.log.errors == []


# -- the sleep timer ---------------------------------------------------------------------------------


def test_the_sleep_timer_fades_out_over_its_fade_and_ends_in_silence(open_player):
    page = open_player()
    fade = facts(page)["sleepFade"]
    x, out = render(page, track="late-bus-home", drums="dusty-boom-bap", seconds=fade + 8, sleep=(fade + 6) / 60, crackle=False)
    rate, end = out["sampleRate"], fade + 6
    db = levels(x, rate, 0.5)
    at = lambda s: db[int(s / 0.5)]  # noqa: E731
    assert at(2) > -35 and at(5) > -35  # playing until the fade
    assert at(6 + fade * 0.5) < max(at(2), at(5)) - 3  # half way down
    assert np.abs(x[int((end + 0.05) * rate):]).max() < 1e-4  # and then nothing


def test_the_sleep_timer_is_set_read_and_cancelled_and_refuses_nonsense(open_player):
    page = open_player()
    page.evaluate(f"window.lofi.station.start({{seed: {SEED}, play: false}})")
    wait_for(page, "window.lofi.state().station && window.lofi.state().station.track", timeout=120)
    now = page.evaluate("Date.now()")
    ends = page.evaluate("window.lofi.station.sleep(30).then((s) => s.station.sleepEndsAt)")
    assert abs(ends - (now + 30 * 60000)) < 5000
    assert page.evaluate("window.lofi.station.sleep(0).then((s) => s.station.sleepEndsAt)") is None
    for bad in ("-5", "'soon'", "1e9"):
        message = page.evaluate(f"window.lofi.station.sleep({bad}).then(() => 'accepted', (e) => e.message)")
        assert message.startswith("The sleep timer takes 0 (off) to 720 minutes"), message


# -- what a listener types or links ------------------------------------------------------------------


def test_broken_seeds_and_numbers_get_a_clear_message_and_the_music_plays_on(open_player):
    page = open_player("#track=late-bus-home")
    page.evaluate("window.lofi.play()")
    wait_for(page, "window.lofi.state().layers.music.sounding", timeout=60)
    page.evaluate("location.hash = '#station=not-a-seed'")
    wait_for(page, "document.getElementById('station-message').textContent !== ''", timeout=30)
    assert page.evaluate("document.getElementById('station-message').textContent") == (
        "The station's seed must be a whole number from 0 to 4294967295, not 'not-a-seed'.")
    assert page.evaluate("document.getElementById('station-message').classList.contains('error')")
    for call, message in [
        ("start({seed: -3})", "The station's seed must be a whole number from 0 to 4294967295, not '-3'."),
        ("start({seed: 5, index: 'x'})", "The station's track number must be a whole number from 0, not 'x'."),
        ("plan({seed: 5, minutes: 0})", "A plan is more than 0 and at most 2880 minutes long, not 0."),
        ("skip()", "The station is off: start it first."),
    ]:
        assert page.evaluate(f"window.lofi.station.{call}.then(() => 'accepted', (e) => e.message)") == message
    s = page.evaluate("window.lofi.state()")
    assert s["station"] is None and s["transport"]["state"] == "started" and s["selected"]["track"] == "late-bus-home"
    assert s["layers"]["music"]["sounding"]


def test_a_station_link_and_a_reload_keep_the_seed_track_and_bar(open_player):
    page = open_player("#station=5&index=2&bar=9")
    wait_for(page, "window.lofi.state().station && window.lofi.state().station.track", timeout=120)
    plan = page.evaluate("window.lofi.station.plan({seed: 5, minutes: 15})")
    st = station(page)
    sections = plan[2]["sections"]
    start = max(s["bar"] for s in sections if s["bar"] <= 9)
    assert (st["seed"], st["index"], st["track"]["id"], st["bar"]) == (5, 2, plan[2]["id"], start)
    assert page.evaluate("location.hash").startswith(f"#station=5&index=2&bar={start}")
    page.reload()
    wait_for(page, "window.lofi && window.lofi.state().station && window.lofi.state().station.track", timeout=120)
    assert (station(page)["index"], station(page)["track"]["id"], station(page)["bar"]) == (2, plan[2]["id"], start)
    # A bare address in the same browser picks the station up where it was.
    page.goto(page.url.split("#")[0])
    wait_for(page, "window.lofi && window.lofi.state().station && window.lofi.state().station.track", timeout=120)
    assert (station(page)["seed"], station(page)["index"]) == (5, 2)


def test_the_media_keys_skip_and_go_back_and_a_chosen_track_leaves_the_station(open_player):
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap")
    page.evaluate(f"window.lofi.station.start({{seed: {SEED}}})")
    wait_for(page, "window.lofi.state().station.next.ready", timeout=120)
    page.evaluate("window.lofi.step(1)")
    wait_for(page, "window.lofi.state().station.index === 1", timeout=120)
    page.evaluate("window.lofi.step(-1)")
    wait_for(page, "window.lofi.state().station.index === 0", timeout=120)
    page.evaluate("window.lofi.select({track: 'paper-lanterns'})")
    s = page.evaluate("window.lofi.state()")
    assert s["station"] is None and s["selected"]["track"] == "paper-lanterns" and s["selected"]["drums"] == "dusty-boom-bap"
    assert page.log.errors == []
