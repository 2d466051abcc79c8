"""Training (Keras on TensorFlow, imported only here and only when training) and finding a matching checkpoint."""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..music.tokens import DURATIONS, END, START, Event, with_markers
from . import checkpoint as ckpt_mod
from . import corpus as corpus_mod
from . import presets

log = logging.getLogger("lofi_build")

INSTALL_HINT = "pip install 'lofi-build[train]' (or `make train`)"
PRIMES = 64  # the seed preset keeps this many corpus windows to start generating from


def seed_everything(seed: int) -> None:
    """The one place seeds are set: Python, numpy and Keras (and through it TensorFlow)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "keras" in sys.modules:  # only once training has imported it: generation never needs Keras
        sys.modules["keras"].utils.set_random_seed(seed % 2**32)


def require_tensorflow() -> None:
    if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None:
        raise ModelError(f"training needs TensorFlow, which is not installed: {INSTALL_HINT}")


def _import_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    return keras


@dataclass
class Plan:
    """What would be trained for a config: preset, settings, corpus and their fingerprint."""

    preset: str
    settings: object
    corpus: corpus_mod.Corpus
    fingerprint: str
    root: Path  # the checkpoints folder

    @property
    def folder(self) -> Path:
        return self.root / ckpt_mod.folder_name(self.preset, self.fingerprint)


def plan(config, preset: str | None = None, overrides: dict | None = None) -> Plan:
    """Cheap: lists the corpus files and hashes their bytes; parses no music, imports no TensorFlow."""
    preset = preset or config.model.preset
    s = presets.settings(preset, **(overrides or {}))
    corpus = corpus_mod.resolve(config)
    fp = ckpt_mod.fingerprint(preset, s, corpus.manifest())
    return Plan(preset, s, corpus, fp, config.resolve(config.model.checkpoints))


def ensure_trained(config, strict: bool = False, progress: bool = True) -> ckpt_mod.Checkpoint:
    """The checkpoint matching the config; trains one when none does and ``model.train`` is auto."""
    p = plan(config)
    found = ckpt_mod.find(p.root, p.preset, p.fingerprint)
    if found is not None:
        return found
    if config.model.train == "never":
        raise config.error(("model", "train"), f"no checkpoint in {config.model.checkpoints}/ matches the model "
                           f"settings and corpus (looked for {p.folder.name}/) and model.train is 'never': "
                           "run `lofi-build train`", ModelError)
    log.info("No checkpoint matches the corpus and model settings: training %s (model.train: auto).", p.folder.name)
    return train(config, p, strict=strict, progress=progress)


# -- data --------------------------------------------------------------------------------------


def _duration_class(ev: Event) -> int:
    return 0 if ev.token in (START, END) else DURATIONS.index(ev.quarter_length) + 1


def _default_rows(pieces: list[np.ndarray], length: int):
    """Cut the concatenated pieces into rows: inputs (token, duration) and next-event targets."""
    stream = np.concatenate(pieces) if pieces else np.zeros((0, 2), np.int32)
    if len(stream) < 2:
        return None
    length = min(length, len(stream) - 1)
    n = (len(stream) - 1) // length
    x = stream[: n * length].reshape(n, length, 2)
    y = stream[1: n * length + 1].reshape(n, length, 2)
    return [x[..., 0], x[..., 1], y[..., 0]], {"token": y[..., 0], "duration": y[..., 1]}


def _unigram_cross_entropy(train_targets: np.ndarray, val_targets: np.ndarray, vocab: int) -> float:
    """Cross-entropy (nats) of the validation tokens under the training set's token frequencies (add-one)."""
    counts = np.bincount(train_targets.ravel(), minlength=vocab).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    return float(-logp[val_targets.ravel()].mean())


def _export(model) -> dict[str, np.ndarray]:
    out = {}
    for layer in model.layers:
        for var in layer.weights:
            out[f"{layer.name}/{var.name.split('/')[-1]}"] = np.asarray(var.numpy(), dtype=np.float32)
    return out


def _import_weights(model, weights: dict[str, np.ndarray]) -> None:
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([weights[f"{layer.name}/{v.name.split('/')[-1]}"] for v in layer.weights])


# -- training ----------------------------------------------------------------------------------


def train(config, p: Plan | None = None, *, epochs: int | None = None, resume: bool = False, strict: bool = False,
          progress: bool = True, overrides: dict | None = None, preset: str | None = None) -> ckpt_mod.Checkpoint:
    """Encode the corpus, fit the preset's network, and write its checkpoint after every epoch."""
    require_tensorflow()
    p = p or plan(config, preset, overrides)
    s = p.settings
    max_epochs = epochs or (config.model.epochs if p.preset == "default" else s.epochs)
    encoded = corpus_mod.encode(p.corpus, config.root, strict=strict, progress=progress)
    seed = config.seed
    keras = _import_keras()
    seed_everything(seed)

    existing = None
    if resume:
        if (p.folder / ckpt_mod.META).exists():
            existing = ckpt_mod.load(p.folder)
            if existing.fingerprint != p.fingerprint:
                existing = None
        if existing is None:
            log.info("Nothing to resume in %s: training from the start.", p.folder)

    if p.preset == "seed":
        data = _seed_data(encoded.sequences, s, seed, keras)
    else:
        data = _default_data(encoded.sequences, s, seed)
    vocab = existing.vocab if existing else data["vocab"]
    if existing and vocab != data["vocab"]:
        raise ModelError("the checkpoint's vocabulary differs from the corpus encoding: train without --resume",
                         p.folder / ckpt_mod.META)

    ckpt = existing or ckpt_mod.Checkpoint(folder=p.folder, preset=p.preset, fingerprint=p.fingerprint, settings=s,
                                           vocab=vocab, primes=data.get("primes"))
    ckpt.info.update({
        "corpus": list(config.model.corpus),
        "files": encoded.files,
        "skipped": encoded.skipped,
        "sequences": len(encoded.sequences),
        "tokens": encoded.tokens,
        "train_tokens": data["train_tokens"],
        "val_tokens": data["val_tokens"],
        "seed": seed,
        "max_epochs": max_epochs,
    })
    if encoded.from_cache < encoded.files:  # a fresh encoding: its speed is worth recording
        ckpt.info["encode_seconds"] = round(encoded.seconds, 1)

    model = None
    resume_file = p.folder / ckpt_mod.RESUME
    if existing and resume_file.exists():
        model = keras.models.load_model(resume_file)
    else:
        model = presets.build(p.preset, s, len(vocab), len(DURATIONS) + 1)
        if existing:
            _import_weights(model, existing.weights)
    initial_epoch = len(ckpt.history)
    if initial_epoch >= max_epochs:
        log.info("%s already has %d epochs (the maximum is %d).", p.folder, initial_epoch, max_epochs)
        return ckpt

    monitor = "val_loss" if data.get("val") is not None else "loss"
    best = min((h[monitor] for h in ckpt.history if monitor in h), default=math.inf)
    started = time.perf_counter()
    wall_before = float(ckpt.info.get("train_seconds", 0.0))

    class Save(keras.callbacks.Callback):
        """Checkpoint every epoch: history always, weights when the monitored loss improved."""

        def __init__(self):
            super().__init__()
            self.epoch_started = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            nonlocal best
            entry = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - self.epoch_started, 2)}
            entry.update({k: float(v) for k, v in (logs or {}).items() if "loss" in k})
            ckpt.history.append(entry)
            ckpt.info["train_seconds"] = round(wall_before + time.perf_counter() - started, 1)
            if entry[monitor] < best or not ckpt.weights:
                best = entry[monitor]
                ckpt.weights = _export(self.model)
                ckpt.info["best_epoch"] = epoch + 1
            ckpt.save()
            self.model.save(resume_file)

    callbacks = [Save()]
    if p.preset == "default":
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=s.patience, restore_best_weights=True))
    verbose = (1 if sys.stdout.isatty() else 2) if progress else 0  # 2: one line an epoch in logs
    if p.preset == "seed":
        model.fit(data["train"], epochs=max_epochs, initial_epoch=initial_epoch, callbacks=callbacks, verbose=verbose)
    else:
        x, y = data["train"]
        model.fit(x, y, batch_size=s.batch_size, epochs=max_epochs, initial_epoch=initial_epoch, shuffle=True,
                  validation_data=data.get("val"), callbacks=callbacks, verbose=verbose)
    if p.preset == "default" and data.get("val") is not None:
        _import_weights(model, ckpt.weights)
        x, y = data["val"]
        result = model.evaluate(x, y, batch_size=s.batch_size, verbose=0, return_dict=True)
        val_ce = float(result["token_loss"])
        unigram = _unigram_cross_entropy(data["train"][1]["token"], y["token"], len(vocab))
        ckpt.info.update({
            "val_token_cross_entropy": round(val_ce, 4),
            "val_perplexity": round(math.exp(val_ce), 3),
            "val_duration_cross_entropy": round(float(result["duration_loss"]), 4),
            "unigram_val_perplexity": round(math.exp(unigram), 3),
        })
    ckpt.save()
    if p.preset == "default" and importlib.util.find_spec("matplotlib") is not None:
        from .card import write_card

        write_card(ckpt)
    log.info("Trained %s: %d epochs, %.0f s%s; checkpoint in %s.", p.preset, len(ckpt.history),
             ckpt.info["train_seconds"],
             f", validation perplexity {ckpt.info['val_perplexity']} (unigram {ckpt.info['unigram_val_perplexity']})"
             if "val_perplexity" in ckpt.info else "", p.folder)
    return ckpt


def _default_data(sequences: list[list[Event]], s, seed: int) -> dict:
    tokens = sorted({e.token for seq in sequences for e in seq})
    vocab = [START, END] + tokens
    index = {t: i for i, t in enumerate(vocab)}
    pieces = [np.array([(index[e.token], _duration_class(e)) for e in with_markers([seq])], np.int32)
              for seq in sequences]
    order = np.random.default_rng(seed).permutation(len(pieces))
    n_val = int(round(len(pieces) * s.validation)) if len(pieces) >= 2 else 0
    n_val = min(max(n_val, 1 if s.validation > 0 and len(pieces) >= 2 else 0), len(pieces) - 1) if pieces else 0
    val_pieces = [pieces[i] for i in sorted(order[:n_val])]
    train_pieces = [pieces[i] for i in sorted(order[n_val:])]
    train = _default_rows(train_pieces, s.sequence)
    if train is None:
        raise ModelError("the corpus is too small to train on (fewer than two events)")
    val = _default_rows(val_pieces, s.sequence) if val_pieces else None
    return {
        "vocab": vocab, "train": train, "val": val,
        "train_tokens": int(train[1]["token"].size), "val_tokens": int(val[1]["token"].size) if val else 0,
    }


def _seed_data(sequences: list[list[Event]], s, seed: int, keras) -> dict:
    """The article's data: all tokens in one sequence, every window of 100 -> the token after it."""
    stream_tokens = [e.token for seq in sequences for e in seq]
    vocab = sorted(set(stream_tokens))
    index = {t: i for i, t in enumerate(vocab)}
    stream = np.array([index[t] for t in stream_tokens], np.int32)
    n = len(stream) - s.window
    if n < 1:
        raise ModelError(f"the corpus has {len(stream)} events, too few for the article's windows of {s.window}")
    rng = np.random.default_rng(seed)
    primes = np.stack([stream[i:i + s.window] for i in rng.integers(0, n, size=min(PRIMES, n))])

    class Windows(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.order = rng.permutation(n)

        def __len__(self):
            return math.ceil(n / s.batch_size)

        def __getitem__(self, i):
            starts = self.order[i * s.batch_size:(i + 1) * s.batch_size]
            x = stream[starts[:, None] + np.arange(s.window)].astype(np.float32)[..., None] / len(vocab)
            y = np.zeros((len(starts), len(vocab)), np.float32)
            y[np.arange(len(starts)), stream[starts + s.window]] = 1.0
            return x, y

        def on_epoch_end(self):
            self.order = rng.permutation(n)

    return {"vocab": vocab, "train": Windows(), "primes": primes.astype(np.int32),
            "train_tokens": int(n), "val_tokens": 0}


def run_training(config_file, preset=None, epochs=None, resume=False, strict=False, progress=True):
    """``lofi-build train``: load the config and train the configured (or named) preset."""
    from ..config import as_config

    config = as_config(config_file, strict=strict)
    return train(config, plan(config, preset), epochs=epochs, resume=resume, strict=strict, progress=progress)
