"""The sound kit's manifest, content/samples/samples.yaml: load it, check every file, publish it.

``samples.yaml`` (version 1) names where everything comes from and every file the player may use::

    version: 1
    sources:                       # provenance, by key; the credits panel is made from these
      fluidr3: {title: FluidR3_GM SoundFont, author: Frank Wen, licence: MIT, url: ..., attribution: ...}
    items:                         # the kit, in menu order; ids are unique across kinds
      - id: rhodes                 # lowercase letters, digits, '-'; instrument ids are sampler presets
        kind: instrument           # instrument | drumkit | ambience | quote
        title: Rhodes electric piano
        sources: [fluidr3, fluidsynth]
        release: 1.2               # instrument/drumkit: Tone.Sampler release in seconds (default 1)
        notes: {C4: instruments/rhodes/C4.mp3, D#4: instruments/rhodes/Ds4.mp3}
                                   # drumkit keys are GM drum names (kick, snare...) or MIDI numbers
      - id: rain
        kind: ambience
        file: ambience/rain.mp3
        loop: {start: 0.25, end: 36.25}   # seconds; the player loops exactly this span
        visual: rain               # the background the player shows (default: the id)
      - id: walden
        kind: quote
        file: quotes/walden.mp3
        text: "..."                # what is said, who wrote it, and where
        author: Henry David Thoreau
        source: Walden (1854)
        bake: {...}                # optional: how ``lofi-build samples`` re-makes the item

Paths are relative to samples.yaml and must stay inside its folder. A project's samples.yaml is laid
over the packaged kit's (``load_kit(..., base=)``): an entry with a packaged id replaces that entry,
others are added, and the packaged sources may be used without declaring them again. :func:`load_kit` reports
every problem at once, each at its line in samples.yaml. :func:`publish` returns the sections of
build/manifest.json the player reads:

- ``instruments``: ``{id, title, percussion, urls, release, notes, bytes}``; ``urls`` maps MIDI
  numbers as strings ("60", "36"; instruments and drum kits alike) to URLs; ``notes`` lists the sampled MIDI numbers in order; ``bytes`` is the download size.
- ``ambience``: ``{id, title, url, duration, loopStart, loopEnd, visual, bytes}`` (seconds).
- ``quotes``: ``{id, title, text, author, source, url, duration, bytes}``.
- ``credits``: ``{item, source, licence, attribution, author, url}``, one row per source used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

import soundfile as sf

from .. import yamlio
from . import audio
from ..errors import Collector, ContentError, warn
from ..schema import REQUIRED, Field, Number, Schema, Text, is_number
from ..music.instruments import PRESETS
from ..music.pitch import PitchError, parse_pitch

KINDS = ("instrument", "drumkit", "ambience", "quote")
AUDIO_SUFFIXES = (".mp3", ".wav", ".flac", ".ogg")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
DEFAULT_RELEASE = 1.0

# The keys of each mapping in samples.yaml. Fields without a check of their own (Field()) are
# checked by the loader below: they are files, pitches, ids and references between entries.
TOP = Schema({"version": Field(default=1), "sources": Field(), "items": Field()}, what="top-level key")
_SOURCE_FIELDS = {
    "title": Text(default=REQUIRED, nonempty=True, strip=True, help="what the source is called"),
    "licence": Text(default=REQUIRED, nonempty=True, strip=True, help="its licence"),
    "author": Text(default="", strip=True), "url": Text(default="", strip=True),
    "attribution": Text(default="", strip=True),
}
_COMMON = {"id": Field(), "kind": Field(), "title": Field(), "sources": Field(), "bake": Field()}
_RELEASE = Number(default=DEFAULT_RELEASE, low=0, high=30, as_float=True, show_value=True,
                  what="a number of seconds from 0 to 30", help="Tone.Sampler release in seconds")
_QUOTE_TEXT = {name: Text(default=REQUIRED, nonempty=True) for name in ("text", "author", "source")}
ITEMS = {
    "instrument": Schema({**_COMMON, "notes": Field(), "release": _RELEASE}, what="instrument key"),
    "drumkit": Schema({**_COMMON, "notes": Field(), "release": _RELEASE}, what="drumkit key"),
    "ambience": Schema({**_COMMON, "file": Field(), "loop": Field(), "visual": Field()}, what="ambience key"),
    "quote": Schema({**_COMMON, "file": Field(), **_QUOTE_TEXT}, what="quote key",
                    missing=lambda name, f: f"quote is missing '{name}'" + (" (for the credits)" if name != "text" else "")),
}


@dataclass(frozen=True)
class Audio:
    """One audio file of the kit; ``frames``/``rate``/``channels`` are 0 when it was not decoded."""

    rel: str  # as written in samples.yaml
    path: Path
    frames: int = 0
    rate: int = 0
    channels: int = 0

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    @property
    def inside(self) -> str:
        """Its path inside its kit's folder (where the site publishes it, under assets/samples/)."""
        return "/".join(PurePosixPath(self.rel).parts)


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    licence: str
    author: str = ""
    url: str = ""
    attribution: str = ""


@dataclass(kw_only=True)
class Item:
    id: str
    kind: str
    title: str
    sources: tuple[str, ...]
    index: int  # position in `items`, for error positions
    bake: dict | None = None

    @property
    def keys(self) -> tuple:
        return ("items", self.index)

    @property
    def files(self) -> list[Audio]:
        return []


@dataclass(kw_only=True)
class Instrument(Item):
    notes: dict[int, Audio]  # MIDI number -> sample, ascending
    release: float = DEFAULT_RELEASE

    @property
    def percussion(self) -> bool:
        return self.kind == "drumkit"

    @property
    def files(self) -> list[Audio]:
        return list(self.notes.values())


@dataclass(kw_only=True)
class Ambience(Item):
    audio: Audio
    loop_start: float
    loop_end: float
    visual: str

    @property
    def files(self) -> list[Audio]:
        return [self.audio]


@dataclass(kw_only=True)
class Quote(Item):
    audio: Audio
    text: str
    author: str
    source: str

    @property
    def files(self) -> list[Audio]:
        return [self.audio]


@dataclass
class Kit:
    path: Path  # samples.yaml
    doc: yamlio.Document
    sources: dict[str, Source] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.parent

    def of_kind(self, *kinds: str) -> list[Item]:
        return [item for item in self.items if item.kind in kinds]

    @property
    def files(self) -> list[Audio]:
        return [audio for item in self.items for audio in item.files]

    def overlaid(self, own: Kit, inherited: dict[str, Source]) -> Kit:
        """``own`` laid over this kit: its items replace this kit's of the same id (in their place) or follow them."""
        items = {item.id: item for item in self.items}
        items.update((item.id, item) for item in own.items)
        return Kit(own.path, own.doc, sources={**inherited, **own.sources}, items=list(items.values()))


_DECODED: dict[tuple, tuple[int, int, int]] = {}


def _decode(path: Path) -> tuple[int, int, int]:
    """Decode a whole file once (``serve`` reloads the kit on every change): rate, channels, frames."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DECODED:
        with audio.quiet_c_stderr(), sf.SoundFile(str(path)) as f:
            rate, channels, frames = f.samplerate, f.channels, 0
            for block in f.blocks(blocksize=1 << 16, dtype="float32"):
                frames += len(block)
        _DECODED[key] = (rate, channels, frames)
    return _DECODED[key]


def _nonempty_str(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


class _Loader:
    def __init__(self, doc: yamlio.Document, strict: bool, check_files: bool, base: Kit | None = None):
        self.doc, self.strict, self.check_files, self.base = doc, strict, check_files, base
        self.errors = Collector()
        self.root = Path(doc.path).parent

    def error(self, keys, message, at_key=False):
        self.errors.add(self.doc.error(keys, message, at_key=at_key))

    # -- files -------------------------------------------------------------------------------

    def audio(self, keys: tuple, rel) -> Audio | None:
        if not _nonempty_str(rel):
            self.error(keys, "expected a file path relative to samples.yaml, like 'ambience/rain.mp3'")
            return None
        posix = PurePosixPath(rel)
        if posix.is_absolute() or ".." in posix.parts or "\\" in rel or re.match(r"^[A-Za-z]:", rel):
            self.error(keys, f"{rel!r} must be a relative path inside the samples folder (no '..', no drive)")
            return None
        if posix.suffix.lower() not in AUDIO_SUFFIXES:
            self.error(keys, f"{rel!r} is not an audio file the player can load "
                             f"(expected {', '.join(AUDIO_SUFFIXES)}; MP3 plays everywhere)")
            return None
        path = self.root.joinpath(*posix.parts)
        if not self.check_files:
            return Audio(rel, path)
        if not path.is_file():
            self.error(keys, f"file not found: {rel} (re-bake it with `lofi-build samples` or fix the path)")
            return None
        try:
            rate, channels, frames = _decode(path)
        except sf.LibsndfileError as e:
            # libsndfile says "File does not exist or is not a regular file" for any data it
            # cannot recognise; the file does exist (checked above), so say what is meant.
            why = e.error_string
            if "does not exist" in why:
                why = "not a recognised audio format, or corrupt"
            self.error(keys, f"{rel} does not decode as audio ({why})")
            return None
        except (RuntimeError, OSError, ValueError) as e:
            self.error(keys, f"{rel} does not decode as audio ({e})")
            return None
        if frames == 0:
            self.error(keys, f"{rel} holds no audio")
            return None
        return Audio(rel, path, frames, rate, channels)

    # -- sections ----------------------------------------------------------------------------

    def sources(self, data) -> dict[str, Source]:
        out: dict[str, Source] = {}
        if data is None:
            self.error((), "missing 'sources': every sample needs provenance (title, licence)")
            return out
        if not isinstance(data, dict):
            self.error(("sources",), "'sources' must be a mapping of keys to {title, licence, ...}")
            return out
        for key, spec in data.items():
            keys = ("sources", key)
            if not isinstance(key, str) or not _ID.match(key):
                self.error(keys, f"source key {key!r} must be lowercase letters, digits and '-'", at_key=True)
                continue
            if not isinstance(spec, dict):
                self.error(keys, f"source {key!r} must be a mapping with 'title' and 'licence'")
                continue
            source = Schema(_SOURCE_FIELDS, what="source key",
                            missing=lambda name, f, key=key: f"source {key!r} is missing '{name}'")
            values = source.read(spec, self.doc, keys, self.errors, strict=self.strict)
            if len(values) == len(_SOURCE_FIELDS):  # a wrong value is left out
                out[key] = Source(key, **values)
        return out

    def item(self, index: int, data, known_sources: set, seen: dict) -> Item | None:
        keys = ("items", index)
        if not isinstance(data, dict):
            self.error(keys, "an item must be a mapping with 'id', 'kind', 'title' and 'sources'")
            return None
        kind = data.get("kind")
        if "kind" not in data:
            self.error(keys, "item is missing 'kind' (one of: " + ", ".join(KINDS) + ")")
            return None
        if kind not in KINDS:
            self.error(keys + ("kind",), f"unknown kind {kind!r} (expected one of: {', '.join(KINDS)})")
            return None
        checked = ITEMS[kind].read(data, self.doc, keys, self.errors, strict=self.strict)

        ok = True
        item_id = data.get("id")
        if "id" not in data:
            self.error(keys, "item is missing 'id'")
            ok = False
        elif not isinstance(item_id, str) or not _ID.match(item_id):
            self.error(keys + ("id",), f"id {item_id!r} must be lowercase letters, digits and '-' (max 64)")
            ok = False
        elif item_id in seen:
            self.error(keys + ("id",), f"duplicate id {item_id!r} (first used at line {seen[item_id]})")
            ok = False
        else:
            seen[item_id] = (self.doc.mark(*keys, "id") or (0,))[0]
        title = data.get("title")
        if not _nonempty_str(title):
            self.error(keys + ("title",) if "title" in data else keys, "item needs a 'title' (a non-empty string)")
            ok = False
        sources = data.get("sources")
        if "sources" not in data:
            self.error(keys, "item is missing 'sources': the keys of its provenance in 'sources' (licence!)")
            ok = False
        elif not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
            self.error(keys + ("sources",), "'sources' must be a non-empty list of source keys")
            ok = False
        else:
            for i, s in enumerate(sources):
                if s not in known_sources:
                    self.error(keys + ("sources", i), f"unknown source {s!r} (add it under 'sources' with "
                                                      "its title and licence)")
                    ok = False
        bake = data.get("bake")
        if bake is not None and not isinstance(bake, dict):
            self.error(keys + ("bake",), "'bake' must be a mapping of bake settings")
            ok = False
        fields = getattr(self, kind if kind != "drumkit" else "instrument")(keys, data, kind, checked)
        if not ok or fields is None:
            return None
        cls = {"instrument": Instrument, "drumkit": Instrument, "ambience": Ambience, "quote": Quote}[kind]
        return cls(id=item_id, kind=kind, title=title.strip(), index=index, sources=tuple(sources), bake=bake,
                   **fields)

    # Each kind's own fields, checked: a dict for the item's constructor, or None after errors.

    def instrument(self, keys, data, kind, checked) -> dict | None:
        percussion = kind == "drumkit"
        notes = data.get("notes")
        if "notes" not in data:
            self.error(keys, f"{kind} is missing 'notes': a mapping of pitches to files")
            return None
        if not isinstance(notes, dict) or not notes:
            self.error(keys + ("notes",), "'notes' must be a non-empty mapping of pitches to files, "
                                          "like {C4: piano/C4.mp3}")
            return None
        samples: dict[int, Audio] = {}
        written: dict[int, object] = {}
        ok = True
        for key, rel in notes.items():
            nk = keys + ("notes", key)
            try:
                midi = parse_pitch(key, drums=percussion)
            except PitchError as e:
                self.error(nk, f"note key {key!r} is not a pitch: {e}", at_key=True)
                ok = False
                continue
            if midi in written:
                self.error(nk, f"{key!r} is the same note as {written[midi]!r} (MIDI {midi})", at_key=True)
                ok = False
                continue
            written[midi] = key
            audio = self.audio(nk, rel)
            if audio is None:
                ok = False
            else:
                samples[midi] = audio
        if not ok or "release" not in checked:
            return None
        return {"notes": dict(sorted(samples.items())), "release": checked["release"]}

    def _file(self, keys, data, kind) -> Audio | None:
        if "file" not in data:
            self.error(keys, f"{kind} is missing 'file'")
            return None
        return self.audio(keys + ("file",), data["file"])

    def ambience(self, keys, data, kind, checked) -> dict | None:
        audio = self._file(keys, data, kind)
        loop = data.get("loop")
        start = end = None
        if "loop" not in data:
            self.error(keys, "ambience is missing 'loop': {start, end} in seconds")
        elif not isinstance(loop, dict) or set(loop) != {"start", "end"}:
            self.error(keys + ("loop",), "'loop' must be a mapping {start: SECONDS, end: SECONDS}")
        elif not (is_number(loop["start"]) and is_number(loop["end"])):
            self.error(keys + ("loop",), "loop 'start' and 'end' must be numbers of seconds")
        elif not 0 <= loop["start"] < loop["end"]:
            self.error(keys + ("loop",), f"bad loop points: need 0 <= start < end, got start {loop['start']} "
                                         f"and end {loop['end']}")
        else:
            start, end = float(loop["start"]), float(loop["end"])
            # A 1 ms grace: loop points are written rounded, the decoded length is exact.
            if audio is not None and audio.rate and end > audio.duration + 0.001:
                self.error(keys + ("loop", "end"), f"bad loop points: the loop ends at {end:g} s but "
                                                   f"{audio.rel} lasts {audio.duration:.3f} s")
                start = None
        visual = data.get("visual", data.get("id"))
        if not _nonempty_str(visual):
            self.error(keys + ("visual",), "'visual' must be a non-empty string (a background name)")
            visual = None
        if audio is None or start is None or visual is None:
            return None
        return {"audio": audio, "loop_start": start, "loop_end": end, "visual": visual}

    def quote(self, keys, data, kind, checked) -> dict | None:
        audio = self._file(keys, data, kind)
        if audio is None or not all(k in checked for k in ("text", "author", "source")):
            return None
        return {"audio": audio, **{k: " ".join(checked[k].split()) for k in ("text", "author", "source")}}

    # -- whole file --------------------------------------------------------------------------

    def load(self) -> Kit:
        data = self.doc.data
        if not isinstance(data, dict):
            raise self.doc.error((), "samples.yaml must be a mapping with 'version', 'sources' and 'items'")
        TOP.read(data, self.doc, (), self.errors, strict=self.strict)
        if data.get("version", 1) != 1:
            self.error(("version",), f"unsupported version {data['version']!r} (this lofi-build reads version 1)")
        kit = Kit(Path(self.doc.path), self.doc, sources=self.sources(data.get("sources")))
        inherited = self.base.sources if self.base is not None else {}
        for key, source in kit.sources.items():
            if key in inherited and inherited[key] != source:
                self.error(("sources", key), f"source {key!r} is the packaged kit's, declared otherwise there: "
                                             "give yours a key of its own")
        items = data.get("items")
        if not isinstance(items, list):
            self.error(("items",) if "items" in data else (), "'items' must be a list of samples")
            items = []
        seen: dict[str, int] = {}
        # A source with a mistake of its own is still a known key: one error, not one per user.
        declared = set(data["sources"]) if isinstance(data.get("sources"), dict) else set()
        declared |= set(inherited)
        for i, entry in enumerate(items):
            item = self.item(i, entry, declared, seen)
            if item is not None:
                kit.items.append(item)
                self.check_preset(item)
        used = {s for entry in items if isinstance(entry, dict) and isinstance(entry.get("sources"), list)
                for s in entry["sources"] if isinstance(s, str)}
        for key in kit.sources:
            if key not in used:
                warn(f"source {key!r} is not used by any item", self.doc.path,
                     *(self.doc.key_mark("sources", key) or (None, None)))
        self.errors.raise_if_any()
        return kit if self.base is None else self.base.overlaid(kit, inherited)

    def check_preset(self, item: Item) -> None:
        """Scores name instruments by sampler preset, so an instrument id should be one."""
        if item.kind not in ("instrument", "drumkit"):
            return
        preset = PRESETS.get(item.id)
        if preset is None:
            mark = self.doc.mark(*item.keys, "id")
            warn(f"{item.kind} {item.id!r} is not a sampler preset, so no score can play it "
                 f"(presets: {', '.join(PRESETS)})", self.doc.path, *(mark or (None, None)))
        elif preset.percussion != (item.kind == "drumkit"):
            self.error(item.keys + ("id",), f"preset {item.id!r} is "
                       + ("a drum kit: use kind 'drumkit'" if preset.percussion else "pitched: use kind 'instrument'"))


def load_kit(samples_yaml: str | Path, strict: bool = False, check_files: bool = True, base: Kit | None = None) -> Kit:
    """Read and check samples.yaml and (unless ``check_files`` is false) decode every file it names; with
    ``base``, the file is laid over that kit."""
    doc = yamlio.load(samples_yaml, ContentError)
    return _Loader(doc, strict, check_files, base).load()


def load_kits(paths: list[Path], strict: bool = False) -> Kit | None:
    """Kit files laid over each other in order (the package's, then the project's); None when there are none."""
    kit = None
    for path in paths:
        kit = load_kit(path, strict=strict, base=kit)
    return kit


KIND_LABELS = {"instrument": "Instruments", "drumkit": "Drum kits", "ambience": "Ambience", "quote": "Quotes"}


def _credits(kit: Kit) -> list[dict]:
    """One row per source the kit uses, saying which items it went into."""
    users: dict[str, dict[str, list[str]]] = {}
    for item in kit.items:
        for key in item.sources:
            users.setdefault(key, {}).setdefault(item.kind, []).append(item.title)
    rows = []
    for key, by_kind in users.items():
        source = kit.sources[key]
        rows.append({
            "item": "; ".join(f"{KIND_LABELS[kind]}: {', '.join(titles)}" for kind, titles in by_kind.items()),
            "source": source.title,
            "licence": source.licence,
            "attribution": source.attribution or (f"{source.author}, {source.title}" if source.author else source.title),
            "author": source.author,
            "url": source.url,
        })
    return rows


def publish(kit: Kit, emit: Callable[[Audio], str]) -> dict:
    """The kit's sections of build/manifest.json; ``emit(audio)`` copies a file and returns its URL.

    ``kit`` must come from :func:`load_kit` with its files checked (durations are read from them).
    """
    urls: dict[Path, str] = {}

    def url(audio: Audio) -> str:
        if audio.path not in urls:
            urls[audio.path] = emit(audio)
        return urls[audio.path]

    def size(files: list[Audio]) -> int:
        return sum(a.path.stat().st_size for a in files)

    instruments = [
        {
            "id": item.id,
            "title": item.title,
            "percussion": item.percussion,
            "urls": {str(m): url(a) for m, a in item.notes.items()},
            "notes": list(item.notes),
            "release": item.release,
            "bytes": size(item.files),
        }
        for item in kit.of_kind("instrument", "drumkit")
    ]
    ambience = [
        {
            "id": item.id,
            "title": item.title,
            "url": url(item.audio),
            "duration": round(item.audio.duration, 6),
            "loopStart": item.loop_start,
            "loopEnd": item.loop_end,
            "visual": item.visual,
            "bytes": size(item.files),
        }
        for item in kit.of_kind("ambience")
    ]
    quotes = [
        {
            "id": item.id,
            "title": item.title,
            "text": item.text,
            "author": item.author,
            "source": item.source,
            "url": url(item.audio),
            "duration": round(item.audio.duration, 6),
            "bytes": size(item.files),
        }
        for item in kit.of_kind("quote")
    ]
    return {"instruments": instruments, "ambience": ambience, "quotes": quotes, "credits": _credits(kit)}
