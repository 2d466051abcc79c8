"""Presets are objects: the article's network layer for layer, the lofi network as pinned, 'seed' read as 'article'."""

from __future__ import annotations

import re

import pytest

from lofi_build.config import load_config
from lofi_build.errors import ModelError
from lofi_build.model import presets, train
from lofi_build.music.tokens import POSITIONS
from modelkit import make_project
from support import ROOT, run_cli


def test_article_network_is_the_articles():
    import keras

    article = presets.get("article")
    model = article.build(article.settings(), 50)
    kinds = [(type(l).__name__, getattr(l, "units", None), getattr(l, "rate", None),
              getattr(l, "return_sequences", None)) for l in model.layers]
    assert kinds == [("LSTM", 256, None, True), ("Dropout", None, 0.3, None), ("LSTM", 512, None, True),
                     ("Dropout", None, 0.3, None), ("LSTM", 256, None, False), ("Dense", 256, None, None),
                     ("Dropout", None, 0.3, None), ("Dense", 50, None, None), ("Activation", None, None, None)]
    assert model.input_shape == (None, 100, 1)
    assert isinstance(model.optimizer, keras.optimizers.RMSprop) and model.loss == "categorical_crossentropy"
    s = article.settings()
    assert (s.batch_size, s.epochs, s.window) == (128, 200, 100)


def test_lofi_network_is_the_pinned_one():
    lofi = presets.get("lofi")
    s = lofi.settings(lstm=(16, 8), embed=6, duration_embed=3, position_embed=2)
    model = lofi.build(s, 30, 20)
    assert [i.name for i in model.inputs] == ["tokens", "durations", "positions", "chords", "next_tokens"]
    assert model.get_layer("inputs").output.shape[-1] == 6 + 3 + 2 + 36
    assert model.get_layer("position_embed").input_dim == POSITIONS == 49
    assert [model.get_layer(f"lstm{i}").units for i in range(2)] == [16, 8]
    assert lofi.conditioned and lofi.duration_head and not presets.get("article").duration_head


def test_presets_are_objects_without_string_switches():
    assert set(presets.PRESETS) == {"article", "default", "lofi"}
    for name in ("presets.py", "train.py", "engine.py", "checkpoint.py"):
        text = (ROOT / "lofi_build" / "model" / name).read_text()
        assert not re.search(r"preset\)? ?== ?\"", text), name
    with pytest.raises(ModelError, match="unknown model preset 'nosuch' \\(known: article, default, lofi\\)"):
        presets.get("nosuch")
    with pytest.raises(ModelError, match="unknown setting\\(s\\) for preset 'lofi': nosuch"):
        presets.settings("lofi", nosuch=1)


def test_the_old_name_seed_is_read_as_article_with_a_deprecation_warning(tmp_path, caplog):
    root = make_project(tmp_path / "proj")
    (root / "lofi.yaml").write_text((root / "lofi.yaml").read_text().replace("model:\n", "model:\n  preset: seed\n"))
    p = train.plan(load_config(root / "lofi.yaml"))
    assert p.preset == "article" and p.folder.name.startswith("article-")
    assert any(re.search(r"lofi.yaml:8:11: warning: model preset 'seed' is deprecated: it is now called 'article'",
                         r.getMessage()) for r in caplog.records), [r.getMessage() for r in caplog.records]
    result = run_cli("train", "--preset", "nosuch", cwd=root)
    assert result.returncode == 2 and "'nosuch' is not one of 'lofi', 'default', 'article', 'seed'" in result.stderr
