"""lofi.yaml: the site's settings as typed dataclasses, declared in the one schema (schema.py) and read with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from . import schema, yamlio
from .errors import Collector, ConfigError
from .model import presets
from .music.transport import Meter, TimeValueError, parse_beats, time_pattern
from .schema import Choice, Custom, Int, Invalid, Number, Text, TextList

DEFAULT_CONFIG = "lofi.yaml"
# The package's own project: the defaults every project builds on (the theme, the sound kit, the drum
# grooves, the progression library and mood table, the shipped model), laid out as a project is, so
# that one relative path names a file in both.
DEFAULTS = Path(__file__).resolve().parent / "defaults"


_BASE_PATH = r"(/[A-Za-z0-9._~-]+)*/*"


def _base_path(v):
    if not isinstance(v, str) or not re.fullmatch(_BASE_PATH, v):
        raise Invalid("must be a URL path like / or /lofi/")
    return v.rstrip("/") + "/"


def _transport_time(v):
    if not isinstance(v, str):
        raise Invalid("must be a TransportTime string like '4:0:0'")
    try:
        parse_beats(v, Meter(), 120)
    except TimeValueError as e:
        raise Invalid(f"must be a TransportTime like '4:0:0' ({e})") from None
    return v


def opt(spec: schema.Field) -> Any:
    """A config option declared by its schema field (default, type, range, what it is for)."""
    return field(default_factory=spec.fresh_default, metadata={"schema": spec})


def section(cls):
    return field(default_factory=cls, metadata={"section": cls})


def schema_of(cls) -> schema.Schema:
    """The schema a config dataclass declares with :func:`opt` and :func:`section`."""
    out = {}
    for f in fields(cls):
        if "schema" in f.metadata:
            out[f.name] = f.metadata["schema"]
        elif "section" in f.metadata:
            out[f.name] = schema.Section(schema=schema_of(f.metadata["section"]), help=f.metadata["section"].__doc__)
    return schema.Schema(out)


def _fill(obj, values: dict):
    for name, value in values.items():
        current = getattr(obj, name)
        if is_dataclass(current):
            _fill(current, value)
        else:
            setattr(obj, name, value)


# -- the schema ------------------------------------------------------------------------------------


@dataclass
class Loops:
    """Bars before each layer repeats."""

    drums: int = opt(Int(default=8, low=1, high=256, what="a positive integer",
                         help="bars before the drum groove repeats"))
    ambience: int = opt(Int(default=12, low=1, high=256, what="a positive integer",
                            help="bars before the ambience loop restarts"))
    solos: int = opt(Int(default=30, low=1, high=256, what="a positive integer",
                         help="bars in every AI solo (its loop)"))


@dataclass
class Quality:
    """The lofi quality gate every AI solo passes."""

    chord_tones: float = opt(Number(default=0.85, low=0, high=1,
                                    help="least share of beat-1/3 melody notes that are chord tones or tensions"))
    rest_min: float = opt(Number(default=0.02, low=0, high=1, help="least share of the solo's time that rests"))
    rest_max: float = opt(Number(default=0.35, low=0, high=1, help="most share of the solo's time that rests"))
    mean_note: float = opt(Number(default=0.5, low=0, high=16, help="least mean note length, in quarters"))
    max_equal_run: int = opt(Int(default=8, low=1, high=10_000, help="most equal durations in a row"))
    max_sixteenths: float = opt(Number(default=0.30, low=0, high=1, help="most share of notes that are 16ths"))
    max_weak_outside: float = opt(Number(default=0.18, low=0, high=1, help="most share of notes off beats 1 and 3 "
                                         "that are neither chord tones nor available tensions"))
    min_nct_step: float = opt(Number(default=0.3, low=0, high=1, help="least share of non-chord tones that move "
                                     "on by a half or whole step"))
    max_intervals_js: float = opt(Number(default=0.25, low=0, high=1, help="most Jensen-Shannon divergence (bits) "
                                         "of the melody's intervals from the training corpus's"))
    max_degrees_js: float = opt(Number(default=0.35, low=0, high=1, help="most Jensen-Shannon divergence (bits) of "
                                       "the melody's notes over the chord roots from the training corpus's"))


@dataclass
class AI:
    """The pool of AI solos."""

    pool_size: int = opt(Int(default=16, low=0, high=256, help="how many AI solos the site offers"))
    temperature: float = opt(Number(default=0.8, low=0, high=5,
                                    help="sampling temperature; 0 = always the likeliest token"))
    top_k: int = opt(Int(default=8, low=0, high=10_000, help="sample among the k likeliest tokens; 0 = all"))
    # A player's lay-back is 15-40 ms behind the beat: 20 ticks is 31 ms at 80 bpm; 60 (a 32nd note) is late.
    lay_back: int = opt(Int(default=20, low=0, high=60, help="ticks (1/480 of a quarter) the solos' melody plays "
                            "behind the beat, in the player and the MIDI files; 0 = on the beat"))
    progressions: list = opt(TextList(default=[], help="what the solos play over: names from content/progressions/"
                                      "progressions.yaml or inline chords ('Dm9 G13 | Cmaj9'); empty: the whole library"))
    quality: Quality = section(Quality)


TRANSITIONS = ("crossfade", "tape-stop", "vinyl-brake")  # how the station goes from one track to the next
BPM_RANGE = (60, 100)  # the solo tempo's range, and the station's


def _transitions(v):
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        raise Invalid(f"must be a non-empty list of {', '.join(TRANSITIONS)}")
    unknown = [x for x in v if x not in TRANSITIONS]
    if unknown:
        raise Invalid(f"has unknown transition {unknown[0]!r} (known: {', '.join(TRANSITIONS)})")
    return list(dict.fromkeys(v))


def _sleep_minutes(v):
    if not isinstance(v, list) or not v or not all(isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 720
                                                   for x in v):
        raise Invalid("must be a non-empty list of whole minutes from 1 to 720")
    return sorted(set(v))


@dataclass
class Station:
    """Station mode: a seeded program of songs and arranged AI tracks that plays for hours."""

    bpm_min: int = opt(Int(default=70, low=BPM_RANGE[0], high=BPM_RANGE[1], help="slowest AI track, bpm"))
    bpm_max: int = opt(Int(default=90, low=BPM_RANGE[0], high=BPM_RANGE[1], help="fastest AI track, bpm"))
    bpm_step: int = opt(Int(default=4, low=0, high=40, help="most the tempo moves from one AI track to the next, bpm"))
    minutes_min: float = opt(Number(default=1.5, low=0.5, high=15, help="shortest AI track, minutes"))
    minutes_max: float = opt(Number(default=4, low=0.5, high=15, help="longest AI track, minutes"))
    song_every: int = opt(Int(default=4, low=0, high=100,
                              help="every Nth track is one of the songs, when one has not played lately (0: never)"))
    repeat_hours: float = opt(Number(default=8, low=0, high=48, help="no track comes again within this many hours"))
    history: int = opt(Int(default=4, low=1, high=50,
                           help="played tracks kept to go back to; older AI tracks are let go and made again from "
                                "their seed when asked for"))
    transitions: list = opt(Custom(default=list(TRANSITIONS), fn=_transitions,
                                   help="how one track gives way to the next: crossfade, tape-stop, vinyl-brake"))
    sleep_minutes: list = opt(Custom(default=[15, 30, 60, 90], fn=_sleep_minutes, help="the sleep timer's choices"))
    sleep_fade: float = opt(Number(default=30, low=1, high=300, help="seconds the sleep timer fades out over"))


@dataclass
class Model:
    """The network behind the solos."""

    preset: str = opt(Choice(default="lofi", choices=presets.NAMES, unlisted=presets.OLD_NAMES,
                             help="'lofi' (chords and metre), 'default' or 'article' (the article's network)"))
    train: str = opt(Choice(default="auto", choices=("auto", "never"), help="train when no checkpoint matches, or fail"))
    checkpoints: str = opt(Text(default="content/model", nonempty=True, max_len=500,
                                help="directory holding the checkpoints this project trains"))
    corpus: list = opt(TextList(
        default=[],
        help="MIDI folders, score folders and music21 corpus collections to train a model of your own on "
             "(e.g. [content/midi, music21:oneills1850]); empty: the packaged model serves",
    ))
    epochs: int = opt(Int(default=30, low=1, high=10_000, help="maximum training epochs (early stopping may end sooner)"))


@dataclass
class Config:
    title: str = opt(Text(default="lofi station", nonempty=True, max_len=200, too_long="is longer than 200 characters",
                          help="the page title"))
    description: str = opt(Text(default="", max_len=1000, help="one line under the title"))
    base_path: str = opt(Custom(default="/", fn=_base_path, help="URL path the site is served from",
                                shape={"type": "string", "pattern": f"^{_BASE_PATH}$"}))
    bpm: float = opt(Number(default=80, low=BPM_RANGE[0], high=BPM_RANGE[1],
                            help="tempo for AI solos (songs bring their own)"))
    quote_start: str = opt(Custom(default="4:0:0", fn=_transport_time, help="when the spoken quote starts (bar 5)",
                                  shape={"type": "string", "pattern": time_pattern()}))
    seed: int = opt(Int(default=1, low=0, high=2**32 - 1, help="one seed for every random choice of the build"))
    theme_dir: str = opt(Text(default="site_src", nonempty=True, max_len=500,
                              help="your theme folder: a file in it replaces the packaged theme's file of the same "
                                   "path (templates/index.html, css/site.css, js/...)"))
    loops: Loops = section(Loops)
    ai: AI = section(AI)
    model: Model = section(Model)
    station: Station = section(Station)
    # Not read from the file:
    path: Path = field(default=Path(DEFAULT_CONFIG), metadata={"internal": True})
    source: yamlio.Document | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    @property
    def root(self) -> Path:
        """The project directory: paths in the config are relative to it."""
        return self.path.parent

    def resolve(self, relative: str | Path) -> Path:
        return self.root / relative

    # The project's layout, in one place: every path the tool reads or writes is named here.

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def songs_dir(self) -> Path:
        return self.content_dir / "songs"

    def song_file(self, name: str) -> Path:
        """Where the song ``name`` (a file name without its suffix) lives."""
        return self.songs_dir / f"{name}.yaml"

    @property
    def packaged(self) -> Config:
        """The package's defaults, read through the same layout as a project."""
        return Config(path=DEFAULTS / DEFAULT_CONFIG)

    @property
    def layers(self) -> list[Config]:
        """Where content is read from, in the order it is laid: the package's defaults, then the project,
        whose drum grooves, kit entries and progressions replace the package's of the same id or name."""
        return [self.packaged, self]

    @property
    def drums_dir(self) -> Path:
        return self.content_dir / "drums"

    @property
    def drums_dirs(self) -> list[Path]:
        """The drum groove folders, the package's first."""
        return [layer.drums_dir for layer in self.layers]

    @property
    def progressions_dir(self) -> Path:
        return self.content_dir / "progressions"

    @property
    def progressions_yaml(self) -> Path:
        """The project's progression library: what the AI solos play over and the page offers as presets."""
        return self.progressions_dir / "progressions.yaml"

    @property
    def progressions_yamls(self) -> list[Path]:
        """The progression libraries that exist, the package's first."""
        return [layer.progressions_yaml for layer in self.layers if layer.progressions_yaml.is_file()]

    @property
    def moods_yaml(self) -> Path:
        """The project's mood table (behind ``lofi-build mood`` and the page's mood box)."""
        return self.progressions_dir / "moods.yaml"

    @property
    def station_names_yaml(self) -> Path:
        """The word lists the station names its AI tracks with: the project's, else the package's (replaced
        whole, as the mood table)."""
        own = self.content_dir / "station" / "names.yaml"
        return own if own.is_file() else self.packaged.content_dir / "station" / "names.yaml"

    @property
    def mood_table_yaml(self) -> Path:
        """The mood table in force: the project's, else the package's (a table is replaced whole: its cells
        must cover every mood exactly once)."""
        return next((layer.moods_yaml for layer in reversed(self.layers) if layer.moods_yaml.is_file()),
                    self.packaged.moods_yaml)

    @property
    def samples_yaml(self) -> Path:
        """The project's sound kit file."""
        return self.content_dir / "samples" / "samples.yaml"

    @property
    def samples_yamls(self) -> list[Path]:
        """The kit files that exist, the package's first."""
        return [layer.samples_yaml for layer in self.layers if layer.samples_yaml.is_file()]

    @property
    def site_src(self) -> Path:
        """The project's own theme folder (``theme_dir``): its files replace the package's."""
        return self.resolve(self.theme_dir)

    @property
    def theme(self) -> Theme:
        """The files the page is made of, read through :class:`Theme`."""
        return Theme([self.site_src, self.packaged.site_src])

    @property
    def schemas_dir(self) -> Path:
        """The JSON Schemas ``lofi-build new`` writes for editors (``lofi-build schema KIND`` refreshes them)."""
        return self.root / "schemas"

    def schema_file(self, kind: str) -> Path:
        return self.schemas_dir / f"{kind}.json"

    @property
    def netlify_toml(self) -> Path:
        """Netlify's settings, where the Content-Security-Policy is written."""
        return self.root / "netlify.toml"

    @property
    def build_dir(self) -> Path:
        """Where ``lofi-build site`` writes the site unless told otherwise."""
        return self.root / "build"

    @property
    def cache_dir(self) -> Path:
        """Caches that survive builds, git-ignored."""
        return self.root / ".lofi-cache"

    @property
    def tokens_cache_dir(self) -> Path:
        """The encoded training corpus, one file per source file's hash."""
        return self.cache_dir / "tokens"

    @property
    def model_dir(self) -> Path:
        """Where trained checkpoints are kept (``model.checkpoints``)."""
        return self.resolve(self.model.checkpoints)

    @property
    def shipped_model_dir(self) -> Path:
        """The package's trained checkpoints, searched after :attr:`model_dir` (never written)."""
        return self.packaged.model_dir

    def corpus_path(self, entry: str) -> Path:
        """A folder or file entry of ``model.corpus``."""
        return self.resolve(entry)

    def corpus_provenance(self, entry: str) -> Path:
        """Where a vendored corpus folder records where its files come from and why they may be used."""
        return self.corpus_path(entry) / "PROVENANCE.yaml"

    @property
    def solos_dir(self) -> Path:
        """Where ``lofi-build generate`` writes solos unless told otherwise."""
        return self.root / "solos"

    @property
    def sources(self) -> list[Path]:
        """What a build reads: the config, content/ and the theme's folders (watched by ``serve``)."""
        return [self.path, self.content_dir, *self.theme.folders, self.packaged.content_dir]

    @property
    def protected(self) -> list[Path]:
        """Folders a build output must never be, or hold: the project and its sources."""
        return [self.root, self.content_dir, *self.theme.folders, self.packaged.content_dir]

    @property
    def piece_dirs(self) -> list[Path]:
        """Sources whose changes a playing page takes as new pieces (hot swap), not a reload."""
        return [self.songs_dir, *self.drums_dirs, *(layer.progressions_dir for layer in self.layers)]

    @property
    def stylesheet_dirs(self) -> list[Path]:
        """Sources whose changes a playing page takes as a new stylesheet."""
        return [folder / "css" for folder in self.theme.folders]

    @property
    def pool_free_dirs(self) -> list[Path]:
        """Sources the AI pool never reads: editing them cannot change the pool."""
        return [self.songs_dir, *self.drums_dirs, *self.theme.folders]

    def error(self, keys: tuple, message: str, cls=ConfigError):
        """A user error located at the value of ``keys`` in lofi.yaml (or at the file when unset)."""
        mark = self.source.mark(*keys) if self.source is not None and keys[:1] else None
        if mark is not None and self.source.mark(*keys) == self.source.mark():
            mark = None  # the key is not in the file: the default was used
        return cls(message, self.path, *(mark or (None, None)))


class Theme:
    """The files the page is made of (templates, js/, css/, vendor/, icon.svg, sw.js), found by
    their path relative to the theme: in the first of ``folders`` that has it."""

    def __init__(self, folders: list[Path]):
        self.folders = list(folders)

    def file(self, rel: str) -> Path:
        """The file at ``rel`` (in the first folder that has it; else where the first would have it,
        so that a missing file is reported at a path the user can create)."""
        for folder in self.folders:
            if (folder / rel).is_file():
                return folder / rel
        return self.folders[0] / rel

    def dirs(self, rel: str) -> list[Path]:
        """Every folder at ``rel`` that exists, first folder first (a template search path)."""
        return [folder / rel for folder in self.folders if (folder / rel).is_dir()] or [self.folders[0] / rel]

    def tree(self, rel: str) -> dict[str, Path]:
        """Every file under the folder ``rel`` by its path inside it (no hidden files), a file in an
        earlier folder replacing the same path in a later one."""
        files: dict[str, Path] = {}
        for folder in reversed(self.folders):
            top = folder / rel
            if top.is_dir():
                for p in sorted(top.rglob("*")):
                    inside = p.relative_to(top)
                    if p.is_file() and not any(part.startswith(".") for part in inside.parts):
                        files[inside.as_posix()] = p
        return dict(sorted(files.items(), key=lambda item: Path(item[0]).parts))


def bounds(section: type, name: str) -> tuple:
    """(low, high) of a setting as the schema declares it: the one range the config, the CLI's options and
    the page (the facts block's ``limits``) check, e.g. ``bounds(Loops, "solos")`` for a solo's bars."""
    spec = schema_of(section).fields[name]
    return spec.low, spec.high


def as_config(config: Config | str | Path, strict: bool = False, **overrides) -> Config:
    """``config`` itself when it is loaded already (the CLI loads it once), else loaded from that path."""
    return config if isinstance(config, Config) else load_config(config, strict=strict, **overrides)


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
    keys = schema_of(Config)
    _fill(config, keys.read(data, doc, (), errors, strict=strict, error_cls=ConfigError))
    for name, value in overrides.items():
        if value is None:
            continue
        try:
            setattr(config, name, keys.check_value(name, value, label=f"--{name.replace('_', '-')}"))
        except Invalid as e:
            errors.add(ConfigError(str(e)))
    _check_station(config, errors)
    if data.get("theme_dir") == config.theme_dir and not config.site_src.is_dir():  # written, and well typed
        errors.add(config.error(("theme_dir",), f"theme_dir '{config.theme_dir}' is not a folder (it holds the files "
                                                "that replace the packaged theme's)"))
    errors.raise_if_any()
    return config


def _check_station(config: Config, errors: Collector) -> None:
    """The station's ranges read low to high (each key alone is checked by the schema)."""
    s = config.station
    for low, high in (("bpm_min", "bpm_max"), ("minutes_min", "minutes_max")):
        if getattr(s, low) > getattr(s, high):
            errors.add(config.error(("station", low), f"'station.{low}' ({getattr(s, low)}) must not exceed "
                                                      f"'station.{high}' ({getattr(s, high)})"))


def as_dict(obj) -> dict:
    """The settings as plain data (for fingerprints and the site's manifest)."""
    out = {}
    for f in fields(obj):
        if f.metadata.get("internal"):
            continue
        value = getattr(obj, f.name)
        out[f.name] = as_dict(value) if is_dataclass(value) else value
    return out
