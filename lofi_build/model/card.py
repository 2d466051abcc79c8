"""The model card: MODEL.md and loss.png beside a checkpoint, written from its checkpoint.json."""

from __future__ import annotations

import math
import platform
from collections import Counter

import numpy as np

from ..music.tokens import MARKERS, REST, is_chord

CARD = "MODEL.md"
PLOT = "loss.png"


def plot_losses(ckpt, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    epochs = [h["epoch"] for h in ckpt.history]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for key, label, style in (("token_loss", "train (tokens)", "-"), ("val_token_loss", "validation (tokens)", "-"),
                              ("duration_loss", "train (durations)", "--"),
                              ("val_duration_loss", "validation (durations)", "--"), ("loss", "train", "-")):
        if ckpt.history and key in ckpt.history[0] and not (key == "loss" and "token_loss" in ckpt.history[0]):
            ax.plot(epochs, [h[key] for h in ckpt.history], style, marker=".", label=label)
    if "unigram_val_perplexity" in ckpt.info:
        ax.axhline(math.log(ckpt.info["unigram_val_perplexity"]), color="grey", linestyle=":",
                   label="unigram baseline (validation tokens)")
    best = ckpt.info.get("best_epoch")
    if best:
        ax.axvline(best, color="black", linewidth=0.5, label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (nats)")
    ax.set_title(f"{ckpt.short}: loss per epoch")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})  # no version stamp: the same history gives the same bytes
    plt.close(fig)


def write_card(ckpt, command: str = "make train   # = .venv/bin/lofi-build train") -> None:
    """Write MODEL.md and loss.png into the checkpoint folder."""
    plot_losses(ckpt, ckpt.folder / PLOT)
    info, s = ckpt.info, ckpt.settings
    kinds = Counter("marker" if t in MARKERS else "rest" if t == REST else "chord" if is_chord(t) else "note"
                    for t in ckpt.vocab)
    params = sum(int(np.prod(a.shape)) for a in ckpt.weights.values())
    weights_mb = (ckpt.folder / "weights.npz").stat().st_size / 1e6
    rows = "\n".join(
        f"| {h['epoch']} | {h.get('token_loss', h['loss']):.4f} | {h.get('val_token_loss', float('nan')):.4f} | "
        f"{h.get('duration_loss', float('nan')):.4f} | {h.get('val_duration_loss', float('nan')):.4f} | "
        f"{h['seconds']:.0f} |"
        for h in ckpt.history)
    ppl = info.get("val_perplexity")
    unigram = info.get("unigram_val_perplexity")
    encoding = (f"{info['encode_seconds'] / 60:.1f} min, {info['tokens'] / info['encode_seconds']:,.0f} tokens/s"
                if info.get("encode_seconds") else "not recorded")
    settings = ", ".join(f"{k}={v}" for k, v in sorted(vars(s).items()))
    text = f"""# Model card: `{ckpt.short}`

The AI solo model that `lofi-build site` generates from when `lofi.yaml` has the default
`model:` settings. It is found by its fingerprint `{ckpt.fingerprint}`
(preset, settings and the bytes of every corpus file), so any change to them makes
`lofi-build site` train a new one (`model.train: auto`) or stop (`never`).

## Data

- **Corpus** (`model.corpus`): {", ".join(f"`{e}`" for e in info.get("corpus", []))}. Public domain
  collections shipped with music21; the chorales are read as chord progressions (`chordify`).
- **Files**: {info.get("files")} ({len(info.get("skipped", []))} skipped), **sequences** (one per part or tune):
  {info.get("sequences")}.
- **Tokens**: {info.get("tokens"):,} events; {info.get("train_tokens", 0):,} training targets and
  {info.get("val_tokens", 0):,} validation targets (whole pieces held out, {s.validation:.0%} of them).
- **Vocabulary**: {len(ckpt.vocab)} tokens: {kinds["note"]} notes, {kinds["chord"]} chords, the rest `r`
  and the start/end markers; {len(ckpt.durations)} durations (plus "none" for the markers).

## Network

Preset `{ckpt.preset}`: token and duration embeddings, {len(s.lstm)} LSTM layers of {", ".join(map(str, s.lstm))}
units, a next-token softmax at every position and a duration head that also sees the chosen token.
{params:,} parameters; `weights.npz` is {weights_mb:.1f} MB (float32).
Settings: {settings}.

## Training

- **Epochs**: {len(ckpt.history)} of at most {info.get("max_epochs")} (early stopping, patience {s.patience});
  the weights are those of epoch {info.get("best_epoch")}, the best on validation.
- **Wall time**: {info.get("train_seconds", 0) / 60:.1f} min on a 2-core x86-64 machine (TensorFlow CPU,
  shared with other work), {platform.python_implementation()} {platform.python_version()}.
- **Encoding** the corpus with music21 (once; then cached in `.lofi-cache/`): {encoding}.
- **Seed**: {info.get("seed")} (`seed` in lofi.yaml).

![train and validation loss per epoch]({PLOT})

| epoch | train tokens | val tokens | train durations | val durations | seconds |
|---:|---:|---:|---:|---:|---:|
{rows}

## Evaluation

| on the validation pieces | perplexity (next token) |
|---|---:|
| this model | **{ppl}** |
| unigram baseline (training-set token frequencies, add-one) | {unigram} |

The model is {unigram / ppl if ppl and unigram else float('nan'):.1f}x less perplexed than the unigram
baseline. Validation cross-entropy of the durations: {info.get("val_duration_cross_entropy")} nats.

## Reproduce

On a clean checkout, with the default `lofi.yaml`:

```sh
{command}
```

It encodes the corpus (cached in `.lofi-cache/`), trains, writes `checkpoint.json` and
`weights.npz` into `content/model/{ckpt.short}/` after every epoch, and this card and
`loss.png` at the end (`resume.keras`, the optimizer state for `lofi-build train --resume`,
is not committed).
Figures such as wall time differ between machines; the fingerprint does not.
"""
    (ckpt.folder / CARD).write_text(text)
