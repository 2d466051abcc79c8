"""A score file read from disk and compiled: the one loader the build, the CLI, tokens and the
benchmarks share (music/ compiles loaded documents and reads no files)."""

from __future__ import annotations

import os

from . import yamlio
from .errors import ContentError
from .music.score import compile_doc


def compile_file(path: str | os.PathLike, strict: bool = False) -> dict:
    """Compile the score at ``path`` to Tone.js JSON; raises :class:`LofiError` naming every problem
    (a file that cannot be read, bad YAML, a bad score) with its position."""
    return compile_doc(yamlio.load(path, ContentError), strict)
