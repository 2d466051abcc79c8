"""The two networks: 'seed' (the article's, exactly) and 'default' (ours), their settings and Keras builders."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ..errors import ModelError


@dataclass(frozen=True)
class SeedSettings:
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


PRESETS = {"seed": SeedSettings, "default": DefaultSettings}
# Training budget, not the model: changing them keeps the fingerprint (and allows --resume).
NOT_FINGERPRINTED = {"epochs", "patience"}


def settings(preset: str, **overrides):
    """The settings of a preset, with overrides (e.g. tiny sizes in tests); unknown names are errors."""
    if preset not in PRESETS:
        raise ModelError(f"unknown model preset '{preset}' (known: {', '.join(PRESETS)})")
    cls = PRESETS[preset]
    names = {f.name for f in fields(cls)}
    unknown = set(overrides) - names
    if unknown:
        raise ModelError(f"unknown setting(s) for preset '{preset}': {', '.join(sorted(unknown))}")
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return cls(**overrides)


def as_dict(s) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(s).items()}


def fingerprinted(s) -> dict:
    return {k: v for k, v in as_dict(s).items() if k not in NOT_FINGERPRINTED}


def from_dict(preset: str, data: dict):
    return settings(preset, **{k: v for k, v in data.items() if k in {f.name for f in fields(PRESETS[preset])}})


# -- Keras networks (imported only when training or checking parity) ----------------------------


def build_seed(s: SeedSettings, vocab: int):
    """The article's Sequential network, layer for layer."""
    import keras
    from keras import layers

    model = keras.Sequential(name="seed")
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


def build_default(s: DefaultSettings, vocab: int, durations: int, stateful_batch: int | None = None):
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
    for i, units in enumerate(s.lstm):
        x = layers.LSTM(units, return_sequences=True, stateful=bool(stateful_batch), name=f"lstm{i}")(x)
        x = layers.Dropout(s.dropout)(x)
    token_logits = layers.Dense(vocab, name="token_logits")(x)
    h = layers.Concatenate(name="duration_inputs")([x, layers.Embedding(vocab, s.embed, name="next_embed")(nxt)])
    h = layers.Dense(s.duration_hidden, activation="relu", name="duration_hidden")(h)
    duration_logits = layers.Dense(durations, name="duration_logits")(h)
    model = keras.Model([tokens, durs, nxt], {"token": token_logits, "duration": duration_logits}, name="default")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=s.learning_rate, clipnorm=s.clipnorm),
        loss={"token": loss, "duration": loss},
    )
    return model


def build(preset: str, s, vocab: int, durations: int):
    return build_seed(s, vocab) if preset == "seed" else build_default(s, vocab, durations)
