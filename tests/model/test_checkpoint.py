"""Checkpoints: the fingerprint holds every setting that changes the weights, lookup (format-1 folders
included), damaged files, and a run that never replaces a better checkpoint unless forced."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from lofi_build.config import load_config
from lofi_build.errors import ModelError
from lofi_build.model import checkpoint, train
from modelkit import TINY, make_project, tiny_train
from support import DEFAULTS, ROOT


def test_fingerprint_holds_every_setting_that_changes_the_weights(tmp_path):
    a = make_project(tmp_path / "a")
    b = tmp_path / "elsewhere" / "b"
    shutil.copytree(a, b)

    def plan(root, preset="default", epochs=None, **o):
        return train.plan(load_config(root / "lofi.yaml"), preset, o, epochs=epochs)

    fp = lambda *a, **k: plan(*a, **k).fingerprint
    assert fp(a) == fp(b)  # no absolute paths, no mtimes
    assert len({fp(a), fp(a, epochs=1), fp(a, patience=9), fp(a, embed=32), fp(a, "article"), fp(a, "lofi")}) == 6
    assert plan(a, epochs=1).model_fingerprint == plan(a, patience=9).model_fingerprint == plan(a).model_fingerprint
    (a / "lofi.yaml").write_text((a / "lofi.yaml").read_text().replace("seed: 3", "seed: 4"))
    assert fp(a) != fp(b)  # the training seed
    shutil.copy(b / "lofi.yaml", a / "lofi.yaml")
    (b / "content" / "midi" / "tune0.mid").write_bytes((b / "content" / "midi" / "tune0.mid").read_bytes() + b"\0")
    assert fp(a) != fp(b)
    assert plan(a, epochs=1).folder != plan(a).folder  # `train --epochs 1` never writes into the full run's folder


def test_checkpoint_round_trip_and_lookup(tiny):
    ckpt = tiny["default"]
    loaded = checkpoint.load(ckpt.folder)
    assert loaded.vocab == ckpt.vocab and loaded.settings == ckpt.settings
    assert all(np.array_equal(loaded.weights[k], ckpt.weights[k]) for k in ckpt.weights)
    assert checkpoint.find(ckpt.folder.parent, "default", ckpt.fingerprint).folder == ckpt.folder
    assert checkpoint.find(ckpt.folder.parent, "default", "0" * 64) is None
    assert loaded.network.name == "default" and checkpoint.load(tiny["article"].folder).network.name == "article"


def test_a_checkpoint_of_the_old_name_seed_loads_as_the_articles_network(tiny, tmp_path, caplog):
    """Its files stay as they are (the name is part of its fingerprint); presets.get() reads the name."""
    old = tmp_path / "seed-0123456789ab"
    shutil.copytree(tiny["article"].folder, old)
    meta = json.loads((old / "checkpoint.json").read_text())
    (old / "checkpoint.json").write_text(json.dumps({**meta, "preset": "seed"}))
    ckpt = checkpoint.load(old)
    assert ckpt.preset == "seed" and ckpt.network.name == "article" and ckpt.settings == tiny["article"].settings
    assert ckpt.short == "seed-" + ckpt.fingerprint[:12] and ckpt.meta()["preset"] == "seed"
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == [f"{old / 'checkpoint.json'}: warning: model preset 'seed' is deprecated: "
                        "it is now called 'article'"]


def test_the_shipped_checkpoints_load_and_keep_their_fingerprints():
    for folder in sorted([*(ROOT / "content" / "model").glob("*/checkpoint.json"),
                          *(DEFAULTS / "content" / "model").glob("*/checkpoint.json")]):
        ckpt = checkpoint.load(folder.parent)
        assert ckpt.short == folder.parent.name and ckpt.network.name == ckpt.preset
        assert ckpt.fingerprint == json.loads(folder.read_text())["fingerprint"]


def test_a_format_one_checkpoint_is_found_when_it_recorded_the_same_training(tmp_path):
    """The old default checkpoint was named by network, encoding and corpus only; it still serves
    a config whose seed and epochs are the ones it records, and no other."""
    old = ROOT / "content" / "model" / "default-deb0aa8f9ab0"
    config = tmp_path / "lofi.yaml"
    text = ("seed: 7\nmodel:\n  preset: default\n  corpus: [music21:oneills1850, music21:ryansMammoth, "
            f"music21:bach/chorales]\n  checkpoints: {old.parent}\n")
    config.write_text(text)
    found = train.plan(load_config(config)).find()
    assert found is not None and found.folder == old
    config.write_text(text.replace("seed: 7", "seed: 8"))
    assert train.plan(load_config(config)).find() is None
    config.write_text(text + "  epochs: 1\n")
    assert train.plan(load_config(config)).find() is None


@pytest.mark.parametrize("damage,message", [
    (lambda f: (f / "checkpoint.json").write_text("{not json"), "garbled checkpoint"),
    (lambda f: (f / "weights.npz").write_bytes(b"PK\x03\x04trunc"), "garbled checkpoint weights"),
    (lambda f: (f / "weights.npz").unlink(), "cannot read checkpoint weights"),
    (lambda f: np.savez(f / "weights.npz", **{"lstm0/kernel": np.zeros((2, 2))}), "missing arrays"),
])
def test_damaged_checkpoints_are_model_errors(tiny, tmp_path, damage, message):
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny["default"].folder, folder)
    damage(folder)
    with pytest.raises(ModelError, match=message) as e:
        checkpoint.load(folder)
    assert str(folder) in str(e.value)


def _claim(folder, perplexity: float) -> None:
    """Make the checkpoint in ``folder`` say how good it is (as if an earlier run had reached that)."""
    meta = json.loads((folder / "checkpoint.json").read_text())
    meta["info"]["val_perplexity"] = perplexity
    (folder / "checkpoint.json").write_text(json.dumps(meta))


def test_a_run_never_replaces_a_better_checkpoint_unless_forced(tmp_path, caplog):
    root = make_project(tmp_path / "proj")
    config = load_config(root / "lofi.yaml")
    first = tiny_train(config, "default", epochs=2)
    _claim(first.folder, 1.0001)  # better than any run can be
    weights = (first.folder / "weights.npz").read_bytes()
    kept = tiny_train(config, "default", epochs=2)
    assert kept.folder == first.folder and kept.info["val_perplexity"] == 1.0001
    assert (first.folder / "weights.npz").read_bytes() == weights
    assert any("Kept" in r.getMessage() and "--force" in r.getMessage() for r in caplog.records)
    assert [p.name for p in first.folder.parent.iterdir()] == [first.folder.name]  # no staging folder left
    forced = tiny_train(config, "default", epochs=2, force=True)
    assert forced.folder == first.folder and forced.info["val_perplexity"] > 1.0001
    assert checkpoint.load(first.folder).info["val_perplexity"] == forced.info["val_perplexity"]
    _claim(first.folder, 1e9)  # a worse checkpoint is replaced without --force
    better = tiny_train(config, "default", epochs=2)
    assert checkpoint.load(first.folder).info["val_perplexity"] == better.info["val_perplexity"] < 1e9


def test_resume_continues_the_history(tmp_path):
    root = make_project(tmp_path / "proj")
    config = load_config(root / "lofi.yaml")
    first = tiny_train(config, "default", epochs=2)
    assert len(first.history) == 2
    resumed = train.train(config, train.plan(config, "default", TINY["default"], epochs=4), resume=True,
                          progress=False, jobs=1)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    assert resumed.history[:2] == first.history[:2]
    assert resumed.folder != first.folder and first.folder.exists()  # 4 epochs are another fingerprint
