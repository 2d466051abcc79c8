"""The training corpus: lofi.yaml's model.corpus entries -> source files -> token sequences, cached by file hash."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import ConfigError, ContentError, LofiError, ModelError, warn
from ..music.tokens import ENCODING_VERSION, MIDI_SUFFIXES, SCORE_SUFFIXES, Event

log = logging.getLogger("lofi_build")

MUSIC21 = "music21:"
LEADSHEET_SUFFIXES = (".mxl", ".musicxml")  # MusicXML lead sheets (content/leadsheets), read by music21
CACHE_DIR = ".lofi-cache/tokens"


@dataclass(frozen=True)
class Collection:
    """A public-domain collection of the music21 corpus, as a folder and file patterns inside it."""

    folder: str
    patterns: tuple[str, ...]
    about: str
    chordify: bool = False  # read the harmony: every onset of the score as one chord


COLLECTIONS = {
    "oneills1850": Collection("oneills1850", ("*.abc",), "O'Neill's Music of Ireland (1850): Irish dance tunes"),
    "ryansMammoth": Collection("ryansMammoth", ("*.abc",), "Ryan's Mammoth Collection (1883): fiddle tunes"),
    "airdsAirs": Collection("airdsAirs", ("*.abc",), "Aird's Selection of Airs (1782-1797): airs and dances"),
    "bach/chorales": Collection("bach", ("bwv*.mxl",),
                                "J. S. Bach's four-part chorales, read as chord progressions", chordify=True),
}
# Collections of the music21 corpus we must not train a published model on.
REFUSED = {
    "essenFolksong": "the Essen folksong collection is licensed for non-commercial use only",
}


_DIGESTS: dict[tuple, str] = {}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str  # stable across machines: "music21:oneills1850/0001-0050.abc" or "content/midi/a.mid"
    chordify: bool = False

    def digest(self) -> str:
        """sha256 of the file's bytes, hashed again only when its size or mtime changed (``serve``
        asks on every rebuild, and the default corpus is 1,500 files)."""
        stat = self.path.stat()
        key = (str(self.path), stat.st_size, stat.st_mtime_ns)
        if key not in _DIGESTS:
            _DIGESTS[key] = hashlib.sha256(self.path.read_bytes()).hexdigest()
        return _DIGESTS[key]


@dataclass
class Corpus:
    """The files of every corpus entry; cheap to build (no music is parsed)."""

    files: list[SourceFile] = field(default_factory=list)

    def manifest(self) -> list[list[str]]:
        """``[name, sha256]`` of every file: what the fingerprint hashes (bytes, never paths or times)."""
        return [[f.name, f.digest()] for f in self.files]


def music21_corpus_root() -> Path | None:
    """Where the installed music21 keeps its corpus, found without importing music21."""
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "corpus"


def _glob(folder: Path, patterns) -> list[Path]:
    return sorted({p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()})


def resolve(config) -> Corpus:
    """Every file of ``model.corpus``; a bad or empty entry is an error at its line in lofi.yaml."""
    entries = config.model.corpus
    if not entries:
        raise config.error(("model", "corpus"), "'model.corpus' is empty: name MIDI folders or music21 collections")
    corpus = Corpus()
    for i, entry in enumerate(entries):
        keys = ("model", "corpus", i)
        if entry.startswith(MUSIC21):
            name = entry[len(MUSIC21):].strip().strip("/")
            if name in REFUSED:
                raise config.error(keys, f"corpus entry '{entry}' is refused: {REFUSED[name]}")
            if name not in COLLECTIONS:
                known = ", ".join(MUSIC21 + k for k in COLLECTIONS)
                raise config.error(keys, f"unknown music21 collection '{entry}' (known: {known})")
            collection = COLLECTIONS[name]
            root = music21_corpus_root()
            folder = root / collection.folder if root else None
            if folder is None or not folder.is_dir():
                raise config.error(keys, f"music21's corpus has no '{collection.folder}' folder here; "
                                         "reinstall music21 (pip install --force-reinstall music21)")
            for path in _glob(folder, collection.patterns):
                rel = path.relative_to(folder).as_posix()
                corpus.files.append(SourceFile(path, f"{MUSIC21}{name}/{rel}", collection.chordify))
        else:
            path = config.resolve(entry)
            if path.is_file():
                found = [path]
            elif path.is_dir():
                found = _glob(path, tuple(f"*{s}" for s in MIDI_SUFFIXES + SCORE_SUFFIXES + LEADSHEET_SUFFIXES))
                found = [p for p in found if not any(part.startswith(".") for part in p.relative_to(path).parts)]
            else:
                raise config.error(keys, f"corpus entry '{entry}' does not exist (expected a folder of MIDI files "
                                         "or YAML scores, or music21:NAME)")
            if not found:
                raise config.error(keys, f"corpus entry '{entry}' has no MIDI files (.mid) or YAML scores: "
                                         "the corpus would be empty")
            for p in found:
                try:
                    name = p.resolve().relative_to(config.root.resolve()).as_posix()
                except ValueError:
                    name = p.name  # outside the project: the file name alone stays machine-independent
                corpus.files.append(SourceFile(p, name))
    return corpus


# -- encoding ------------------------------------------------------------------------------------


def _encode(source: SourceFile) -> list[list[Event]]:
    from ..music import tokens

    if not source.chordify:
        return tokens.encode_file(source.path)
    score = tokens.parse(source.path)
    try:
        return tokens.score_events(score.chordify())
    except Exception as e:
        raise ContentError(f"cannot encode: {type(e).__name__}: {str(e)[:200]}", source.path) from None


def _dump(parts: list[list[Event]]) -> str:
    return json.dumps([[[e.token, str(e.quarter_length)] for e in p] for p in parts], separators=(",", ":"))


def _load(text: str) -> list[list[Event]]:
    return [[Event(t, Fraction(q)) for t, q in p] for p in json.loads(text)]


@dataclass
class Encoded:
    sequences: list[list[Event]]  # one per pitched part of every file, in corpus order
    files: int
    skipped: list[str]
    tokens: int
    seconds: float
    from_cache: int


def encode(corpus: Corpus, cache_root: Path, strict: bool = False, progress: bool = True) -> Encoded:
    """Every file as token sequences, each cached on disk by the hash of its bytes.

    A file that cannot be read is a warning naming it (an error with ``strict``); a corpus with
    no music left is an error.
    """
    from tqdm import tqdm

    cache = cache_root / CACHE_DIR
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sequences: list[list[Event]] = []
    skipped: list[str] = []
    hits = encoded_tokens = 0
    bar = tqdm(corpus.files, desc="Encoding corpus", unit="file", disable=None if progress else True, leave=False)
    for source in bar:
        digest = hashlib.sha256(f"{source.digest()}:{ENCODING_VERSION}:{source.chordify}".encode()).hexdigest()
        cached = cache / f"{digest}.json"
        if cached.is_file():
            parts = _load(cached.read_text())
            hits += 1
        else:
            try:
                parts = _encode(source)
            except LofiError as e:
                if strict:
                    raise
                warn(f"skipped: {e.message}", source.path)
                skipped.append(source.name)
                continue
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(_dump(parts))
            tmp.replace(cached)
            encoded_tokens += sum(len(p) for p in parts)
        sequences += parts
        elapsed = time.perf_counter() - started
        bar.set_postfix_str(f"{encoded_tokens / max(elapsed, 1e-9):,.0f} tokens/s", refresh=False)
    bar.close()
    seconds = time.perf_counter() - started
    total = sum(len(s) for s in sequences)
    if not total:
        raise ModelError("the corpus has no notes: every file was empty or unreadable", corpus.files[0].path
                         if corpus.files else None)
    rate = f", {encoded_tokens / seconds:,.0f} tokens/s encoded" if encoded_tokens else ""
    log.info("Corpus: %d files (%d from the cache, %d skipped), %s events in %.1f s%s.",
             len(corpus.files), hits, len(skipped), f"{total:,}", seconds, rate)
    return Encoded(sequences, len(corpus.files), skipped, total, seconds, hits)


__all__ = ["COLLECTIONS", "REFUSED", "Corpus", "SourceFile", "Encoded", "resolve", "encode", "ConfigError"]
