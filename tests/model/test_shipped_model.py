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
    assert info["val_perplexity"] < info["ablated_val_perplexity"]  # it listens to the chords
    assert len(ckpt.history) >= 5 and info["tokens"] > 30_000
    committed = [p for p in ckpt.folder.iterdir() if p.name != "resume.keras"]
    assert {p.name for p in committed} == {"checkpoint.json", "weights.npz", "MODEL.md", "loss.png"}
    assert sum(p.stat().st_size for p in committed) <= 20 * 1024 * 1024
    card = (ckpt.folder / "MODEL.md").read_text()
    assert ckpt.fingerprint in card and f"**{info['val_perplexity']}**" in card and info["command"] in card
    assert "{{" not in card and "{%" not in card and not re.search(r"\bnan\b", card, re.IGNORECASE)


def test_engine_matches_keras_on_the_shipped_checkpoint():
    assert_engine_matches_keras(shipped(), steps=60, batch=2)
