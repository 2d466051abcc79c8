"""The numpy engine against Keras for every preset's trained network, sampling, and the old quality gate."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from lofi_build.model import engine, lookback, presets, quality, train
from lofi_build.music.tokens import POSITIONS


def keras_model(ckpt):
    model = presets.build(ckpt.network, ckpt.settings, len(ckpt.vocab), len(ckpt.durations) + 1)
    train._import_weights(model, ckpt.weights)
    return model


def assert_engine_matches_keras(ckpt, steps=40, batch=3):
    rng = np.random.default_rng(0)
    model, v = keras_model(ckpt), len(ckpt.vocab)
    if not ckpt.network.duration_head:  # the article's windows
        windows = rng.integers(0, v, (batch, ckpt.settings.window))
        expected = model.predict(windows[..., None].astype("float32") / v, verbose=0)
        assert np.abs(engine.seed_probs(ckpt.weights, windows, v) - expected).max() <= 1e-5
        return
    tokens, durs, nxt = (rng.integers(0, n, (batch, steps)) for n in (v, len(ckpt.durations) + 1, v))
    if ckpt.network.conditioned:
        positions = rng.integers(0, POSITIONS, (batch, steps))
        chords = presets.chord_vectors(rng.integers(-1, 12, (batch, steps)), rng.integers(0, 4096, (batch, steps)),
                                       rng.integers(-1, 12, (batch, steps)))
        back = np.stack([rng.integers(0, n, (batch, steps)) for _ in lookback.BARS
                         for n in (v, len(ckpt.durations) + 1, lookback.DEGREES, 2)], axis=2)
        restated = rng.integers(0, 2, (batch, steps, len(lookback.BARS))).astype(np.float32)
        named = {f"lookback{k}_{what}": back[..., b * lookback.WIDTH + i] for b, k in enumerate(lookback.BARS)
                 for i, what in enumerate(("tokens", "durations", "degrees"))}
        named["same_chord"] = back[..., lookback.WIDTH - 1::lookback.WIDTH].astype(np.float32)
        out = model.predict({"tokens": tokens, "durations": durs, "positions": positions, "chords": chords,
                             "next_tokens": nxt, "restated": restated, **named}, verbose=0)
    else:
        out = model.predict([tokens, durs, nxt], verbose=0)
    state = engine.default_init(ckpt.weights, batch)
    worst = 0.0
    for t in range(steps):  # stateful steps, one event at a time, against the whole sequence in Keras
        if ckpt.network.conditioned:
            top, logits, state = engine.lofi_step(ckpt.weights, state, tokens[:, t], durs[:, t], positions[:, t],
                                                  chords[:, t], back[:, t], restated[:, t])
        else:
            top, logits, state = engine.default_step(ckpt.weights, state, tokens[:, t], durs[:, t])
        d = engine.duration_logits(ckpt.weights, top, nxt[:, t])
        worst = max(worst, np.abs(engine.softmax(logits) - engine.softmax(out["token"][:, t])).max(),
                    np.abs(engine.softmax(d) - engine.softmax(out["duration"][:, t])).max())
    assert worst <= 1e-5, worst


@pytest.mark.parametrize("preset", ["default", "article"])
def test_engine_matches_keras(tiny, preset):
    assert_engine_matches_keras(tiny[preset])


def test_sampling():
    logits = np.array([[0.0, 3.0, 1.0, 2.0], [5.0, 0.0, 0.0, 0.0]])
    u = np.array([0.99, 0.5])
    assert list(engine.sample(logits, u, 0, 0)) == [1, 0]  # temperature 0: the argmax
    assert list(engine.sample(logits, u, 0, 0, banned=[1])) == [3, 0]
    picks = {int(engine.sample(logits, np.array([x, x]), 1.0, 2)[0]) for x in np.linspace(0, 0.999, 50)}
    assert picks == {1, 3}  # top-2 only
    picks = {int(engine.sample(logits, np.array([x, x]), 1.0, 0)[0]) for x in np.linspace(0, 0.999, 200)}
    assert picks == {0, 1, 2, 3}


def test_quality_gate_measures():
    f = Fraction(1, 2)
    repeated = [("C4", f)] * 40
    stats = quality.measure(repeated)
    assert stats["longestRun"] == 40 and stats["distinctTokens"] == 1 and stats["pitchRange"] == 0
    assert "one token repeated 40 times in a row" in quality.problems(stats)
    melody = [(t, f) for t in "C4 D4 E4 F4 G4 A4 B4 C5 r G4 E4 C4".split()] * 3
    stats = quality.measure(melody)
    assert quality.problems(stats) == [] and stats["key"] == "C major" and stats["outOfKey"] == 0
    assert stats["pitchRange"] == 12 and math.isclose(stats["restShare"], 1 / 12, abs_tol=1e-4)
    chromatic = [(f"{n}4", f) for n in "C C# D D# E F F# G G# A A# B".split()] * 3
    assert any("out of key" in p for p in quality.problems(quality.measure(chromatic)))
    silent = [("r", Fraction(4))] * 3 + [("C4", f), ("E4", f), ("G4", f), ("B4", f), ("D5", f)]
    assert any("rests" in p for p in quality.problems(quality.measure(silent)))
