"""The noise a model is judged against: a random-initialised network of its preset and a unigram over the same
masks, both checkpoints the engine and make_pool run as they run the model."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from lofi_build.model import baselines, engine, lookback, presets
from lofi_build.model.checkpoint import Checkpoint
from lofi_build.model.pool import make_pool
from lofi_build.music import tokens as tok
from lofi_build.music.progression import parse_progression
from modelkit import TINY
from test_pool import random_checkpoint


def test_the_unigram_hears_nothing_and_plays_the_frequencies():
    ckpt = random_checkpoint("lofi")
    tokens = np.arange(len(ckpt.vocab), dtype=float)
    durations = np.ones(len(ckpt.durations) + 1)
    durations[4] = 99
    uni = baselines.unigram(ckpt, tokens, durations)
    assert engine.check_weights(uni) is None and uni.vocab == ckpt.vocab
    rng = np.random.default_rng(0)
    state = engine.default_init(uni.weights, 3)
    for _ in range(3):  # whatever it is fed, the same distribution
        ids = rng.integers(0, len(ckpt.vocab), 3)
        back = np.tile([ids[0], 0, 3, 1], (3, len(lookback.BARS)))
        top, logits, state = engine.lofi_step(uni.weights, state, ids, rng.integers(0, 5, 3), rng.integers(0, 49, 3),
                                              rng.random((3, 36)), back, rng.integers(0, 2, (3, len(lookback.BARS))))
        expected = np.log((tokens + 1) / (tokens + 1).sum())
        assert np.allclose(logits, expected[None, :], atol=1e-6)
        d = engine.duration_logits(uni.weights, top, ids)
        assert np.allclose(d, np.log((durations + 1) / (durations + 1).sum())[None, :], atol=1e-6)
    pool = make_pool(uni, count=2, bars=4, temperature=1.0, top_k=0, seed=1, bpm=80,
                     progressions=[("x", parse_progression("Dm9 | G13"))])
    assert len(pool.solos) == 2 and all(s.song["tracks"][0]["notes"] for s in pool.solos)


def test_the_article_network_has_no_unigram():
    from lofi_build.errors import ModelError
    from test_pool import random_article_checkpoint

    with pytest.raises(ModelError, match="token and duration heads"):
        baselines.unigram(random_article_checkpoint(), [1], [1])


def corpus_of_one_note(pieces=10):
    c = (0, (0, 4, 7), 0)
    return [[tok.Step("C4", Fraction(1), 12 * (i % 4), c) for i in range(8)] for _ in range(pieces)]


def lofi_checkpoint(sequences, **settings):
    s = presets.settings("lofi", **{**TINY["lofi"], **settings})
    vocab = presets.PRESETS["lofi"].vocabulary(sequences, s)
    return Checkpoint(folder=None, preset="lofi", fingerprint="f" * 64, settings=s, vocab=vocab, info={"seed": 3})


def test_training_counts_spread_over_every_key_when_training_transposes():
    seqs = corpus_of_one_note()
    ckpt = lofi_checkpoint(seqs)
    tokens, durations = baselines.training_counts(ckpt, seqs)
    notes = [i for i, t in enumerate(ckpt.vocab) if t not in tok.MARKERS]
    assert len(notes) == 12 and np.allclose(tokens[notes], tokens[notes[0]])  # C4 in each of the 12 keys alike
    train_rows = 9 * 10  # nine of ten pieces train (start, 8 notes, end), cut into rows of 16 less the last step
    assert tokens.sum() == pytest.approx(durations.sum()) and 0 < tokens.sum() < train_rows
    quarter = tok.DURATIONS.index(Fraction(1)) + 1
    assert durations.argmax() == quarter and set(np.flatnonzero(durations)) == {0, quarter}

    plain = lofi_checkpoint(seqs, transpose=False)
    untransposed, _ = baselines.training_counts(plain, seqs)
    assert plain.vocab == [tok.START, tok.END, "C4"]
    assert untransposed[2] == pytest.approx(tokens[notes].sum())  # the keys share the notes out, adding none


def test_a_random_network_is_the_presets_own_untrained_and_seeded():
    pytest.importorskip("tensorflow")
    seqs = corpus_of_one_note()
    ckpt = lofi_checkpoint(seqs)
    a, again, other = (baselines.random_network(ckpt, seed) for seed in (7, 7, 8))
    assert engine.check_weights(a) is None and a.vocab == ckpt.vocab and a.preset == "lofi"
    assert a.weights["lstm0/kernel"].shape[1] == 4 * TINY["lofi"]["lstm"][0]
    assert all(np.array_equal(a.weights[k], again.weights[k]) for k in a.weights)
    assert not np.array_equal(a.weights["lstm0/kernel"], other.weights["lstm0/kernel"])
    assert not a.weights["token_logits/bias"].any()  # Keras starts biases at zero: nothing learned
    pool = make_pool(a, count=2, bars=4, temperature=1.0, top_k=0, seed=1, bpm=80,
                     progressions=[("x", parse_progression("C | G7"))])
    assert len(pool.solos) == 2
