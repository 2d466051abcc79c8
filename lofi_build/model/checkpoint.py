"""Checkpoints: one folder per trained model (config, vocabulary, fingerprint, history in JSON; weights in .npz).

Generation needs nothing but numpy to read one: the Keras file kept for ``--resume``
(``resume.keras``) is optional and never read by ``lofi-build site``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..music.tokens import DURATIONS, ENCODING_VERSION
from . import presets

FORMAT = 1
META = "checkpoint.json"
WEIGHTS = "weights.npz"
RESUME = "resume.keras"


def fingerprint(preset: str, settings, manifest: list[list[str]], *, seed: int | None = None,
                budget: dict | None = None) -> str:
    """What the model is: every input that changes the weights — preset, all its settings (the
    training budget included), its encoding and layout, the training seed and every corpus file's bytes.

    Without ``seed`` and ``budget`` it is the *model* fingerprint (network, encoding and corpus),
    which `--resume` uses to find the run it continues, and which checkpoints of format 1 were named by.
    """
    net = presets.get(preset)
    data = {
        "preset": preset,
        "settings": presets.fingerprinted(settings),
        "encoding": net.encoding_version if net.encoding == "events" else f"{net.encoding}-{net.encoding_version}",
        "corpus": manifest,
    }
    if net.layout():  # what the network reads beyond its settings (the lofi network's lookback)
        data["layout"] = net.layout()
    if seed is not None or budget is not None:
        data["training"] = {"seed": seed, **(budget or {})}
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def folder_name(preset: str, fp: str) -> str:
    return f"{preset}-{fp[:12]}"


@dataclass
class Checkpoint:
    folder: Path
    preset: str
    fingerprint: str
    settings: object
    vocab: list[str]
    durations: list[Fraction] = field(default_factory=lambda: list(DURATIONS))
    history: list[dict] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # corpus size, wall time, perplexities, training seed...
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    primes: np.ndarray | None = None  # the article's network: token windows to start from, as the article does

    @property
    def network(self) -> presets.Preset:
        """The :class:`~lofi_build.model.presets.Preset` object of this checkpoint's network (what it can do)."""
        return presets.get(self.preset, path=self.folder / META if self.folder else None)

    @property
    def short(self) -> str:
        return folder_name(self.preset, self.fingerprint)

    def meta(self) -> dict:
        return {
            "format": FORMAT,
            "preset": self.preset,
            "fingerprint": self.fingerprint,
            "settings": presets.as_dict(self.settings),
            "vocab": self.vocab,
            "durations": [str(d) for d in self.durations],
            "history": self.history,
            "info": self.info,
        }

    def save(self) -> None:
        """Write atomically (temp file + rename) so an interrupted save never leaves a broken checkpoint."""
        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = dict(self.weights)
        if self.primes is not None:
            arrays["primes"] = self.primes
        tmp = self.folder / (WEIGHTS + ".tmp.npz")
        np.savez(tmp, **{k: arrays[k] for k in sorted(arrays)})
        os.replace(tmp, self.folder / WEIGHTS)
        tmp = self.folder / (META + ".tmp")
        tmp.write_text(json.dumps(self.meta(), indent=1, sort_keys=True) + "\n")
        os.replace(tmp, self.folder / META)


def load(folder: Path, with_weights: bool = True) -> Checkpoint:
    """Read a checkpoint folder; anything missing or garbled is a ModelError naming the file."""
    meta_path = folder / META
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT}")
        preset = meta["preset"]
        ckpt = Checkpoint(
            folder=folder,
            preset=preset,
            fingerprint=str(meta["fingerprint"]),
            settings=presets.get(preset, path=meta_path).from_dict(meta["settings"]),
            vocab=[str(t) for t in meta["vocab"]],
            durations=[Fraction(d) for d in meta["durations"]],
            history=list(meta.get("history", [])),
            info=dict(meta.get("info", {})),
        )
    except OSError as e:
        raise ModelError(f"cannot read checkpoint: {e.strerror or e}", meta_path) from None
    except (ValueError, KeyError, TypeError, ModelError) as e:
        raise ModelError(f"garbled checkpoint: {e}", meta_path) from None
    if with_weights:
        weights_path = folder / WEIGHTS
        try:
            with np.load(weights_path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except OSError as e:
            raise ModelError(f"cannot read checkpoint weights: {e.strerror or e}", weights_path) from None
        except Exception as e:  # zipfile.BadZipFile, ValueError: a truncated or foreign file
            raise ModelError(f"garbled checkpoint weights: {type(e).__name__}: {e}", weights_path) from None
        ckpt.primes = arrays.pop("primes", None)
        ckpt.weights = arrays
        from .engine import check_weights

        problem = check_weights(ckpt)
        if problem:
            raise ModelError(f"garbled checkpoint weights: {problem}", weights_path)
    return ckpt


def find(root: Path, preset: str, fp: str, legacy: tuple[str, dict] | None = None) -> Checkpoint | None:
    """The checkpoint under ``root`` with this fingerprint, or None.

    ``legacy`` = (model fingerprint, training info): a checkpoint named by the model fingerprint
    alone (written before the training settings were fingerprinted) matches when what it records
    of its training (seed, maximum epochs) equals ``info``.
    """
    folder = root / folder_name(preset, fp)
    if (folder / META).exists():
        ckpt = load(folder, with_weights=False)
        return load(folder) if ckpt.fingerprint == fp else None
    if legacy is not None:
        model_fp, info = legacy
        folder = root / folder_name(preset, model_fp)
        if (folder / META).exists():
            ckpt = load(folder, with_weights=False)
            if ckpt.fingerprint == model_fp and all(ckpt.info.get(k) == v for k, v in info.items()):
                return load(folder)
    return None


def lineage(root: Path, preset: str, model_fp: str) -> Checkpoint | None:
    """The checkpoint of the same network, encoding and corpus with the most epochs (what `--resume` continues)."""
    best = None
    for meta in sorted(root.glob(f"{preset}-*/{META}")):
        try:
            ckpt = load(meta.parent, with_weights=False)
        except ModelError:
            continue
        if ckpt.info.get("model_fingerprint", ckpt.fingerprint) == model_fp:
            if best is None or len(ckpt.history) > len(best.history):
                best = ckpt
    return load(best.folder) if best is not None else None


def quality(ckpt) -> float:
    """How good a checkpoint is, lower is better: its validation perplexity, else its last training loss."""
    if "val_perplexity" in ckpt.info:
        return float(ckpt.info["val_perplexity"])
    if ckpt.history:
        last = ckpt.history[-1]
        return math.exp(float(last.get("token_loss", last.get("loss", math.inf))))
    return math.inf
