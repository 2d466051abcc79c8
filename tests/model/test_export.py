"""The weights export the JS generator reads: format, round trip, corruption, and its place in the build."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import numpy as np
import pytest

from support import ROOT
from lofi_build.errors import ModelError
from lofi_build.model import checkpoint, export
from lofi_build.site.output import Output
from modelkit import browser_generate


@pytest.fixture(scope="module")
def shipped():
    (folder,) = (ROOT / "content" / "model").glob("default-*")
    return checkpoint.load(folder)


@pytest.fixture(scope="module")
def exp(shipped):
    return export.export(shipped)


def test_header_describes_the_network_as_data(exp, shipped):
    h = exp.header
    assert h["format"] == export.FORMAT and h["model"] == shipped.short and h["preset"] == "default"
    assert h["vocab"] == shipped.vocab and len(h["pitches"]) == len(shipped.vocab)
    assert h["durationTicks"] == [int(Fraction(d) * 480) for d in shipped.durations]
    assert h["bytes"] == len(exp.data) and h["crc32"] == export.crc32(exp.data)
    ops = [op["op"] for op in h["graph"]["token"]]
    assert ops == ["embedding", "embedding", "concat", "lstm", "lstm", "dense"]
    assert [op["op"] for op in h["graph"]["duration"]] == ["embedding", "concat", "dense", "dense"]
    assert set(h["inputs"]) == {"token", "duration", "next_token"}
    for t in h["tensors"].values():
        assert t["offset"] % export.ALIGN == 0 and t.get("scales", 0) % export.ALIGN == 0
    # int8 weights with per-row scales: a quarter of the float32 checkpoint.
    floats = sum(a.size for a in shipped.weights.values())
    assert len(exp.data) < floats * 1.1


def test_export_is_deterministic(exp, shipped):
    again = export.export(shipped)
    assert again.data == exp.data and again.header_bytes() == exp.header_bytes()


def test_dequantised_weights_are_close_and_in_the_checkpoint_layout(exp, shipped):
    twin = export.dequantised(shipped, exp)
    assert set(twin.weights) == set(shipped.weights)
    w, t = shipped.weights, twin.weights
    for name, a in w.items():
        assert t[name].shape == a.shape and t[name].dtype == np.float32
        if a.ndim == 1:
            assert np.array_equal(t[name], a), name
    # Each exported row (an output unit; an LSTM's over [kernel; recurrent]) is off by at most half a step.
    pairs = [(w[k], t[k]) for k in w if "embed" in k]
    pairs += [(w[k].T, t[k].T) for k in w if k.endswith("/kernel") and not k.startswith("lstm")]
    i = 0
    while f"lstm{i}/kernel" in w:
        fused = [np.concatenate([d[f"lstm{i}/kernel"], d[f"lstm{i}/recurrent_kernel"]]).T for d in (w, t)]
        pairs.append(tuple(fused))
        i += 1
    for a, b in pairs:
        step = np.abs(a).max(axis=1) / 127
        assert (np.abs(b - a).max(axis=1) <= step / 2 + 1e-6).all()
    assert twin.vocab == shipped.vocab and twin.short == shipped.short


def test_quantise_rows_handles_zero_rows():
    q, s = export.quantise_rows(np.array([[0.0, 0.0], [1.0, -0.5]], np.float32))
    assert s[0] == 0 and list(q[0]) == [0, 0] and list(q[1]) == [127, -64]
    assert np.allclose(export.dequantise(q, s), [[0, 0], [1, -64 / 127]])


def test_read_rejects_corrupt_or_foreign_files(exp):
    with pytest.raises(ValueError, match="checksum"):
        export.read(exp.header, exp.data[:-1] + bytes([exp.data[-1] ^ 1]))
    with pytest.raises(ValueError, match="checksum"):
        export.read(exp.header, exp.data[:-16])
    with pytest.raises(ValueError, match="format"):
        export.read({**exp.header, "format": "x"}, exp.data)


def test_the_article_network_is_not_exported(shipped):
    with pytest.raises(ModelError, match="cannot run in the browser"):
        export.export(dataclasses.replace(shipped, preset="seed"))


def test_a_network_with_chord_and_position_inputs_exports_them(shipped):
    """The lofi network's extra inputs are data in the header: a position embedding and a chord vector."""
    w = dict(shipped.weights)
    rng = np.random.default_rng(0)
    w["position_embed/embeddings"] = rng.standard_normal((49, 8)).astype(np.float32)
    w["lstm0/kernel"] = rng.standard_normal((96 + 16 + 8 + 36, 1024)).astype(np.float32) * 0.05
    ex = export.export(dataclasses.replace(shipped, weights=w, preset="lofi"))
    h = ex.header
    assert h["inputs"]["position"] == {"kind": "index", "size": 49, "unitTicks": 40}
    assert h["inputs"]["chord"] == {"kind": "vector", "size": 36}
    concat = next(op for op in h["graph"]["token"] if op["op"] == "concat")
    assert concat["in"] == ["token_e", "duration_e", "position_e", "chord"]
    assert h["tensors"]["lstm0"]["shape"] == [1024, 96 + 16 + 8 + 36 + 256]
    twin = export.dequantised(dataclasses.replace(shipped, weights=w, preset="lofi"), ex)
    assert twin.weights["lstm0/kernel"].shape == w["lstm0/kernel"].shape
    assert "lookback" not in h  # a network without the lookback's degree table has none


def test_the_lookback_is_fed_through_the_token_and_duration_tables():
    """The lookback's inputs are index inputs read through the same tables as the previous event's (one copy of
    each table in the file), with the degree table beside them; the header carries lookback.py's constants and how
    the page chooses between candidates."""
    from lofi_build.model import candidates, lookback
    from test_pool import random_checkpoint

    ckpt = random_checkpoint("lofi", seed=1)
    h = export.export(ckpt).header
    v, d = len(ckpt.vocab), len(ckpt.durations) + 1
    for k in lookback.BARS:
        assert h["inputs"][f"lookback{k}_token"] == {"kind": "index", "size": v}
        assert h["inputs"][f"lookback{k}_duration"] == {"kind": "index", "size": d}
        assert h["inputs"][f"lookback{k}_degree"] == {"kind": "index", "size": lookback.DEGREES}
    tables = {op["out"]: op["table"] for op in h["graph"]["token"] if op["op"] == "embedding"}
    assert tables["lookback1_token_e"] == tables["lookback2_token_e"] == tables["token_e"] == "token_embed"
    assert tables["lookback1_duration_e"] == "duration_embed" and tables["lookback2_degree_e"] == "degree_embed"
    concat = next(op for op in h["graph"]["token"] if op["op"] == "concat")
    assert concat["in"][4:] == [f"lookback{k}_{w}_e" for k in lookback.BARS
                                for w in ("token", "duration", "degree")] + ["same_chord", "restated"]
    assert h["inputs"]["restated"] == h["inputs"]["same_chord"] == {"kind": "vector", "size": len(lookback.BARS)}
    assert h["lookback"] == lookback.header() and h["candidates"] == candidates.header()
    assert h["candidates"]["weights"][0] == ["likelihood", 1.0]  # in the order the score adds them


def test_browser_generate_is_exactly_the_requested_length_and_seeded(shipped):
    ticks = 2 * 1920
    a = browser_generate(shipped, 3, ticks, 0.9, 8)
    assert sum(d for _, _, d in a) == ticks
    assert a == browser_generate(shipped, 3, ticks, 0.9, 8)
    assert a != browser_generate(shipped, 4, ticks, 0.9, 8)
    # At temperature 0 only the first token is drawn, from u = Prng(seed).random(); then argmax.
    greedy = browser_generate(shipped, 3, ticks, 0.0, 0)
    assert sum(d for _, _, d in greedy) == ticks and greedy == browser_generate(shipped, 3, ticks, 0.0, 0)


def test_publish_adds_hashed_files_and_a_manifest_entry(exp):
    out = Output()
    entry = export.Exported.publish(exp, out)
    assert entry["id"] == exp.id and entry["bytes"] == len(exp.data)
    assert entry["weights"].startswith(f"assets/model/{exp.id}.") and entry["weights"].endswith(".bin")
    assert out.files[entry["weights"]] == exp.data
    assert json.loads(out.files[entry["header"]]) == exp.header


def test_a_network_the_browser_cannot_run_is_a_model_error(shipped):
    w = {k: v for k, v in shipped.weights.items() if k != "next_embed/embeddings"}
    with pytest.raises(ModelError, match="no array next_embed/embeddings"):
        export.export(dataclasses.replace(shipped, weights=w))


def test_a_site_without_an_ai_pool_has_no_model(project):
    from lofi_build.config import load_config
    from lofi_build.site.build import build

    build(load_config(project / "lofi.yaml"), project / "build")
    manifest = json.loads((project / "build" / "manifest.json").read_text())
    assert "model" not in manifest and not (project / "build" / "assets" / "model").exists()
