"""How the player sounds, measured in Chromium: Pause and Stop fall silent within 150 ms (live: 100 ms on the audio clock), a
change fades the outgoing layer from its bar and leaves no note 0.6 s after it, no slider
position clips (no flat tops, true peak under -0.3 dBFS, every song and a solo), the shapers'
headroom, swing by subdivision (8n and 16n at several amounts), AI solos swung by the groove,
a hot-swapped piece, and a quote start written as `2m` in lofi.yaml heard at bar 3.

Offline renders (Tone.Offline through the player's own engine) give the exact figures; the
live checks go through `window.lofi` on the page's own AudioContext.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from audio import BAR, PPQ, clicks, dbfs, first_sound, flat_tops, grid, piece, render, silent_after, true_peak
from solos import add_fixture_solo
from support import ROOT, run_cli, static_server, wait_for

pytestmark = pytest.mark.browser

RATE = 44100
PROBE_RATE = 22050
MAX = {"master": 6, "drums": 6, "music": 6, "ambience": 6, "quote": 6}
FLAT = {"master": 0, "drums": 0, "music": 0, "ambience": 0, "quote": 0}
STATE = "window.lofi.state()"


def manifest(site):
    return json.loads((site / "manifest.json").read_text("utf-8"))


def entry(man, section, id_):
    return next(e for e in man[section] if e["id"] == id_)


def test_pause_falls_silent_within_150_ms(open_player):
    """Every layer (song, drums, ambience, quote speaking) and the shared tails, at default levels."""
    page = open_player()
    at = 4 * 60 / 78 * 4 + 1.0  # one second into bar 5, while the quote speaks
    x, info = render(page, track="paper-lanterns", drums="dusty-boom-bap", ambience="rain", quote="kettle",
                     bars=7, pause=at, sampleRate=RATE)
    t = info["lead"] + at
    before = dbfs(np.max(np.abs(x[int((t - 0.5) * RATE): int(t * RATE)])))
    assert before > -20  # it was playing
    assert silent_after(x, RATE, t) <= 0.15
    # A ramp, not a cut: still sounding in its first 20 ms.
    assert dbfs(np.max(np.abs(x[int(t * RATE): int((t + 0.02) * RATE)]))) > -40


# A recorder on the page's own output, on the audio clock: an AudioWorklet (a blob module, as
# Tone's own worklets are) posts the peak of every render quantum with its frame number, so
# how long the sound takes to stop is counted in samples, however late the main thread runs.
TAP = """() => {
    if (window.__tap) return;
    const tone = Tone.getContext();
    const ctx = tone.rawContext;
    const code = `registerProcessor("peak-tap", class extends AudioWorkletProcessor {
        process(inputs) {
            let peak = 0;
            for (const channel of inputs[0] || []) for (const x of channel) peak = Math.max(peak, Math.abs(x));
            this.port.postMessage([currentFrame, peak]);
            return true;
        }
    });`;
    window.__tap = tone.addAudioWorkletModule(URL.createObjectURL(new Blob([code], {type: "text/javascript"})))
        .then(() => {
            const node = tone.createAudioWorkletNode("peak-tap", {numberOfOutputs: 0});
            const quanta = [];
            node.port.onmessage = (e) => quanta.push(e.data);
            Tone.getDestination().output.connect(node);
            return {ctx, quanta};
        });
}"""


def test_pause_and_stop_fall_silent_live_and_resume_restores_the_level(open_player):
    page = open_player("#track=late-bus-home&drums=rainy-shuffle")
    wait_for(page, f"{STATE}.layers.music.status === 'ready' && {STATE}.layers.drums.status === 'ready'", timeout=60)
    page.evaluate(TAP)
    measure = """async (what) => {
        const {ctx, quanta} = await window.__tap;
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        await window.lofi.play();
        const t0 = performance.now();
        while (window.lofi.level() < -30) { if (performance.now() - t0 > 20000) return {error: 'no sound'}; await sleep(10); }
        await sleep(1500);
        while (window.lofi.level() < -20) await sleep(2);  // pressed while loud
        const before = window.lofi.level();
        quanta.length = 0;
        const pressed = Math.round(ctx.currentTime * ctx.sampleRate);  // the press (the fade starts here or later)
        window.lofi[what]();
        while (!quanta.length || quanta[quanta.length - 1][0] < pressed + ctx.sampleRate / 2) await sleep(20);
        const after = quanta.filter(([frame]) => frame + 128 > pressed);
        const loud = after.filter(([, peak]) => peak >= 1e-3);  // -60 dBFS
        const end = loud.length ? loud[loud.length - 1][0] + 128 : pressed;
        return {what, before, quiet: (end - pressed) / ctx.sampleRate * 1000, heard: after.length,
                atPress: after.length ? after[0][1] : 0};
    }"""
    for what in ("pause", "stop"):
        out = page.evaluate(measure, what)
        assert out.get("error") is None and out["before"] >= -20
        assert out["atPress"] > 0.01 and out["heard"] >= 100, out  # it was sounding when pressed, and it was heard
        # The 60 ms fade (and the limiter's release), counted on the audio clock: the last quantum
        # above -60 dBFS ends within 100 ms of the press.
        assert out["quiet"] <= 100, out
        # Resumed (or started again): the level comes back.
        page.evaluate("window.lofi.play()")
        wait_for(page, "window.lofi.level() > -30", timeout=10)
        page.evaluate("window.lofi.pause()")


def test_a_change_fades_the_old_layer_from_its_bar_and_no_old_note_sounds_after_0_6_s(open_player):
    """Dry (no reverb, no crackle), so that what is measured is the old layer's own notes."""
    page = open_player()
    x, info = render(page, track="paper-lanterns", bars=4, changes=[{"bar": 2, "track": None}], crackle=False,
                     reverb=False, sampleRate=RATE)
    (layers,) = info["changed"]
    assert layers["music"]["id"] is None and layers["music"]["retiring"] == 1
    bar = info["lead"] + 2 * info["secondsPerBar"]
    assert dbfs(np.max(np.abs(x[int((bar - 0.5) * RATE): int(bar * RATE)]))) > -20  # playing up to the bar
    # Still sounding right after the bar (a fade, not a cut)...
    assert dbfs(np.max(np.abs(x[int((bar + 0.05) * RATE): int((bar + 0.15) * RATE)]))) > -40
    # ...and no note of it 0.6 s after it.
    assert silent_after(x, RATE, bar) <= 0.6
    # With the reverb, what rings on is its tail, already well down by then and gone soon after.
    y, _ = render(page, track="paper-lanterns", bars=4, changes=[{"bar": 2, "track": None}], crackle=False,
                  sampleRate=RATE)
    assert dbfs(np.max(np.abs(y[int((bar + 0.6) * RATE):]))) < -40
    assert silent_after(y, RATE, bar) <= 1.5


def test_a_live_change_disposes_the_old_layer_once_it_is_silent(open_player):
    page = open_player("#track=paper-lanterns")
    wait_for(page, f"{STATE}.layers.music.status === 'ready'", timeout=60)
    page.evaluate("window.lofi.play()")
    wait_for(page, f"{STATE}.transport.state === 'started' && window.lofi.level() > -40", timeout=30)
    s = page.evaluate("window.lofi.select({track: 'window-seat'})")
    assert s["layers"]["music"]["retiring"] == 1
    wait_for(page, f"{STATE}.layers.music.retiring === 0", timeout=15)
    assert page.evaluate(STATE)["transport"]["state"] == "started"
    assert page.log.errors == []


@pytest.mark.parametrize("track", ["paper-lanterns", "late-bus-home", "window-seat", "fixture-solo", "pool-solo"])
def test_no_slider_position_clips_every_song_and_a_solo(open_player, player_site, track):
    """Every slider at +6 dB with every layer chosen (the quote speaking in bar 5), and for one
    song the master alone at +6 dB over the default mix: never flat at a ceiling, true peak
    under -0.3 dBFS."""
    page = open_player()
    man = manifest(player_site)
    if track == "pool-solo":
        track = next(s["id"] for s in man["solos"] if s["id"] != "fixture-solo")
    for volumes in (MAX, {"master": 6}) if track == "paper-lanterns" else (MAX,):
        x, _ = render(page, track=track, drums="lazy-half-time", ambience="rain", quote="kettle", bars=5,
                      volumes=volumes, sampleRate=RATE)
        assert np.max(np.abs(x)) > 0.3
        assert flat_tops(x) == 0
        assert true_peak(x) < -0.3


def test_the_shapers_have_12_db_of_headroom(open_player):
    """A sine 12 dB over full scale through each family's chain comes out round, not flat."""
    page = open_player()
    out = page.evaluate("""async () => {
        const src = [...document.querySelectorAll('link[rel=modulepreload]')].map((l) => l.href).find((h) => h.endsWith('/effects.js'));
        const { createChain } = await import(src);
        const flats = {};
        for (const family of ['music', 'drums', 'ambience', 'quote']) {
            const buffer = await Tone.Offline(async (context) => {
                const chain = createChain(family, { context, reverb: null });
                chain.output.connect(context.destination);
                const osc = new Tone.Oscillator({ context, frequency: 220, volume: 12 }).connect(chain.input);
                osc.start(0);
            }, 0.5, 1, 44100);
            const x = buffer.getChannelData(0);
            let peak = 0, held = 0;
            for (let i = 4410; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]));
            for (let i = 4411; i < x.length - 1; i++) if (Math.abs(x[i]) > 0.5 * peak && Math.abs(x[i] - x[i - 1]) < 1e-6 && Math.abs(x[i + 1] - x[i]) < 1e-6) held++;
            flats[family] = { peak, held };
        }
        return flats;
    }""")
    for family, got in out.items():
        assert got["peak"] > 0.3 and got["held"] == 0, (family, got)


def unique_times(notes, within=0.0005):
    out = []
    for t in sorted(t for t, *_ in notes):
        if not out or t - out[-1] > within:
            out.append(t)
    return np.array(out)


def _swung(man, site, groove_id, amount, subdivision):
    groove = copy.deepcopy(piece(site, entry(man, "drums", groove_id)))
    groove["lofi"].update({"swing": amount, "swingSubdivision": subdivision})
    return groove


@pytest.mark.parametrize("subdivision", ["8n", "16n"])
def test_swing_by_subdivision_places_every_onset(open_player, player_site, subdivision):
    """lazy-half-time's 16th hats at three swing amounts: 8n moves the off-beat eighths along
    Tone's curve, 16n delays every second 16th (MPC style) and leaves the eighths alone."""
    page = open_player()
    man = manifest(player_site)
    g = entry(man, "drums", "lazy-half-time")
    bpm, bars = 120, 2
    for amount in (0.2, 0.5, 0.75):
        swung = _swung(man, player_site, "lazy-half-time", amount, subdivision)
        page.evaluate("([id, p]) => window.lofi.replacePiece(id, p)", ["lazy-half-time", swung])
        x, info = render(page, drums=g["id"], track=None, bars=bars, bpm=bpm, probe=True, sampleRate=PROBE_RATE, volumes=FLAT)
        notes = grid(player_site, g, man["site"]["loops"]["drums"], bars, bpm, info["lead"], swing=(amount, subdivision))
        expected = unique_times(notes)
        found = clicks(x, PROBE_RATE)
        found = found[found < info["lead"] + bars * info["secondsPerBar"] - 0.001]
        assert len(found) == len(expected)
        assert np.max(np.abs(found - expected)) <= 1.5 / PROBE_RATE
        spt = 60 / (bpm * PPQ)
        # The second 16th of a beat: delayed by 2/3 of a 16th at full swing under 16n; under 8n
        # it follows the sine curve (sin(pi/4) of a third of an eighth pair).
        second = info["lead"] + 120 * spt
        delay = (found[np.argmin(np.abs(found - second))] - second) / spt
        want = 80 * amount if subdivision == "16n" else 160 * np.sin(np.pi / 4) * amount
        assert delay == pytest.approx(want, abs=1.5 / PROBE_RATE / spt)


def test_swing_ticks_per_subdivision_come_from_the_facts_block(browser, player_url, player_site):
    """The player swings a subdivision by the ticks the build's facts block gives it (Python's one table):
    a manifest that says "8n" is 120 ticks long makes an 8n-swung groove move its second 16ths as 16n does."""
    from lofi_build.music.transport import SWING_DEFAULT, SWING_TICKS
    from support import PageLog

    man = manifest(player_site)
    assert man["facts"]["swing"] == {"default": SWING_DEFAULT, "ticks": SWING_TICKS}
    told = copy.deepcopy(man)
    told["facts"]["swing"]["ticks"]["8n"] = SWING_TICKS["16n"]
    context = browser.new_context()
    context.route("**/manifest.json", lambda route: route.fulfill(
        status=200, body=json.dumps(told), headers={"content-type": "application/json", "cache-control": "no-store"}))
    page = context.new_page()
    page.log = PageLog(page)
    page.goto(player_url)
    wait_for(page, "window.lofi !== undefined", timeout=30)
    g = entry(man, "drums", "lazy-half-time")
    bpm, bars, amount = 120, 2, 0.5
    page.evaluate("([id, p]) => window.lofi.replacePiece(id, p)",
                  ["lazy-half-time", _swung(man, player_site, "lazy-half-time", amount, "8n")])
    x, info = render(page, drums=g["id"], track=None, bars=bars, bpm=bpm, probe=True, sampleRate=PROBE_RATE, volumes=FLAT)
    found = clicks(x, PROBE_RATE)
    found = found[found < info["lead"] + bars * info["secondsPerBar"] - 0.001]
    as_told = unique_times(grid(player_site, g, man["site"]["loops"]["drums"], bars, bpm, info["lead"], swing=(amount, "16n")))
    as_python = unique_times(grid(player_site, g, man["site"]["loops"]["drums"], bars, bpm, info["lead"], swing=(amount, "8n")))
    assert len(found) == len(as_told) == len(as_python) and np.max(np.abs(as_told - as_python)) > 0.01
    assert np.max(np.abs(found - as_told)) <= 1.5 / PROBE_RATE
    assert page.log.errors == []
    context.close()


@pytest.mark.parametrize("groove", ["dusty-boom-bap", "lazy-half-time"])
def test_an_ai_solo_swings_with_the_groove(open_player, player_site, groove):
    """The solo is written straight; under a swung groove its off-beats move exactly as the
    groove's do (8n for dusty-boom-bap, 16n for lazy-half-time)."""
    page = open_player()
    man = manifest(player_site)
    solo = entry(man, "solos", "fixture-solo")
    own = piece(player_site, solo)
    assert own["lofi"]["swing"] == 0
    g = piece(player_site, entry(man, "drums", groove))
    swing = (g["lofi"]["swing"], g["lofi"]["swingSubdivision"])
    assert swing[0] > 0
    bpm, bars = 120, 4
    x, info = render(page, track=solo["id"], drums=groove, bars=bars, bpm=bpm, probe=True, humanise=False,
                     sampleRate=PROBE_RATE, volumes={**FLAT, "drums": -40})
    notes = grid(player_site, solo, man["site"]["loops"]["solos"], bars, bpm, info["lead"], swing=swing)
    straight = grid(player_site, solo, man["site"]["loops"]["solos"], bars, bpm, info["lead"], swing=(0, "8n"))
    expected = unique_times(notes)
    assert len(expected) > 10 and any(abs(a[0] - b[0]) > 0.005 for a, b in zip(notes, straight))
    found = clicks(x, PROBE_RATE)
    found = found[found < info["lead"] + bars * info["secondsPerBar"] - 0.001]
    assert len(found) == len(expected)
    assert np.max(np.abs(found - expected)) <= 1.5 / PROBE_RATE


def test_replace_piece_swaps_a_playing_song_at_the_next_bar(open_player, player_site):
    page = open_player("#track=late-bus-home")
    man = manifest(player_site)
    song = entry(man, "songs", "late-bus-home")
    new = piece(player_site, song)
    new["header"]["name"] = "Late Bus Home (edited)"
    for track in new["tracks"]:
        for note in track["notes"]:
            note["midi"] += 2
    # Not playing: replaced for later, nothing scheduled.
    assert page.evaluate("([id, p]) => window.lofi.replacePiece(id, p)", ["window-seat", piece(player_site, entry(man, "songs", "window-seat"))]) == {"ticks": None}
    wait_for(page, f"{STATE}.layers.music.status === 'ready'", timeout=60)
    page.evaluate("window.lofi.play()")
    wait_for(page, f"{STATE}.transport.state === 'started'", timeout=30)
    out = page.evaluate("async ([id, p]) => { const before = window.lofi.state().transport.ticks; const r = await window.lofi.replacePiece(id, p); return {before, r, s: window.lofi.state()}; }", ["late-bus-home", new])
    ticks = out["r"]["ticks"]
    assert ticks % BAR == 0 and ticks > out["before"]
    assert out["s"]["track"]["title"] == "Late Bus Home (edited)" and out["s"]["track"]["id"] == "late-bus-home"
    assert out["s"]["layers"]["music"]["startTick"] == ticks and out["s"]["layers"]["music"]["retiring"] == 1
    wait_for(page, f"{STATE}.layers.music.retiring === 0", timeout=20)
    with pytest.raises(Exception, match="no song, drum groove or solo called 'nope'"):
        page.evaluate("([id, p]) => window.lofi.replacePiece(id, p)", ["nope", new])


def test_a_quote_start_of_2m_in_lofi_yaml_is_heard_at_bar_3(tmp_path, browser):
    """Python reads the full TransportTime grammar and bakes ticks; the browser only reads them."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("content", "netlify.toml"):
        (project / name).symlink_to(ROOT / name)
    config = (ROOT / "lofi.yaml").read_text("utf-8").replace('quote_start: "4:0:0"', "quote_start: 2m")
    config = config.replace("pool_size: 16", "pool_size: 0")
    assert "quote_start: 2m" in config
    (project / "lofi.yaml").write_text(config, "utf-8")
    site = tmp_path / "site"
    run_cli("site", "-f", project / "lofi.yaml", "-d", site, "-q", check=True)
    man = manifest(site)
    assert man["site"]["quoteStartTicks"] == 2 * BAR
    with static_server(site) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        wait_for(page, "window.lofi !== undefined", timeout=30)
        quote = entry(man, "quotes", "transformation")
        x, info = render(page, quote=quote["id"], track=None, bars=4, bpm=120, probe=True, sampleRate=RATE, volumes=FLAT)
        assert info["state"]["quoteStart"] == "2:0:0"
        context.close()
    import soundfile as sf

    own, _ = sf.read(site / quote["url"], dtype="float32", always_2d=True)
    start = first_sound(x, RATE) - first_sound(own[:, 0], RATE)
    assert start - info["lead"] == pytest.approx(2 * info["secondsPerBar"], abs=0.002)


def test_add_fixture_solo_is_on_the_page(player_site):
    assert 'id="track-fixture-solo"' in (player_site / "index.html").read_text("utf-8")
    add_fixture_solo(player_site)  # idempotent
    assert (player_site / "index.html").read_text("utf-8").count('id="track-fixture-solo"') == 1
