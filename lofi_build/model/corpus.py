"""The training corpus: lofi.yaml's model.corpus entries -> source files -> token sequences, cached by file hash."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError, LofiError, ModelError, warn
from ..music.tokens import MIDI_SUFFIXES, SCORE_SUFFIXES

log = logging.getLogger("lofi_build")

MUSIC21 = "music21:"
LEADSHEET_SUFFIXES = (".mxl", ".musicxml")  # MusicXML lead sheets (content/leadsheets), read by music21


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
    entry: str = ""  # the model.corpus entry it comes from (validation figures are given per entry)

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
                corpus.files.append(SourceFile(path, f"{MUSIC21}{name}/{rel}", collection.chordify, entry))
        else:
            path = config.corpus_path(entry)
            if path.is_file():
                found = [path]
            elif path.is_dir():
                found = _glob(path, tuple(f"*{s}" for s in MIDI_SUFFIXES + SCORE_SUFFIXES + LEADSHEET_SUFFIXES))
                # (a vendored corpus's PROVENANCE.yaml is data about the music, not a score)
                found = [p for p in found if not any(part.startswith(".") for part in p.relative_to(path).parts)
                         and p != config.corpus_provenance(entry)]
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
                corpus.files.append(SourceFile(p, name, entry=entry))
    return corpus


# -- encoding ------------------------------------------------------------------------------------


def _encode_one(job):
    """Worker: one file as the network's sequences, dumped to the cache's JSON text (or the error)."""
    network_name, source = job
    from .presets import PRESETS

    network = PRESETS[network_name]
    try:
        return "ok", _dump(network, network.encode_file(source))
    except LofiError as e:
        return "error", e.message
    except Exception as e:  # a file music21 reads but cannot walk
        return "error", f"cannot encode: {type(e).__name__}: {str(e)[:200]}"


def _dump(network, parts) -> str:
    return json.dumps(network.dump(parts), separators=(",", ":"))


@dataclass
class Encoded:
    sequences: list  # one per part (or melody) of every file, in corpus order
    files: int
    skipped: list[str]
    tokens: int
    seconds: float
    from_cache: int
    jobs: int = 1
    groups: list = field(default_factory=list)  # per sequence: the corpus entry of its file
    symbols: int = 0  # chord symbols read (an encoding that reads them)
    unread: list = field(default_factory=list)  # those the chord grammar does not read (music21 realised them)


@contextlib.contextmanager
def _workers_skip_main():
    """Spawned workers need only this module: keep them from running ``__main__`` again (a console
    script such as ``lofi-build`` or ``pytest`` would start over in every worker)."""
    main = sys.modules["__main__"]
    saved = {k: main.__dict__.pop(k) for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


def default_jobs() -> int:
    """Worker processes for encoding: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def cache_key(source: SourceFile, network) -> str:
    """The cache file of a source for a network's encoding (the file's bytes, the encoding and its version)."""
    if network.encoding == "events":  # as before the presets had encodings of their own
        text = f"{source.digest()}:{network.encoding_version}:{source.chordify}"
    else:
        text = f"{source.digest()}:{network.encoding}-{network.encoding_version}:{source.chordify}"
    return hashlib.sha256(text.encode()).hexdigest()


def encode(corpus: Corpus, cache: Path, strict: bool = False, progress: bool = True, network=None,
           jobs: int | None = None) -> Encoded:
    """Every file as the network's sequences, each cached on disk in the folder ``cache``
    (``Config.tokens_cache_dir``) by the hash of its bytes.

    Files missing from the cache are encoded by ``jobs`` worker processes (default: every core),
    in corpus order, and written by this process only, so the cache is the same bytes whatever
    ``jobs`` is. One progress bar counts every file. A file that cannot be read is a warning
    naming it (an error with ``strict``); a corpus with no music left is an error.
    """
    from tqdm import tqdm

    from .presets import PRESETS

    network = network or PRESETS["default"]
    jobs = jobs or default_jobs()
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    texts: dict[int, str] = {}
    todo = []
    for i, source in enumerate(corpus.files):
        cached = cache / f"{cache_key(source, network)}.json"
        if cached.is_file():
            texts[i] = cached.read_text()
        else:
            todo.append(i)
    hits = len(texts)
    skipped: list[str] = []
    encoded_tokens = 0
    bar = tqdm(total=len(corpus.files), initial=hits, desc="Encoding corpus", unit="file",
               disable=None if progress else True, leave=False)
    jobs = min(jobs, len(todo)) or 1
    results = iter(())
    pool = None
    if todo:
        work = [(network.name, corpus.files[i]) for i in todo]
        if jobs > 1:
            import multiprocessing

            with _workers_skip_main():
                pool = multiprocessing.get_context("spawn").Pool(jobs)
            results = pool.imap(_encode_one, work, chunksize=1)
        else:
            results = map(_encode_one, work)
    try:
        for i, (status, text) in zip(todo, results):
            source = corpus.files[i]
            bar.update(1)
            if status == "error":
                if strict:
                    raise ContentError(text, source.path)
                warn(f"skipped: {text}", source.path)
                skipped.append(source.name)
                continue
            cached = cache / f"{cache_key(source, network)}.json"
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(cached)
            texts[i] = text
            encoded_tokens += sum(len(p) for p in json.loads(text))
            elapsed = time.perf_counter() - started
            bar.set_postfix_str(f"{encoded_tokens / max(elapsed, 1e-9):,.0f} tokens/s", refresh=False)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        bar.close()
    sequences, groups, symbols, unread = [], [], 0, []
    for i in sorted(texts):
        parts = network.load(json.loads(texts[i]))
        sequences += parts
        groups += [corpus.files[i].entry] * len(parts)
        symbols += getattr(parts, "symbols", 0)
        unread += getattr(parts, "unread", [])
    seconds = time.perf_counter() - started
    total = sum(len(s) for s in sequences)
    if not total:
        raise ModelError("the corpus has no notes: every file was empty or unreadable", corpus.files[0].path
                         if corpus.files else None)
    rate = f", {encoded_tokens / seconds:,.0f} tokens/s encoded by {jobs} process{'es' if jobs > 1 else ''}" \
        if encoded_tokens else ""
    log.info("Corpus: %d files (%d from the cache, %d skipped), %s events in %.1f s%s.",
             len(corpus.files), hits, len(skipped), f"{total:,}", seconds, rate)
    return Encoded(sequences, len(corpus.files), skipped, total, seconds, hits, jobs, groups, symbols, unread)


__all__ = ["COLLECTIONS", "REFUSED", "Corpus", "SourceFile", "Encoded", "resolve", "encode", "cache_key"]
