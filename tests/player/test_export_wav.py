"""Export WAV: what is selected, rendered offline through the same engine and mix, as a 16-bit 44.1 kHz
stereo file whose header and length are right, identical to a render of the same selection, under the CSP."""

from __future__ import annotations

import base64
import io
import struct
import wave

import numpy as np
import pytest

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
