"""Export WAV: what is selected, rendered offline through the same engine and mix, as a 16-bit 44.1 kHz
stereo file whose header and length are right, identical to a render of the same selection (its first
downbeat too), rendered a segment at a time with seams nobody can find, from the deck's length picker
(1 to 60 minutes, a bad length refused with a message), and made while the music plays without a live
note scheduled late or twice, under the CSP."""

from __future__ import annotations

import base64
import io
import json
import struct
import wave

import numpy as np
import pytest

from support import wait_for

pytestmark = pytest.mark.browser


def _export(page, options: str = "{bars: 2, save: false}") -> dict:
    return page.evaluate(f"""async () => {{
        const out = await lofi.exportWav({options});
        return out;
    }}""")


def test_the_header_is_a_16_bit_44k1_stereo_wav_and_the_length_is_exact(open_player):
    page = open_player()
    page.evaluate("lofi.select({drums: 'dusty-boom-bap', ambience: 'rain', quote: null, track: 'late-bus-home'})")
    out = _export(page, "{bars: 2, save: false}")
    header = base64.b64decode(out["header"])
    riff, size, wave_, fmt, fmt_size, pcm, channels, rate, byte_rate, align, bits, data, data_size = struct.unpack(
        "<4sI4s4sIHHIIHH4sI", header)
    assert (riff, wave_, fmt, data) == (b"RIFF", b"WAVE", b"fmt ", b"data")
    assert (fmt_size, pcm, channels, rate, bits, align, byte_rate) == (16, 1, 2, 44100, 16, 4, 176400)
    seconds = 2 * 4 * 60 / 72  # late-bus-home: 72 bpm, 4/4
    frames = round(seconds * 44100)
    assert abs(data_size // 4 - frames) <= 1
    assert size == 36 + data_size and out["bytes"] == 44 + data_size
    assert out["sampleRate"] == 44100 and out["channels"] == 2
    assert out["seconds"] == pytest.approx(seconds, abs=1 / 44100)
    assert not page.log.errors


def test_the_file_is_the_mix_that_plays_and_it_downloads(open_player):
    """The download is a real WAV (Python's wave module reads it), it sounds (not silence), it is not
    clipped flat, and it starts and ends faded (no click)."""
    page = open_player()
    page.evaluate("lofi.select({drums: 'rainy-shuffle', ambience: 'rain', quote: null, track: 'paper-lanterns'})")
    with page.expect_download(timeout=120_000) as info:
        out = _export(page, "{bars: 2}")
    path = info.value.path()
    assert info.value.suggested_filename.endswith(".wav")
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 44100)
        frames = w.readframes(w.getnframes())
    assert len(frames) + 44 == out["bytes"]
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, 2).astype(np.float64) / 32768
    rms_db = 20 * np.log10(np.sqrt(np.mean(samples ** 2)) + 1e-12)
    assert rms_db > -40, rms_db
    assert np.mean(np.abs(samples) >= 32767 / 32768) < 1e-4
    assert np.max(np.abs(samples[:5])) < 0.01 and np.max(np.abs(samples[-5:])) < 0.01
    assert not page.log.errors


def test_a_cancelled_export_offers_nothing_and_the_music_keeps_playing(open_player):
    page = open_player()
    page.evaluate("lofi.select({drums: 'dusty-boom-bap', ambience: null, quote: null, track: 'window-seat'})")
    page.evaluate("lofi.play()")
    page.wait_for_function("lofi.state().transport.state === 'started'", timeout=30_000)
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    result = page.evaluate("""async () => {
        const controller = new AbortController();
        const phases = [];
        const pending = lofi.exportWav({seconds: 60, signal: controller.signal, onProgress: (p) => phases.push(p.phase)});
        setTimeout(() => controller.abort(), 300);
        const out = await pending;
        return {out, phases};
    }""")
    assert result["out"] is None
    assert "loading" in result["phases"]
    page.wait_for_timeout(500)
    assert page.evaluate("lofi.state().transport.state") == "started"
    assert page.evaluate("lofi.level()") > -60
    assert downloads == []
    assert not page.log.errors


def _wav_samples(path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2).astype(np.float64) / 32768


def _warnings(page) -> list[str]:
    found = []
    page.on("console", lambda m: m.type in ("warning", "error") and found.append(m.text))
    return found


def test_the_file_is_what_a_render_of_the_selection_plays_from_its_first_downbeat(open_player):
    """The music starts at the file's first sample with every note of the downbeat (with the music at 0 s,
    the notes the chains' latency moves early had no time and were lost: 'a note could not be played')."""
    page = open_player()
    warnings = _warnings(page)
    page.evaluate("lofi.select({drums: 'dusty-boom-bap', ambience: null, quote: null, track: 'paper-lanterns'})")
    with page.expect_download(timeout=120_000) as info:
        page.evaluate("lofi.exportWav({bars: 2})")
    wav = _wav_samples(info.value.path())
    out = page.evaluate("""() => lofi.render({drums: 'dusty-boom-bap', track: 'paper-lanterns', bars: 2, channels: 2,
                                             sampleRate: 44100, lead: 0.1, tail: 0, volumes: lofi.state().volumes})""")
    render = np.stack([np.frombuffer(base64.b64decode(c), dtype="<f4") for c in out["channels"]], axis=1)[4410:]
    assert abs(len(render) - len(wav)) <= 1  # the render's own length rounds down
    # Past the 5 ms fade-in and before the 1.5 s fade-out, the file is the render to a few steps of 16 bits
    # (two renders differ by as much: a missing note would differ by thousands).
    middle = slice(int(0.006 * 44100), len(wav) - int(1.5 * 44100) - 1)
    assert np.max(np.abs(wav[middle] - np.clip(render[middle], -1, 1))) < 8 / 32768
    downbeat = slice(int(0.005 * 44100), int(0.1 * 44100))
    assert np.sqrt(np.mean(wav[downbeat] ** 2)) > 0.01  # the first kick is there
    assert not [w for w in warnings if "could not be played" in w], warnings
    assert not page.log.errors


def test_a_long_export_is_rendered_in_segments_that_join_without_a_seam(open_player):
    """25 s in segments of 10 (each started as a Transport resumed there, 8 s early, the tape wobble and the
    crackle where they would be) against one render of the whole: the first segment is the whole render's to a
    few steps of 16 bits, and the others all but that."""
    page = open_player()
    page.evaluate("lofi.select({drums: 'dusty-boom-bap', ambience: 'rain', quote: 'different-drummer', track: 'paper-lanterns'})")
    files = {}
    for segment in (10, 60):
        with page.expect_download(timeout=180_000) as info:
            page.evaluate(f"lofi.exportWav({{seconds: 25, segment: {segment}}})")
        files[segment] = _wav_samples(info.value.path())
    pieces, whole = files[10], files[60]
    assert pieces.shape == whole.shape == (25 * 44100, 2)
    rms = lambda x: float(np.sqrt(np.mean(x ** 2)))  # noqa: E731
    diff = pieces - whole
    assert np.max(np.abs(diff[: 10 * 44100 - 11025])) < 8 / 32768  # the first segment is the whole render's
    # The rest differs in a drum hit here and there (the drums alone differ most): some 50 dB below the
    # music, nothing a listener could hear.
    assert 20 * np.log10(rms(diff) / rms(whole)) < -45, 20 * np.log10(rms(diff) / rms(whole))
    for seam in (10, 20):  # no click where two segments meet: over the crossfade both play the same music
        around = slice(seam * 44100 - 22050, seam * 44100 + 22050)
        crossfade = slice(seam * 44100 - 11025, seam * 44100 + 441)
        assert 20 * np.log10(rms(diff[around]) / rms(whole)) < -40
        assert 20 * np.log10(rms(diff[crossfade]) / rms(whole)) < -50
    assert not page.log.errors


@pytest.mark.parametrize("options, message", [
    ("{minutes: 0}", "Length: 1 to 60 minutes, not 0."),
    ("{minutes: 61}", "Length: 1 to 60 minutes, not 61."),
    ("{minutes: NaN}", "Length: a number of minutes, 1 to 60."),
    ("{minutes: '5'}", "Length: a number of minutes, 1 to 60."),
    ("{seconds: -1}", "Length: more than 0 and at most 3600 seconds (60 minutes), not -1."),
    ("{seconds: 3601}", "Length: more than 0 and at most 3600 seconds (60 minutes), not 3601."),
    ("{bars: 2.5}", "Length: a whole number of bars, at least 1, not 2.5."),
    ("{bars: 2000}", "Length: 2000 bars last longer than the 60 minutes an export may."),
])
def test_a_bad_length_is_refused_with_a_message_and_nothing_is_made(open_player, options, message):
    page = open_player()
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    got = page.evaluate(f"lofi.exportWav({options}).then(() => 'made', (e) => [e.name, e.message])")
    assert got == ["RangeError", message]
    assert downloads == [] and not page.log.errors


def test_the_deck_picker_refuses_a_bad_length_and_cancel_stops_an_export(open_player):
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap&ambience=none&quote=none")
    limits = page.evaluate("lofi.manifest.facts.limits.exportMinutes")
    assert limits == {"min": 1, "max": 60}
    assert (page.get_attribute("#export-minutes", "min"), page.get_attribute("#export-minutes", "max")) == ("1", "60")
    for value, message in [("0", "Length: 1 to 60 minutes, not 0."), ("", "Length: a number of minutes, 1 to 60."),
                           ("90", "Length: 1 to 60 minutes, not 90.")]:
        page.fill("#export-minutes", value)
        page.click("#export-wav")
        wait_for(page, f"document.getElementById('export-error').textContent === {json.dumps(message)}")
        assert page.get_attribute("#export-minutes", "aria-invalid") == "true"
        assert page.is_hidden("#export-progress") and page.is_enabled("#export-wav")
    page.fill("#export-minutes", "2")
    assert page.get_attribute("#export-minutes", "aria-invalid") is None  # typing clears the message
    assert page.inner_text("#export-error") == ""
    page.click("#export-wav")
    page.click("#export-cancel")  # shown as the export starts
    wait_for(page, "document.getElementById('export-message').textContent === 'Export cancelled.'", timeout=60)
    assert page.is_hidden("#export-cancel") and page.is_hidden("#export-progress")
    assert not page.log.errors


def test_a_minute_exported_from_the_deck_while_the_music_plays_leaves_the_music_alone(open_player):
    """The picker's one minute, from the deck, while a song plays: the file downloads; while it renders the
    Transport looks further ahead (each segment's set-up holds the main thread longer than 0.3 s), and the end
    of what it has scheduled never moves back (which would schedule notes twice), then it is back to 0.3 s;
    no note could not be played."""
    page = open_player("#track=late-bus-home&drums=dusty-boom-bap&ambience=rain&quote=none")
    warnings = _warnings(page)
    page.click("#play")
    wait_for(page, "lofi.state().layers.ambience.sounding", timeout=60)
    base = page.evaluate("lofi.state().audio.lookAhead")
    # At each of the clock's updates: the look-ahead, and where the Transport's clock has scheduled to
    # (Tone 15.5's Clock._lastUpdate: it schedules from there on at its next update).
    page.evaluate("""() => { const c = Tone.getContext(); window.horizons = [];
                             c.on('tick', () => window.horizons.push([c.transport._clock._lastUpdate, c.lookAhead])); }""")
    page.fill("#export-minutes", "1")
    with page.expect_download(timeout=300_000) as info:
        page.click("#export-wav")
        wait_for(page, "document.getElementById('export-message').textContent.startsWith('Saved')", timeout=300)
    assert info.value.suggested_filename == "Late Bus Home.wav"
    assert page.inner_text("#export-message").startswith("Saved 1:00 of music as a 10.6 MB WAV")
    wait_for(page, f"lofi.state().audio.lookAhead === {base}", timeout=10)  # eased back
    horizons = page.evaluate("window.horizons")
    assert max(la for _, la in horizons) >= 1.5  # widened while it rendered
    ends = [h for h, _ in horizons]
    assert all(b >= a - 1e-9 for a, b in zip(ends, ends[1:]))
    assert page.evaluate("lofi.state().transport.state") == "started" and page.evaluate("lofi.level()") > -60
    assert not [w for w in warnings if "could not be played" in w], warnings
    assert not page.log.errors
