"""A project over the package's defaults, as a theme: its files replace the packaged ones of the same path
(theme), id (kit entries, drum grooves) or name (progressions); what it lacks comes from the package."""

import json
import shutil

import pytest

from support import DEFAULTS, MINIMAL_SONG, THEME, run_cli
from lofi_build.config import load_config
from lofi_build.errors import LofiError
from lofi_build.model import train
from lofi_build.progressions import library, load_library, mood_table
from lofi_build.site.build import build

KIT = DEFAULTS / "content" / "samples"


@pytest.fixture
def station(tmp_path):
    """lofi.yaml and one song, nothing else: the rest is the package's."""
    root = tmp_path / "station"
    (root / "content" / "songs").mkdir(parents=True)
    (root / "lofi.yaml").write_text("title: Override Station\nseed: 3\nai:\n  pool_size: 0\n")
    (root / "content" / "songs" / "test-song.yaml").write_text(MINIMAL_SONG)
    return root


def built(root):
    build(load_config(root / "lofi.yaml"))
    out = root / "build"
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_a_project_of_one_song_builds_with_the_packaged_theme_kit_and_grooves(station):
    out, manifest = built(station)
    assert (out / "index.html").read_text().count("Override Station") >= 1
    assert [d["id"] for d in manifest["drums"]] == sorted(p.stem for p in (DEFAULTS / "content" / "drums").glob("*.yaml"))
    assert {i["id"] for i in manifest["instruments"]} >= {"piano", "rhodes", "drums"}
    assert manifest["ambience"] and manifest["quotes"] and manifest["credits"] and manifest["progressions"]


def test_a_theme_file_in_site_src_replaces_the_packaged_file_of_the_same_path(station):
    (station / "site_src" / "templates").mkdir(parents=True)
    (station / "site_src" / "css").mkdir()
    (station / "site_src" / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block body %}<p>Lost in the rain.</p>{% endblock %}\n')
    (station / "site_src" / "css" / "site.css").write_text("body { background: #123; }\n")
    out, manifest = built(station)
    assert "Lost in the rain." in (out / "404.html").read_text()
    css = [p for p in (out / "assets").glob("site.*.css")]
    assert [p.read_text() for p in css] == ["body { background: #123; }\n"]
    # index.html and base.html are still the package's
    assert (THEME / "templates" / "index.html").is_file() and "Lost in the rain." not in (out / "index.html").read_text()


def test_theme_dir_names_another_folder(station):
    (station / "look" / "templates").mkdir(parents=True)
    (station / "look" / "templates" / "404.html").write_text('{% extends "base.html" %}{% block body %}Elsewhere{% endblock %}\n')
    (station / "lofi.yaml").write_text((station / "lofi.yaml").read_text() + "theme_dir: look\n")
    out, _ = built(station)
    assert "Elsewhere" in (out / "404.html").read_text()


KIT_OVER = """\
version: 1
sources:
  mine: {title: My field recordings, licence: CC0-1.0, author: Me}
items:
  - id: rain                  # replaces the packaged rain, in its place
    kind: ambience
    title: My rain
    sources: [mine]
    file: ambience/rain.mp3
    loop: {start: 0.1, end: 1.5}
  - id: my-words              # added after the packaged quotes, with a packaged source
    kind: quote
    title: Kettle again
    sources: [lofi-build, mine]
    file: quotes/mine.mp3
    text: The kettle sings.
    author: Me
    source: My kitchen
"""


def test_kit_entries_add_to_the_packaged_kit_or_replace_its_entries_by_id(station):
    samples = station / "content" / "samples"
    (samples / "ambience").mkdir(parents=True)
    (samples / "quotes").mkdir()
    shutil.copy(KIT / "quotes" / "kettle.mp3", samples / "ambience" / "rain.mp3")
    shutil.copy(KIT / "quotes" / "kettle.mp3", samples / "quotes" / "mine.mp3")
    (samples / "samples.yaml").write_text(KIT_OVER)
    out, manifest = built(station)
    ambience = [a["id"] for a in manifest["ambience"]]
    assert ambience == ["rain", "fire", "wind", "stream", "vinyl", "night"]
    rain = manifest["ambience"][0]
    assert rain["title"] == "My rain" and rain["loopEnd"] == 1.5
    assert (out / rain["url"]).read_bytes() == (KIT / "quotes" / "kettle.mp3").read_bytes()
    assert manifest["quotes"][-1]["id"] == "my-words" and manifest["quotes"][-1]["text"] == "The kettle sings."
    credits = {c["source"]: c for c in manifest["credits"]}
    assert "Ambience: My rain" in credits["My field recordings"]["item"]
    assert "Kettle again" in credits["lofi-build ambience synthesiser and lofi voice treatment"]["item"]


def test_a_kit_source_key_the_package_declares_otherwise_is_an_error_at_its_line(station):
    samples = station / "content" / "samples"
    for rel in ("ambience/rain.mp3", "quotes/walden.mp3"):
        (samples / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KIT / "quotes" / "kettle.mp3", samples / rel)
    (samples / "samples.yaml").write_text(KIT_OVER.replace("mine", "walden"))
    result = run_cli("site", cwd=station)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "error" in line] == [
        "content/samples/samples.yaml:3:11: error: source 'walden' is the packaged kit's, declared otherwise there: "
        "give yours a key of its own"]


def test_drum_grooves_add_to_the_packaged_ones_or_replace_them_by_file_name(station):
    drums = station / "content" / "drums"
    drums.mkdir()
    (drums / "lazy-half-time.yaml").write_text(MINIMAL_SONG.replace("Test Song", "My Half Time").replace("piano", "drums")
                                               .replace("Cmaj7", "kick").replace("chord:", "note:").replace("G4", "snare"))
    (drums / "zzz-mine.yaml").write_text(MINIMAL_SONG.replace("Test Song", "Mine").replace("piano", "drums")
                                         .replace("Cmaj7", "kick").replace("chord:", "note:").replace("G4", "snare"))
    _, manifest = built(station)
    packaged = sorted(p.stem for p in (DEFAULTS / "content" / "drums").glob("*.yaml"))
    assert [d["id"] for d in manifest["drums"]] == packaged + ["zzz-mine"]
    assert {d["id"]: d["title"] for d in manifest["drums"]}["lazy-half-time"] == "My Half Time"


def test_progressions_add_to_the_library_and_a_mood_table_replaces_the_packaged_one(station):
    folder = station / "content" / "progressions"
    folder.mkdir(parents=True)
    (folder / "progressions.yaml").write_text(
        "- {name: ii-v-i, progression: Em9 | A13 | Dmaj9, mode: major, moods: [warm], description: Mine in D.}\n"
        "- {name: rain-loop, progression: Fmaj9 | Em7 | Dm9 | Cmaj9, mode: major, moods: [calm], description: New.}\n")
    config = load_config(station / "lofi.yaml")
    packaged = DEFAULTS / "content" / "progressions"
    entries = library(config)
    names = list(entries)
    assert names == [*load_library(packaged / "progressions.yaml"), "rain-loop"]
    assert entries["ii-v-i"].progression.text == "Em9 | A13 | Dmaj9"
    assert config.mood_table_yaml == packaged / "moods.yaml"
    (folder / "moods.yaml").write_text((packaged / "moods.yaml").read_text().replace("min: 70", "min: 61"))
    config = load_config(station / "lofi.yaml")
    assert config.mood_table_yaml == folder / "moods.yaml" and mood_table(config)["tempo"]["min"] == 61
    _, manifest = built(station)
    published = json.loads((station / "build" / manifest["progressions"]).read_text(encoding="utf-8"))
    assert [row["name"] for row in published["library"]] == names


def test_a_bad_project_library_is_an_error_at_its_line(station):
    folder = station / "content" / "progressions"
    folder.mkdir(parents=True)
    (folder / "progressions.yaml").write_text("- {name: x, progression: Hm7, mode: major, moods: [warm], description: d}\n")
    result = run_cli("mood", "rain", cwd=station)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("content/progressions/progressions.yaml:1:")


def test_without_a_corpus_the_packaged_model_serves_and_train_says_why_it_cannot(station):
    config = load_config(station / "lofi.yaml")
    plan = train.plan(config)
    found = plan.find()
    assert found is not None and found.folder.parent == DEFAULTS / "content" / "model"
    assert found.preset == "lofi" and not plan.corpus.files
    result = run_cli("train", cwd=station)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == ("lofi.yaml: error: 'model.corpus' is empty, so the packaged model serves: "
                                     "name MIDI folders, score folders or music21 collections to train a model of "
                                     "your own")


def test_a_network_the_package_does_not_ship_needs_a_corpus(station):
    (station / "lofi.yaml").write_text("title: T\nmodel:\n  preset: article\n")
    with pytest.raises(LofiError, match=r"lofi.yaml:3:11: error: the package ships no 'article' models .*: name a "
                                        r"model.corpus to train your own"):
        train.plan(load_config(station / "lofi.yaml"))
