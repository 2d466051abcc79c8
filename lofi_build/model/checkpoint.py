"""Checkpoints: one folder per trained model (config, vocabulary, fingerprint, history in JSON; weights in .npz).

Generation needs nothing but numpy to read one: the Keras file kept for ``--resume``
(``resume.keras``) is optional and never read by ``lofi-build site``.
"""

from __future__ import annotations

import hashlib
import json
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


def fingerprint(preset: str, settings, manifest: list[list[str]]) -> str:
    """What the model is: preset, its fingerprinted settings, the encoding and every corpus file's bytes."""
    data = {
        "preset": preset,
        "settings": presets.fingerprinted(settings),
        "encoding": ENCODING_VERSION,
        "corpus": manifest,
    }
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
    primes: np.ndarray | None = None  # seed preset: token windows to start from, as the article does

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
            settings=presets.from_dict(preset, meta["settings"]),
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


def find(root: Path, preset: str, fp: str) -> Checkpoint | None:
    """The checkpoint under ``root`` with this fingerprint, or None."""
    folder = root / folder_name(preset, fp)
    if not (folder / META).exists():
        return None
    ckpt = load(folder, with_weights=False)
    if ckpt.fingerprint != fp:
        return None
    return load(folder)
