"""The corpus: lofi.yaml's entries, located errors, the cache, and encoding in worker processes."""

from __future__ import annotations

import re

import pytest

from lofi_build.config import load_config
from lofi_build.errors import ConfigError, LofiError, ModelError
from lofi_build.model import corpus, presets
from modelkit import make_project


@pytest.mark.parametrize("value,message", [
    ("- music21:nosuch", r"lofi.yaml:3:7: error: unknown music21 collection 'music21:nosuch' \(known: music21:oneills1850"),
    ("- music21:essenFolksong", r"lofi.yaml:3:7: error: corpus entry 'music21:essenFolksong' is refused: .*non-commercial"),
    ("- content/nothing", r"lofi.yaml:3:7: error: corpus entry 'content/nothing' does not exist"),
    ("- content/empty", r"lofi.yaml:3:7: error: corpus entry 'content/empty' has no MIDI files .*empty"),
    ("[]", r"lofi.yaml:3:5: error: 'model.corpus' is empty"),
])
def test_corpus_entry_errors(tmp_path, monkeypatch, value, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content" / "empty").mkdir(parents=True)
    (tmp_path / "content" / "empty" / "notes.txt").write_text("not music")
    (tmp_path / "lofi.yaml").write_text(f"model:\n  corpus:\n    {value}\n")
    with pytest.raises(ConfigError) as e:
        corpus.resolve(load_config(tmp_path / "lofi.yaml"))
    assert re.match(message, str(e.value)), str(e.value)


def test_corrupt_file_is_a_warning_or_an_error_with_strict(tmp_path, caplog):
    root = make_project(tmp_path / "proj")
    (root / "content" / "midi" / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    config = load_config(root / "lofi.yaml")
    files = corpus.resolve(config)
    encoded = corpus.encode(files, config.tokens_cache_dir, progress=False, jobs=1)
    assert encoded.skipped == ["content/midi/broken.mid"]
    assert any("broken.mid: warning: skipped: cannot read MIDI file" in r.getMessage() for r in caplog.records)
    assert len(encoded.sequences) == 5 and encoded.tokens > 200
    again = corpus.encode(files, config.tokens_cache_dir, progress=False)  # the good files come from the cache now
    assert again.from_cache == 5 and again.tokens == encoded.tokens
    with pytest.raises(LofiError, match="cannot read MIDI file"):
        corpus.encode(files, config.tokens_cache_dir, strict=True, progress=False, jobs=1)


def test_a_corpus_of_unreadable_files_is_an_error(tmp_path):
    (tmp_path / "midi").mkdir()
    (tmp_path / "midi" / "a.mid").write_bytes(b"junk")
    (tmp_path / "lofi.yaml").write_text("model:\n  corpus: [midi]\n")
    with pytest.raises(ModelError, match="the corpus has no notes"):
        config = load_config(tmp_path / "lofi.yaml")
        corpus.encode(corpus.resolve(config), config.tokens_cache_dir, progress=False, jobs=1)


@pytest.mark.parametrize("preset", ["default", "lofi"])
def test_parallel_encoding_writes_the_serial_cache_byte_for_byte(tmp_path, preset, caplog):
    root = make_project(tmp_path / "proj")
    (root / "content" / "midi" / "broken.mid").write_bytes(b"junk")
    files = corpus.resolve(load_config(root / "lofi.yaml"))
    network = presets.get(preset)
    serial = corpus.encode(files, tmp_path / "serial", progress=False, network=network, jobs=1)
    parallel = corpus.encode(files, tmp_path / "parallel", progress=False, network=network, jobs=2)
    assert parallel.jobs == 2 and parallel.from_cache == 0
    cached = lambda where: {p.name: p.read_bytes() for p in where.iterdir()}
    assert cached(tmp_path / "serial") == cached(tmp_path / "parallel") and len(cached(tmp_path / "serial")) == 5
    assert serial.sequences == parallel.sequences and serial.skipped == parallel.skipped == ["content/midi/broken.mid"]
