"""The generation engine: the trained networks' inference in numpy, every solo of a pool advanced as one batch.

Plain functions of arrays (weights by name, int token ids, one pinned :class:`Prng` per solo), so
the same loop runs in the browser. Gate order and activations follow Keras's LSTM: the kernel's
four blocks are input, forget, cell and output gates; tanh and sigmoid.

Generation is bar-aware: the ``lofi`` network hears the chord and the metrical position of every
onset, and for every network with a duration head the durations are masked so that each onset
lands on the 16th or triplet grid of its bar, no event crosses the loop end, and the last event is
a rest or a chord tone held at least a beat that ends exactly on the loop point.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..music.tokens import ARTICLE_DURATIONS, ARTICLE_REST, END, REST, START, token_pitches

NO_DURATION = 0  # duration class of the start/end markers; class k >= 1 is durations[k - 1]
DTYPE = np.float32
TICKS = 12  # the grid unit: a twelfth of a quarter holds both the 16th (3) and the triplet eighth (4)
OFF_GRID = 48  # the position class of an onset off the grid (4/4 has positions 0..47)
FINAL_MIN = TICKS  # a solo's last note is held at least a beat


# -- the pinned PRNG: xoshiro128** seeded by four SplitMix32 outputs ----------------------------------

from .prng import Prng


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


def lofi_step(w: dict, state: list[tuple], tokens, durations, positions, chords, stacked: list[tuple] | None = None):
    """The ``lofi`` network's step: the previous event (token, duration class) with the metrical position
    and the chord vector of the onset about to be chosen; returns as :func:`default_step`."""
    x = np.concatenate([w["token_embed/embeddings"][tokens], w["duration_embed/embeddings"][durations],
                        w["position_embed/embeddings"][positions], chords.astype(DTYPE, copy=False)], axis=1)
    return _run_layers(w, state, x, stacked)


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
    echo: int = 0  # the bar where the solo's opening two bars come back (its hook); 0: nowhere
    tones: np.ndarray | None = None  # (K, 12) bool: what a melody may sound on beats 1 and 3 (default: pcs)

    @property
    def strong(self) -> int:
        """Twelfths between strong beats: beats 1 and 3 of an even bar, else the downbeat only."""
        return self.bar // 2 if self.bar % (2 * TICKS) == 0 else self.bar

    @property
    def quarters(self) -> Fraction:
        return Fraction(len(self.at), TICKS)


ECHO_BARS = 2  # the hook's length
PHRASE_BARS = 4  # a phrase that breathes: rests are steered per phrase


def echo_bar(period: int, bars: int) -> int:
    """Where the opening hook comes back: when the progression (``period`` bars) first comes round again at
    least two bars in, so the hook meets the chords it was made over; 0 when the solo is too short."""
    at = period * -(-ECHO_BARS // period)
    if at + ECHO_BARS + 1 > bars:
        at = ECHO_BARS
    return at if at + ECHO_BARS + 1 <= bars else 0


def _pc_row(pitch_classes) -> np.ndarray:
    row = np.zeros(12, bool)
    row[[p % 12 for p in pitch_classes]] = True
    return row


def harmony(spans, *, quarters: Fraction, beats_per_bar: int = 4, echo: int = 0) -> Harmony:
    """A :class:`Harmony` from chord spans ``(start, end, vector, pcs[, tones])`` in quarters (gaps: no
    chord; ``tones``: the pitch classes a melody may sound on a strong beat, default ``pcs``)."""
    length = int(quarters * TICKS)
    vectors, pcs, tones = [np.zeros(36, DTYPE)], [np.zeros(12, bool)], [np.ones(12, bool)]
    at = np.zeros(length, np.int64)
    for start, end, vector, chord_pcs, *more in spans:
        vectors.append(np.asarray(vector, DTYPE))
        pcs.append(_pc_row(chord_pcs))
        tones.append(_pc_row(more[0]) | pcs[-1] if more else pcs[-1])
        at[int(Fraction(start) * TICKS):int(Fraction(end) * TICKS)] = len(vectors) - 1
    return Harmony(np.stack(vectors), np.stack(pcs), at, beats_per_bar * TICKS, echo, np.stack(tones))


# -- a pool of solos -----------------------------------------------------------------------------


def kind(ckpt) -> str:
    """The checkpoint's network: 'article', 'default' or 'lofi' ('seed' is the article's old name)."""
    name = getattr(ckpt.preset, "name", ckpt.preset)
    return "article" if name == "seed" else name


def generate(ckpt, seeds: list[int], harmonies: list[Harmony], temperature: float, top_k: int,
             *, max_equal_run: int = 0, rests: tuple[float, float] | None = None) -> list[list[tuple[int, Fraction]]]:
    """One solo per seed over its harmony, each exactly as long: lists of (token id, quarter notes).

    Start/end markers are never sampled: the solo's length is the loop's. ``max_equal_run`` (> 0)
    masks a duration that would make a run of more equal durations than that. Where a harmony has
    an ``echo`` bar, no event crosses into it and the solo's own first two bars are played again
    there (masks that leave one choice), so the melody has a hook that returns with its chords.
    ``rests`` = (least, most) share of rest time: rests stop once the solo has the most, and a
    phrase (PHRASE_BARS bars) that has rested less than the least share rests in its last bar (a breath).
    """
    from threadpoolctl import threadpool_limits

    # A step multiplies a few dozen rows: BLAS threads cost more than they save, and fight
    # over the cores with anything else running (measured: 10x slower with two).
    with threadpool_limits(limits=1, user_api="blas"):
        if kind(ckpt) == "article":
            return _article(ckpt, seeds, [h.quarters for h in harmonies], temperature, top_k)
        return _bar_aware(ckpt, seeds, harmonies, temperature, top_k, max_equal_run, rests)


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


def _token_pcs(vocab: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per token: its pitch classes (V, 12) and whether it sounds at all."""
    pcs = np.zeros((len(vocab), 12), bool)
    for i, t in enumerate(vocab):
        for p in token_pitches(t):
            pcs[i, p % 12] = True
    return pcs, pcs.any(axis=1)


def _leading_run(hook: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """The duration class a hook starts with and how many of its events in a row have it."""
    classes = [d for _, (_, d) in sorted(hook.items())]
    n = 0
    while n < len(classes) and classes[n] == classes[0]:
        n += 1
    return classes[0], n


def _bar_aware(ckpt, seeds, harmonies, temperature, top_k, max_equal_run, rests):
    """The default and lofi networks: one step for every unfinished solo at a time, under :func:`generate`'s masks."""
    vocab = ckpt.vocab
    lofi = kind(ckpt) == "lofi"
    # The unconditioned twin of the lofi network (trained to compare) hears "no chord, off the grid".
    conditioned = lofi and getattr(ckpt.settings, "conditioned", True)
    batch = len(seeds)
    rngs = [Prng(s) for s in seeds]
    w = {k: v.astype(DTYPE, copy=False) for k, v in ckpt.weights.items()}
    stacked = stack_layers(w)
    state = default_init(w, batch)
    steps = np.array([int(d * TICKS) for d in ckpt.durations])  # duration class k + 1 -> twelfths
    lengths = [Fraction(0)] + list(ckpt.durations)
    markers = np.array([t in (START, END) for t in vocab])
    token_pcs, sounding = _token_pcs(vocab)
    pcs_matrix = token_pcs.astype(DTYPE)
    rest = np.array([t == REST for t in vocab])
    rest_id = int(rest.argmax()) if rest.any() else -1

    # Every harmony's chords in one table; row ``offset[b] + at[b][t]`` is solo b's chord at twelfth t.
    offsets = np.cumsum([0] + [len(h.vectors) for h in harmonies[:-1]])
    vectors = np.concatenate([h.vectors for h in harmonies]).astype(DTYPE)
    chord_pcs = np.concatenate([h.pcs for h in harmonies])
    outside_tones = ~np.concatenate([h.pcs if h.tones is None else h.tones for h in harmonies])  # (K, 12)
    strong = np.array([h.strong for h in harmonies])
    length = np.array([len(h.at) for h in harmonies])
    at = np.zeros((batch, length.max()), np.int64)
    for b, h in enumerate(harmonies):
        at[b, :len(h.at)] = h.at + offsets[b]
    bar = np.array([h.bar for h in harmonies])
    echo = np.array([h.echo * h.bar if h.echo else -1 for h in harmonies])  # in twelfths; -1: none
    hook_end = np.array([ECHO_BARS * h.bar for h in harmonies])
    hooks: list[dict[int, tuple[int, int]]] = [{} for _ in range(batch)]  # onset -> (token, duration class)
    phrase = PHRASE_BARS * bar
    rest_time = np.zeros(batch, np.int64)  # twelfths of rest so far, in the solo and in the current phrase
    phrase_rest = np.zeros(batch, np.int64)
    steer = rests is not None and rest_id >= 0
    if steer:
        budget_total = np.floor(rests[1] * length).astype(np.int64)

    out: list[list[tuple[int, Fraction]]] = [[] for _ in range(batch)]
    onset = np.zeros(batch, np.int64)
    last = np.full(batch, -1)
    run = np.zeros(batch, np.int64)
    active = np.arange(batch)  # solos still short of the loop; finished ones leave the batch
    tokens = np.full(batch, vocab.index(START))
    dur_classes = np.full(batch, NO_DURATION)
    first = True
    while len(active):
        where = onset[active]
        chord = at[active, where]
        if lofi:
            position = where % bar[active]
            position = np.where(position < OFF_GRID, position, OFF_GRID)
            heard = vectors[chord]
            if not conditioned:
                position, heard = np.full_like(position, OFF_GRID), np.zeros_like(heard)
            top, logits, state = lofi_step(w, state, tokens, dur_classes, position, heard, stacked)
        else:
            top, logits, state = default_step(w, state, tokens, dur_classes, stacked)
        n = len(active)
        u = np.array([[rngs[r].random(), rngs[r].random()] for r in active]).reshape(n, 2)

        # Durations that keep the next onset on the 16th/triplet grid and inside the loop.
        left = length[active] - where
        landing = (where % bar[active])[:, None] + steps[None, :]
        fits = ((landing % 3 == 0) | (landing % 4 == 0)) & (steps[None, :] <= left[:, None])
        # Nothing crosses into the hook's return, so it starts on its bar line.
        before = echo[active] - where
        fits &= (before[:, None] <= 0) | (steps[None, :] <= before[:, None])
        copy = [hooks[r].get(int(o - e)) if e >= 0 and 0 <= o - e < h else None
                for r, o, e, h in zip(active.tolist(), where.tolist(), echo[active].tolist(),
                                      hook_end[active].tolist())]
        final = steps[None, :] == left[:, None]
        # A token may end the solo: a rest, or notes that are all tones of the chord, held a beat.
        outside = (~chord_pcs[chord]).astype(DTYPE) @ pcs_matrix.T > 0  # (n, V): a pitch class not in the chord
        can_end = rest[None, :] | (sounding[None, :] & ~outside & (left >= FINAL_MIN)[:, None])
        can_end &= (fits & final).any(axis=1)[:, None]
        must_end = ~(fits & ~final).any(axis=1)
        allowed = ~markers[None, :] & (can_end | ~must_end[:, None])
        # On beats 1 and 3, a note is a chord tone or an available tension of the chord there.
        on_strong = where % strong[active] == 0
        if on_strong.any():
            clash = outside_tones[chord].astype(DTYPE) @ pcs_matrix.T > 0
            allowed &= ~(clash & on_strong[:, None])
        if steer:
            # No more rest than the most share (unless only a rest can end the solo here) ...
            budget = budget_total[active] - rest_time[active]
            shortest = np.where(fits, steps[None, :], np.iinfo(np.int64).max).min(axis=1)
            rest_ok = (budget >= shortest) | must_end
            allowed[~rest_ok, rest_id] = False
            # ... and a breath in the last bar of a phrase that has rested less than the least share (the
            # phrase ends in that bar, the notes after the breath lead into the next one).
            in_phrase = where % phrase[active]
            breathe = rest_ok & (in_phrase >= phrase[active] - bar[active]) & (
                phrase_rest[active] < rests[0] * phrase[active])
            allowed[breathe] = np.arange(len(vocab))[None, :] == rest_id
        copying = [j for j, c in enumerate(copy) if c is not None]
        for j in copying:
            allowed[j] = False
            allowed[j, copy[j][0]] = True

        # At temperature 0 the first note is drawn (at temperature 1) so solos differ by seed; after
        # it, every choice is the argmax (as the browser's engine does).
        t = 1.0 if first and temperature <= 0 else temperature
        allowed[~allowed.any(axis=1), rest_id] = True  # (a vocabulary without the tones needed: rest)
        tokens = sample(logits, u[:, 0], t, top_k, allowed=allowed)
        ends_ok = can_end[np.arange(n), tokens]
        d_allowed = fits & (~final | ends_ok[:, None])
        # A note held over the next strong beats must fit the chords there as well.
        held = token_pcs[tokens]
        for k in (1, 2):
            beat = (where // strong[active] + k) * strong[active]
            inside = beat < length[active]
            there = at[active, np.minimum(beat, length[active] - 1)]
            bad = (held & outside_tones[there]).any(axis=1) & inside
            over = (where[:, None] + steps[None, :] > beat[:, None]) & bad[:, None]
            keep_d = d_allowed & ~over
            d_allowed = np.where(keep_d.any(axis=1)[:, None], keep_d, d_allowed)
        if max_equal_run > 0:
            repeat = ((np.arange(len(steps))[None, :] + 1 == last[active][:, None])
                      & (run[active] >= max_equal_run)[:, None])
            # The hook comes back with its own leading run: the event that leads into it must not lengthen
            # a run of that duration past the cap.
            for j in np.flatnonzero((before > 0) & (before <= steps.max())):
                row = int(active[j])
                first_class, lead = _leading_run(hooks[row])
                k = first_class - 1
                if steps[k] != before[j]:
                    continue
                if lead == len(hooks[row]) and where[j] < hook_end[row]:  # the hook so far is one run, then again
                    longest = 2 * (lead + 1)
                else:
                    longest = (run[row] if last[row] == first_class else 0) + 1 + lead
                if longest > max_equal_run:
                    repeat[j, k] = True
            d_allowed_run = d_allowed & ~repeat
            d_allowed = np.where(d_allowed_run.any(axis=1)[:, None], d_allowed_run, d_allowed)
        if steer:
            capped = d_allowed & (((tokens != rest_id) | must_end)[:, None] | (steps[None, :] <= budget[:, None]))
            d_allowed = np.where(capped.any(axis=1)[:, None], capped, d_allowed)
            # A breath is long enough to give its phrase the least share of rest.
            need = np.ceil(rests[0] * phrase[active]) - phrase_rest[active]
            deep = d_allowed & ~((breathe & (tokens == rest_id))[:, None] & (steps[None, :] < need[:, None]))
            d_allowed = np.where(deep.any(axis=1)[:, None], deep, d_allowed)
        d_logits = duration_logits(w, top, tokens)
        d_allowed = np.concatenate([np.zeros((n, 1), bool), d_allowed], axis=1)
        for j in copying:
            d_allowed[j] = False
            d_allowed[j, copy[j][1]] = True
        dur_classes = sample(d_logits, u[:, 1], temperature, 0, allowed=d_allowed)

        moved = steps[dur_classes - 1]
        for row, token, dur, o in zip(active.tolist(), tokens.tolist(), dur_classes.tolist(), where.tolist()):
            out[row].append((token, lengths[dur]))
            if o < hook_end[row]:
                hooks[row][o] = (token, dur)
        if steer:
            resting = np.where(tokens == rest_id, moved, 0)
            new_phrase = (where + moved) // phrase[active] != where // phrase[active]
            rest_time[active] += resting
            phrase_rest[active] = np.where(new_phrase, 0, phrase_rest[active] + resting)
        same = dur_classes == last[active]
        run[active] = np.where(same, run[active] + 1, 1)
        last[active] = dur_classes
        onset[active] = where + moved
        keep = onset[active] < length[active]
        if not keep.all():
            active, tokens, dur_classes = active[keep], tokens[keep], dur_classes[keep]
            state = [(h[keep], c[keep]) for h, c in state]
        first = False
    return out


def check_weights(ckpt) -> str | None:
    """Why the arrays cannot be this checkpoint's network, or None when they fit."""
    w, v, net = ckpt.weights, len(ckpt.vocab), kind(ckpt)
    need = ["logits/kernel", "dense/kernel"] if net == "article" else [
        "token_embed/embeddings", "duration_embed/embeddings", "next_embed/embeddings", "token_logits/kernel",
        "duration_hidden/kernel", "duration_logits/kernel"] + (["position_embed/embeddings"] if net == "lofi" else [])
    missing = [k for k in need + ["lstm0/kernel"] if k not in w]
    if missing:
        return f"missing arrays: {', '.join(missing)}"
    x = None
    if net == "article":
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
        if any((d * TICKS).denominator != 1 for d in ckpt.durations):
            return "a duration is off the grid of twelfths of a quarter"
        x = w["token_embed/embeddings"].shape[1] + w["duration_embed/embeddings"].shape[1]
        if net == "lofi":
            if w["position_embed/embeddings"].shape[0] <= OFF_GRID:
                return f"position embedding has {w['position_embed/embeddings'].shape[0]} rows, needs {OFF_GRID + 1}"
            x += w["position_embed/embeddings"].shape[1] + 36
    for i, (kernel, recurrent, bias) in enumerate(lstm_layers(w)):
        u = recurrent.shape[0]
        if recurrent.shape != (u, 4 * u) or kernel.shape[1] != 4 * u or bias.shape != (4 * u,):
            return f"lstm{i} has inconsistent shapes"
        if x is not None and kernel.shape[0] != x:
            return f"lstm{i} does not fit the layer below" if i else "lstm0 does not fit the inputs"
        x = u
    if not all(np.all(np.isfinite(a)) for a in w.values()):
        return "weights contain NaN or infinity"
    return None
