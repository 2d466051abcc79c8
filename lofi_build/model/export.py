"""The model the browser runs: a checkpoint exported as int8 weights with per-row scales plus a JSON header, read back and dequantised.

The binary asset is every tensor at a 16-byte aligned offset, little-endian: ``int8`` matrices
(``rows x cols``, row-major) each followed by its ``float32`` scales (one per row), and
``float32`` vectors (biases). A weight is ``float32(q * scale)``. Rows are output units for
dense and LSTM matrices (so a matrix-vector product reads contiguous memory) and entries for
embedding tables. An LSTM's matrix is Keras's ``[kernel; recurrent_kernel]`` transposed: row
``r`` of ``4 * units`` rows (gate order i, f, c, o) over the layer input followed by the
previous ``h``.

The header's ``graph`` describes the network as data: for each of the two stages of a step
(``token``, then ``duration`` once the token is drawn) a list of ops over named values:
``embedding`` (a table row by an index value), ``concat``, ``lstm`` (state kept across steps),
``dense`` (``activation`` linear or relu). ``inputs`` names what the generation loop feeds:
``token`` and ``duration`` (the previous event), ``next_token`` (the token just drawn), and for
a network that has them ``position`` (the event's onset in the bar, in twelfths of a quarter;
the last index = off the grid), ``chord`` (a vector of 36 floats) and the lookback,
``lookbackK_token``, ``lookbackK_duration`` and ``lookbackK_degree`` for each K of the header's
``lookback.bars`` (what was played K bars back: :mod:`lofi_build.model.lookback`, whose constants
the header's ``lookback`` carries), ``same_chord`` (a vector: whether the chord each of them was
played over sounds now) and ``restated`` (a vector: whether the event just played restated each).
``candidates`` says how the page chooses the best of several solos as the build does
(:mod:`lofi_build.model.candidates`), ``nudges`` how strongly the rules favour some tokens
(:func:`lofi_build.model.rules.header`).

``solo`` holds the tables the worker writes a solo with (parts, velocities, key profiles, the
accompaniment's patterns: pool.solo_facts); the site's own facts (limits, ai settings) come with
the manifest. lofi_build/site/facts.py describes both blocks.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import zlib
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import ModelError
from ..music.tokens import END, REST, START, token_pitches
from ..music.transport import PPQ
from . import candidates, lookback, presets, rules
from .pool import solo_facts

log = logging.getLogger("lofi_build")

FORMAT = "lofi-weights-1"
ALIGN = 16
TWELFTH = PPQ // 12  # ticks per twelfth of a quarter: the metrical position's unit
POSITIONS = 48  # 4/4: onsets 0..47 twelfths in the bar; index 48 is "off the grid"


@dataclass
class Exported:
    """One checkpoint as the browser gets it: the JSON header and the binary weights."""

    header: dict
    data: bytes

    @property
    def id(self) -> str:
        return self.header["model"]

    def header_bytes(self) -> bytes:
        return json.dumps(self.header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def publish(self, out) -> dict:
        """Add both files to a site build (content-hashed); the manifest's ``model`` entry."""
        return {
            "id": self.id,
            "preset": self.header["preset"],
            "weights": out.add_hashed(f"assets/model/{self.id}.bin", self.data),
            "header": out.add_hashed(f"assets/model/{self.id}.json", self.header_bytes()),
            "bytes": len(self.data),
        }


def crc32(data: bytes) -> int:
    """CRC-32 (zlib's): the checksum the worker recomputes to catch a corrupt download."""
    return zlib.crc32(data) & 0xFFFFFFFF


def quantise_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and one float32 scale a row (max |w| / 127; 0 for an all-zero row)."""
    a = np.asarray(a, dtype=np.float32)
    scales = (np.abs(a).max(axis=1) / np.float32(127)).astype(np.float32)
    safe = np.where(scales > 0, scales, np.float32(1))
    q = np.clip(np.rint(a / safe[:, None]), -127, 127).astype(np.int8)
    return q, scales


def dequantise(q: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) * scales.astype(np.float32)[:, None]


def _graph(w: dict) -> tuple[dict, dict, dict]:
    """(inputs, graph, matrices) of a step network; matrices maps tensor name -> rows x cols float32."""
    vocab = w["token_embed/embeddings"].shape[0]
    inputs = {
        "token": {"kind": "index", "size": int(vocab)},
        "duration": {"kind": "index", "size": int(w["duration_embed/embeddings"].shape[0])},
        "next_token": {"kind": "index", "size": int(vocab)},
    }
    mats = {"token_embed": w["token_embed/embeddings"], "duration_embed": w["duration_embed/embeddings"],
            "next_embed": w["next_embed/embeddings"]}
    ops = [{"op": "embedding", "in": "token", "table": "token_embed", "out": "token_e"},
           {"op": "embedding", "in": "duration", "table": "duration_embed", "out": "duration_e"}]
    parts = ["token_e", "duration_e"]
    if "position_embed/embeddings" in w:  # the lofi network: position embedding and chord vector
        inputs["position"] = {"kind": "index", "size": int(w["position_embed/embeddings"].shape[0]),
                              "unitTicks": TWELFTH}
        inputs["chord"] = {"kind": "vector", "size": 36}
        mats["position_embed"] = w["position_embed/embeddings"]
        ops.append({"op": "embedding", "in": "position", "table": "position_embed", "out": "position_e"})
        parts += ["position_e", "chord"]
    if "degree_embed/embeddings" in w:  # ... and the lookback, through the token and duration tables
        mats["degree_embed"] = w["degree_embed/embeddings"]
        for k in lookback.BARS:
            for what, table in (("token", "token_embed"), ("duration", "duration_embed"), ("degree", "degree_embed")):
                name = f"lookback{k}_{what}"
                inputs[name] = {"kind": "index", "size": int(mats[table].shape[0])}
                ops.append({"op": "embedding", "in": name, "table": table, "out": f"{name}_e"})
                parts.append(f"{name}_e")
        for name in ("same_chord", "restated"):
            inputs[name] = {"kind": "vector", "size": len(lookback.BARS)}
            parts.append(name)
    ops.append({"op": "concat", "in": parts, "out": "x"})
    x, i = "x", 0
    while f"lstm{i}/kernel" in w:
        units = w[f"lstm{i}/recurrent_kernel"].shape[0]
        mats[f"lstm{i}"] = np.concatenate([w[f"lstm{i}/kernel"], w[f"lstm{i}/recurrent_kernel"]], axis=0).T
        ops.append({"op": "lstm", "in": x, "weights": f"lstm{i}", "bias": f"lstm{i}/bias", "units": int(units),
                    "out": f"h{i}"})
        x, i = f"h{i}", i + 1
    ops.append({"op": "dense", "in": x, "weights": "token_logits", "bias": "token_logits/bias",
                "activation": "linear", "out": "token_logits"})
    mats["token_logits"] = w["token_logits/kernel"].T
    mats["duration_hidden"] = w["duration_hidden/kernel"].T
    mats["duration_logits"] = w["duration_logits/kernel"].T
    duration = [
        {"op": "embedding", "in": "next_token", "table": "next_embed", "out": "next_e"},
        {"op": "concat", "in": [x, "next_e"], "out": "duration_in"},
        {"op": "dense", "in": "duration_in", "weights": "duration_hidden", "bias": "duration_hidden/bias",
         "activation": "relu", "out": "duration_h"},
        {"op": "dense", "in": "duration_h", "weights": "duration_logits", "bias": "duration_logits/bias",
         "activation": "linear", "out": "duration_logits"},
    ]
    return inputs, {"token": ops, "duration": duration}, mats


def export(ckpt) -> Exported:
    """The browser's copy of a step network (``default``, or ``lofi`` with chord and position inputs)."""
    if not ckpt.network.browser:
        runs = ", ".join(p.name for p in presets.PRESETS.values() if p.browser)
        raise ModelError(f"the '{ckpt.network.name}' network cannot run in the browser; use one of: {runs}",
                         ckpt.folder)
    w = {k: np.asarray(v, dtype=np.float32) for k, v in ckpt.weights.items()}
    try:
        inputs, graph, mats = _graph(w)
    except KeyError as e:
        raise ModelError(f"cannot export the network for the browser: no array {e.args[0]}", ckpt.folder) from None
    vectors = {k: w[k] for k in sorted(w) if k.endswith("/bias")}
    tensors, chunks, offset = {}, [], 0

    def put(raw: bytes) -> int:
        nonlocal offset
        pad = -offset % ALIGN
        chunks.append(b"\0" * pad + raw)
        offset += pad
        at = offset
        offset += len(raw)
        return at

    for name in sorted(mats):
        q, scales = quantise_rows(mats[name])
        at = put(q.tobytes())
        tensors[name] = {"dtype": "int8", "shape": list(q.shape), "offset": at,
                         "scales": put(scales.astype("<f4").tobytes())}
    for name, v in vectors.items():
        tensors[name] = {"dtype": "float32", "shape": list(v.shape), "offset": put(v.astype("<f4").tobytes())}
    data = b"".join(chunks)
    ticks = []
    for d in ckpt.durations:
        t = Fraction(d) * PPQ
        if t.denominator != 1:
            raise ModelError(f"duration {d} is not a whole number of ticks at {PPQ} ppq", ckpt.folder)
        ticks.append(int(t))
    vocab = list(ckpt.vocab)
    header = {
        "format": FORMAT,
        "model": ckpt.short,
        "preset": ckpt.preset,
        "fingerprint": ckpt.fingerprint,
        "vocab": vocab,
        "pitches": [list(token_pitches(t)) for t in vocab],
        "rest": vocab.index(REST) if REST in vocab else -1,
        "ppq": PPQ,
        "durations": [str(d) for d in ckpt.durations],
        "durationTicks": ticks,  # duration class k >= 1 is durationTicks[k - 1]; class 0 = the markers
        "start": {"token": vocab.index(START), "duration": 0},
        "banned": {"token": sorted(vocab.index(t) for t in (START, END) if t in vocab), "duration": [0]},
        "inputs": inputs,
        "graph": graph,
        **({"lookback": lookback.header()} if "degree_embed/embeddings" in w else {}),
        **({"candidates": candidates.header(), "nudges": rules.header()} if ckpt.network.duration_head else {}),
        "outputs": {"token": "token_logits", "duration": "duration_logits"},
        "solo": solo_facts(),
        "tensors": tensors,
        "bytes": len(data),
        "crc32": crc32(data),
    }
    return Exported(header, data)


def read(header: dict, data: bytes) -> dict[str, np.ndarray]:
    """The tensors of an export, dequantised to float32 (matrices as rows x cols)."""
    if header.get("format") != FORMAT:
        raise ValueError(f"format {header.get('format')!r}, expected {FORMAT}")
    if len(data) != header["bytes"] or crc32(data) != header["crc32"]:
        raise ValueError("weights do not match the header's length and checksum")
    out = {}
    for name, t in header["tensors"].items():
        shape = tuple(t["shape"])
        n = int(np.prod(shape))
        if t["dtype"] == "int8":
            q = np.frombuffer(data, dtype=np.int8, count=n, offset=t["offset"]).reshape(shape)
            scales = np.frombuffer(data, dtype="<f4", count=shape[0], offset=t["scales"])
            out[name] = dequantise(q, scales)
        else:
            out[name] = np.frombuffer(data, dtype="<f4", count=n, offset=t["offset"]).reshape(shape).astype(np.float32)
    return out


def dequantised(ckpt, exported: Exported | None = None):
    """A copy of the checkpoint holding the exported weights dequantised, in Keras's layout, so
    the numpy engine runs exactly the weights the browser runs."""
    exported = exported or export(ckpt)
    t = read(exported.header, exported.data)
    w = {k: v for k, v in t.items() if k.endswith("/bias")}
    for name, table in (("token_embed", "token_embed"), ("duration_embed", "duration_embed"),
                        ("next_embed", "next_embed"), ("position_embed", "position_embed"),
                        ("degree_embed", "degree_embed")):
        if table in t:
            w[f"{name}/embeddings"] = t[table]
    for name in ("token_logits", "duration_hidden", "duration_logits"):
        w[f"{name}/kernel"] = np.ascontiguousarray(t[name].T)
    i = 0
    while f"lstm{i}" in t:
        fused = t[f"lstm{i}"].T  # (inputs + units, 4 units)
        units = fused.shape[1] // 4
        w[f"lstm{i}/kernel"] = np.ascontiguousarray(fused[:-units])
        w[f"lstm{i}/recurrent_kernel"] = np.ascontiguousarray(fused[-units:])
        i += 1
    return dataclasses.replace(ckpt, weights=w)


def site_export(config) -> Exported | None:
    """The export of the checkpoint ``lofi-build site`` uses (None: no AI, or the article's network)."""
    from . import train

    if config.ai.pool_size == 0:
        return None
    plan = train.plan(config)
    if not plan.network.browser:
        return None
    ckpt = plan.find()  # the checkpoint the pool uses (an older one too, where its settings match)
    if ckpt is None:
        return None
    try:
        return export(ckpt)
    except ModelError as e:  # the site still builds; only live solos are missing
        log.warning("No live solos in the browser: %s", e)
        return None
