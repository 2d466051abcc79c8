"""Helpers shared by the model tests: a tiny project with a MIDI corpus, tiny settings of every preset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lofi_build.model import train
from support import MINIMAL_SONG, ROOT, melody_notes, write_midi

TINY = {
    "default": dict(sequence=16, embed=8, duration_embed=4, lstm=(16, 16), duration_hidden=8, batch_size=4,
                    learning_rate=0.01),
    "article": dict(window=8, lstm=(8, 16, 8), dense=8, batch_size=16, learning_rate=0.005),
    "lofi": dict(sequence=16, embed=8, duration_embed=4, position_embed=4, lstm=(16, 16), duration_hidden=8,
                 batch_size=4, learning_rate=0.01, dropout=0.0),
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
