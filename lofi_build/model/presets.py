"""The networks as objects: 'article' (the article's, exactly), 'default' and 'lofi' (chord-conditioned), each
with its settings dataclass, its corpus encoding, its training data, its Keras builder and what it can do when
it generates; :func:`get` is the one place a name (an old one included) becomes a network."""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from ..errors import ModelError, warn
from ..music import tokens as tok
from . import lookback

# Training budget, not the network: kept apart in the fingerprint so `--resume` finds the run it continues.
BUDGET = ("epochs", "patience")
ALIASES = {"seed": "article"}  # old name -> new name: still read, by get() alone, with a deprecation warning


@dataclass(frozen=True)
class ArticleSettings:
    """The article's network and training: many-to-one over windows of 100, one-hot targets."""

    window: int = 100
    lstm: tuple[int, ...] = (256, 512, 256)
    dense: int = 256
    dropout: float = 0.3
    batch_size: int = 128
    epochs: int = 200
    optimizer: str = "rmsprop"
    learning_rate: float = 0.001  # Keras's RMSprop default, which the article uses


@dataclass(frozen=True)
class DefaultSettings:
    """Ours: embeddings in, a prediction at every position, a duration head, start/end tokens."""

    sequence: int = 128  # positions per training row (the state is reset between rows)
    embed: int = 96
    duration_embed: int = 16
    lstm: tuple[int, ...] = (256, 256)
    duration_hidden: int = 64
    dropout: float = 0.2
    batch_size: int = 32
    epochs: int = 30
    learning_rate: float = 0.002
    clipnorm: float = 1.0
    validation: float = 0.1  # share of the pieces held out
    patience: int = 3  # epochs without a better validation loss before stopping


@dataclass(frozen=True)
class LofiSettings:
    """The pinned `lofi` network: default's plus the chord (36 floats) and metrical position at every step, and
    the lookback: what it played one and two bars back at the same place (token, duration, degree)."""

    sequence: int = 64
    embed: int = 64
    duration_embed: int = 16
    position_embed: int = 16
    degree_embed: int = 8
    lstm: tuple[int, ...] = (192, 192)
    duration_hidden: int = 64
    dropout: float = 0.25
    batch_size: int = 32
    epochs: int = 120
    learning_rate: float = 0.002
    clipnorm: float = 1.0
    validation: float = 0.1
    patience: int = 6
    transpose: bool = True  # augment: every training row in a random one of the 12 keys, each epoch
    conditioned: bool = True  # False: chords and positions fed as "none" (the unconditioned twin)


class Preset:
    """A network: its settings, how a corpus file becomes sequences, its training data and its Keras model."""

    name: str = ""
    Settings: type = object
    encoding = "events"  # corpus cache: which encoding of a file this preset trains on
    encoding_version = tok.ENCODING_VERSION
    monitor = "val_loss"
    about = ""
    duration_head = True  # predicts durations, one stateful step an event (else windows, the article's random durations)
    conditioned = False  # hears the chord and metrical position of every onset
    browser = True  # the page's worker runs it (the export's layer graph describes a stateful step)
    # The weights generation reads: a checkpoint without one of them is garbled.
    needs = ("token_embed/embeddings", "duration_embed/embeddings", "next_embed/embeddings", "lstm0/kernel",
              "token_logits/kernel", "duration_hidden/kernel", "duration_logits/kernel")

    def settings(self, **overrides):
        """The settings with overrides (e.g. tiny sizes in tests); unknown names are errors."""
        names = {f.name for f in fields(self.Settings)}
        unknown = set(overrides) - names
        if unknown:
            raise ModelError(f"unknown setting(s) for preset '{self.name}': {', '.join(sorted(unknown))}")
        overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
        return self.Settings(**overrides)

    def from_dict(self, data: dict):
        return self.settings(**{k: v for k, v in data.items() if k in {f.name for f in fields(self.Settings)}})

    def max_epochs(self, s, config) -> int:
        return s.epochs

    def layout(self) -> dict:
        """What the network reads that its settings do not say (kept in the fingerprint): nothing, here."""
        return {}

    def encode_file(self, source):
        """One corpus file as this preset's sequences (music21; runs in a worker process)."""
        from ..music import tokens

        if not source.chordify:
            return tokens.encode_file(source.path)
        score = tokens.parse(source.path)
        return tokens.score_events(score.chordify())

    def dump(self, parts) -> list:
        return [[[e.token, str(e.quarter_length)] for e in p] for p in parts]

    def load(self, data) -> list:
        from fractions import Fraction

        return [[tok.Event(t, Fraction(q)) for t, q in p] for p in data]

    def data(self, sequences, s, seed: int, keras, groups=None) -> dict:
        """Training (and validation) data of the encoded corpus; ``groups`` labels each sequence (its corpus entry)."""
        raise NotImplementedError

    def build(self, s, vocab: int, durations: int):
        raise NotImplementedError

    def callbacks(self, s, keras, monitor) -> list:
        return [keras.callbacks.EarlyStopping(monitor=monitor, patience=s.patience, restore_best_weights=True)]

    def fit(self, model, data, s, *, epochs, initial_epoch, callbacks, verbose):
        x, y = data["train"]
        model.fit(x, y, batch_size=s.batch_size, epochs=epochs, initial_epoch=initial_epoch, shuffle=True,
                  validation_data=data.get("val"), callbacks=callbacks, verbose=verbose)

    def evaluate(self, model, data, s, vocab) -> dict:
        """Validation figures for the checkpoint's info (perplexities against the unigram baseline)."""
        if data.get("val") is None:
            return {}
        x, y = data["val"]
        result = model.evaluate(x, y, batch_size=s.batch_size, verbose=0, return_dict=True)
        val_ce = float(result["token_loss"])
        unigram = unigram_cross_entropy(data["train_targets"], y["token"], vocab)
        return {
            "val_token_cross_entropy": round(val_ce, 4),
            "val_perplexity": round(math.exp(val_ce), 3),
            "val_duration_cross_entropy": round(float(result["duration_loss"]), 4),
            "unigram_val_perplexity": round(math.exp(unigram), 3),
        }


def unigram_log_probs(counts) -> np.ndarray:
    """Log frequencies of classes counted in the training set, add-one smoothed (none is impossible)."""
    counts = np.asarray(counts, np.float64) + 1.0
    return np.log(counts / counts.sum())


def unigram_cross_entropy(train_targets: np.ndarray, val_targets: np.ndarray, vocab: int) -> float:
    """Cross-entropy (nats) of the validation tokens under the training set's token frequencies (add-one)."""
    logp = unigram_log_probs(np.bincount(np.asarray(train_targets).ravel(), minlength=vocab))
    return float(-logp[np.asarray(val_targets).ravel()].mean())


def duration_class(ev) -> int:
    """0 for the start/end markers, k + 1 for the k-th of :data:`~lofi_build.music.tokens.DURATIONS`."""
    return 0 if ev.token in tok.MARKERS else tok.DURATIONS.index(ev.quarter_length) + 1


def split_pieces(pieces: list, validation: float, seed: int) -> tuple[list, list]:
    """Whole pieces held out for validation (a seeded shuffle), the rest for training, each in corpus order."""
    order = np.random.default_rng(seed).permutation(len(pieces))
    n_val = int(round(len(pieces) * validation)) if len(pieces) >= 2 else 0
    n_val = min(max(n_val, 1 if validation > 0 and len(pieces) >= 2 else 0), len(pieces) - 1) if pieces else 0
    return [pieces[i] for i in sorted(order[n_val:])], [pieces[i] for i in sorted(order[:n_val])]


def split_groups(pieces: list, groups, validation: float, seed: int) -> tuple[list, dict]:
    """:func:`split_pieces` within each group (``groups``: a label a piece; None: one group): the training pieces
    in corpus order, and each group's validation pieces by label (a group's split is the same with or without
    the others)."""
    labels = list(groups) if groups is not None else [""] * len(pieces)
    train, val = set(), {}
    for label in dict.fromkeys(labels):
        members = [i for i, g in enumerate(labels) if g == label]
        kept, held = split_pieces(members, validation, seed)
        train.update(kept)
        val[label] = [pieces[i] for i in held]
    return [pieces[i] for i in sorted(train)], val


def cut_rows(pieces: list[np.ndarray], length: int):
    """The concatenated pieces cut into rows: (inputs at t, the event at t + 1), ``length`` steps a row."""
    stream = np.concatenate(pieces) if pieces else np.zeros((0, 2), np.int32)
    if len(stream) < 2:
        return None
    length = min(length, len(stream) - 1)
    n = (len(stream) - 1) // length
    return stream[: n * length].reshape(n, length, -1), stream[1: n * length + 1].reshape(n, length, -1)


class Article(Preset):
    name = "article"
    Settings = ArticleSettings
    monitor = "loss"
    duration_head = False
    browser = False
    needs = ("lstm0/kernel", "dense/kernel", "logits/kernel")
    about = "the article's network: windows of 100 token ids -> the next token (no duration head)"
    PRIMES = 64  # corpus windows kept to start generating from

    def callbacks(self, s, keras, monitor) -> list:
        return []

    def data(self, sequences, s, seed: int, keras, groups=None) -> dict:
        """The article's data: all tokens in one sequence, every window of 100 -> the token after it."""
        stream_tokens = [e.token for seq in sequences for e in seq]
        vocab = sorted(set(stream_tokens))
        index = {t: i for i, t in enumerate(vocab)}
        stream = np.array([index[t] for t in stream_tokens], np.int32)
        n = len(stream) - s.window
        if n < 1:
            raise ModelError(f"the corpus has {len(stream)} events, too few for the article's windows of {s.window}")
        rng = np.random.default_rng(seed)
        primes = np.stack([stream[i:i + s.window] for i in rng.integers(0, n, size=min(self.PRIMES, n))])

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

    def fit(self, model, data, s, *, epochs, initial_epoch, callbacks, verbose):
        model.fit(data["train"], epochs=epochs, initial_epoch=initial_epoch, callbacks=callbacks, verbose=verbose)

    def evaluate(self, model, data, s, vocab) -> dict:
        return {}

    def build(self, s: ArticleSettings, vocab: int, durations: int = 0):
        """The article's Sequential network, layer for layer."""
        import keras
        from keras import layers

        model = keras.Sequential(name="article")
        model.add(keras.Input(shape=(s.window, 1)))
        for i, units in enumerate(s.lstm):
            last = i == len(s.lstm) - 1
            model.add(layers.LSTM(units, return_sequences=not last, name=f"lstm{i}"))
            if not last:
                model.add(layers.Dropout(s.dropout))
        model.add(layers.Dense(s.dense, name="dense"))
        model.add(layers.Dropout(s.dropout))
        model.add(layers.Dense(vocab, name="logits"))
        model.add(layers.Activation("softmax"))
        model.compile(loss="categorical_crossentropy",
                      optimizer=keras.optimizers.RMSprop(learning_rate=s.learning_rate))
        return model


class Default(Preset):
    name = "default"
    Settings = DefaultSettings
    about = "token + duration embeddings -> LSTMs -> next token at every position, and a duration head"

    def max_epochs(self, s, config) -> int:
        return config.model.epochs

    def data(self, sequences, s, seed: int, keras=None, groups=None) -> dict:
        tokens = sorted({e.token for seq in sequences for e in seq})
        vocab = [tok.START, tok.END] + tokens
        index = {t: i for i, t in enumerate(vocab)}
        pieces = [np.array([(index[e.token], duration_class(e)) for e in tok.with_markers([seq])], np.int32)
                  for seq in sequences]
        train_pieces, val_pieces = split_pieces(pieces, s.validation, seed)
        train = cut_rows(train_pieces, s.sequence)
        if train is None:
            raise ModelError("the corpus is too small to train on (fewer than two events)")
        val = cut_rows(val_pieces, s.sequence) if val_pieces else None

        def xy(rows):
            x, y = rows
            return [x[..., 0], x[..., 1], y[..., 0]], {"token": y[..., 0], "duration": y[..., 1]}

        train, val = xy(train), (xy(val) if val else None)
        return {"vocab": vocab, "train": train, "val": val, "train_targets": train[1]["token"],
                "train_duration_targets": train[1]["duration"],
                "train_tokens": int(train[1]["token"].size), "val_tokens": int(val[1]["token"].size) if val else 0}

    def build(self, s: DefaultSettings, vocab: int, durations: int, stateful_batch: int | None = None):
        """Token + duration embeddings -> LSTMs -> next-token logits at every position, and a duration
        head that also sees the next token (teacher-forced in training, the sampled one when generating)."""
        import keras
        from keras import layers

        batch = {"batch_size": stateful_batch} if stateful_batch else {}
        seq = 1 if stateful_batch else None
        tokens = keras.Input(shape=(seq,), dtype="int32", name="tokens", **batch)
        durs = keras.Input(shape=(seq,), dtype="int32", name="durations", **batch)
        nxt = keras.Input(shape=(seq,), dtype="int32", name="next_tokens", **batch)
        x = layers.Concatenate(name="inputs")([
            layers.Embedding(vocab, s.embed, name="token_embed")(tokens),
            layers.Embedding(durations, s.duration_embed, name="duration_embed")(durs),
        ])
        return _heads(keras, layers, s, x, [tokens, durs, nxt], nxt, vocab, durations, "default",
                      stateful=bool(stateful_batch))


def _heads(keras, layers, s, x, inputs, nxt, vocab, durations, name, stateful=False):
    for i, units in enumerate(s.lstm):
        x = layers.LSTM(units, return_sequences=True, stateful=stateful, name=f"lstm{i}")(x)
        x = layers.Dropout(s.dropout)(x)
    token_logits = layers.Dense(vocab, name="token_logits")(x)
    h = layers.Concatenate(name="duration_inputs")([x, layers.Embedding(vocab, s.embed, name="next_embed")(nxt)])
    h = layers.Dense(s.duration_hidden, activation="relu", name="duration_hidden")(h)
    duration_logits = layers.Dense(durations, name="duration_logits")(h)
    model = keras.Model(inputs, {"token": token_logits, "duration": duration_logits}, name=name)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=s.learning_rate, clipnorm=s.clipnorm),
        loss={"token": loss, "duration": loss},
    )
    return model


# Columns of a lofi training step: token id, duration class, position, chord root (-1: none), pitch-class mask,
# bass (-1: none), then the lookback (token id, duration class, degree) for each bar it looks back, then for each
# whether the event restates that bar. The network hears the lookback of the event it predicts (y's columns) and
# whether the event it has just played restated (x's).
TOK, DUR, POS, ROOT, MASK, BASS = range(6)
LOOKBACK = 6  # the first lookback column
LOOKBACK_TOKENS = tuple(LOOKBACK + lookback.WIDTH * b for b in range(len(lookback.BARS)))
RESTATED = LOOKBACK + lookback.WIDTH * len(lookback.BARS)  # the first "restated" flag
SHIFTS = tuple(range(-6, 6))  # transposition augmentation: every key, the melody moved at most a tritone
ABLATIONS = ("no_chords", "no_melody_pc")  # evaluation only: what the validation figures are also given without


def lookback_inputs(x, y, as_float) -> dict:
    """The lookback columns of rows ``y`` and the restated flags of rows ``x`` as the network's named inputs (numpy
    or tf tensors alike; ``as_float`` casts the flags)."""
    out = {"restated": as_float(x[..., RESTATED:RESTATED + len(lookback.BARS)]),
           "same_chord": as_float(y[..., LOOKBACK + lookback.WIDTH - 1:RESTATED:lookback.WIDTH])}
    for b, k in enumerate(lookback.BARS):
        at = LOOKBACK + lookback.WIDTH * b
        out.update({f"lookback{k}_tokens": y[..., at], f"lookback{k}_durations": y[..., at + 1],
                    f"lookback{k}_degrees": y[..., at + 2]})
    return out


class Lofi(Preset):
    name = "lofi"
    Settings = LofiSettings
    encoding = "steps"
    encoding_version = tok.LOFI_ENCODING_VERSION
    conditioned = True
    needs = Preset.needs + ("position_embed/embeddings", "degree_embed/embeddings")
    about = ("token, duration and position embeddings with the chord vector (root | pitch classes | bass) and the "
             "lookback (the token, duration and chord degree sounding one and two bars back, through the same "
             "embeddings) -> LSTMs -> next token at every position, and a duration head")

    def encode_file(self, source):
        from ..music import tokens

        return tokens.encode_file_steps(source.path, chordify=source.chordify)

    def layout(self) -> dict:
        return {"lookback": list(lookback.BARS), "flags": ["same_chord", "restated"]}

    def dump(self, parts) -> dict:
        return {"parts": [[[s.token, str(s.quarter_length), s.position, list(s.chord) if s.chord else None,
                            str(s.onset), str(s.bar)] for s in p] for p in parts],
                "symbols": getattr(parts, "symbols", 0), "unread": getattr(parts, "unread", [])}

    def load(self, data) -> tok.Parts:
        from fractions import Fraction

        return tok.Parts([[tok.Step(t, Fraction(q), pos, (c[0], tuple(c[1]), c[2]) if c else None, Fraction(o),
                                    Fraction(b)) for t, q, pos, c, o, b in p] for p in data["parts"]],
                         data["symbols"], data["unread"])

    def vocabulary(self, sequences, s) -> list[str]:
        """Every token of the corpus and, with ``transpose``, its transpositions: the same in every key."""
        found = {e.token for seq in sequences for e in seq} - set(tok.MARKERS)
        if s.transpose:
            found |= {t2 for t in found for k in SHIFTS if (t2 := tok.transpose_token(t, k)) is not None}
        return [tok.START, tok.END] + sorted(found)

    @staticmethod
    def piece_rows(seq, index: dict, tops: dict) -> np.ndarray:
        """One encoded part as training steps: start, every event with its conditioning and lookback, end."""
        ids = [index[e.token] for e in seq]
        classes = [duration_class(e) for e in seq]
        back = lookback.corpus_rows(seq, ids, classes, [tops[e.token] for e in seq], index[tok.START])
        nothing = (index[tok.START], lookback.HELD, lookback.NOTHING, 0) * len(lookback.BARS) + (0,) * len(lookback.BARS)
        rows = [(index[tok.START], 0, tok.OFF_GRID, -1, 0, -1) + nothing]
        for e, i, d, b in zip(seq, ids, classes, back):
            chord = (-1, 0, -1) if e.chord is None else (e.chord[0], tok.chord_mask(e.chord[1]), e.chord[2])
            rows.append((i, d, e.position) + chord + b)
        rows.append((index[tok.END], 0, tok.OFF_GRID, -1, 0, -1) + nothing)
        return np.array(rows, np.int32)

    def data(self, sequences, s, seed: int, keras=None, groups=None) -> dict:
        """Training and validation rows; ``groups`` (one label a sequence, e.g. its corpus entry) are held out apart,
        so that each has its own validation figures and a group's split does not depend on the others."""
        vocab = self.vocabulary(sequences, s)
        index = {t: i for i, t in enumerate(vocab)}
        tops = {t: tok.top_pitch_class(t) for t in vocab}
        pieces = [self.piece_rows(seq, index, tops) for seq in sequences]
        train_pieces, val_groups = split_groups(pieces, groups, s.validation, seed)
        train = cut_rows(train_pieces, s.sequence)
        if train is None:
            raise ModelError("the corpus is too small to train on (fewer than two events)")
        val_pieces = [p for group in val_groups.values() for p in group]
        val = cut_rows(val_pieces, s.sequence) if val_pieces else None
        table = np.array([[index.get(tok.transpose_token(t, k) or t, i) for i, t in enumerate(vocab)]
                          for k in SHIFTS], np.int32)
        pcs = np.array([tok.chord_mask(p % 12 for p in tok.token_pitches(t)) for t in vocab], np.int32)
        return {"vocab": vocab, "train_rows": train, "val_rows": val, "table": table, "token_masks": pcs,
                "val_groups": {g: cut_rows(v, s.sequence) for g, v in val_groups.items() if v},
                "val": None if val is None else self.arrays(val, s),
                "train_targets": train[1][..., TOK], "train_duration_targets": train[1][..., DUR],
                "train_tokens": int(train[1][..., TOK].size), "val_tokens": int(val[1][..., TOK].size) if val else 0}

    @staticmethod
    def arrays(rows, s, ablate: str | None = None, token_masks=None):
        """Rows (x, y) as the network's inputs (numpy), with the conditioning of the predicted event; ``ablate``
        (evaluation only): "no_chords" (the chord vector zero and the lookback's degrees "no chord") or
        "no_melody_pc" (the predicted token's pitch classes taken out of its chord's root, pitch classes and bass,
        ``token_masks`` giving each token's pitch classes as a mask)."""
        x, y = rows
        root, mask, bass, pos = y[..., ROOT], y[..., MASK], y[..., BASS], y[..., POS]
        back = lookback_inputs(x, y, lambda a: a.astype(np.float32))
        if ablate == "no_melody_pc":
            own = token_masks[y[..., TOK]]
            mask = mask & ~own
            root = np.where((root >= 0) & ((own >> np.maximum(root, 0)) & 1 == 1), -1, root)
            bass = np.where((bass >= 0) & ((own >> np.maximum(bass, 0)) & 1 == 1), -1, bass)
        if ablate == "no_chords" or not s.conditioned:
            root, mask, bass = np.full_like(root, -1), np.zeros_like(mask), np.full_like(bass, -1)
            back = {k: np.where(v < lookback.REST, lookback.NO_CHORD, v) if k.endswith("degrees") else
                    np.zeros_like(v) if k == "same_chord" else v for k, v in back.items()}
        if not s.conditioned:
            pos = np.full_like(pos, tok.OFF_GRID)
        return ({"tokens": x[..., TOK], "durations": x[..., DUR], "positions": pos,
                 "chords": chord_vectors(root, mask, bass), "next_tokens": y[..., TOK], **back},
                {"token": y[..., TOK], "duration": y[..., DUR]})

    def dataset(self, data, s, seed: int, *, shuffle: bool = True):
        """The training rows as a tf.data pipeline: shuffled, each row moved to a random key (``transpose``),
        chord ids turned into chord vectors, batched. Distribution strategies shard it as they need."""
        import tensorflow as tf

        x, y = data["train_rows"]
        table = tf.constant(data["table"])
        conditioned = s.conditioned
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        if shuffle:
            ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)

        def step(x, y):
            if s.transpose:
                k = tf.random.uniform((), 0, len(SHIFTS), dtype=tf.int32, seed=seed)
                shift, moved = k + SHIFTS[0], table[k]
                x = tf.concat([tf.gather(moved, x[:, TOK])[:, None], x[:, TOK + 1:]], axis=1)
                columns = [tf.gather(moved, y[:, TOK])[:, None], y[:, DUR:ROOT],
                           tf.where(y[:, ROOT:ROOT + 1] >= 0, (y[:, ROOT:ROOT + 1] + shift) % 12, -1),
                           _rotate_mask(tf, y[:, MASK:MASK + 1], shift),
                           tf.where(y[:, BASS:BASS + 1] >= 0, (y[:, BASS:BASS + 1] + shift) % 12, -1)]
                for at in LOOKBACK_TOKENS:  # the lookback's tokens move too; its degrees do not
                    columns += [tf.gather(moved, y[:, at])[:, None], y[:, at + 1:at + lookback.WIDTH]]
                y = tf.concat(columns + [y[:, RESTATED:]], axis=1)
            root, mask, bass, pos = y[:, ROOT], y[:, MASK], y[:, BASS], y[:, POS]
            back = lookback_inputs(x, y, lambda a: tf.cast(a, tf.float32))
            if not conditioned:
                root, bass = tf.fill(tf.shape(root), -1), tf.fill(tf.shape(bass), -1)
                mask, pos = tf.zeros_like(mask), tf.fill(tf.shape(pos), tok.OFF_GRID)
                back = {k: tf.where(v < lookback.REST, lookback.NO_CHORD, v) if k.endswith("degrees") else
                        tf.zeros_like(v) if k == "same_chord" else v for k, v in back.items()}
            chords = tf.concat([tf.one_hot(root, 12), tf.cast(tf.bitwise.bitwise_and(tf.bitwise.right_shift(mask[:, None], tf.range(12)), 1), tf.float32),
                                tf.one_hot(bass, 12)], axis=1)
            return ({"tokens": x[:, TOK], "durations": x[:, DUR], "positions": pos, "chords": chords,
                     "next_tokens": y[:, TOK], **back}, {"token": y[:, TOK], "duration": y[:, DUR]})

        # Replicas need equal shares of every batch: a distributed run drops the last, partial one.
        drop = bool(data.get("distributed"))
        return ds.map(step, num_parallel_calls=tf.data.AUTOTUNE).batch(s.batch_size, drop_remainder=drop).prefetch(2)

    def fit(self, model, data, s, *, epochs, initial_epoch, callbacks, verbose):
        import tensorflow as tf

        val = data.get("val")
        if val is not None and data.get("distributed"):  # whole batches that split evenly between the replicas
            rows, replicas = len(val[1]["token"]), data["distributed"]
            size = min(s.batch_size, rows) // replicas * replicas
            val = tf.data.Dataset.from_tensor_slices(val).batch(size, drop_remainder=True) if size else None
        if data.get("distributed") and isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3 builds the model's state from the first batch, reduced across replicas, which fails
            # across workers: build it from a local batch first, in the strategy's scope, and skip that.
            with model.distribute_strategy.scope():
                model._symbolic_build(data_batch=next(iter(self.dataset(data, s, data["seed"], shuffle=False))))
            model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None
            # Keras reduces each step's logs across workers with MEAN along axis 0, which scalars do not
            # have: give every logged value that axis (length 1); the reduction takes it away again.
            for name in ("train_step", "test_step"):
                step = getattr(model, name)
                setattr(model, name, lambda data, step=step: {k: tf.reshape(v, [1]) for k, v in step(data).items()})
        model.fit(self.dataset(data, s, data["seed"]), epochs=epochs, initial_epoch=initial_epoch,
                  validation_data=val, validation_batch_size=None if data.get("distributed") else s.batch_size,
                  callbacks=callbacks, verbose=verbose, shuffle=False)  # the dataset shuffles itself

    def evaluate(self, model, data, s, vocab) -> dict:
        """The base figures, then per group of the corpus its validation perplexity, alone and with each of the
        :data:`ABLATIONS` (the same network, its inputs taken away at evaluation)."""
        out = super().evaluate(model, data, s, vocab)
        if not out or not s.conditioned:
            return out

        def perplexity(rows, ablate=None):
            x, y = self.arrays(rows, s, ablate, data["token_masks"])
            result = model.evaluate(x, y, batch_size=s.batch_size, verbose=0, return_dict=True)
            return round(math.exp(float(result["token_loss"])), 3)

        for ablate in ABLATIONS:
            out[f"{ablate}_val_perplexity"] = perplexity(data["val_rows"], ablate)
        out["val_by_source"] = {group: {"tokens": int(rows[1][..., TOK].size), "perplexity": perplexity(rows),
                                        **{a: perplexity(rows, a) for a in ABLATIONS}}
                                for group, rows in data["val_groups"].items() if rows is not None}
        return out

    def build(self, s: LofiSettings, vocab: int, durations: int):
        """The pinned network: embeddings of token, duration and position with the chord vector, and the lookback's
        tokens and durations through the same embeddings with an embedding of their degrees -> LSTMs -> a token head
        and default's duration head."""
        import keras
        from keras import layers

        def index(name):
            return keras.Input(shape=(None,), dtype="int32", name=name)

        tokens, durs, positions, nxt = index("tokens"), index("durations"), index("positions"), index("next_tokens")
        chords = keras.Input(shape=(None, 36), dtype="float32", name="chords")
        token_embed = layers.Embedding(vocab, s.embed, name="token_embed")
        duration_embed = layers.Embedding(durations, s.duration_embed, name="duration_embed")
        degree_embed = layers.Embedding(lookback.DEGREES, s.degree_embed, name="degree_embed")
        back = {f"lookback{k}_{what}": index(f"lookback{k}_{what}") for k in lookback.BARS
                for what in ("tokens", "durations", "degrees")}
        flags = [keras.Input(shape=(None, len(lookback.BARS)), dtype="float32", name=name)
                 for name in ("same_chord", "restated")]
        parts = [token_embed(tokens), duration_embed(durs),
                 layers.Embedding(tok.POSITIONS, s.position_embed, name="position_embed")(positions), chords]
        for k in lookback.BARS:
            parts += [token_embed(back[f"lookback{k}_tokens"]), duration_embed(back[f"lookback{k}_durations"]),
                      degree_embed(back[f"lookback{k}_degrees"])]
        x = layers.Concatenate(name="inputs")(parts + flags)
        return _heads(keras, layers, s, x, [tokens, durs, positions, chords, *back.values(), *flags, nxt], nxt,
                      vocab, durations, "lofi")


def _rotate_mask(tf, mask, shift):
    shift = shift % 12
    b = tf.bitwise
    return b.bitwise_and(b.bitwise_or(b.left_shift(mask, shift), b.right_shift(mask, 12 - shift)), 0xFFF)


def chord_vectors(root, mask, bass) -> np.ndarray:
    """(root, pitch-class mask, bass) ids -> chord vectors (..., 36), laid out as ``progression.chord_vector``."""
    root, mask, bass = np.asarray(root), np.asarray(mask), np.asarray(bass)
    out = np.zeros(root.shape + (36,), np.float32)
    eye = np.eye(12, dtype=np.float32)
    out[..., :12] = np.where(root[..., None] >= 0, eye[np.maximum(root, 0)], 0)
    out[..., 12:24] = (mask[..., None] >> np.arange(12)) & 1
    out[..., 24:] = np.where(bass[..., None] >= 0, eye[np.maximum(bass, 0)], 0)
    return out


PRESETS: dict[str, Preset] = {p.name: p for p in (Lofi(), Default(), Article())}  # the shipped one first
NAMES = tuple(PRESETS)  # what lofi.yaml and `--preset` offer
OLD_NAMES = tuple(ALIASES)  # what they still read (get() resolves them)


def get(name, *, path=None, line=None, col=None) -> Preset:
    """The preset called ``name`` (a Preset passes through), from lofi.yaml, `--preset` or a checkpoint
    (``path``, ``line``, ``col``: where it is written); an old name is read with a deprecation warning."""
    if isinstance(name, Preset):
        return name
    if name in ALIASES:
        _renamed(name, path, line, col)
        name = ALIASES[name]
    if name not in PRESETS:
        raise ModelError(f"unknown model preset '{name}' (known: {', '.join(PRESETS)})")
    return PRESETS[name]


@functools.cache
def _renamed(name, path, line, col) -> None:
    """Once per place an old name is written (a build reads lofi.yaml's preset more than once)."""
    warn(f"model preset '{name}' is deprecated: it is now called '{ALIASES[name]}'", path, line, col)


def settings(preset, **overrides):
    return get(preset).settings(**overrides)


def build(preset, s, vocab: int, durations: int):
    """The Keras model of a preset (a name or a Preset)."""
    return get(preset).build(s, vocab, durations)


def as_dict(s) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(s).items()}


def fingerprinted(s) -> dict:
    """The settings that make the network what it is (the budget apart: see :data:`BUDGET`)."""
    return {k: v for k, v in as_dict(s).items() if k not in BUDGET}

