"""lofi.yaml: a typed schema that checks every key and reports all problems at once."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Callable

from . import yamlio
from .errors import Collector, ConfigError, warn
from .music.transport import Meter, TimeValueError, parse_beats

DEFAULT_CONFIG = "lofi.yaml"


class _Invalid(Exception):
    """A value failed its check; the message completes "'KEY' must ..."."""


# -- value checks: each takes the raw YAML value and returns the typed one ----------------------


def _int(low: int | None = None, high: int | None = None, what: str | None = None) -> Callable:
    def check(v):
        ok = isinstance(v, int) and not isinstance(v, bool)
        if not ok or (low is not None and v < low) or (high is not None and v > high):
            if what:
                raise _Invalid(f"must be {what}")
            raise _Invalid(f"must be a whole number from {low} to {high}")
        return v

    return check


def _number(low: float, high: float) -> Callable:
    def check(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not low <= v <= high:
            raise _Invalid(f"must be a number from {low:g} to {high:g}")
        return v

    return check


def _str(allow_empty: bool = True, max_len: int = 500) -> Callable:
    def check(v):
        if not isinstance(v, str) or (not allow_empty and not v.strip()) or len(v) > max_len:
            raise _Invalid("must be a non-empty string" if not allow_empty else "must be a string")
        return v

    return check


def _choice(*choices: str) -> Callable:
    def check(v):
        if v not in choices:
            raise _Invalid(f"must be one of {', '.join(repr(c) for c in choices)}")
        return v

    return check


def _str_list(v):
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise _Invalid("must be a list of strings")
    return list(v)


def _base_path(v):
    if not isinstance(v, str) or not re.fullmatch(r"/([A-Za-z0-9._~-]+/)*", v.rstrip("/") + "/"):
        raise _Invalid("must be a URL path like / or /lofi/")
    return v.rstrip("/") + "/"


def _transport_time(v):
    if not isinstance(v, str):
        raise _Invalid("must be a TransportTime string like '4:0:0'")
    try:
        parse_beats(v, Meter(), 120)
    except TimeValueError as e:
        raise _Invalid(f"must be a TransportTime like '4:0:0' ({e})") from None
    return v


def _seed(v):
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**32:
        raise _Invalid("must be a whole number from 0 to 4294967295")
    return v


def opt(default: Any, check: Callable, help: str = "") -> Any:
    """A config option: its default, how its value is checked, and what it is for."""
    return field(default_factory=lambda: default if not isinstance(default, list) else list(default),
                 metadata={"check": check, "help": help})


def section(cls):
    return field(default_factory=cls, metadata={"section": cls})


# -- the schema ------------------------------------------------------------------------------------


@dataclass
class Loops:
    drums: int = opt(8, _int(1, 256, "a positive integer"), "bars before the drum groove repeats")
    ambience: int = opt(12, _int(1, 256, "a positive integer"), "bars before the ambience loop restarts")
    solos: int = opt(30, _int(1, 256, "a positive integer"), "bars in every AI solo (its loop)")


@dataclass
class Quality:
    chord_tones: float = opt(0.85, _number(0, 1), "least share of beat-1/3 melody notes that are chord tones or tensions")
    rest_min: float = opt(0.05, _number(0, 1), "least share of the solo's time that rests")
    rest_max: float = opt(0.25, _number(0, 1), "most share of the solo's time that rests")
    mean_note: float = opt(0.5, _number(0, 16), "least mean note length, in quarters")
    max_equal_run: int = opt(8, _int(1, 10_000), "most equal durations in a row")
    max_sixteenths: float = opt(0.30, _number(0, 1), "most share of notes that are 16ths")


@dataclass
class AI:
    pool_size: int = opt(16, _int(0, 256), "how many AI solos the site offers")
    temperature: float = opt(0.9, _number(0, 5), "sampling temperature; 0 = always the likeliest token")
    top_k: int = opt(8, _int(0, 10_000), "sample among the k likeliest tokens; 0 = all")
    progressions: list = opt([], _str_list, "what the solos play over: names from content/progressions/"
                             "progressions.yaml or inline chords ('Dm9 G13 | Cmaj9'); empty: the whole library")
    quality: Quality = section(Quality)


@dataclass
class Model:
    preset: str = opt("lofi", _choice("lofi", "default", "article", "seed"),
                      "'lofi' (chord-conditioned), 'default' or 'article' (the article's net; 'seed' is its old name)")
    train: str = opt("auto", _choice("auto", "never"), "train when no checkpoint matches, or fail")
    checkpoints: str = opt("content/model", _str(False), "directory holding trained checkpoints")
    corpus: list = opt(
        ["music21:oneills1850", "music21:ryansMammoth", "music21:bach/chorales"],
        _str_list,
        "MIDI folders, score folders and music21 corpus collections to train on",
    )
    epochs: int = opt(30, _int(1, 10_000), "maximum training epochs (early stopping may end sooner)")


@dataclass
class Config:
    title: str = opt("lofi station", _str(False, 200), "the page title")
    description: str = opt("", _str(True, 1000), "one line under the title")
    base_path: str = opt("/", _base_path, "URL path the site is served from")
    bpm: float = opt(80, _number(60, 100), "tempo for AI solos (songs bring their own)")
    quote_start: str = opt("4:0:0", _transport_time, "when the spoken quote starts (bar 5)")
    seed: int = opt(1, _seed, "one seed for every random choice of the build")
    loops: Loops = section(Loops)
    ai: AI = section(AI)
    model: Model = section(Model)
    # Not read from the file:
    path: Path = field(default=Path(DEFAULT_CONFIG), metadata={"internal": True})
    source: yamlio.Document | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    @property
    def root(self) -> Path:
        """The project directory: paths in the config are relative to it."""
        return self.path.parent

    def resolve(self, relative: str | Path) -> Path:
        return self.root / relative

    def error(self, keys: tuple, message: str, cls=ConfigError):
        """A user error located at the value of ``keys`` in lofi.yaml (or at the file when unset)."""
        mark = self.source.mark(*keys) if self.source is not None and keys[:1] else None
        if mark is not None and self.source.mark(*keys) == self.source.mark():
            mark = None  # the key is not in the file: the default was used
        return cls(message, self.path, *(mark or (None, None)))


def _apply(obj, data: dict, doc: yamlio.Document, keys: tuple, errors: Collector, strict: bool):
    known = {f.name for f in fields(obj) if not f.metadata.get("internal")}
    for name, value in data.items():
        dotted = ".".join(str(k) for k in keys + (name,))
        if name not in known:
            message = f"unknown key '{dotted}'"
            if strict:
                errors.add(doc.error(keys + (name,), message, at_key=True))
            else:
                mark = doc.key_mark(*keys, name)
                warn(message, doc.path, *(mark or (None, None)))
            continue
        f = next(f for f in fields(obj) if f.name == name)
        if "section" in f.metadata:
            if not isinstance(value, dict):
                errors.add(doc.error(keys + (name,), f"'{dotted}' must be a mapping"))
                continue
            _apply(getattr(obj, name), value, doc, keys + (name,), errors, strict)
            continue
        try:
            setattr(obj, name, f.metadata["check"](value))
        except _Invalid as e:
            errors.add(doc.error(keys + (name,), f"'{dotted}' {e}"))


def load_config(path: str | Path = DEFAULT_CONFIG, strict: bool = False, **overrides) -> Config:
    """Read and check lofi.yaml; ``overrides`` from the command line (e.g. ``seed=3``) win over the file."""
    path = Path(path)
    if not path.exists():
        raise ConfigError("config file not found (run lofi-build in a project folder, or pass -f)", path)
    doc = yamlio.load(path, ConfigError)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise doc.error((), "the config must be a mapping of settings")
    config = Config(path=path, source=doc)
    errors = Collector()
    _apply(config, data, doc, (), errors, strict)
    for name, value in overrides.items():
        if value is None:
            continue
        f = next(f for f in fields(config) if f.name == name)
        try:
            setattr(config, name, f.metadata["check"](value))
        except _Invalid as e:
            errors.add(ConfigError(f"--{name.replace('_', '-')} {e}"))
    errors.raise_if_any()
    return config


def as_dict(obj) -> dict:
    """The settings as plain data (for fingerprints and the site's manifest)."""
    out = {}
    for f in fields(obj):
        if f.metadata.get("internal"):
            continue
        value = getattr(obj, f.name)
        out[f.name] = as_dict(value) if is_dataclass(value) else value
    return out
