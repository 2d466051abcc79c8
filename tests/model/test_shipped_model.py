"""The shipped checkpoint: the one lofi.yaml asks for, trained, small, documented, and the engine's equal."""

from __future__ import annotations

import re

from lofi_build.config import load_config
from lofi_build.model import corpus, train
from support import ROOT
from test_engine import assert_engine_matches_keras


def test_the_shipped_corpus_is_public_domain_and_holds_no_song():
    config = load_config(ROOT / "lofi.yaml")
    files = corpus.resolve(config).files
    assert not any("content/songs" in e for e in config.model.corpus)  # editing a song must not retrain
    assert all(f.name.startswith(("music21:", "content/leadsheets/")) for f in files)
    assert not any(f.name.endswith("PROVENANCE.yaml") for f in files)  # the provenance record is not a score


def shipped():
    plan = train.plan(load_config(ROOT / "lofi.yaml"))
    ckpt = plan.find()
    assert ckpt is not None, f"no shipped checkpoint matches lofi.yaml: expected {plan.folder}"
    return ckpt


def test_the_shipped_checkpoint_is_trained_and_documented():
    ckpt = shipped()
    info = ckpt.info
    assert ckpt.preset == "lofi" and ckpt.network.conditioned
    assert info["val_perplexity"] < info["unigram_val_perplexity"] / 2
    leadsheets = info["val_by_source"]["content/leadsheets"]
    assert leadsheets["perplexity"] < leadsheets["no_chords"]  # it listens to the chords
    assert leadsheets["perplexity"] < leadsheets["no_melody_pc"]  # ... that do not give the melody away
    assert ckpt.history[-1]["loss"] < ckpt.history[0]["loss"]  # its loss went down
    assert len(ckpt.history) >= 5 and info["tokens"] > 30_000
    committed = [p for p in ckpt.folder.iterdir() if p.name != "resume.keras"]
    assert {p.name for p in committed} == {"checkpoint.json", "weights.npz", "MODEL.md", "loss.png"}
    assert sum(p.stat().st_size for p in committed) <= 20 * 1024 * 1024
    card = (ckpt.folder / "MODEL.md").read_text()
    assert ckpt.fingerprint in card and f"**{info['val_perplexity']}**" in card and info["command"] in card
    assert "{{" not in card and "{%" not in card and not re.search(r"\bnan\b", card, re.IGNORECASE)


def test_engine_matches_keras_on_the_shipped_checkpoint():
    assert_engine_matches_keras(shipped(), steps=60, batch=2)


def test_the_gate_tells_the_shipped_model_from_noise():
    """The lofi gate's limits on what only a trained model does: a random-initialised network of the shipped preset
    and a unigram of its training targets, under the same rules and the same choice between candidates, each see
    at least 14 of 16 solos rejected (one try each); the shipped model passes at least 15 of 16."""
    from lofi_build.model import baselines, pool, quality

    config = load_config(ROOT / "lofi.yaml")
    ckpt = shipped()
    reference = quality.reference_of(ckpt)
    thresholds = pool.quality_thresholds(config)
    passed = {}
    for name, model in (("shipped", ckpt), ("random", baselines.random_network(ckpt, config.seed)),
                        ("unigram", baselines.unigram_of(ckpt))):
        made = pool.make_pool(model, count=16, bars=config.loops.solos, temperature=config.ai.temperature,
                              top_k=config.ai.top_k, seed=config.seed, bpm=config.bpm,
                              progressions=pool.progressions(config), gate=False)
        passed[name] = sum(not quality.lofi_problems(quality.lofi_measures(
            pool.melody_of(s.events), pool.timeline_of(s.slot.progression, config.loops.solos), bars=config.loops.solos,
            reference=reference), thresholds) for s in made.solos)
    assert passed["shipped"] >= 15 and passed["random"] <= 2 and passed["unigram"] <= 2, passed
