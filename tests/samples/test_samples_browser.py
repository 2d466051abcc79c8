"""The kit as real Chromium decodes it: the same length, sample-aligned, attacks within 2 ms."""

from __future__ import annotations

import numpy as np
import pytest

from kitcheck import HEAD, KIT_YAML, chromium_decode, chromium_loop_seams
from lofi_build.samples import audio
from lofi_build.samples.manifest import load_kit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium_kit(browser):
    kit = load_kit(KIT_YAML)
    one_shots = [a for item in kit.of_kind("instrument", "drumkit") for a in item.files]
    loops = [item.audio for item in kit.of_kind("ambience", "quote")]
    # Also at 48 kHz, where Chromium resamples: the onsets must survive that too.
    results = chromium_decode(browser, kit.root, {44100: [a.rel for a in one_shots + loops],
                                         48000: [a.rel for a in one_shots]})
    return kit, {a.rel for a in one_shots}, results


def test_chromium_decodes_every_file_to_its_full_length(chromium_kit):
    kit, _, results = chromium_kit
    for a in kit.files:
        row = results[44100][a.rel]
        assert (row["rate"], row["frames"], row["channels"]) == (a.rate, a.frames, a.channels), a.rel


def test_chromium_onsets_are_within_2_ms(chromium_kit):
    kit, one_shots, results = chromium_kit
    for rate, rows in results.items():
        worst = max(rows[rel]["onset20"] / rate for rel in one_shots)
        assert worst <= 0.002, f"at {rate} Hz the latest onset is {worst * 1000:.2f} ms"
        assert max(rows[rel]["onset40"] / rate for rel in one_shots) <= 0.001


def test_chromium_and_libsndfile_agree_to_the_sample(chromium_kit):
    """No encoder delay or padding left in: Chromium's samples are libsndfile's samples, unshifted."""
    kit, one_shots, results = chromium_kit
    for rel in sorted(one_shots)[::7]:
        ours, _ = audio.read(kit.root / rel)
        theirs = np.array(results[44100][rel]["head"], dtype=np.float32)
        n = min(HEAD, len(ours))
        lags = range(-32, 33)
        errors = [np.abs(np.roll(theirs[:n], lag) - ours[:n, 0]).max() for lag in lags]
        assert lags[int(np.argmin(errors))] == 0 and min(errors) < 0.01, rel


def test_chromium_loops_ambience_without_a_seam(browser):
    """Looped by Chromium's own AudioBufferSourceNode at the manifest's points, the sound runs on
    exactly as the periodic signal does: the seam is not there to hear."""
    kit = load_kit(KIT_YAML)
    loops = kit.of_kind("ambience")
    around, rate = 0.1, 44100
    played = chromium_loop_seams(browser, kit.root, [(i.audio.rel, i.loop_start, i.loop_end) for i in loops], around)
    for item in loops:
        x, _ = audio.read(item.audio.path)
        start, end, w = round(item.loop_start * rate), round(item.loop_end * rate), round(around * rate)
        heard = played[item.audio.rel]
        expected = np.concatenate([x[end - w:end, 0], x[start:start + w, 0]])
        assert np.abs(heard - expected).max() < 1e-3, f"{item.id}: Chromium loops exactly the manifest's span"
        continuous = x[start - w:start + w, 0]  # the same moment without a seam (one period earlier)
        assert np.corrcoef(heard, continuous)[0, 1] > 0.8, item.id
        steps = np.abs(np.diff(heard))
        assert steps[w - 1] <= np.percentile(steps, 99.5), f"{item.id}: no click at the loop point"
