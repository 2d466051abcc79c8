"""What ``lofi-build new-song`` writes into a project: files made from the starters, never over the user's own."""

from __future__ import annotations

import re
from pathlib import Path

from .config import Config
from .errors import LofiError
from .music.starter import starter_score

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def new_song(layout: Config, name: str, force: bool = False) -> Path:
    """Write the starter score as the song ``name`` (its file name without ``.yaml``); returns its path."""
    if not _NAME.match(name):
        raise LofiError(f"song name {name!r} must be lowercase letters, digits, '-' or '_' (e.g. rainy-window)")
    path = layout.song_file(name)
    if path.exists() and not force:
        raise LofiError("a song with this name exists already (use --force to overwrite it)", path)
    title = " ".join(w.capitalize() for w in re.split(r"[-_]+", name) if w)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_score(title, path.as_posix()), encoding="utf-8")
    return path
