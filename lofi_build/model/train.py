"""Training (Keras on TensorFlow, imported only here and only when training) and finding a matching checkpoint."""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..music.tokens import DURATIONS
from . import checkpoint as ckpt_mod
from . import corpus as corpus_mod
from . import presets

log = logging.getLogger("lofi_build")

INSTALL_HINT = "pip install 'lofi-build[train]' (or `make train`)"


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
    """What would be trained for a config: preset, settings, corpus, budget, seed and their fingerprint."""

    preset: str
    settings: object
    corpus: corpus_mod.Corpus
    fingerprint: str  # everything that changes the weights
    root: Path  # the checkpoints folder (where training writes)
    model_fingerprint: str = ""  # the network, encoding and corpus only (what --resume continues)
    seed: int = 0
    max_epochs: int = 0
    shipped: Path | None = None  # the package's checkpoints, also searched

    @property
    def network(self) -> presets.Preset:
        return presets.get(self.preset)

    @property
    def folder(self) -> Path:
        return self.root / ckpt_mod.folder_name(self.preset, self.fingerprint)

    @property
    def staging(self) -> Path:
        """Where a run writes its epochs; it replaces :attr:`folder` only when it is better (or forced)."""
        return self.root / f".{self.folder.name}.training"

    def find(self) -> ckpt_mod.Checkpoint | None:
        """The finished checkpoint of this plan (or one of format 1 that recorded the same training)."""
        legacy = (self.model_fingerprint, {"seed": self.seed, "max_epochs": self.max_epochs})
        found = ckpt_mod.find(self.root, self.preset, self.fingerprint, legacy=legacy)
        if found is None and self.shipped is not None:
            found = ckpt_mod.find(self.shipped, self.preset, self.fingerprint, legacy=legacy)
        if found is not None and presets.as_dict(found.settings) != presets.as_dict(self.settings):
            return None
        return found


def plan(config, preset=None, overrides: dict | None = None, epochs: int | None = None) -> Plan:
    """Cheap: lists the corpus files and hashes their bytes; parses no music, imports no TensorFlow."""
    if preset is None:  # lofi.yaml's: a warning about it names its line
        mark = config.source.mark("model", "preset") if config.source is not None else None
        network = presets.get(config.model.preset, path=config.path, line=mark.line if mark else None,
                              col=mark.col if mark else None)
    else:
        network = presets.get(preset)
    if not config.model.corpus:
        return shipped_plan(config, network)
    s = network.settings(**(overrides or {}))
    max_epochs = epochs or network.max_epochs(s, config)
    corpus = corpus_mod.resolve(config)
    manifest = corpus.manifest()
    budget = {"max_epochs": max_epochs, "patience": getattr(s, "patience", None)}
    fp = ckpt_mod.fingerprint(network.name, s, manifest, seed=config.seed, budget=budget)
    model_fp = ckpt_mod.fingerprint(network.name, s, manifest)
    return Plan(network.name, s, corpus, fp, config.model_dir, model_fp, config.seed,
                max_epochs, config.shipped_model_dir)


def shipped_plan(config, network: presets.Preset) -> Plan:
    """The package's checkpoint of ``network``: what serves a project that names no corpus of its own.
    The package ships one a network (a new one replaces the old folder), found by the network's name."""
    folders = sorted(p.parent for p in config.shipped_model_dir.glob(f"{network.name}-*/{ckpt_mod.META}"))
    if len(folders) != 1:
        raise config.error(("model", "preset"), f"the package ships {len(folders) or 'no'} '{network.name}' models "
                           f"(in {config.shipped_model_dir}): name a model.corpus to train your own", ModelError)
    found = ckpt_mod.load(folders[0], with_weights=False)
    return Plan(found.preset, found.settings, corpus_mod.Corpus(), found.fingerprint, config.shipped_model_dir,
                found.info.get("model_fingerprint", found.fingerprint), found.info.get("seed", 0),
                found.info.get("max_epochs", 0))


def ensure_trained(config, strict: bool = False, progress: bool = True) -> ckpt_mod.Checkpoint:
    """The checkpoint matching the config; trains one when none does and ``model.train`` is auto."""
    p = plan(config)
    found = p.find()
    if found is not None:
        return found
    if config.model.train == "never":
        raise config.error(("model", "train"), f"no checkpoint in {config.model.checkpoints}/ matches the model "
                           f"settings and corpus (looked for {p.folder.name}/) and model.train is 'never': "
                           "run `lofi-build train`", ModelError)
    log.info("No checkpoint matches the corpus and model settings: training %s (model.train: auto).", p.folder.name)
    return train(config, p, strict=strict, progress=progress)


# -- weights -------------------------------------------------------------------------------------


def export_weights(model) -> dict[str, np.ndarray]:
    """A Keras model's weights in the checkpoint's layout: ``LAYER/VARIABLE`` -> float32 array."""
    out = {}
    for layer in model.layers:
        for var in layer.weights:
            out[f"{layer.name}/{var.name.split('/')[-1]}"] = np.asarray(var.numpy(), dtype=np.float32)
    return out


def _import_weights(model, weights: dict[str, np.ndarray]) -> None:
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([weights[f"{layer.name}/{v.name.split('/')[-1]}"] for v in layer.weights])


# -- distribution ----------------------------------------------------------------------------------

DISTRIBUTE = ("mirrored", "multiworker")


def strategy_for(distribute: str | None):
    """None (one device), ``mirrored`` (every local GPU, else every logical CPU) or ``multiworker``
    (MultiWorkerMirroredStrategy over the cluster in TF_CONFIG)."""
    if not distribute:
        return None
    import tensorflow as tf

    if distribute == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
                  [d.name for d in tf.config.list_logical_devices("CPU")]
        cross = None if tf.config.list_logical_devices("GPU") else tf.distribute.ReductionToOneDevice()
        return tf.distribute.MirroredStrategy(devices=devices, cross_device_ops=cross)
    if distribute == "multiworker":
        if not os.environ.get("TF_CONFIG"):
            raise ModelError("--distribute multiworker needs TF_CONFIG (the cluster and this worker's task): "
                             "see README, 'Training across machines'")
        try:
            json.loads(os.environ["TF_CONFIG"])
        except ValueError as e:
            raise ModelError(f"TF_CONFIG is not JSON: {e}") from None
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ModelError(f"unknown --distribute '{distribute}' (known: {', '.join(DISTRIBUTE)})")


def _is_chief(strategy) -> bool:
    if strategy is None or not hasattr(strategy, "cluster_resolver") or strategy.cluster_resolver is None:
        return True
    task = strategy.cluster_resolver.task_type, strategy.cluster_resolver.task_id
    return task[0] in (None, "chief") or (task[0] == "worker" and task[1] == 0
                                          and "chief" not in strategy.cluster_resolver.cluster_spec().as_dict())


# -- training ----------------------------------------------------------------------------------


def train(config, p: Plan | None = None, *, epochs: int | None = None, resume: bool = False, force: bool = False,
          strict: bool = False, progress: bool = True, overrides: dict | None = None, preset: str | None = None,
          distribute: str | None = None, jobs: int | None = None, command: str | None = None) -> ckpt_mod.Checkpoint:
    """Encode the corpus, fit the preset's network and write its checkpoint.

    Epochs go to a staging folder; the finished run replaces the checkpoint of the same fingerprint
    only when it is better on validation (or there is none, or ``force``).
    """
    if not config.model.corpus:
        raise config.error(("model", "corpus"), "'model.corpus' is empty, so the packaged model serves: name MIDI "
                           "folders, score folders or music21 collections to train a model of your own", ModelError)
    require_tensorflow()
    if p is None or (epochs and epochs != p.max_epochs):
        p = plan(config, preset or (p.preset if p else None), overrides if p is None else presets.as_dict(p.settings),
                 epochs=epochs)
    net, s = p.network, p.settings
    encoded = corpus_mod.encode(p.corpus, config.tokens_cache_dir, strict=strict, progress=progress, network=net,
                                jobs=jobs)
    seed = p.seed
    keras = _import_keras()
    strategy = strategy_for(distribute)
    chief = _is_chief(strategy)
    seed_everything(seed)

    existing = None
    if resume:
        existing = ckpt_mod.lineage(p.root, p.preset, p.model_fingerprint)
        if existing is None and (p.staging / ckpt_mod.META).exists():
            existing = ckpt_mod.load(p.staging)
        if existing is None:
            log.info("Nothing to resume for %s: training from the start.", p.folder.name)
    incumbent = p.find()

    data = net.data(encoded.sequences, s, seed, keras, groups=encoded.groups)
    data["seed"] = seed
    data["distributed"] = strategy.num_replicas_in_sync if strategy is not None else 0  # replicas
    vocab = existing.vocab if existing else data["vocab"]
    if existing and vocab != data["vocab"]:
        raise ModelError("the checkpoint's vocabulary differs from the corpus encoding: train without --resume",
                         existing.folder / ckpt_mod.META)

    staging = p.staging if chief else Path(tempfile.mkdtemp(prefix="lofi-worker-"))
    if chief and staging.exists():
        shutil.rmtree(staging)
    ckpt = ckpt_mod.Checkpoint(folder=staging, preset=p.preset, fingerprint=p.fingerprint, settings=s, vocab=vocab,
                               primes=existing.primes if existing else data.get("primes"),
                               history=list(existing.history) if existing else [],
                               info=dict(existing.info) if existing else {},
                               weights=dict(existing.weights) if existing else {})
    ckpt.info.update({
        "corpus": list(config.model.corpus),
        "files": encoded.files,
        "skipped": encoded.skipped,
        "sequences": len(encoded.sequences),
        "tokens": encoded.tokens,
        "train_tokens": data["train_tokens"],
        "val_tokens": data["val_tokens"],
        "seed": seed,
        "max_epochs": p.max_epochs,
        "model_fingerprint": p.model_fingerprint,
        "distribute": distribute or "none",
        "replicas": strategy.num_replicas_in_sync if strategy is not None else 1,
        "command": command or "lofi-build train",
    })
    if net.encoding == "steps":  # melodies over chords: the corpus histograms the lofi gate compares solos with
        from .quality import corpus_reference

        ckpt.info["reference"] = corpus_reference(encoded.sequences)
    if net.duration_head:  # what a unigram of this network plays (baselines.unigram_of)
        from .baselines import target_counts

        tokens_seen, durations_seen = target_counts(data, s, len(DURATIONS) + 1)
        ckpt.info["target_counts"] = {"tokens": [round(float(x), 4) for x in tokens_seen],
                                      "durations": [float(x) for x in durations_seen]}
    if encoded.symbols:  # lead sheets: how many chord symbols the chord table spelled (music21 the others)
        ckpt.info["chord_symbols"] = {"symbols": encoded.symbols, "unread": len(encoded.unread),
                                      "unread_kinds": sorted(set(encoded.unread))}
    if encoded.from_cache < encoded.files:  # a fresh encoding: its speed is worth recording
        ckpt.info["encode_seconds"] = round(encoded.seconds, 1)

    def build():
        resume_file = existing.folder / ckpt_mod.RESUME if existing else None
        if resume_file is not None and resume_file.exists():
            return keras.models.load_model(resume_file)
        model = net.build(s, len(vocab), len(DURATIONS) + 1)
        if existing:
            _import_weights(model, existing.weights)
        return model

    if strategy is not None:
        with strategy.scope():
            model = build()
    else:
        model = build()
    initial_epoch = len(ckpt.history)
    if initial_epoch >= p.max_epochs:
        log.info("%s already has %d epochs (the maximum is %d).", existing.folder, initial_epoch, p.max_epochs)
        return existing

    monitor = net.monitor if data.get("val") is not None or net.monitor == "loss" else "loss"
    best = min((h[monitor] for h in ckpt.history if monitor in h), default=math.inf)
    started = time.perf_counter()
    wall_before = float(ckpt.info.get("train_seconds", 0.0)) if existing else 0.0
    resume_file = staging / ckpt_mod.RESUME

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
            score = entry.get(monitor, entry["loss"])  # no val_loss: a distributed run too small to validate
            if score < best or not ckpt.weights:
                best = score
                ckpt.weights = export_weights(self.model)
                ckpt.info["best_epoch"] = epoch + 1
            if chief:
                ckpt.save()
                self.model.save(resume_file)

    callbacks = [Save()] + net.callbacks(s, keras, monitor)
    verbose = (1 if sys.stdout.isatty() else 2) if progress else 0  # 2: one line an epoch in logs
    net.fit(model, data, s, epochs=p.max_epochs, initial_epoch=initial_epoch, callbacks=callbacks, verbose=verbose)
    if strategy is not None:  # evaluate on one device, as a single-device run does (every worker alone)
        model = net.build(s, len(vocab), len(DURATIONS) + 1)
    _import_weights(model, ckpt.weights)
    ckpt.info.update(net.evaluate(model, data, s, len(vocab)))
    if not chief:
        shutil.rmtree(staging, ignore_errors=True)
        return ckpt
    ckpt.save()
    if importlib.util.find_spec("matplotlib") is not None:
        from .card import write_card

        write_card(ckpt, config=config)
    return _publish(ckpt, p, incumbent, force)


def _publish(ckpt, p: Plan, incumbent, force: bool) -> ckpt_mod.Checkpoint:
    """Move the finished run into its folder, unless a better checkpoint of the same fingerprint is there."""
    new, old = ckpt_mod.quality(ckpt), ckpt_mod.quality(incumbent) if incumbent is not None else math.inf
    what = "validation perplexity" if "val_perplexity" in ckpt.info else "perplexity of the last training loss"
    if incumbent is not None and not force and new >= old:
        log.warning("Kept %s: its %s is %.3f, this run's %.3f (worse); `lofi-build train --force` replaces it.",
                    incumbent.folder, what, old, new)
        shutil.rmtree(p.staging, ignore_errors=True)
        return incumbent
    target = p.folder
    if target.exists():
        retired = target.with_name(f".{target.name}.old")
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(target, retired)
        os.replace(p.staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(p.staging, target)
    ckpt.folder = target
    log.info("Trained %s: %d epochs, %.0f s%s; checkpoint in %s.", p.preset, len(ckpt.history),
             ckpt.info["train_seconds"],
             f", validation perplexity {ckpt.info['val_perplexity']} (unigram {ckpt.info['unigram_val_perplexity']})"
             if "val_perplexity" in ckpt.info else "", target)
    return ckpt


def run_training(config_file, preset=None, epochs=None, resume=False, force=False, strict=False, progress=True,
                 distribute=None, jobs=None):
    """``lofi-build train``: load the config and train the configured (or named) preset."""
    from ..config import as_config

    import shlex

    config = as_config(config_file, strict=strict)
    command = " ".join(["lofi-build", *map(shlex.quote, sys.argv[1:])]) if sys.argv[1:2] == ["train"] else None
    return train(config, plan(config, preset, epochs=epochs), resume=resume, force=force, strict=strict,
                 progress=progress, distribute=distribute, jobs=jobs, command=command)
