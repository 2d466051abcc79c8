"""Presets are objects: the article's network layer for layer, the lofi network as pinned, 'seed' read as 'article'."""

from __future__ import annotations

import re

import pytest

from lofi_build.config import load_config
from lofi_build.errors import ModelError
from lofi_build.model import lookback, presets, train
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
    s = lofi.settings(lstm=(16, 8), embed=6, duration_embed=3, position_embed=2, degree_embed=4)
    model = lofi.build(s, 30, 20)
    back = [f"lookback{k}_{w}" for k in lookback.BARS for w in ("tokens", "durations", "degrees")]
    assert [i.name for i in model.inputs] == ["tokens", "durations", "positions", "chords", *back, "same_chord",
                                              "restated", "next_tokens"]
    # The lookback reads through the token and duration tables: one table each, whatever it looks back at.
    assert model.get_layer("inputs").output.shape[-1] == 6 + 3 + 2 + 36 + len(lookback.BARS) * (6 + 3 + 4 + 2)
    assert {w.path.split("/")[0] for w in model.weights if "embed" in w.path} == {
        "token_embed", "duration_embed", "position_embed", "degree_embed", "next_embed"}
    assert model.get_layer("position_embed").input_dim == POSITIONS == 49
    assert [model.get_layer(f"lstm{i}").units for i in range(2)] == [16, 8]
    assert lofi.conditioned and lofi.duration_head and not presets.get("article").duration_head


def test_presets_are_objects_without_string_switches():
    """What a network can do is asked of its object: outside presets.py no code compares a preset's name,
    and only presets.get() reads the old name 'seed'."""
    assert set(presets.PRESETS) == {"article", "default", "lofi"}
    names = "|".join(presets.NAMES + presets.OLD_NAMES)
    quoted = rf"""["']({names})["']"""
    compare = re.compile(rf"(==|!=)\s*{quoted}|{quoted}\s*(==|!=)|\bin\s*[(\[{{]\s*{quoted}")
    for path in sorted((ROOT / "lofi_build").rglob("*.py")):
        if path.name == "presets.py":
            continue
        text = path.read_text()
        assert not compare.search(text), (path, compare.search(text).group(0))
        assert "presets.ALIASES" not in text and "called 'article'" not in text and "'seed'" not in text, path
    with pytest.raises(ModelError, match="unknown model preset 'nosuch' \\(known: lofi, default, article\\)"):
        presets.get("nosuch")
    with pytest.raises(ModelError, match="unknown setting\\(s\\) for preset 'lofi': nosuch"):
        presets.settings("lofi", nosuch=1)
    article, default, lofi = (presets.get(n) for n in ("article", "default", "lofi"))
    assert not article.browser and default.browser and lofi.browser
    assert "position_embed/embeddings" in lofi.needs and "position_embed/embeddings" not in default.needs
    assert "logits/kernel" in article.needs and "token_logits/kernel" not in article.needs


def test_the_old_name_seed_is_read_as_article_with_a_deprecation_warning(tmp_path, caplog):
    root = make_project(tmp_path / "proj")
    (root / "lofi.yaml").write_text((root / "lofi.yaml").read_text().replace("model:\n", "model:\n  preset: seed\n"))
    config = load_config(root / "lofi.yaml")
    assert config.model.preset == "seed" and not caplog.records  # lofi.yaml reads it; the model resolves it
    p = train.plan(config)
    assert train.plan(config).fingerprint == p.fingerprint  # a build plans more than once: one warning
    assert p.preset == "article" and p.folder.name.startswith("article-")
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and re.search(
        r"lofi.yaml:8:11: warning: model preset 'seed' is deprecated: it is now called 'article'", warnings[0]), warnings
    result = run_cli("train", "--preset", "nosuch", cwd=root)
    assert result.returncode == 2 and "'nosuch' is not one of 'lofi', 'default', 'article', 'seed'" in result.stderr
