"""The generation engine: the trained networks' inference in numpy, every solo of a pool advanced as one batch.

Plain functions of arrays (weights by name, int token ids, one pinned :class:`Prng` per solo), so
the same loop runs in the browser. Gate order and activations follow Keras's LSTM: the kernel's
four blocks are input, forget, cell and output gates; tanh and sigmoid.

Generation is bar-aware: a conditioned network (``lofi``) hears the chord and the metrical position
of every onset and what it played one and two bars back there (:mod:`lofi_build.model.lookback`), and
every network with a duration head plays under the generation rules of :mod:`lofi_build.model.rules`
(the grid, the loop's length, the ending, the avoid notes), which mask each token and each duration
before it is drawn. Each solo's log-likelihood under the network (the unmasked softmax at temperature
1 of every token and duration it played) comes with it, for the choice between candidates
(:mod:`lofi_build.model.candidates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..music.tokens import ARTICLE_DURATIONS, ARTICLE_REST, END, REST, START, top_pitch_class
from . import lookback, rules
from .prng import Prng  # the pinned PRNG: xoshiro128** seeded by four SplitMix32 outputs
from .rules import TICKS

NO_DURATION = 0  # duration class of the start/end markers; class k >= 1 is durations[k - 1]
DTYPE = np.float32
OFF_GRID = 48  # the position class of an onset off the grid (4/4 has positions 0..47)


# -- LSTM ------------------------------------------------------------------------------------------


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


# -- the default and lofi networks: one stateful step at a time ---------------------------------------


def default_init(w: dict, batch: int) -> list[tuple]:
    return [(np.zeros((batch, r.shape[0]), DTYPE), np.zeros((batch, r.shape[0]), DTYPE)) for _, r, _ in lstm_layers(w)]


def stack_layers(w: dict) -> list[tuple]:
    """The LSTM layers with input and recurrent kernels stacked, for :func:`fused_lstm_step`."""
    return [(np.concatenate([k, r], axis=0), b) for k, r, b in lstm_layers(w)]


def _run_layers(w, state, x, stacked):
    new_state = []
    for (kernel, bias), (h, c) in zip(stacked or stack_layers(w), state):
        h, c = fused_lstm_step(x, h, c, kernel, bias)
        new_state.append((h, c))
        x = h
    return x, x @ w["token_logits/kernel"] + w["token_logits/bias"], new_state


def default_step(w: dict, state: list[tuple], tokens, durations, stacked: list[tuple] | None = None):
    """Feed one event per solo; returns the top LSTM output (B, U), the next-token logits and the new state."""
    x = np.concatenate([w["token_embed/embeddings"][tokens], w["duration_embed/embeddings"][durations]], axis=1)
    return _run_layers(w, state, x, stacked)


def lofi_step(w: dict, state: list[tuple], tokens, durations, positions, chords, back, restated,
              stacked: list[tuple] | None = None):
    """The ``lofi`` network's step: the previous event (token, duration class) and whether it restated each bar
    looked back (``restated``: (B, len(BARS)) 0/1), with the metrical position, the chord vector and the lookback
    (``back``: (B, len(BARS) * WIDTH) ids and same-chord flags, :mod:`~lofi_build.model.lookback`) of the onset
    about to be chosen; returns as :func:`default_step`."""
    parts = [w["token_embed/embeddings"][tokens], w["duration_embed/embeddings"][durations],
             w["position_embed/embeddings"][positions], chords.astype(DTYPE, copy=False)]
    for b in range(len(lookback.BARS)):
        at = b * lookback.WIDTH
        parts += [w["token_embed/embeddings"][back[:, at]], w["duration_embed/embeddings"][back[:, at + 1]],
                  w["degree_embed/embeddings"][back[:, at + 2]]]
    parts += [back[:, lookback.WIDTH - 1::lookback.WIDTH].astype(DTYPE), np.asarray(restated, DTYPE)]
    return _run_layers(w, state, np.concatenate(parts, axis=1), stacked)


def log_softmax(logits) -> np.ndarray:
    """log softmax in float64, per row."""
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


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


# -- sampling (pinned: the browser's engine draws the same index for the same logits and u) ---------


def _top_k(logits, top_k: int):
    """Per row, the indices of the k largest logits, largest first, ties by lower index (k = 0: all)."""
    rows, width = logits.shape
    if not 0 < top_k < width:
        return np.argsort(-logits, axis=1, kind="stable")
    # The k-th largest value; everything above it is in, and as many of its ties as fit, lowest index first.
    kth = np.partition(logits, width - top_k, axis=1)[:, width - top_k][:, None]
    above = logits > kth
    ties = logits == kth
    chosen = above | (ties & (np.cumsum(ties, axis=1) <= top_k - above.sum(axis=1, keepdims=True)))
    index = np.nonzero(chosen)[1].reshape(rows, top_k)  # ascending index within each row
    values = np.take_along_axis(logits, index, axis=1)
    return np.take_along_axis(index, np.argsort(-values, axis=1, kind="stable"), axis=1)


def sample(logits, uniforms, temperature: float, top_k: int, banned=(), allowed=None):
    """One choice per row from its logits and one U(0,1) draw ``uniforms[row]``.

    Temperature 0: the argmax (lowest index on a tie). Otherwise the top-k logits in descending
    order (ties: lower index first; k = 0 means all), softmax in float64 of (logit - max) / T, and the
    first index in that order whose cumulative sum exceeds u. ``banned`` columns and cells outside
    ``allowed`` (bool, same shape) are never chosen.
    """
    logits = np.array(logits, dtype=np.float64)
    if len(banned):
        logits[:, list(banned)] = -np.inf
    if allowed is not None:
        logits[~allowed] = -np.inf
    if temperature <= 0:
        return logits.argmax(axis=1)
    order = _top_k(logits, top_k)
    top = np.take_along_axis(logits, order, axis=1)
    finite = np.isfinite(top).sum(axis=1)
    with np.errstate(invalid="ignore"):
        e = np.exp((top - top[:, :1]) / temperature)
    e[~np.isfinite(top)] = 0.0
    total = np.cumsum(e, axis=1)[:, -1:]  # added left to right, as the browser adds them
    cdf = np.cumsum(e / total, axis=1)
    index = (cdf <= np.asarray(uniforms, dtype=np.float64)[:, None]).sum(axis=1)
    index = np.minimum(index, np.maximum(finite, 1) - 1)  # rounding: u above the last sum
    return order[np.arange(len(order)), index]


def _article_duration(rng: Prng, is_rest: bool) -> Fraction:
    """The article's draw: eighth .65, 16th .25, quarter .05, half .05; rests are 16ths."""
    if is_rest:
        return ARTICLE_REST
    u, total = rng.random(), 0.0
    for value, p in ARTICLE_DURATIONS.items():
        total += p
        if u < total:
            return value
    return value


# -- what a solo is played over ----------------------------------------------------------------------


@dataclass(frozen=True)
class Harmony:
    """The chords under one solo, on the grid: ``at[t]`` is the chord (a row of ``vectors`` / ``pcs``)
    sounding at twelfth ``t``; the solo is ``len(at)`` twelfths long, bars ``bar`` twelfths."""

    vectors: np.ndarray  # (K, 36) chord vectors
    pcs: np.ndarray  # (K, 12) bool: the chord's pitch classes
    at: np.ndarray  # (length,) int
    bar: int = 4 * TICKS
    tones: np.ndarray | None = None  # (K, 12) bool: what a melody may sound on beats 1 and 3 (default: pcs)
    avoid: np.ndarray | None = None  # (K, 12) bool: the chord's avoid notes (never held a beat, never on a strong beat)

    @property
    def strong(self) -> int:
        """Twelfths between strong beats: beats 1 and 3 of an even bar, else the downbeat only."""
        return self.bar // 2 if self.bar % (2 * TICKS) == 0 else self.bar

    @property
    def quarters(self) -> Fraction:
        return Fraction(len(self.at), TICKS)

    @property
    def roots(self) -> np.ndarray:
        """(length,) the root pitch class of the chord at every twelfth (-1: none)."""
        has = self.vectors[:, :12].any(axis=1)
        return np.where(has, self.vectors[:, :12].argmax(axis=1), -1)[self.at]


def _pc_row(pitch_classes) -> np.ndarray:
    row = np.zeros(12, bool)
    row[[p % 12 for p in pitch_classes]] = True
    return row


def harmony(spans, *, quarters: Fraction, beats_per_bar: int = 4) -> Harmony:
    """A :class:`Harmony` from chord spans ``(start, end, vector, pcs[, tones[, avoid]])`` in quarters (gaps: no
    chord; ``tones``: the pitch classes a melody may sound on a strong beat, default ``pcs``; ``avoid``: the chord's
    avoid notes)."""
    length = int(quarters * TICKS)
    vectors, pcs, tones, avoid = [np.zeros(36, DTYPE)], [np.zeros(12, bool)], [np.ones(12, bool)], [np.zeros(12, bool)]
    at = np.zeros(length, np.int64)
    for start, end, vector, chord_pcs, *more in spans:
        vectors.append(np.asarray(vector, DTYPE))
        pcs.append(_pc_row(chord_pcs))
        tones.append(_pc_row(more[0]) | pcs[-1] if more else pcs[-1])
        avoid.append(_pc_row(more[1]) if len(more) > 1 else np.zeros(12, bool))
        tones[-1] = tones[-1] & ~avoid[-1]
        at[int(Fraction(start) * TICKS):int(Fraction(end) * TICKS)] = len(vectors) - 1
    return Harmony(np.stack(vectors), np.stack(pcs), at, beats_per_bar * TICKS, np.stack(tones), np.stack(avoid))


# -- a pool of solos -----------------------------------------------------------------------------


def generate(ckpt, seeds: list[int], harmonies: list[Harmony], temperature: float, top_k: int,
             *, max_equal_run: int = 0, nudges: bool = True) -> list[list[tuple[int, Fraction]]]:
    """One solo per seed over its harmony, each exactly as long: lists of (token id, quarter notes).

    A network with a duration head plays under the rules (:mod:`~lofi_build.model.rules`); ``max_equal_run``
    (> 0) caps runs of equal durations (``equal_run``); without ``nudges`` the network's logits are drawn from as
    they are (benchmarks: what the model does alone). The article's network plays its windows and random
    durations, the last one cut at the loop point.
    """
    return generate_scored(ckpt, seeds, harmonies, temperature, top_k, max_equal_run=max_equal_run, nudges=nudges)[0]


def generate_scored(ckpt, seeds: list[int], harmonies: list[Harmony], temperature: float, top_k: int,
                    *, max_equal_run: int = 0, nudges: bool = True) -> tuple[list[list[tuple[int, Fraction]]], np.ndarray]:
    """:func:`generate`, and each solo's mean log-likelihood an event under the network (the unmasked softmax at
    temperature 1 of each token and duration it played, added; NaN for the article's network)."""
    from threadpoolctl import threadpool_limits

    # A step multiplies a few dozen rows: BLAS threads cost more than they save, and fight
    # over the cores with anything else running (measured: 10x slower with two).
    with threadpool_limits(limits=1, user_api="blas"):
        if not ckpt.network.duration_head:
            return (_article(ckpt, seeds, [h.quarters for h in harmonies], temperature, top_k),
                    np.full(len(seeds), np.nan))
        return _bar_aware(ckpt, seeds, harmonies, temperature, top_k, max_equal_run, nudges)


def _article(ckpt, seeds, lengths, temperature, top_k):
    """The article's network: a window of tokens, the article's random durations, the last one cut."""
    rngs = [Prng(s) for s in seeds]
    vocab = ckpt.vocab
    banned = [i for i, t in enumerate(vocab) if t in (START, END)]
    rest_id = vocab.index(REST) if REST in vocab else -1
    out: list[list[tuple[int, Fraction]]] = [[] for _ in seeds]
    elapsed = [Fraction(0)] * len(seeds)
    w = {k: v.astype(DTYPE, copy=False) for k, v in ckpt.weights.items()}
    window = ckpt.primes[[int(rng.random() * len(ckpt.primes)) for rng in rngs]].astype(np.int64)
    while any(e < q for e, q in zip(elapsed, lengths)):
        probs = seed_probs(w, window, len(vocab))
        u = np.array([r.random() for r in rngs])
        tokens = sample(np.log(np.maximum(probs, 1e-30)), u, temperature, top_k, banned)
        for row, token in enumerate(tokens):
            if elapsed[row] < lengths[row]:
                length = min(_article_duration(rngs[row], token == rest_id), lengths[row] - elapsed[row])
                out[row].append((int(token), length))
                elapsed[row] += length
        window = np.concatenate([window[:, 1:], tokens[:, None]], axis=1)
    return out


class _Network:
    """A step network's weights and its state for the solos still playing, and what they played (the lookback)."""

    def __init__(self, ckpt, harmonies):
        self.w = {k: v.astype(DTYPE, copy=False) for k, v in ckpt.weights.items()}
        self.stacked = stack_layers(self.w)
        self.state = default_init(self.w, len(harmonies))
        self.hears = ckpt.network.conditioned  # has the chord, position and lookback inputs
        # The unconditioned twin of the lofi network (trained to compare) hears "no chord, off the grid".
        self.conditioned = self.hears and getattr(ckpt.settings, "conditioned", True)
        if self.hears:
            roots = np.full((len(harmonies), max(len(h.at) for h in harmonies)), -1)  # the twin hears no chords
            chords = roots.copy()
            for b, h in enumerate(harmonies if self.conditioned else ()):
                roots[b, :len(h.at)] = h.roots
                chords[b, :len(h.at)] = lookback.chord_ids(h.vectors, h.at)
            tops = [top_pitch_class(t) for t in ckpt.vocab]
            self.history = lookback.History([len(h.at) for h in harmonies], [h.bar for h in harmonies], roots, chords,
                                            tops, ckpt.vocab.index(START))

    def step(self, step: rules.Step, tokens, classes):
        """The previous events in, the token logits out (and the top LSTM output for the duration head)."""
        if not self.hears:
            top, logits, self.state = default_step(self.w, self.state, tokens, classes, self.stacked)
            return top, logits
        position = step.where % step.solos.bar[step.rows]
        position = np.where(position < OFF_GRID, position, OFF_GRID)
        heard = step.solos.vectors[step.chord]
        if not self.conditioned:
            position, heard = np.full_like(position, OFF_GRID), np.zeros_like(heard)
        restated = self.history.restated[step.rows]  # of the event just played, before the next onset's lookback
        back = self.history.inputs(step.rows, step.where)
        top, logits, self.state = lofi_step(self.w, self.state, tokens, classes, position, heard, back, restated,
                                            self.stacked)
        return top, logits

    def played(self, step: rules.Step, tokens, classes):
        if self.hears:
            self.history.advance(step.rows, step.where, tokens, classes, step.vocabulary.steps[classes - 1])

    def keep(self, rows):
        self.state = [(h[rows], c[rows]) for h, c in self.state]


def _bar_aware(ckpt, seeds, harmonies, temperature, top_k, max_equal_run, nudges=True):
    """The networks with a duration head: one step for every unfinished solo at a time, the rules masking
    each draw; per step and solo, u for the token, then u for its duration (as the browser draws them)."""
    solos = rules.Solos(rules.Vocabulary.of(ckpt.vocab, ckpt.durations), harmonies, max_equal_run=max_equal_run,
                        nudges=nudges)
    network = _Network(ckpt, harmonies)
    rngs = [Prng(s) for s in seeds]
    rows = np.arange(len(seeds))  # solos still short of the loop; finished ones leave the batch
    tokens = np.full(len(seeds), ckpt.vocab.index(START))
    classes = np.full(len(seeds), NO_DURATION)
    likelihood = np.zeros(len(seeds))
    first = True
    while len(rows):
        step = rules.Step(solos, rows, first)
        top, logits = network.step(step, tokens, classes)
        u = np.array([[rngs[r].random(), rngs[r].random()] for r in rows]).reshape(len(rows), 2)
        bias = rules.token_nudges(step)
        tokens = sample(logits if bias is None else logits + bias, u[:, 0], rules.first_draw(step, temperature),
                        top_k, allowed=rules.tokens_allowed(step))
        d_logits = duration_logits(network.w, top, tokens)
        classes = sample(d_logits, u[:, 1], temperature, 0, allowed=rules.durations_allowed(step, tokens))
        picked = np.arange(len(rows))
        likelihood[rows] += log_softmax(logits)[picked, tokens] + log_softmax(d_logits)[picked, classes]
        network.played(step, tokens, classes)
        keep = solos.advance(step, tokens, classes)
        if not keep.all():
            rows, tokens, classes = rows[keep], tokens[keep], classes[keep]
            network.keep(keep)
        first = False
    lengths = [Fraction(0)] + list(ckpt.durations)
    events = [[(token, lengths[dur]) for token, dur in played] for played in solos.events]
    return events, likelihood / np.array([len(e) for e in events])


# -- a checkpoint's arrays ------------------------------------------------------------------------------


def check_weights(ckpt) -> str | None:
    """Why the arrays cannot be this checkpoint's network, or None when they fit."""
    w, net = ckpt.weights, ckpt.network
    missing = [k for k in net.needs if k not in w]
    if missing:
        return f"missing arrays: {', '.join(missing)}"
    problem, x = _check_steps(ckpt) if net.duration_head else (_check_windows(ckpt), None)
    problem = problem or _check_lstms(w, x)
    if problem:
        return problem
    if not all(np.all(np.isfinite(a)) for a in w.values()):
        return "weights contain NaN or infinity"
    return None


def _check_lstms(w, x: int | None) -> str | None:
    """The LSTM layers' shapes, each fitting the one below (the first: inputs ``x`` wide, None: unknown)."""
    for i, (kernel, recurrent, bias) in enumerate(lstm_layers(w)):
        u = recurrent.shape[0]
        if recurrent.shape != (u, 4 * u) or kernel.shape[1] != 4 * u or bias.shape != (4 * u,):
            return f"lstm{i} has inconsistent shapes"
        if x is not None and kernel.shape[0] != x:
            return f"lstm{i} does not fit the layer below" if i else "lstm0 does not fit the inputs"
        x = u
    return None


def _check_windows(ckpt) -> str | None:
    """The article's network: its output layer and the prime windows it starts from."""
    v, logits = len(ckpt.vocab), ckpt.weights["logits/kernel"]
    if logits.shape[1] != v:
        return f"output layer has {logits.shape[1]} classes, the vocabulary {v}"
    if ckpt.primes is None or ckpt.primes.ndim != 2 or not len(ckpt.primes):
        return "no prime windows"
    if ckpt.primes.max() >= v or ckpt.primes.min() < 0:
        return "prime windows hold token ids outside the vocabulary"
    return None


def _check_steps(ckpt) -> tuple[str | None, int]:
    """A step network: its token and duration layers, and the width of the first LSTM's input."""
    w, v = ckpt.weights, len(ckpt.vocab)
    x = w["token_embed/embeddings"].shape[1] + w["duration_embed/embeddings"].shape[1]
    if w["token_embed/embeddings"].shape[0] != v or w["token_logits/kernel"].shape[1] != v:
        return "token layers do not match the vocabulary", x
    if w["duration_logits/kernel"].shape[1] != len(ckpt.durations) + 1:
        return "duration head does not match the durations", x
    if any((d * TICKS).denominator != 1 for d in ckpt.durations):
        return "a duration is off the grid of twelfths of a quarter", x
    if ckpt.network.conditioned:
        positions = w["position_embed/embeddings"]
        if positions.shape[0] <= OFF_GRID:
            return f"position embedding has {positions.shape[0]} rows, needs {OFF_GRID + 1}", x
        x += positions.shape[1] + 36
        if "degree_embed/embeddings" in w:  # the lookback: token, duration and degree a bar looked back
            x += len(lookback.BARS) * (w["token_embed/embeddings"].shape[1] + w["duration_embed/embeddings"].shape[1]
                                       + w["degree_embed/embeddings"].shape[1] + 2)  # + same chord, restated
    return None, x
