"""The generation engine: the trained networks' inference in numpy, every solo of a pool advanced as one batch.

Plain functions of arrays (weights by name, int token ids, one numpy Generator per solo), so the
same loop can be ported to the browser. Gate order and activations follow Keras's LSTM: the
kernel's four blocks are input, forget, cell and output gates; tanh and sigmoid.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..music.tokens import ARTICLE_DURATIONS, ARTICLE_REST, END, REST, START

NO_DURATION = 0  # duration class of the start/end markers; class k >= 1 is durations[k - 1]
DTYPE = np.float32


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # = 1 / (1 + e^-x), without overflow warnings


def lstm_step(x, h, c, kernel, recurrent, bias):
    """One LSTM step for a batch: x (B, I), h and c (B, U) -> new h, c."""
    z = x @ kernel + bias
    if recurrent.shape[0]:
        z += h @ recurrent
    u = h.shape[1]
    i, f, g, o = _sigmoid(z[:, :u]), _sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), _sigmoid(z[:, 3 * u:])
    c = f * c + i * g
    return o * np.tanh(c), c


def fused_lstm_step(x, h, c, stacked, bias):
    """:func:`lstm_step` with the kernels stacked (``[kernel; recurrent]``): one matrix product a step."""
    return lstm_step(np.concatenate([x, h], axis=1), h, c, stacked, np.zeros((0, stacked.shape[1]), x.dtype), bias)


def lstm_layers(w: dict, prefix: str = "lstm") -> list[tuple]:
    out, i = [], 0
    while f"{prefix}{i}/kernel" in w:
        out.append((w[f"{prefix}{i}/kernel"], w[f"{prefix}{i}/recurrent_kernel"], w[f"{prefix}{i}/bias"]))
        i += 1
    return out


def softmax(logits, axis=-1):
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


# -- the default network: one stateful step at a time ----------------------------------------------


def default_init(w: dict, batch: int) -> list[tuple]:
    return [(np.zeros((batch, r.shape[0]), DTYPE), np.zeros((batch, r.shape[0]), DTYPE)) for _, r, _ in lstm_layers(w)]


def stack_layers(w: dict) -> list[tuple]:
    """The LSTM layers with input and recurrent kernels stacked, for :func:`fused_lstm_step`."""
    return [(np.concatenate([k, r], axis=0), b) for k, r, b in lstm_layers(w)]


def default_step(w: dict, state: list[tuple], tokens, durations, stacked: list[tuple] | None = None):
    """Feed one event per solo; returns the top LSTM output (B, U), the next-token logits and the new state."""
    x = np.concatenate([w["token_embed/embeddings"][tokens], w["duration_embed/embeddings"][durations]], axis=1)
    new_state = []
    for (kernel, bias), (h, c) in zip(stacked or stack_layers(w), state):
        h, c = fused_lstm_step(x, h, c, kernel, bias)
        new_state.append((h, c))
        x = h
    return x, x @ w["token_logits/kernel"] + w["token_logits/bias"], new_state


def duration_logits(w: dict, top, next_tokens):
    """The duration head: the LSTM output and the token just chosen -> duration logits."""
    h = np.concatenate([top, w["next_embed/embeddings"][next_tokens]], axis=1)
    h = np.maximum(h @ w["duration_hidden/kernel"] + w["duration_hidden/bias"], 0)
    return h @ w["duration_logits/kernel"] + w["duration_logits/bias"]


# -- the article's network: a window of token ids -> next-token probabilities -------------------


def seed_probs(w: dict, windows, vocab: int):
    """The article's model on (B, window) token ids, scaled by 1/vocab as it trains them."""
    x = windows.astype(DTYPE)[:, :, None] / DTYPE(vocab)
    layers = lstm_layers(w)
    for n, (kernel, recurrent, bias) in enumerate(layers):
        h = np.zeros((x.shape[0], recurrent.shape[0]), DTYPE)
        c = np.zeros_like(h)
        outs = []
        for t in range(x.shape[1]):
            h, c = lstm_step(x[:, t], h, c, kernel, recurrent, bias)
            outs.append(h)
        x = np.stack(outs, axis=1) if n < len(layers) - 1 else h
    x = x @ w["dense/kernel"] + w["dense/bias"]
    return softmax(x @ w["logits/kernel"] + w["logits/bias"])


# -- sampling ----------------------------------------------------------------------------------


def sample(logits, uniforms, temperature: float, top_k: int, banned=()):
    """One choice per row: argmax when temperature is 0, else softmax(logits / T) over the top k.

    ``uniforms`` holds one U(0,1) draw per row, taken from that solo's own generator, so a solo
    depends on its seed only, not on the other solos in the batch.
    """
    logits = np.array(logits, dtype=np.float64)
    if len(banned):
        logits[:, list(banned)] = -np.inf
    if temperature <= 0:
        return logits.argmax(axis=1)
    if 0 < top_k < logits.shape[1]:
        kth = np.partition(logits, -top_k, axis=1)[:, -top_k][:, None]
        logits = np.where(logits >= kth, logits, -np.inf)
    p = softmax(logits / temperature)
    cdf = np.cumsum(p, axis=1)
    choice = (cdf <= (uniforms * cdf[:, -1])[:, None]).sum(axis=1)  # the first index whose cdf passes u
    return np.minimum(choice, logits.shape[1] - 1)


def _article_duration(rng, is_rest: bool) -> Fraction:
    """The article's draw: eighth .65, 16th .25, quarter .05, half .05; rests are 16ths."""
    if is_rest:
        return ARTICLE_REST
    values = list(ARTICLE_DURATIONS)
    return values[rng.choice(len(values), p=list(ARTICLE_DURATIONS.values()))]


# -- a pool of solos -----------------------------------------------------------------------------


def generate(ckpt, seeds: list[int], quarters: Fraction, temperature: float, top_k: int) -> list[list[tuple[int, Fraction]]]:
    """One solo per seed, each exactly ``quarters`` long: lists of (token id, quarter notes).

    The last event is shortened to end on the final bar line. Start/end markers are never
    sampled: the solo's length is the loop's.
    """
    from threadpoolctl import threadpool_limits

    # A step multiplies a few dozen rows: BLAS threads cost more than they save, and fight
    # over the cores with anything else running (measured: 10x slower with two).
    with threadpool_limits(limits=1, user_api="blas"):
        return _generate(ckpt, seeds, quarters, temperature, top_k)


def _generate(ckpt, seeds, quarters, temperature, top_k):
    rngs = [np.random.default_rng(s) for s in seeds]
    vocab = ckpt.vocab
    banned = [i for i, t in enumerate(vocab) if t in (START, END)]
    rest_id = vocab.index(REST) if REST in vocab else -1
    batch = len(seeds)
    out: list[list[tuple[int, Fraction]]] = [[] for _ in range(batch)]
    elapsed = [Fraction(0)] * batch
    w = {k: v.astype(DTYPE, copy=False) for k, v in ckpt.weights.items()}

    def append(row, token, length):
        length = min(length, quarters - elapsed[row])
        out[row].append((int(token), length))
        elapsed[row] += length

    if ckpt.preset == "seed":
        window = ckpt.primes[[rng.integers(len(ckpt.primes)) for rng in rngs]].astype(np.int64)
        while any(e < quarters for e in elapsed):
            probs = seed_probs(w, window, len(vocab))
            tokens = sample(np.log(np.maximum(probs, 1e-30)), np.array([r.random() for r in rngs]),
                            temperature, top_k, banned)
            for row, token in enumerate(tokens):
                if elapsed[row] < quarters:
                    append(row, token, _article_duration(rngs[row], token == rest_id))
            window = np.concatenate([window[:, 1:], tokens[:, None]], axis=1)
        return out

    durations = ckpt.durations
    stacked = stack_layers(w)
    state = default_init(w, batch)
    active = np.arange(batch)  # solos still short of the loop; finished ones leave the batch
    tokens = np.full(batch, vocab.index(START))
    dur_classes = np.full(batch, NO_DURATION)
    first = True
    while len(active):
        top, logits, state = default_step(w, state, tokens, dur_classes, stacked)
        # At temperature 0 the first note is drawn (at temperature 1) so solos differ by seed;
        # after it, every choice is the argmax: the article's mode.
        t = 1.0 if first and temperature <= 0 else temperature
        tokens = sample(logits, np.array([rngs[r].random() for r in active]), t, top_k, banned)
        d_logits = duration_logits(w, top, tokens)
        dur_classes = sample(d_logits, np.array([rngs[r].random() for r in active]), temperature, 0, [NO_DURATION])
        for j, row in enumerate(active):
            append(row, tokens[j], durations[dur_classes[j] - 1])
        keep = np.array([elapsed[row] < quarters for row in active], dtype=bool)
        if not keep.all():
            active, tokens, dur_classes = active[keep], tokens[keep], dur_classes[keep]
            state = [(h[keep], c[keep]) for h, c in state]
        first = False
    return out


def check_weights(ckpt) -> str | None:
    """Why the arrays cannot be this checkpoint's network, or None when they fit."""
    w, v = ckpt.weights, len(ckpt.vocab)
    need = ["logits/kernel", "dense/kernel"] if ckpt.preset == "seed" else [
        "token_embed/embeddings", "duration_embed/embeddings", "next_embed/embeddings", "token_logits/kernel",
        "duration_hidden/kernel", "duration_logits/kernel"]
    missing = [k for k in need + ["lstm0/kernel"] if k not in w]
    if missing:
        return f"missing arrays: {', '.join(missing)}"
    if ckpt.preset == "seed":
        if w["logits/kernel"].shape[1] != v:
            return f"output layer has {w['logits/kernel'].shape[1]} classes, the vocabulary {v}"
        if ckpt.primes is None or ckpt.primes.ndim != 2 or not len(ckpt.primes):
            return "no prime windows"
        if ckpt.primes.max() >= v or ckpt.primes.min() < 0:
            return "prime windows hold token ids outside the vocabulary"
    else:
        if w["token_embed/embeddings"].shape[0] != v or w["token_logits/kernel"].shape[1] != v:
            return "token layers do not match the vocabulary"
        if w["duration_logits/kernel"].shape[1] != len(ckpt.durations) + 1:
            return "duration head does not match the durations"
    x = None
    for i, (kernel, recurrent, bias) in enumerate(lstm_layers(w)):
        u = recurrent.shape[0]
        if recurrent.shape != (u, 4 * u) or kernel.shape[1] != 4 * u or bias.shape != (4 * u,):
            return f"lstm{i} has inconsistent shapes"
        if x is not None and kernel.shape[0] != x:
            return f"lstm{i} does not fit the layer below"
        x = u
    if not all(np.all(np.isfinite(a)) for a in w.values()):
        return "weights contain NaN or infinity"
    return None
