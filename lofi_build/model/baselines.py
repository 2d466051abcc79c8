"""Noise to judge a model against, as checkpoints the engine runs under the same masks: a random-initialised
network of the model's preset, and a unigram that plays the training set's token and duration frequencies."""

from __future__ import annotations

import numpy as np

from ..errors import ModelError
from .checkpoint import Checkpoint


def _like(ckpt: Checkpoint, name: str, weights: dict, info: dict) -> Checkpoint:
    """A checkpoint of ``ckpt``'s layout with other weights; it keeps the corpus histograms the gate judges by."""
    if "reference" in ckpt.info:
        info = {**info, "reference": ckpt.info["reference"]}
    return Checkpoint(folder=None, preset=ckpt.preset, fingerprint=name, settings=ckpt.settings, vocab=list(ckpt.vocab),
                      durations=list(ckpt.durations), info=info, weights=weights, primes=ckpt.primes)


def random_network(ckpt: Checkpoint, seed: int) -> Checkpoint:
    """``ckpt``'s network (preset, settings, vocabulary, durations) as its Keras builder initialises it, seeded
    with ``seed``, untrained: what the masks and the sampler make without anything learned."""
    from .train import _import_keras, export_weights, require_tensorflow, seed_everything

    require_tensorflow()
    _import_keras()
    seed_everything(seed)  # after Keras is imported, so its initialisers are seeded too
    model = ckpt.network.build(ckpt.settings, len(ckpt.vocab), len(ckpt.durations) + 1)
    return _like(ckpt, f"random-{seed}", export_weights(model), {"baseline": "random network", "seed": seed})


def training_counts(ckpt: Checkpoint, sequences, groups=None) -> tuple[np.ndarray, np.ndarray]:
    """How often each of ``ckpt``'s tokens and duration classes is a target in its training split of the encoded
    corpus ``sequences`` (``groups``: each sequence's corpus entry, as training split them), as the network trains on
    them: with ``transpose``, every row in each of the keys equally."""
    net, s = ckpt.network, ckpt.settings
    data = net.data(sequences, s, int(ckpt.info.get("seed", 0)), groups=groups)
    seen, durations = target_counts(data, s, len(ckpt.durations) + 1)
    index = {t: i for i, t in enumerate(ckpt.vocab)}
    tokens = np.zeros(len(ckpt.vocab))
    for t, n in zip(data["vocab"], seen):
        if t in index:
            tokens[index[t]] += n
    return tokens, durations


def target_counts(data: dict, s, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """How often each token of ``data``'s vocabulary and each of ``classes`` duration classes is a training target
    (with ``transpose``, every row in each of the keys equally). Training keeps them in the checkpoint's info
    (``target_counts``), so a unigram of it needs no corpus."""
    targets = np.asarray(data["train_targets"]).ravel()
    if getattr(s, "transpose", False) and "table" in data:
        found = np.concatenate([table[targets] for table in data["table"]])
        weight = 1.0 / len(data["table"])
    else:
        found, weight = targets, 1.0
    tokens = np.bincount(found, minlength=len(data["vocab"])) * weight
    durations = np.bincount(np.asarray(data["train_duration_targets"]).ravel(), minlength=classes)
    return tokens, durations.astype(np.float64)


def unigram_of(ckpt: Checkpoint) -> Checkpoint:
    """The unigram of a checkpoint from the target counts its training kept."""
    counts = ckpt.info.get("target_counts")
    if not counts:
        raise ModelError(f"{ckpt.short} keeps no target counts (trained before they were kept): "
                         "use unigram(ckpt, *training_counts(ckpt, sequences))")
    return unigram(ckpt, np.asarray(counts["tokens"]), np.asarray(counts["durations"]))


def unigram(ckpt: Checkpoint, token_counts, duration_counts) -> Checkpoint:
    """``ckpt``'s layout with every weight zero but the two output biases, set to the log frequencies of tokens and
    durations (add-one): the LSTM outputs zero, so each step draws from the same context-free distribution."""
    from .presets import unigram_log_probs

    if "token_logits/bias" not in ckpt.weights or "duration_logits/bias" not in ckpt.weights:
        raise ModelError(f"a unigram needs a network with token and duration heads, not the '{ckpt.preset}' preset")
    weights = {k: np.zeros_like(v) for k, v in ckpt.weights.items()}
    weights["token_logits/bias"] = unigram_log_probs(token_counts).astype(np.float32)
    weights["duration_logits/bias"] = unigram_log_probs(duration_counts).astype(np.float32)
    return _like(ckpt, "unigram", weights, {"baseline": "unigram"})
