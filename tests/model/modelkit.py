"""Helpers shared by the model tests: a tiny project with a MIDI corpus, tiny settings of every preset, and the
worker's raw loop in numpy."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

from lofi_build.model import engine, train
from lofi_build.model.prng import Prng, sample
from lofi_build.music.tokens import END, START
from lofi_build.music.transport import PPQ
from support import MINIMAL_SONG, ROOT, melody_notes, write_midi

TINY = {
    "default": dict(sequence=16, embed=8, duration_embed=4, lstm=(16, 16), duration_hidden=8, batch_size=4,
                    learning_rate=0.01),
    "article": dict(window=8, lstm=(8, 16, 8), dense=8, batch_size=16, learning_rate=0.005),
    "lofi": dict(sequence=16, embed=8, duration_embed=4, position_embed=4, degree_embed=2, lstm=(16, 16),
                 duration_hidden=8, batch_size=4, learning_rate=0.01, dropout=0.0),
}
CONFIG = """\
title: Tiny
seed: 3
ai:
  pool_size: 4
  temperature: 1.0
  top_k: 0
model:
  corpus:
    - content/midi
  epochs: 2
"""


def run_python(script: str, cwd=None, env=None):
    """Run ``script`` in a fresh interpreter (so sys.modules shows what it imported)."""
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def make_project(root: Path, config: str = CONFIG) -> Path:
    (root / "content" / "songs").mkdir(parents=True)
    (root / "content" / "songs" / "test-song.yaml").write_text(MINIMAL_SONG)
    for k in range(4):
        write_midi(root / "content" / "midi" / f"tune{k}.mid", [(0, 0, melody_notes(k))])
    write_midi(root / "content" / "midi" / "chords.mid", [(0, 0, [
        (i * 960, 960, p) for i in range(16) for p in ((60, 64, 67), (57, 60, 64), (65, 69, 72), (67, 71, 74))[i % 4]])])
    (root / "lofi.yaml").write_text(config)
    return root


def tiny_train(config, preset, **kw):
    epochs = kw.pop("epochs", None)
    return train.train(config, train.plan(config, preset, TINY[preset], epochs=epochs), progress=False, jobs=1, **kw)


def browser_generate(ckpt, seed: int, ticks: int, temperature: float, top_k: int, trace: list | None = None):
    """The worker's raw loop (``generate`` in site_src/js/ai/engine.js) in numpy for a ``default`` network: one solo ``ticks`` long from Prng(seed).

    Per step: the token logits, u for the token, the duration logits, u for the duration. At
    temperature 0 the first token is drawn at temperature 1 (so solos differ by seed), as the
    build's engine does. The last event is cut to end at ``ticks``. Returns [(token id,
    duration class, duration ticks)]; ``trace`` gets (token logits, duration logits) a step.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # one row a step: BLAS threads only cost
        return _browser_generate(ckpt, seed, ticks, temperature, top_k, trace)


def _browser_generate(ckpt, seed, ticks, temperature, top_k, trace):
    w = {k: v.astype(np.float32, copy=False) for k, v in ckpt.weights.items()}
    if "position_embed/embeddings" in w:
        raise ValueError("browser_generate runs the default network only")
    vocab = ckpt.vocab
    banned = [vocab.index(t) for t in (START, END) if t in vocab]
    durations = [int(Fraction(d) * PPQ) for d in ckpt.durations]
    prng = Prng(seed)
    stacked = engine.stack_layers(w)
    state = engine.default_init(w, 1)
    token, dur = vocab.index(START), engine.NO_DURATION
    events, elapsed, first = [], 0, True
    while elapsed < ticks:
        top, logits, state = engine.default_step(w, state, np.array([token]), np.array([dur]), stacked)
        t = 1.0 if first and temperature <= 0 else temperature
        token = sample(logits[0], prng.random(), t, top_k, banned)
        d_logits = engine.duration_logits(w, top, np.array([token]))
        dur = sample(d_logits[0], prng.random(), temperature, 0, [engine.NO_DURATION])
        length = min(durations[dur - 1], ticks - elapsed)
        events.append((token, dur, length))
        elapsed += length
        if trace is not None:
            trace.append((logits[0].copy(), d_logits[0].copy()))
        first = False
    return events
