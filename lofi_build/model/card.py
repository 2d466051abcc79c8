"""The model card: MODEL.md (from the MODEL.md.jinja template) and loss.png beside a checkpoint, from its checkpoint.json."""

from __future__ import annotations

import math
import os
import platform
from collections import Counter
from pathlib import Path

import numpy as np

from ..music.tokens import MARKERS, REST, is_chord
from . import checkpoint, lookback

CARD = "MODEL.md"
PLOT = "loss.png"
TEMPLATE = "MODEL.md.jinja"


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


ENCODINGS = {
    "events": "The article's tokens: a note is its pitch name with octave (`E-4`), a chord the normal order of its "
              "pitch classes (`0.4.7`), a rest `r`; each event also carries its quarterLength (quantised to the 16th "
              "and triplet grid), and each part is one sequence between `<start>` and `<end>`. "
              "`lofi-build tokens FILE` prints them.",
    "steps": "The article's tokens (a note is named from its MIDI number with sharps, `D#4`, so transposing is "
             "arithmetic; chords in normal order; `r`) with their durations; a note tied over a bar line is one "
             "event (music21's `stripTies`; one longer than a whole note sounds a whole note, then a rest). At every "
             "step the network hears what a lofi solo has to hear: the **chord sounding at the event's onset** as a "
             "36-float vector (root one-hot | pitch-class set | bass one-hot; zeros for no chord), from the lead "
             "sheets' chord symbols read by the chord grammar over the chord table the solos are played over "
             "(music21's realisation where the grammar does not read a symbol), from chordify of the parts under a "
             "chorale's top part (never the melody itself), or from chordify of a song's comping parts; the "
             "**metrical position** of the onset, in twelfths of a quarter from the bar line (0..47 in 4/4; 48 = off "
             "the grid); and the **lookback**: what it played " + ", ".join(map(str, lookback.BARS[:-1]))
             + f" and {lookback.BARS[-1]} bars earlier at the same place (that event's token and, where it was "
             "struck right there, its duration, through the same embeddings; its degree over the chord it was played "
             "over, and whether that chord sounds now) and whether the note it has just played restated each of "
             "them, so that figures can come back, moved to the new chord or answered, because the corpus does so. "
             "Every training row is moved to a random one of the 12 keys "
             "(-6..+5 semitones) each epoch; validation stays in the written key. "
             "`lofi-build tokens FILE --chords` prints token, duration, position and chord.",
}


def _fmt(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4f}"


def _corpus_notes(entries, config) -> list[str]:
    notes = []
    for e in entries:
        if e.startswith("music21:bach"):
            notes.append("`music21:bach/chorales`: J. S. Bach's chorales shipped with music21 (public domain); "
                         "the model reads their top part over the harmony of the three parts under it (chordify), "
                         "so a chord label holds the melody's note only where another voice sounds it.")
        elif e.startswith("music21:"):
            notes.append(f"`{e}`: a public-domain collection shipped with music21.")
        elif config is not None and config.corpus_provenance(e).is_file():
            rule = []
            for line in config.corpus_provenance(e).read_text().splitlines():
                if not line.startswith("#") or line[1:].strip().startswith("Fields"):
                    break
                rule.append(line[1:].strip())
            notes.append(f"`{e}`: " + " ".join(rule) + f" Every file is listed in `{e}/PROVENANCE.yaml`.")
        else:
            notes.append(f"`{e}`: files of this project.")
    return notes


def twin_summary(twin) -> dict:
    """What a card says of the unconditioned twin (kept in the conditioned checkpoint's info as ``twin``)."""
    return {"name": twin.short, "val_perplexity": twin.info["val_perplexity"], "epochs": len(twin.history),
            "train_seconds": twin.info.get("train_seconds")}


POOL_ABOUT = "Measured by `lofi_build/model/quality.py` on every melody (the lofi gate's measures):"


def card_text(ckpt, command: str | None = None, pool=None, twin=None, config=None, pool_about: str = POOL_ABOUT) -> str:
    """MODEL.md for a checkpoint. ``pool``: [(label, {measure: value})] rows for a "Solos" section (left out when
    None), introduced by ``pool_about``; ``twin``: the unconditioned twin's checkpoint, when one was trained."""
    import jinja2

    info, s = ckpt.info, ckpt.settings
    net = ckpt.network
    kinds = Counter("marker" if t in MARKERS else "rest" if t == REST else "chord" if is_chord(t) else "note"
                    for t in ckpt.vocab)
    history = [{"epoch": h["epoch"], "token": _fmt(h.get("token_loss", h.get("loss"))),
                "val_token": _fmt(h.get("val_token_loss")), "duration": _fmt(h.get("duration_loss")),
                "val_duration": _fmt(h.get("val_duration_loss")), "seconds": f"{h['seconds']:.0f}"}
               for h in ckpt.history]
    encode = (f"{info['encode_seconds'] / 60:.1f} min, {info['tokens'] / info['encode_seconds']:,.0f} events/s"
              if info.get("encode_seconds") else "from the cache (not timed in this run)")
    pool_keys = list(dict.fromkeys(k for _, m in pool for k in m)) if pool else []
    lstm = getattr(s, "lstm", ())
    context = {
        "name": ckpt.short, "preset": ckpt.preset, "fingerprint": ckpt.fingerprint,
        "corpus": ", ".join(f"`{e}`" for e in info.get("corpus", [])),
        "corpus_notes": _corpus_notes(info.get("corpus", []), config),
        "files": info.get("files"), "skipped": len(info.get("skipped", [])), "sequences": info.get("sequences"),
        "tokens": info.get("tokens", 0), "train_tokens": info.get("train_tokens", 0),
        "val_tokens": info.get("val_tokens", 0), "validation": f"{getattr(s, 'validation', 0):.0%}",
        "vocab": len(ckpt.vocab), "kinds": kinds, "durations": len(ckpt.durations), "duration_head": net.duration_head,
        "encoding": ENCODINGS[net.encoding], "about": net.about,
        "layers": f"{len(lstm)} LSTM layers of {', '.join(map(str, lstm))} units",
        "params": sum(int(np.prod(a.shape)) for a in ckpt.weights.values()),
        "weights_mb": (ckpt.folder / checkpoint.WEIGHTS).stat().st_size / 1e6,
        "settings": ", ".join(f"{k}={v}" for k, v in sorted(vars(s).items())),
        "command": command or info.get("command", "lofi-build train"),
        "epochs": len(ckpt.history), "max_epochs": info.get("max_epochs"), "patience": getattr(s, "patience", None),
        "best_epoch": info.get("best_epoch"), "has_val": "val_perplexity" in info,
        "train_minutes": info.get("train_seconds", 0) / 60,
        "machine": f"{os.cpu_count()} CPU cores ({platform.machine()}, TensorFlow, "
                   f"{platform.python_implementation()} {platform.python_version()})",
        "distribute": info.get("distribute", "none"), "encode_text": encode, "seed": info.get("seed"),
        "plot": PLOT, "history": history,
        "ppl": info.get("val_perplexity"), "unigram": info.get("unigram_val_perplexity"),
        "ablations": {a: info.get(f"{a}_val_perplexity") for a in ("no_chords", "no_melody_pc")}
        if "no_chords_val_perplexity" in info else None,
        "by_source": info.get("val_by_source", {}), "symbols": info.get("chord_symbols"),
        "val_duration": info.get("val_duration_cross_entropy"),
        "twin": info.get("twin") if twin is None else twin_summary(twin),
        "pool": pool, "pool_keys": pool_keys, "pool_about": pool_about,
    }
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    return env.get_template(TEMPLATE).render(context)


def write_card(ckpt, command: str | None = None, pool=None, twin=None, config=None, pool_about: str = POOL_ABOUT) -> None:
    """Write MODEL.md (from MODEL.md.jinja) and loss.png into the checkpoint folder."""
    plot_losses(ckpt, ckpt.folder / PLOT)
    (ckpt.folder / CARD).write_text(card_text(ckpt, command, pool, twin, config, pool_about))
