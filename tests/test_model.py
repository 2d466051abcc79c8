"""The model: corpus entries, fingerprints, tiny real training runs of both presets, checkpoints,
the numpy engine against Keras, sampling, the quality gate, the solo pool, generate and the site's pool."""

from __future__ import annotations

import json
import math
import shutil
import sys
from fractions import Fraction
from pathlib import Path

import mido
import numpy as np
import pytest

from lofi_build.config import load_config
from lofi_build.errors import ConfigError, LofiError, ModelError
from lofi_build.model import checkpoint, corpus, engine, pool, presets, quality, train
from lofi_build.music import tonejson
from support import MINIMAL_SONG, ROOT, melody_notes, run_cli, tree_bytes, write_midi

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

TINY = {
    "default": dict(sequence=16, embed=8, duration_embed=4, lstm=(16, 16), duration_hidden=8, batch_size=4,
                    learning_rate=0.01),
    "seed": dict(window=8, lstm=(8, 16, 8), dense=8, batch_size=16, learning_rate=0.005),
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


def run_python(script: str, cwd=None):
    """Run ``script`` in a fresh interpreter (so sys.modules shows what it imported); it must succeed
    unless the caller checks the result itself."""
    import os
    import subprocess

    return subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


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
    return train.train(config, train.plan(config, preset, TINY[preset]), progress=False, **kw)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A project with a MIDI corpus and a tiny trained checkpoint of each preset."""
    root = make_project(tmp_path_factory.mktemp("tiny") / "proj")
    config = load_config(root / "lofi.yaml")
    return {"root": root, "config": config,
            "default": tiny_train(config, "default", epochs=12), "seed": tiny_train(config, "seed", epochs=12)}


@pytest.fixture(scope="module")
def site_project(tmp_path_factory):
    """A project whose default-size checkpoint was trained by ``lofi-build site`` itself (model.train: auto)."""
    root = make_project(tmp_path_factory.mktemp("site") / "proj")
    shutil.copytree(ROOT / "site_src", root / "site_src")
    run_cli("site", "-q", cwd=root, check=True)
    return root


# -- corpus ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,message", [
    ("- music21:nosuch", r"lofi.yaml:3:7: error: unknown music21 collection 'music21:nosuch' \(known: music21:oneills1850"),
    ("- music21:essenFolksong", r"lofi.yaml:3:7: error: corpus entry 'music21:essenFolksong' is refused: .*non-commercial"),
    ("- content/nothing", r"lofi.yaml:3:7: error: corpus entry 'content/nothing' does not exist"),
    ("- content/empty", r"lofi.yaml:3:7: error: corpus entry 'content/empty' has no MIDI files .*empty"),
    ("[]", r"lofi.yaml:3:5: error: 'model.corpus' is empty"),
])
def test_corpus_entry_errors(tmp_path, monkeypatch, value, message):
    import re

    monkeypatch.chdir(tmp_path)
    (tmp_path / "content" / "empty").mkdir(parents=True)
    (tmp_path / "content" / "empty" / "notes.txt").write_text("not music")
    (tmp_path / "lofi.yaml").write_text(f"model:\n  corpus:\n    {value}\n")
    with pytest.raises(ConfigError) as e:
        corpus.resolve(load_config(tmp_path / "lofi.yaml"))
    assert re.match(message, str(e.value)), str(e.value)


def test_default_corpus_is_public_domain_music21():
    config = load_config(ROOT / "lofi.yaml")
    files = corpus.resolve(config).files
    assert {f.name.split("/")[0] for f in files} == {"music21:oneills1850", "music21:ryansMammoth", "music21:bach"}
    assert not any("content/songs" in e for e in config.model.corpus)  # editing a song must not retrain
    assert any(f.chordify for f in files)


def test_corrupt_file_is_a_warning_or_an_error_with_strict(tmp_path, caplog):
    root = make_project(tmp_path / "proj")
    (root / "content" / "midi" / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    config = load_config(root / "lofi.yaml")
    files = corpus.resolve(config)
    encoded = corpus.encode(files, root, progress=False)
    assert encoded.skipped == ["content/midi/broken.mid"]
    assert any("broken.mid: warning: skipped: cannot read MIDI file" in r.getMessage() for r in caplog.records)
    assert len(encoded.sequences) == 5 and encoded.tokens > 200
    again = corpus.encode(files, root, progress=False)  # the good files come from the cache now
    assert again.from_cache == 5 and again.tokens == encoded.tokens
    with pytest.raises(LofiError, match="cannot read MIDI file"):
        corpus.encode(files, root, strict=True, progress=False)


def test_a_corpus_of_unreadable_files_is_an_error(tmp_path):
    (tmp_path / "midi").mkdir()
    (tmp_path / "midi" / "a.mid").write_bytes(b"junk")
    (tmp_path / "lofi.yaml").write_text("model:\n  corpus: [midi]\n")
    with pytest.raises(ModelError, match="the corpus has no notes"):
        corpus.encode(corpus.resolve(load_config(tmp_path / "lofi.yaml")), tmp_path, progress=False)


def test_fingerprint_depends_on_bytes_settings_and_preset_only(tmp_path):
    a = make_project(tmp_path / "a")
    b = tmp_path / "elsewhere" / "b"
    shutil.copytree(a, b)
    fp = lambda root, preset="default", **o: train.plan(load_config(root / "lofi.yaml"), preset, o).fingerprint
    assert fp(a) == fp(b)  # no absolute paths, no mtimes
    assert fp(a, epochs=99, patience=9) == fp(a)  # training budget is not the model
    assert fp(a, embed=32) != fp(a) and fp(a, "seed") != fp(a)
    (b / "content" / "midi" / "tune0.mid").write_bytes((b / "content" / "midi" / "tune0.mid").read_bytes() + b"\0")
    assert fp(a) != fp(b)


# -- training and checkpoints ----------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["default", "seed"])
def test_tiny_training_lowers_the_loss(tiny, preset):
    ckpt = tiny[preset]
    losses = [h["loss"] for h in ckpt.history]
    assert len(losses) >= 3 and losses[-1] < losses[0] * 0.9, losses
    assert ckpt.folder.name == f"{preset}-{ckpt.fingerprint[:12]}"
    card = {"MODEL.md", "loss.png"} if preset == "default" else set()
    assert {p.name for p in ckpt.folder.iterdir()} == {"checkpoint.json", "weights.npz", "resume.keras"} | card
    meta = json.loads((ckpt.folder / "checkpoint.json").read_text())
    assert meta["vocab"] == ckpt.vocab and meta["fingerprint"] == ckpt.fingerprint
    assert [h["epoch"] for h in meta["history"]] == list(range(1, len(losses) + 1))
    if preset == "default":
        assert ckpt.vocab[:2] == ["<start>", "<end>"] and "val_loss" in meta["history"][0]
        assert meta["info"]["val_perplexity"] > 0 and meta["info"]["unigram_val_perplexity"] > 0
    else:
        assert "<start>" not in ckpt.vocab and ckpt.vocab == sorted(ckpt.vocab)  # the article's vocabulary
        assert ckpt.primes.shape[1] == 8


def test_vocabulary_round_trip(tiny):
    from lofi_build.music.tokens import token_pitches, valid_token

    encoded = corpus.encode(corpus.resolve(tiny["config"]), tiny["root"], progress=False)
    for preset in ("default", "seed"):
        vocab = checkpoint.load(tiny[preset].folder).vocab
        ids = [[vocab.index(e.token) for e in seq] for seq in encoded.sequences]
        assert [[vocab[i] for i in seq] for seq in ids] == [[e.token for e in seq] for seq in encoded.sequences]
        assert all(valid_token(t) for t in vocab)
    assert {token_pitches(t) for t in tiny["default"].vocab if "." in t} >= {(60, 64, 67), (69, 72, 76)}


def test_seed_network_is_the_articles():
    import keras

    model = presets.build_seed(presets.settings("seed"), 50)
    kinds = [(type(l).__name__, getattr(l, "units", None), getattr(l, "rate", None),
              getattr(l, "return_sequences", None)) for l in model.layers]
    assert kinds == [("LSTM", 256, None, True), ("Dropout", None, 0.3, None), ("LSTM", 512, None, True),
                     ("Dropout", None, 0.3, None), ("LSTM", 256, None, False), ("Dense", 256, None, None),
                     ("Dropout", None, 0.3, None), ("Dense", 50, None, None), ("Activation", None, None, None)]
    assert model.input_shape == (None, 100, 1)
    assert isinstance(model.optimizer, keras.optimizers.RMSprop) and model.loss == "categorical_crossentropy"
    s = presets.settings("seed")
    assert (s.batch_size, s.epochs, s.window) == (128, 200, 100)


def test_checkpoint_round_trip_and_lookup(tiny):
    ckpt = tiny["default"]
    loaded = checkpoint.load(ckpt.folder)
    assert loaded.vocab == ckpt.vocab and loaded.settings == ckpt.settings
    assert all(np.array_equal(loaded.weights[k], ckpt.weights[k]) for k in ckpt.weights)
    assert checkpoint.find(ckpt.folder.parent, "default", ckpt.fingerprint).folder == ckpt.folder
    assert checkpoint.find(ckpt.folder.parent, "default", "0" * 64) is None


@pytest.mark.parametrize("damage,message", [
    (lambda f: (f / "checkpoint.json").write_text("{not json"), "garbled checkpoint"),
    (lambda f: (f / "weights.npz").write_bytes(b"PK\x03\x04trunc"), "garbled checkpoint weights"),
    (lambda f: (f / "weights.npz").unlink(), "cannot read checkpoint weights"),
    (lambda f: np.savez(f / "weights.npz", **{"lstm0/kernel": np.zeros((2, 2))}), "missing arrays"),
])
def test_damaged_checkpoints_are_model_errors(tiny, tmp_path, damage, message):
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny["default"].folder, folder)
    damage(folder)
    with pytest.raises(ModelError, match=message) as e:
        checkpoint.load(folder)
    assert str(folder) in str(e.value)


def test_resume_continues_the_history(tmp_path):
    root = make_project(tmp_path / "proj")
    config = load_config(root / "lofi.yaml")
    first = tiny_train(config, "default", epochs=2)
    assert len(first.history) == 2
    resumed = train.train(config, train.plan(config, "default", TINY["default"]), epochs=4, resume=True,
                          progress=False)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    assert resumed.history[:2] == first.history[:2]


def test_training_without_tensorflow_names_the_extra(tmp_path):
    root = make_project(tmp_path / "proj")
    shutil.copytree(ROOT / "site_src", root / "site_src")
    script = ("import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
              "from lofi_build.cli import main; sys.argv = ['lofi-build', 'site']; main()\n")
    result = run_python(script, cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: training needs TensorFlow, which is not installed: pip install 'lofi-build[train]'" in result.stderr
    assert not (root / "build").exists()


def test_train_never_without_a_match_is_an_error(tmp_path):
    root = make_project(tmp_path / "proj", CONFIG + "  train: never\n")
    shutil.copytree(ROOT / "site_src", root / "site_src")
    result = run_cli("site", cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("lofi.yaml:11:10: error: no checkpoint in content/model/ matches")
    assert "run `lofi-build train`" in result.stderr


# -- the engine --------------------------------------------------------------------------------------


def keras_model(ckpt):
    model = presets.build(ckpt.preset, ckpt.settings, len(ckpt.vocab), len(ckpt.durations) + 1)
    train._import_weights(model, ckpt.weights)
    return model


def assert_engine_matches_keras(ckpt, steps=40, batch=3):
    rng = np.random.default_rng(0)
    model, v = keras_model(ckpt), len(ckpt.vocab)
    if ckpt.preset == "seed":
        windows = rng.integers(0, v, (batch, ckpt.settings.window))
        expected = model.predict(windows[..., None].astype("float32") / v, verbose=0)
        assert np.abs(engine.seed_probs(ckpt.weights, windows, v) - expected).max() <= 1e-5
        return
    tokens, durs, nxt = (rng.integers(0, n, (batch, steps)) for n in (v, len(ckpt.durations) + 1, v))
    out = model.predict([tokens, durs, nxt], verbose=0)
    state = engine.default_init(ckpt.weights, batch)
    worst = 0.0
    for t in range(steps):  # stateful steps, one event at a time, against the whole sequence in Keras
        top, logits, state = engine.default_step(ckpt.weights, state, tokens[:, t], durs[:, t])
        d = engine.duration_logits(ckpt.weights, top, nxt[:, t])
        worst = max(worst, np.abs(engine.softmax(logits) - engine.softmax(out["token"][:, t])).max(),
                    np.abs(engine.softmax(d) - engine.softmax(out["duration"][:, t])).max())
    assert worst <= 1e-5, worst


@pytest.mark.parametrize("preset", ["default", "seed"])
def test_engine_matches_keras(tiny, preset):
    assert_engine_matches_keras(tiny[preset])


def test_engine_matches_keras_on_the_shipped_checkpoint():
    plan = train.plan(load_config(ROOT / "lofi.yaml"))
    assert_engine_matches_keras(checkpoint.find(plan.root, plan.preset, plan.fingerprint), steps=60, batch=2)


def test_sampling():
    logits = np.array([[0.0, 3.0, 1.0, 2.0], [5.0, 0.0, 0.0, 0.0]])
    u = np.array([0.99, 0.5])
    assert list(engine.sample(logits, u, 0, 0)) == [1, 0]  # temperature 0: the argmax
    assert list(engine.sample(logits, u, 0, 0, banned=[1])) == [3, 0]
    picks = {int(engine.sample(logits, np.array([x, x]), 1.0, 2)[0]) for x in np.linspace(0, 0.999, 50)}
    assert picks == {1, 3}  # top-2 only
    picks = {int(engine.sample(logits, np.array([x, x]), 1.0, 0)[0]) for x in np.linspace(0, 0.999, 200)}
    assert picks == {0, 1, 2, 3}


# -- the pool ------------------------------------------------------------------------------------------


def pool_of(ckpt, **kw):
    args = dict(count=6, bars=6, temperature=1.0, top_k=0, seed=11, bpm=80)
    args.update(kw)
    return pool.make_pool(ckpt, **args)


@pytest.mark.parametrize("preset", ["default", "seed"])
def test_solos_are_exactly_the_loop_long(tiny, preset):
    for bars in (1, 5, 30):
        for solo in pool_of(tiny[preset], bars=bars, gate=quality.Gate(99, 0, 0, 1, 1)).solos:
            assert sum(d for _, d in solo.events) == 4 * bars
            notes = solo.song["tracks"][0]["notes"]
            assert max(n["ticks"] + n["durationTicks"] for n in notes) <= bars * 1920
            assert solo.song["lofi"]["loopBars"] == bars and not tonejson.problems(solo.song)


def test_article_durations_without_a_duration_head(tiny):
    solos = pool_of(tiny["seed"], count=8, bars=8, gate=quality.Gate(99, 0, 0, 1, 1)).solos
    events = [e for s in solos for e in s.events[:-1]]  # the last one is cut at the bar line
    assert {d for t, d in events if t == "r"} <= {Fraction(1, 4)}
    notes = [d for t, d in events if t != "r"]
    assert set(notes) <= {Fraction(1, 2), Fraction(1, 4), Fraction(1), Fraction(2)}
    assert notes.count(Fraction(1, 2)) > len(notes) / 2  # eighths at .65


def test_same_seed_same_solos(tiny):
    a, b = pool_of(tiny["default"]), pool_of(tiny["default"])
    assert [s.song for s in a.solos] == [s.song for s in b.solos]
    c = pool_of(tiny["default"], seed=12)
    assert c.solos[0].events == a.solos[1].events  # a solo depends on its own seed only
    assert a.solos[0].events != a.solos[1].events
    assert [s.seed for s in a.solos] == list(range(11, 17))


def test_temperature_zero_is_the_argmax_after_the_first_note(tiny):
    ckpt = tiny["default"]
    w, vocab = ckpt.weights, ckpt.vocab
    banned = [0, 1]
    solos = pool_of(ckpt, count=3, temperature=0, gate=quality.Gate(99, 0, 0, 1, 1)).solos
    for solo in solos:
        state = engine.default_init(w, 1)
        token, dur = 0, 0
        for i, (t, d) in enumerate(solo.events):
            top, logits, state = engine.default_step(w, state, np.array([token]), np.array([dur]))
            token = vocab.index(t)
            logits[0, banned] = -np.inf
            if i:
                assert int(logits.argmax()) == token
            d_logits = engine.duration_logits(w, top, np.array([token]))[0]
            d_logits[0] = -np.inf
            dur = int(d_logits.argmax())
            if i < len(solo.events) - 1:
                assert ckpt.durations[dur - 1] == d


def test_quality_gate_measures():
    f = Fraction(1, 2)
    repeated = [("C4", f)] * 40
    stats = quality.measure(repeated)
    assert stats["longestRun"] == 40 and stats["distinctTokens"] == 1 and stats["pitchRange"] == 0
    assert "one token repeated 40 times in a row" in quality.problems(stats)
    melody = [(t, f) for t in "C4 D4 E4 F4 G4 A4 B4 C5 r G4 E4 C4".split()] * 3
    stats = quality.measure(melody)
    assert quality.problems(stats) == [] and stats["key"] == "C major" and stats["outOfKey"] == 0
    assert stats["pitchRange"] == 12 and math.isclose(stats["restShare"], 1 / 12, abs_tol=1e-4)
    chromatic = [(f"{n}4", f) for n in "C C# D D# E F F# G G# A A# B".split()] * 3
    assert any("out of key" in p for p in quality.problems(quality.measure(chromatic)))
    silent = [("r", Fraction(4))] * 3 + [("C4", f), ("E4", f), ("G4", f), ("B4", f), ("D5", f)]
    assert any("rests" in p for p in quality.problems(quality.measure(silent)))


def test_degenerate_solos_are_resampled_or_refused(tiny, tmp_path):
    ckpt = checkpoint.load(tiny["default"].folder)
    strict = quality.Gate(max_run=3, min_distinct=5, min_range=5, max_rest_share=0.5, max_out_of_key=0.3)
    result = pool_of(ckpt, count=6, gate=strict)
    passed = [s.seed for s in result.solos]
    assert len(passed) == 6 and all(quality.problems(s.stats, strict) == [] for s in result.solos)
    assert sorted(passed + [s for s, _ in result.rejected]) == list(range(11, 11 + 6 + len(result.rejected)))
    # A network that always says C4: every solo is the reference's known failure.
    c4 = ckpt.vocab.index("C4")
    ckpt.weights["token_logits/bias"] = np.where(np.arange(len(ckpt.vocab)) == c4, 1e4, 0).astype(np.float32)
    with pytest.raises(ModelError, match=r"only 0 of 6 solos passed the quality gate .*one token repeated"):
        pool_of(ckpt)


def test_generate_writes_midi_and_json(site_project, tmp_path):
    args = ("generate", "--count", "3", "--bars", "4", "--seed", "5", "--temperature", "0.8", "--top-k", "6")
    run_cli(*args, "-o", tmp_path / "a", cwd=site_project, check=True)
    run_cli(*args, "-o", tmp_path / "b", cwd=site_project, check=True)
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")  # same seed, same files
    summary = json.loads((tmp_path / "a" / "pool.json").read_text())
    assert summary["temperature"] == 0.8 and summary["topK"] == 6 and len(summary["solos"]) == 3
    for solo in summary["solos"]:
        song = json.loads((tmp_path / "a" / f"{solo['id']}.json").read_text())
        assert song["lofi"]["seed"] == solo["seed"] and song["lofi"]["solo"] is True and not tonejson.problems(song)
        mid = mido.MidiFile(tmp_path / "a" / f"{solo['id']}.mid")
        assert mid.ticks_per_beat == 480
        ons = sorted((t, m.note) for t, m in _absolute(mid.tracks[1]) if m.type == "note_on" and m.velocity)
        assert ons == sorted((n["ticks"], n["midi"]) for n in song["tracks"][0]["notes"])
        assert max(t for t, m in _absolute(mid.tracks[1])) <= 4 * 1920


def _absolute(track):
    now = 0
    for m in track:
        now += m.time
        yield now, m


def test_site_publishes_the_pool(site_project):
    manifest = json.loads((site_project / "build" / "manifest.json").read_text())
    solos = manifest["solos"]
    assert [s["id"] for s in solos] == ["solo-01", "solo-02", "solo-03", "solo-04"]
    for s in solos:
        assert {"id", "title", "url", "midi", "seed", "temperature", "topK", "stats"} <= set(s)
        assert s["temperature"] == 1.0 and s["topK"] == 0
        song = json.loads((site_project / "build" / s["url"]).read_text())
        assert song["header"]["tempos"][0]["bpm"] == 80 and song["lofi"]["loopBars"] == 30
        assert song["lofi"]["stats"] == s["stats"] and song["tracks"][0]["notes"]
    ckpts = list((site_project / "content" / "model").iterdir())
    assert len(ckpts) == 1 and ckpts[0].name.startswith("default-")


def build_without_tensorflow(config: Path, outdir: Path, solos: int, before: str = "") -> None:
    """``lofi-build site`` in a fresh interpreter (after ``before``); it must not import TensorFlow or Keras."""
    result = run_python(
        "import sys\n" + before + "from lofi_build.site.build import build_site\n"
        f"r = build_site({str(config)!r}, outdir={str(outdir)!r})\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
        f"assert r.solos == {solos} and not heavy, heavy\n")
    assert result.returncode == 0, result.stderr


def test_site_pool_needs_neither_tensorflow_nor_music21(site_project, tmp_path):
    # The pool alone touches neither; the site build as a whole never imports TensorFlow (music21 may be
    # loaded by a song's chord symbols).
    build_without_tensorflow(site_project / "lofi.yaml", tmp_path / "out", 4, before=(
        "from lofi_build.config import load_config\n"
        "from lofi_build.model.pool import site_solos\n"
        f"p = site_solos(load_config({str(site_project / 'lofi.yaml')!r}))\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'music21') if m in sys.modules)\n"
        "assert len(p.solos) == 4 and not heavy, heavy\n"))
    assert tree_bytes(tmp_path / "out") == tree_bytes(site_project / "build")  # same seed: same bytes


def test_serve_cache_regenerates_the_pool_only_when_needed(site_project, tmp_path, monkeypatch):
    from lofi_build.site.build import BuildCache, build

    site_project = shutil.copytree(site_project, tmp_path / "proj")
    calls = []
    real = pool.site_solos
    monkeypatch.setattr(pool, "site_solos", lambda *a, **k: calls.append(1) or real(*a, **k))
    cache = BuildCache()
    config = load_config(site_project / "lofi.yaml")
    build(config, tmp_path / "out", cache=cache)
    build(config, tmp_path / "out", cache=cache)
    assert len(calls) == 1
    (site_project / "content" / "songs" / "test-song.yaml").write_text(MINIMAL_SONG.replace("Test Song", "Edited"))
    build(load_config(site_project / "lofi.yaml"), tmp_path / "out", cache=cache)
    assert len(calls) == 1  # songs are not in this corpus: no new pool
    build(load_config(site_project / "lofi.yaml", seed=4), tmp_path / "out", cache=cache)
    assert len(calls) == 2


# -- the shipped checkpoint ------------------------------------------------------------------------


def shipped():
    plan = train.plan(load_config(ROOT / "lofi.yaml"))
    ckpt = checkpoint.find(plan.root, plan.preset, plan.fingerprint)
    assert ckpt is not None, f"no shipped checkpoint matches lofi.yaml: expected {plan.folder}"
    return ckpt


def test_the_shipped_checkpoint_is_trained_and_documented():
    ckpt = shipped()
    info = ckpt.info
    assert info["val_perplexity"] < info["unigram_val_perplexity"] / 2
    assert len(ckpt.history) >= 5 and info["tokens"] > 100_000
    committed = [p for p in ckpt.folder.iterdir() if p.name != "resume.keras"]
    assert {p.name for p in committed} == {"checkpoint.json", "weights.npz", "MODEL.md", "loss.png"}
    assert sum(p.stat().st_size for p in committed) <= 20 * 1024 * 1024
    card = (ckpt.folder / "MODEL.md").read_text()
    assert ckpt.fingerprint in card and f"**{info['val_perplexity']}**" in card and "make train" in card


def test_the_shipped_site_generates_its_pool_without_tensorflow(tmp_path):
    build_without_tensorflow(ROOT / "lofi.yaml", tmp_path / "site", 16)
    manifest = json.loads((tmp_path / "site" / "manifest.json").read_text())
    assert len(manifest["solos"]) == 16
    for entry in manifest["solos"]:
        song = json.loads((tmp_path / "site" / entry["url"]).read_text())
        assert song["lofi"]["model"] == shipped().short and song["lofi"]["loopBars"] == 30
        assert quality.problems(entry["stats"]) == [] and not tonejson.problems(song)
        end = max(n["ticks"] + n["durationTicks"] for n in song["tracks"][0]["notes"])
        assert end <= 30 * 1920
