"""Timing, measured in offline renders (Tone.Offline through the player's own engine, layers,
Parts and mixer): every drum and note onset on its grid position within 2 ms, loops that
repeat with no drift, the quote from bar 5 with the music ducked under it, the ambience
retriggered every `loops.ambience` bars. The grid is computed here from the pieces' JSON.

Probe renders replace each voice with an 8-sample click at the instant the voice is asked to
play (effect chains bypassed), so the scheduler is measured to the sample; the kit render
checks the real samplers and the drum chain on top.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from audio import BAR, PPQ, clicks, first_sound, grid, piece, render, swing_ticks

pytestmark = pytest.mark.browser

RATE = 22050  # plenty for clicks (one sample is 45 us) and half the work of 44.1 kHz
FLAT = {"master": 0, "drums": 0, "music": 0, "ambience": 0, "quote": 0}
TOLERANCE = 0.002


def manifest(site):
    return json.loads((site / "manifest.json").read_text("utf-8"))


def entry(man, section, id_):
    return next(e for e in man[section] if e["id"] == id_)


def unique_times(times, within=0.0005):
    out = []
    for t in sorted(times):
        if not out or t - out[-1] > within:
            out.append(t)
    return np.array(out)


def match(expected, found):
    """Worst distance from an expected onset to its click, and the clicks nothing explains."""
    worst = max(np.min(np.abs(found - e)) for e in expected)
    extra = [f for f in found if np.min(np.abs(expected - f)) > TOLERANCE]
    return worst, extra


def test_drum_and_song_onsets_land_on_the_grid_and_loops_repeat_without_drift(open_player, player_site):
    page = open_player()
    man = manifest(player_site)
    drums, song = entry(man, "drums", "dusty-boom-bap"), entry(man, "songs", "paper-lanterns")
    assert piece(player_site, drums)["lofi"]["swing"] != piece(player_site, song)["lofi"]["swing"] != 0  # each its own
    bpm, bars = 100, 16  # two 8-bar drum loops and the song's first 16 bars, at a brisk tempo to keep the render short
    x, info = render(page, drums=drums["id"], track=song["id"], bars=bars, bpm=bpm, probe=True, humanise=False,
                     sampleRate=RATE, volumes=FLAT)
    loops = info["state"]["loops"]
    assert loops["drums"] == man["site"]["loops"]["drums"] and loops["song"] == piece(player_site, song)["lofi"]["loopBars"]
    lead, spb = info["lead"], info["secondsPerBar"]
    assert spb == pytest.approx(BAR / PPQ * 60 / bpm)
    notes = grid(player_site, drums, loops["drums"], bars, bpm, lead) + grid(player_site, song, loops["song"], bars, bpm, lead)
    assert len(notes) > 300
    expected = unique_times(t for t, *_ in notes)
    found = clicks(x, RATE)
    found = found[found < lead + bars * spb - 0.001]  # the render's tail holds bar 17's downbeat
    worst, extra = match(expected, found)
    assert worst <= TOLERANCE, f"an onset is {worst * 1000:.3f} ms off its grid position"
    assert worst <= 1.5 / RATE  # in fact to the sample
    assert extra == [] and len(found) == len(expected)
    # The second pass of the drums' 8-bar loop is the first one, 8 bars later, to the sample. (The song is a form
    # of 40 bars: its second 8 bars are other music, each onset checked on the grid above.)
    loop = loops["drums"] * spb
    beats = [t for t in unique_times(t for t, *_ in grid(player_site, drums, loops["drums"], bars, bpm, lead))
             if t < lead + loop]
    near = lambda t: found[np.argmin(np.abs(found - t))]  # noqa: E731
    first = np.array([near(t) for t in beats])
    second = np.array([near(t + loop) for t in beats]) - loop
    assert len(beats) > 20
    assert np.max(np.abs(second - first)) <= 1.5 / RATE


def test_an_ai_solo_loops_every_30_bars_and_its_humanising_repeats_exactly(open_player, player_site):
    page = open_player()
    man = manifest(player_site)
    solo = entry(man, "solos", "fixture-solo")
    bpm, bars = 240, 32  # past the 30-bar loop into its second pass, quickly
    x, info = render(page, track=solo["id"], bars=bars, bpm=bpm, probe=True, humanise=False, sampleRate=RATE, volumes=FLAT)
    layer_bars = man["site"]["loops"]["solos"]
    assert info["state"]["loops"]["solo"] == layer_bars and info["state"]["loops"]["song"] is None
    lead, spb = info["lead"], info["secondsPerBar"]
    notes = grid(player_site, solo, layer_bars, bars, bpm, lead)
    assert any(tick >= layer_bars * BAR for *_, tick in notes)  # the grid covers the second pass
    expected = unique_times(t for t, *_ in notes)
    found = clicks(x, RATE)
    found = found[found < lead + bars * spb - 0.001]
    worst, extra = match(expected, found)
    assert worst <= 1.5 / RATE and extra == []
    # Humanised (as listeners hear it): nudged by a few ms, and nudged the same way every pass.
    y, _ = render(page, track=solo["id"], bars=bars, bpm=bpm, probe=True, humanise=True, sampleRate=RATE, volumes=FLAT)
    nudged = clicks(y, RATE)
    nudged = nudged[nudged < lead + bars * spb - 0.02]
    offsets = np.array([n - expected[np.argmin(np.abs(expected - n))] for n in nudged])
    assert np.max(np.abs(offsets)) <= 0.006 + 1.5 / RATE
    assert np.mean(np.abs(offsets) > 0.0005) > 0.5  # most notes are moved...
    loop = layer_bars * spb
    again = nudged[nudged >= lead + loop] - loop
    head = nudged[: len(again)]
    assert len(again) > 4 and np.max(np.abs(again - head)) <= 1.5 / RATE  # ...identically each pass


def test_real_drum_samples_through_the_drum_chain_land_within_2_ms(open_player, player_site):
    """The kit's samplers and the drum family's chain (filters, saturation, reverb send): every
    hit that stands out in the mix is found, by cross-correlation with its own sample, within
    2 ms of its grid position."""
    page = open_player()
    man = manifest(player_site)
    drums = entry(man, "drums", "dusty-boom-bap")
    groove = piece(player_site, drums)
    kit = entry(man, "instruments", groove["lofi"]["parts"][0]["instrument"])
    bpm, bars, rate = 100, 4, 44100
    x, info = render(page, drums=drums["id"], track=None, bars=bars, bpm=bpm, sampleRate=rate, volumes=FLAT)
    assert np.max(np.abs(x)) > 0.05
    lead = info["lead"]
    spt = 60 / (bpm * PPQ)
    window = int(0.005 * rate)
    checked = []
    for track in groove["tracks"]:
        for note in track["notes"]:
            url = kit["urls"].get(str(note["midi"]))
            if note["ticks"] >= bars * BAR or url is None or note["velocity"] < 0.5:
                continue
            sample, file_rate = sf.read(player_site / url, dtype="float32", always_2d=True)
            assert file_rate == rate
            template = sample[: int(0.03 * rate), 0]
            at = round((lead + (note["ticks"] + swing_ticks(note["ticks"], groove["lofi"]["swing"])) * spt) * rate)
            scores = []
            for lag in range(-window, window + 1):
                seg = x[at + lag: at + lag + len(template)]
                scores.append(float(np.dot(seg, template) / (np.linalg.norm(seg) * np.linalg.norm(template) + 1e-12)))
            best = int(np.argmax(scores))
            if scores[best] >= 0.5:  # this hit dominates its moment (not masked by another)
                checked.append(((best - window) / rate, track["name"], note["ticks"]))
    assert len(checked) >= 8
    worst = max(checked, key=lambda c: abs(c[0]))
    assert abs(worst[0]) <= TOLERANCE, f"{worst[1]} at tick {worst[2]} is {worst[0] * 1000:.2f} ms off"


def test_the_quote_starts_at_bar_5_once_and_the_music_dips_6_db_under_it(open_player, player_site):
    page = open_player()
    man = manifest(player_site)
    quote = entry(man, "quotes", "transformation")
    bpm, rate = 120, 44100
    x, info = render(page, quote=quote["id"], track=None, bars=8, bpm=bpm, probe=True, sampleRate=rate, volumes=FLAT)
    assert man["site"]["quoteStartTicks"] == 4 * BAR and info["state"]["quoteStart"] == "4:0:0"
    own, _ = sf.read(player_site / quote["url"], dtype="float32", always_2d=True)
    start = first_sound(x, rate) - first_sound(own[:, 0], rate)
    assert start - info["lead"] == pytest.approx(4 * info["secondsPerBar"], abs=TOLERANCE)
    # After the quote: silence, not a second reading.
    end = info["lead"] + 4 * info["secondsPerBar"] + quote["duration"]
    assert np.max(np.abs(x[int((end + 0.3) * rate):])) < 1e-4

    # The duck: music clicks at full height before bar 5, 6 dB down while the quote speaks.
    song = entry(man, "songs", "late-bus-home")
    y, info = render(page, quote=quote["id"], track=song["id"], bars=7, bpm=bpm, probe=True, humanise=False,
                     sampleRate=RATE, volumes={**FLAT, "quote": -40})
    lead, spb = info["lead"], info["secondsPerBar"]
    onsets = clicks(y, RATE, threshold=0.02)
    peaks = np.array([y[int(round(t * RATE)): int(round(t * RATE)) + 8].max() for t in onsets])
    before = peaks[onsets < lead + 4 * spb]
    during = peaks[(onsets > lead + 4 * spb + 0.6) & (onsets < lead + 4 * spb + quote["duration"] - 0.1)]
    assert len(before) > 10 and len(during) > 10
    dip = 20 * np.log10(np.min(during) / np.min(before))
    assert dip == pytest.approx(-6, abs=0.5)


def test_the_ambience_is_retriggered_every_12_bars_from_its_loop_start(open_player, player_site):
    page = open_player()
    man = manifest(player_site)
    amb = entry(man, "ambience", "rain")
    period = man["site"]["loops"]["ambience"]
    bpm, rate = 240, 44100  # 12 bars in 12 s, well inside the 36 s loop: a retrigger, not a wrap
    x, info = render(page, ambience=amb["id"], track=None, bars=period + 2, bpm=bpm, probe=True, sampleRate=rate, volumes=FLAT)
    assert info["state"]["loops"]["ambience"] == period
    own, _ = sf.read(player_site / amb["url"], dtype="float32", always_2d=True)
    own = own.mean(axis=1) if own.shape[1] > 1 else own[:, 0]

    def similarity(render_at, file_at, seconds=0.3):
        a = x[round(render_at * rate): round((render_at + seconds) * rate)]
        b = own[round(file_at * rate): round(file_at * rate) + len(a)]
        return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))

    lead, spb = info["lead"], info["secondsPerBar"]
    assert similarity(lead + 5, amb["loopStart"] + 5) > 0.99  # playing from loopStart since bar 1
    again = lead + period * spb
    assert similarity(again + 0.8, amb["loopStart"] + 0.8) > 0.99  # from loopStart again at bar 13
    assert similarity(again + 0.8, amb["loopStart"] + period * spb + 0.8) < 0.5  # not carrying on
