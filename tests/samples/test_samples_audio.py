"""The committed kit, decoded and analysed: lengths, onsets, pitch, seamless loops, loudness, character."""

from __future__ import annotations

import numpy as np
import pytest

from kitcheck import (
    KIT_YAML, band_share, centroid, first_above, highpass, mono, pitch_cents, transients_per_second,
    windowed_rms_db,
)
from lofi_build.samples.loudness import integrated_loudness, peak_db
from lofi_build.samples.manifest import load_kit

KIT = load_kit(KIT_YAML)
ONE_SHOTS = [(item.id, midi, a.rel) for item in KIT.of_kind("instrument", "drumkit") for midi, a in item.notes.items()]
PITCHED = {item.id for item in KIT.of_kind("instrument")}
AMBIENCE = {item.id: item for item in KIT.of_kind("ambience")}
QUOTES = {item.id: item for item in KIT.of_kind("quote")}
ALL_FILES = [a.rel for a in KIT.files]
SITE_BPM, AMBIENCE_BARS = 80, 12


def test_the_kit_has_what_the_player_needs():
    ids = {item.kind: [] for item in KIT.items}
    for item in KIT.items:
        ids[item.kind].append(item.id)
    assert {"piano", "rhodes", "guitar", "bass"} <= set(ids["instrument"])
    assert {"vibraphone", "musicbox"} & set(ids["instrument"])
    assert set(ids["drumkit"]) == {"drums", "brushes"}
    assert {"rain", "fire", "wind", "stream"} <= set(ids["ambience"]) and len(ids["ambience"]) >= 5
    assert len(ids["quote"]) >= 3


def test_instruments_are_sampled_every_minor_third():
    for item in KIT.of_kind("instrument"):
        notes = list(item.notes)
        assert all(b - a == 3 for a, b in zip(notes, notes[1:])), item.id
        assert all(m % 3 == 0 for m in notes), f"{item.id}: the grid is C, D#, F#, A"
        assert all("#" not in a.rel for a in item.files), "the Sampler fetches URLs raw: no '#' in names"


def test_kit_fits_the_size_budget():
    total = sum(a.path.stat().st_size for a in KIT.files)
    assert total <= 12_000_000, f"{total / 1e6:.1f} MB"


def test_no_stray_audio_in_the_kit_folder():
    named = {a.path.resolve() for a in KIT.files}
    stray = [p for p in KIT.root.rglob("*.mp3") if p.resolve() not in named]
    assert not stray


@pytest.mark.parametrize("rel", ALL_FILES)
def test_every_file_decodes_non_silent_at_44k1(decoded, rel):
    x, rate = decoded[rel]
    assert rate == 44100 and x.shape[1] in (1, 2) and len(x) > 0.1 * rate
    assert peak_db(x) > -30, "non-silent"
    assert peak_db(x) <= -0.5, "headroom for decoders' overshoot"
    assert np.isfinite(x).all()


@pytest.mark.parametrize("rel", ALL_FILES)
def test_every_layer_is_between_minus_35_and_minus_10_lufs(decoded, rel):
    x, rate = decoded[rel]
    assert -35 <= integrated_loudness(x, rate) <= -10


@pytest.mark.parametrize("kit_id, midi, rel", ONE_SHOTS)
def test_one_shots_start_on_their_attack(decoded, kit_id, midi, rel):
    x, rate = decoded[rel]
    assert first_above(x, -40) / rate <= 0.001, "audible within the first millisecond"
    assert first_above(x, -20) / rate <= 0.002, "onset (10 % of peak) within 2 ms"
    assert abs(mono(x)[0]) < 0.15 * np.abs(x).max(), "starts at the attack's foot, not mid-waveform"
    assert np.abs(x[-32:]).max() < 0.01 * np.abs(x).max(), "fades out at the end"


@pytest.mark.parametrize("kit_id, midi, rel", [s for s in ONE_SHOTS if s[0] in PITCHED])
def test_instrument_notes_are_in_tune(decoded, kit_id, midi, rel):
    x, rate = decoded[rel]
    assert abs(pitch_cents(x, rate, midi)) <= 20


def test_pitch_check_catches_a_detuned_note():
    rate = 44100
    t = np.arange(rate) / rate
    for cents in (0, 30, -45):
        f = 220 * 2 ** (cents / 1200)
        x = sum(np.sin(2 * np.pi * k * f * t) / k for k in range(1, 6)) * np.exp(-2 * t)
        assert pitch_cents(x[:, None], rate, 57) == pytest.approx(cents, abs=2)


# -- ambience loops ------------------------------------------------------------------------------------


def _level_jump(y: np.ndarray, at: int, rate: int) -> float:
    w = round(0.05 * rate)
    before, after = y[at - w:at], y[at:at + w]
    return abs(20 * np.log10(np.sqrt(np.mean(before**2)) / np.sqrt(np.mean(after**2))))


def _spectral_distance(y: np.ndarray, at: int, rate: int) -> float:
    """RMS difference in dB of third-octave band levels (100 Hz-16 kHz) 200 ms each side of ``at``."""
    w = round(0.2 * rate)
    edges = 100 * 2 ** (np.arange(0, 28) / 3)
    f = np.fft.rfftfreq(w, 1 / rate)

    def bands(seg):
        power = np.abs(np.fft.rfft(seg * np.hanning(w))) ** 2
        return np.array([10 * np.log10(power[(f >= lo) & (f < hi)].sum() + 1e-20) for lo, hi in zip(edges, edges[1:])])

    return float(np.sqrt(np.mean((bands(y[at - w:at]) - bands(y[at:at + w])) ** 2)))


@pytest.mark.parametrize("ambience_id", list(AMBIENCE))
def test_ambience_loops_are_long_and_their_points_exact(decoded, ambience_id):
    item = AMBIENCE[ambience_id]
    x, rate = decoded[item.audio.rel]
    assert item.loop_end - item.loop_start >= AMBIENCE_BARS * 4 * 60 / SITE_BPM  # >= 36 s
    # Margins of the same periodic sound on both sides: decoder delay or padding never reaches the loop.
    assert item.loop_start >= 0.2 and len(x) / rate - item.loop_end >= 0.2
    for at in (item.loop_start, item.loop_end):
        assert at * rate == pytest.approx(round(at * rate), abs=1e-6), "loop points fall on samples"


@pytest.mark.parametrize("ambience_id", list(AMBIENCE))
def test_ambience_loops_seamlessly(decoded, ambience_id):
    item = AMBIENCE[ambience_id]
    x, rate = decoded[item.audio.rel]
    start, end = round(item.loop_start * rate), round(item.loop_end * rate)
    m = round(0.2 * rate)
    # The sound just past the loop end IS the sound just past the loop start (up to MP3 noise).
    for c in range(x.shape[1]):
        a, b = x[end - m:end + m, c], x[start - m:start + m, c]
        assert np.corrcoef(a, b)[0, 1] > 0.8
    # What a listener hears at the loop point: level, spectrum and sample steps as anywhere else.
    y = mono(np.concatenate([x[start:end], x[start:end]]))
    seam = end - start
    others = np.random.default_rng(0).integers(rate, seam - rate, 40)
    jumps = [_level_jump(y, p, rate) for p in others]
    assert _level_jump(y, seam, rate) <= max(jumps) + 1.0, "no level dip or bump at the loop point"
    distances = [_spectral_distance(y, p, rate) for p in others]
    assert _spectral_distance(y, seam, rate) <= max(distances) + 1.0, "spectrum continuous"
    steps = np.abs(np.diff(y))
    assert steps[seam - 1] <= np.percentile(steps, 99.9), "no click"


# -- ambience sounds like its name -------------------------------------------------------------------


def _ambience(decoded, name):
    return decoded[AMBIENCE[name].audio.rel]


def test_rain_is_a_dense_steady_patter(decoded):
    x, rate = _ambience(decoded, "rain")
    assert centroid(x, rate) > 2000 and band_share(x, rate, 1000, 22050) > 0.85
    assert transients_per_second(x, rate) > 20, "countless drops"
    assert windowed_rms_db(x, rate, 0.5).std() < 2, "steady, not gusty"


def test_fire_is_a_low_roar_with_crackles(decoded):
    x, rate = _ambience(decoded, "fire")
    assert band_share(x, rate, 0, 500) > 0.8, "the roar is low"
    assert 3 <= transients_per_second(x, rate) <= 80, "crackles: sparse sharp clicks"
    hp = highpass(x, rate, 2000)
    kurtosis = np.mean(hp**4) / np.mean(hp**2) ** 2
    assert kurtosis > 10, "the high band is impulsive (crackle), not hiss"


def test_wind_is_low_smooth_and_gusty(decoded):
    x, rate = _ambience(decoded, "wind")
    assert band_share(x, rate, 0, 1000) > 0.9
    assert transients_per_second(x, rate) < 1, "no clicks in wind"
    assert windowed_rms_db(x, rate, 0.5).std() > 3, "gusts swell and fade"


def test_stream_babbles_in_the_mid_band(decoded):
    x, rate = _ambience(decoded, "stream")
    assert 500 < centroid(x, rate) < 2000 and band_share(x, rate, 250, 4000) > 0.75
    assert 2 <= transients_per_second(x, rate) <= 80, "bubbles"
    assert windowed_rms_db(x, rate, 0.5).std() < 3, "a steady flow"


def test_vinyl_crackles_and_its_scratch_comes_round_every_turn(decoded):
    x, rate = _ambience(decoded, "vinyl")
    assert band_share(x, rate, 5000, 22050) > 0.3, "surface noise and clicks are bright"
    assert 3 <= transients_per_second(x, rate) <= 80
    env = np.abs(highpass(x, rate, 700))
    ms = rate // 1000
    env = env[: len(env) // ms * ms].reshape(-1, ms).max(axis=1)
    env = env - env.mean()
    turn = round(rate * 60 / (100 / 3) / ms)  # frames per revolution at 33 1/3 rpm
    acf = np.array([np.dot(env, np.roll(env, lag)) for lag in range(turn - 300, turn + 300)])
    assert np.argmax(acf) == 300, "the strongest repeat is one revolution (1.8 s) later"


def test_night_is_crickets_chirping(decoded):
    x, rate = _ambience(decoded, "night")
    assert band_share(x, rate, 3500, 5500) > 0.5, "cricket carriers around 4-5 kHz"
    band = highpass(x, rate, 3500)
    levels = windowed_rms_db(band[:, None], rate, 0.01)
    assert np.percentile(levels, 90) - np.percentile(levels, 10) > 10, "chirps come and go"


# -- quotes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("quote_id", list(QUOTES))
def test_quotes_are_lofi_speech(decoded, quote_id):
    item = QUOTES[quote_id]
    x, rate = decoded[item.audio.rel]
    assert len(item.text.split()) / (len(x) / rate) < 4, "unhurried"
    assert band_share(x, rate, 250, 4000) > 0.85 and band_share(x, rate, 5000, 22050) < 0.02, "band-limited"
    env = windowed_rms_db(x, rate, 0.01)
    env = 10 ** (env / 20)
    spectrum = np.abs(np.fft.rfft(env - env.mean())) ** 2
    f = np.fft.rfftfreq(len(env), 0.01)
    syllabic = spectrum[(f >= 2) & (f <= 8)].sum() / spectrum[(f >= 0.5) & (f <= 20)].sum()
    assert syllabic > 0.35, "speech rhythm: syllables at 2-8 Hz"
    lead = mono(x)[round(0.2 * rate):round(0.45 * rate)]
    lead_db = 20 * np.log10(np.sqrt(np.mean(lead**2)))
    speech_db = 20 * np.log10(np.sqrt(np.mean(mono(x) ** 2)))
    assert -75 < lead_db < speech_db - 15, "a little crackle before the voice, well under it"
