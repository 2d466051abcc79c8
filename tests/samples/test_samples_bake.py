"""The bakers: loudness, trimming, MP3 gaplessness, periodic synthesis, settings, tools, and a real re-bake."""

from __future__ import annotations

import shutil

import mido
import numpy as np
import pytest
import soundfile as sf

from kitcheck import KIT_YAML, ROOT, first_above, mono, pos, require_bake_tools, run_cli, tone
from lofi_build.errors import BakeError, LofiError
from lofi_build.samples import ambience, audio, instruments, quotes, soundfont, tools
from lofi_build.samples.bake import bake_kit, select
from lofi_build.samples.loudness import integrated_loudness, k_weighting, peak_db
from lofi_build.samples.manifest import load_kit

RATE = 44100


# -- loudness (BS.1770-4) --------------------------------------------------------------------------


def test_k_weighting_matches_the_recommendation_at_48k():
    (b1, a1), (b2, a2) = k_weighting(48000)
    assert b1 == pytest.approx([1.53512485958697, -2.69169618940638, 1.19839281085285], abs=1e-9)
    assert a1 == pytest.approx([1.0, -1.69065929318241, 0.73248077421585], abs=1e-9)
    assert b2 == pytest.approx([1.0, -2.0, 1.0]) and a2 == pytest.approx([1.0, -1.99004745483398, 0.99007225036621], abs=1e-9)


@pytest.mark.parametrize("rate", [44100, 48000])
def test_loudness_of_reference_tones(rate):
    t = np.arange(5 * rate) / rate
    sine = 10 ** (-23 / 20) * np.sin(2 * np.pi * 997 * t)
    assert integrated_loudness(np.stack([sine, sine], axis=1), rate) == pytest.approx(-23.0, abs=0.05)
    assert integrated_loudness(sine, rate) == pytest.approx(-26.0, abs=0.05)
    assert integrated_loudness(np.zeros(rate), rate) == -np.inf


def test_loudness_gates_silence_and_counts_short_one_shots_as_one_block():
    t = np.arange(2 * RATE) / RATE
    sine = 0.1 * np.sin(2 * np.pi * 1000 * t)
    padded = np.concatenate([sine, np.zeros(10 * RATE)])
    # Silence is gated out; only the blocks straddling the tone's end pull the figure down a little.
    assert integrated_loudness(padded, RATE) == pytest.approx(integrated_loudness(sine, RATE), abs=0.5)
    burst = sine[: RATE // 10]
    assert integrated_loudness(burst, RATE) == pytest.approx(
        integrated_loudness(np.concatenate([burst, np.zeros(RATE * 3 // 10)]), RATE), abs=0.01)


# -- audio chores ----------------------------------------------------------------------------------


def test_trim_attack_starts_at_the_attack_with_a_tiny_fade():
    x = np.concatenate([np.zeros(500), 1e-5 * np.ones(100), tone(0.5)]).astype(np.float32)
    y = audio.trim_attack(x)
    assert first_above(y, -40) <= 10 and y[0] == pytest.approx(0, abs=1e-3)
    assert len(x) - len(y) >= 590


def test_trim_attack_drops_a_slow_quiet_lead_in():
    ramp = np.linspace(0.001, 0.05, 400)  # 9 ms of creeping noise before the hit
    x = np.concatenate([ramp, tone(0.3)]).astype(np.float32)
    assert first_above(audio.trim_attack(x), -20) / RATE <= 0.0012


def test_trim_tail_ends_where_the_sound_has_died_with_a_fade():
    x = np.concatenate([tone(1.0, freq=300) * np.exp(-np.arange(RATE) / 4000), np.zeros(RATE)]).astype(np.float32)
    y = audio.trim_tail(x)
    assert len(y) < 1.2 * RATE and abs(y[-1]) < 1e-6


def test_mono_only_when_the_channels_agree():
    x = tone(0.2)
    assert audio.as_mono_if_coherent(np.stack([x, 0.98 * x], axis=1)).ndim == 1
    noise = np.random.default_rng(1).standard_normal(len(x)).astype(np.float32)
    assert audio.as_mono_if_coherent(np.stack([x, noise], axis=1)).shape == (len(x), 2)


def test_mp3_is_gapless_length_and_onset_survive_encoding(tmp_path):
    x = np.zeros(RATE // 2, dtype=np.float32)
    x[:2000] = np.sin(np.arange(2000) * 0.3) * np.exp(-np.arange(2000) / 300)  # attack on sample 0
    path = tmp_path / "hit.mp3"
    audio.write_mp3(path, x, quality=0.3)
    y, rate = audio.read(path)
    assert rate == RATE and len(y) == len(x), "the LAME header's delay and padding are honoured"
    assert first_above(y, -20) <= 5
    lag = int(np.argmax(np.correlate(y[:3000, 0], x[:1000], mode="valid")))
    assert lag == 0


def test_mp3_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "sub" / "a.mp3"
    audio.write_mp3(path, tone())
    audio.write_mp3(path, tone(0.5))
    assert [p.name for p in path.parent.iterdir()] == ["a.mp3"]
    assert sf.info(str(path)).duration == pytest.approx(0.5, abs=0.001)


# -- ambience synthesis -----------------------------------------------------------------------------


@pytest.mark.parametrize("synth", list(ambience.SYNTHS))
def test_synths_are_seeded_and_periodic(synth):
    a = ambience.period(synth, 4.0, seed=7, loudness=-24)
    assert a.shape == (4 * RATE, 2) and a.dtype == np.float32
    assert np.array_equal(a, ambience.period(synth, 4.0, seed=7, loudness=-24)), "same seed, same audio"
    assert not np.array_equal(a, ambience.period(synth, 4.0, seed=8, loudness=-24))
    # Played round and round, the seam is an ordinary moment: no step, no level change.
    steps = np.abs(np.diff(mono(np.concatenate([a, a]))))
    assert steps[len(a) - 1] <= np.percentile(steps, 99.9)
    loudness = integrated_loudness(np.concatenate([a, a]), RATE)
    assert loudness == pytest.approx(-24, abs=0.3) or peak_db(a) == pytest.approx(-1, abs=0.05)


def test_loop_file_puts_one_period_between_the_loop_points():
    p = np.arange(100, dtype=np.float32)[:, None]
    f = ambience.loop_file(p, 10, 110)
    assert len(f) == 120 and f[10, 0] == 0 and f[109, 0] == 99 and f[110, 0] == 0 and f[0, 0] == 90
    with pytest.raises(ValueError):
        ambience.loop_file(p, 10, 100)


def test_scatter_wraps_grains_round_the_period():
    out = np.zeros((10, 2))
    ambience.scatter(out, [8], [np.ones(4)], pans=[0.5])
    assert list(out[:, 0] > 0) == [True, True] + [False] * 6 + [True, True]


# -- instruments -----------------------------------------------------------------------------------


def test_strikes_get_their_own_slots_programs_and_channels():
    strikes = [soundfont.Strike(program=4, midi=60, length=2.0), soundfont.Strike(program=32, midi=36, percussion=True)]
    midi, starts = soundfont.strikes_midi(strikes)
    assert starts[1] - starts[0] >= 2.0
    messages = [m for m in midi.tracks[0] if not m.is_meta]
    programs = [(m.channel, m.program) for m in messages if m.type == "program_change"]
    assert programs == [(0, 4), (9, 32)]
    ons = [(m.channel, m.note) for m in messages if m.type == "note_on"]
    assert ons == [(0, 60), (9, 36)]
    assert isinstance(midi, mido.MidiFile)


def test_retune_brings_a_sharp_note_onto_equal_temperament():
    t = np.arange(RATE) / RATE
    f = 440 * 2 ** (25 / 1200)
    x = (sum(np.sin(2 * np.pi * k * f * t) / k for k in range(1, 5)) * np.exp(-2 * t)).astype(np.float32)
    assert instruments.detune(x, 69) == pytest.approx(25, abs=1)
    fixed = instruments.in_tune({69: x})[69]
    assert abs(instruments.detune(fixed, 69)) < 1.5


def test_level_sets_the_median_note_and_respects_the_peak_ceiling():
    notes = {60: tone(1.0) * 0.1, 63: tone(1.0) * 0.2, 66: tone(1.0) * 0.05}
    levelled = instruments.level(notes, -30)
    assert integrated_loudness(levelled[60], RATE) == pytest.approx(-30, abs=0.1)
    loud = instruments.level(notes, -6)
    assert max(peak_db(x) for x in loud.values()) == pytest.approx(-1, abs=0.01)


# -- quotes ----------------------------------------------------------------------------------------


def test_radio_treatment_band_limits_and_frames_the_voice():
    rng = np.random.default_rng(3)
    voice = (rng.standard_normal(RATE) * np.hanning(RATE)).astype(np.float32)
    x = quotes.radio(voice, RATE, seed=1)
    assert len(x) == pytest.approx(RATE * (1 + quotes.LEAD_IN + quotes.TAIL), abs=2)
    assert abs(x[0]) < 1e-6 and abs(x[-1]) < 1e-6
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    assert power[f > 6000].sum() / power.sum() < 0.02 and power[f < 150].sum() / power.sum() < 0.02


# -- settings, selection and missing tools ---------------------------------------------------------

KIT = """
version: 1
sources:
  s: {title: S, licence: MIT}
items:
  - id: piano
    kind: instrument
    title: Piano
    sources: [s]
    notes: {C4: piano/C4.mp3}
    bake: {soundfont: /nonexistent/FluidR3_GM.sf2, program: 0}
  - id: rain
    kind: ambience
    title: Rain
    sources: [s]
    file: rain.mp3
    loop: {start: 0.25, end: 2.25}
    bake: {synth: rain, seed: 3, loudness: -24}
  - id: hello
    kind: quote
    title: Hello
    sources: [s]
    file: hello.mp3
    text: Hello.
    author: Me
    source: Here
    bake: {voice: en-us}
"""


def test_bake_settings_errors_are_located(make_kit):
    text = KIT.replace("{synth: rain, seed: 3, loudness: -24}", "{synth: rain, seed: -1, loud: 3}")
    with pytest.raises(LofiError) as excinfo:
        bake_kit(make_kit(text), only=["ambience/rain"], progress=False)
    found = {(d.line, d.col): d.message for d in excinfo.value.diagnostics}
    assert found == {pos(text, "loud:"): "unknown ambience bake setting 'loud' (expected one of: loudness, seed, synth)",
                     pos(text, "-1"): "bake setting 'seed' must be a whole number from 0 to 4294967295"}
    text = KIT.replace("synth: rain", "synth: snow")
    with pytest.raises(BakeError) as excinfo:
        bake_kit(make_kit(text), only=["rain"], progress=False)
    assert (excinfo.value.line, excinfo.value.col) == pos(text, "snow")
    assert excinfo.value.message == "unknown ambience synth 'snow' (known: rain, fire, wind, stream, vinyl, night)"


@pytest.mark.parametrize("voice", ["mb-en1", "en+mb-us2", "us-mbrola-2"])
def test_mbrola_voices_are_refused(make_kit, voice):
    text = KIT.replace("voice: en-us", f"voice: {voice}")
    with pytest.raises(BakeError) as excinfo:
        bake_kit(make_kit(text), only=["quote"], progress=False)
    assert "MBROLA" in excinfo.value.message and (excinfo.value.line, excinfo.value.col) == pos(text, voice)


def test_select_by_kind_id_or_both(make_kit):
    kit = load_kit(make_kit(KIT), check_files=False)
    assert [i.id for i in select(kit, [])] == ["piano", "rain", "hello"]
    assert [i.id for i in select(kit, ["quote", "ambience/rain"])] == ["rain", "hello"]
    assert [i.id for i in select(kit, ["piano"])] == ["piano"]
    with pytest.raises(BakeError, match="--only quote/rain: no such item"):
        select(kit, ["quote/rain"])


def test_missing_tools_name_their_debian_packages(make_kit, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(LofiError) as excinfo:
        bake_kit(make_kit(KIT), progress=False)
    messages = [d.message for d in excinfo.value.diagnostics]
    assert any("'fluidsynth'" in m and "install the Debian package 'fluidsynth'" in m for m in messages)
    assert any("install the Debian package 'espeak-ng'" in m for m in messages)
    assert any("install the Debian package 'fluid-soundfont-gm'" in m for m in messages)
    font = next(d for d in excinfo.value.diagnostics if "soundfont" in d.message)
    assert (font.line, font.col) == pos(KIT, "/nonexistent")


def test_tool_failures_quote_the_tool():
    with pytest.raises(BakeError, match="false failed"):
        tools.run(["sh", "-c", "echo broken >&2; exit 3"], "false")


def test_cli_without_the_tools_says_what_to_install(tmp_path):
    samples = tmp_path / "content" / "samples"
    samples.mkdir(parents=True)
    (samples / "samples.yaml").write_text(KIT_YAML.read_text())
    result = run_cli("samples", "--only", "quote", cwd=tmp_path, env={"PATH": str(tmp_path / "no-bin")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "install the Debian package 'espeak-ng'" in result.stderr
    assert not list(samples.rglob("*.mp3"))


# -- a real re-bake --------------------------------------------------------------------------------


def _snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    n = min(len(reference), len(other))
    a, b = mono(reference[:n]).astype(np.float64), mono(other[:n]).astype(np.float64)
    return 10 * np.log10(np.sum(a**2) / max(np.sum((a - b) ** 2), 1e-20))


def test_real_rebake_reproduces_the_committed_kit(tmp_path):
    require_bake_tools()
    only = ["instrument/musicbox", "ambience/vinyl", "quote/transformation"]
    result = run_cli("samples", "-f", ROOT / "lofi.yaml", *[a for o in only for a in ("--only", o)], "-o", tmp_path,
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Baked 15 files" in result.stderr
    rebaked = load_kit(tmp_path / "samples.yaml", strict=True)  # a valid kit of just those items
    assert [f"{i.kind}/{i.id}" for i in rebaked.items] == only
    committed = {i.id: i for i in load_kit(KIT_YAML).items}
    for item in rebaked.items:
        for new, old in zip(item.files, committed[item.id].files):
            x, _ = audio.read(new.path)
            y, _ = audio.read(old.path)
            if item.kind == "quote":  # speech timing may shift with the espeak-ng version
                assert len(x) == pytest.approx(len(y), rel=0.03)
                assert integrated_loudness(x, RATE) == pytest.approx(integrated_loudness(y, RATE), abs=1)
            else:
                assert len(x) == len(y) and _snr_db(y, x) > 25, new.rel
