"""What ``lofi-build new`` and ``new-song`` write: a station, or a song in one, made from the starters
(lofi_build/starter/, music/starter.py and the schemas), never over the user's own files."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from string import Template

from . import __version__, schema
from .config import DEFAULT_CONFIG, Config, schema_of
from .errors import LofiError
from .music.starter import starter_score
from .slug import slug
from .yamlio import modeline, scalar

STARTER = Path(__file__).resolve().parent / "starter"
# The starter files a station gets, by where they go in it (the rest are made from the schemas).
FILES = {
    "README.md": "README.md",
    "netlify.toml": "netlify.toml",
    ".github/workflows/pages.yml": "pages.yml",
    ".gitignore": "gitignore",
    "requirements.txt": "requirements.txt",
}
FIRST_SONG = "First Light"


def words(name: str) -> str:
    """A file or folder name as a title: 'rainy-window' -> 'Rainy Window'."""
    return " ".join(w.capitalize() for w in re.split(r"[-_\s]+", name) if w)


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def new_song(layout: Config, title: str, force: bool = False) -> Path:
    """Write the starter score as the song ``title``, in content/songs/ under the title's slug (a name that
    is a slug already, like rainy-window, is the file name and gives the title in words); returns its path."""
    name = slug(title)
    if title == name:
        title = words(name)
    path = layout.song_file(name)
    if path.exists() and not force:
        raise LofiError("a song with this file name exists already: choose another title, or --force to "
                        "overwrite it", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema_file = layout.schema_file("score")
    where = _relative(schema_file, path.parent) if schema_file.is_file() else None
    path.write_text(starter_score(title, _relative(path, layout.root), where), encoding="utf-8")
    return path


def _commented(fields: dict, indent: str = "") -> list[str]:
    """Every setting at its default, commented out, with what it is for."""
    lines = []
    for name, f in fields.items():
        if isinstance(f, schema.Section):
            lines.append(f"# {indent}{name}:".ljust(40) + f"  # {f.help.strip()}")
            lines += _commented(f.schema.fields, indent + "  ")
        else:
            value = scalar(f.default) if isinstance(f.default, str) else json.dumps(f.default)
            lines.append(f"# {indent}{name}: {value}".ljust(40) + f"  # {f.help}")
    return lines


def starter_config(title: str, schema_path: str) -> str:
    """lofi.yaml for a new station: its title, and every other setting commented out at its default."""
    fields = dict(schema_of(Config).fields)
    title_field = fields.pop("title")
    return "".join([
        modeline(schema_path),
        "# The station's settings. Only the title is set; every other line shows a setting at its default:\n",
        "# remove the '# ' to change it. `lofi-build site --strict` refuses keys it does not know.\n",
        f"title: {scalar(title)}".ljust(40) + f"  # {title_field.help}\n",
        *(line + "\n" for line in _commented(fields)),
    ])


def _write_station(root: Path, title: str) -> None:
    layout = Config(path=root / DEFAULT_CONFIG)
    layout.schemas_dir.mkdir(parents=True)
    for kind in schema.DOCUMENTS:
        layout.schema_file(kind).write_text(json.dumps(schema.document(kind), indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    layout.path.write_text(starter_config(title, _relative(layout.schema_file("config"), root)), encoding="utf-8")
    new_song(layout, FIRST_SONG)
    for rel, starter in FILES.items():
        text = Template((STARTER / starter).read_text(encoding="utf-8")).safe_substitute(title=title, version=__version__)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def new_station(path: Path, title: str | None = None) -> Path:
    """``lofi-build new PATH``: a station (lofi.yaml, a song, README, deploy files, schemas) in the new or
    empty folder ``path``, titled ``title`` (default: the folder's name in words); returns ``path``."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise LofiError("not an empty folder: lofi-build new makes a station in a new or empty folder", path)
    title = title or words(path.resolve().name) or "Lofi Station"
    if path.exists():
        _write_station(path, title)
        return path
    # A new folder appears whole or not at all: written beside it, then renamed.
    path.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}-new-", dir=path.parent))
    try:
        _write_station(stage, title)
        os.rename(stage, path)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return path
