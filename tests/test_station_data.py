"""Station mode's data (lofi_build/station.py): the word lists its tracks are named from, the library's home keys,
and the settings the page reads from the facts block."""

from __future__ import annotations

import json

import pytest

from support import ROOT, run_cli
from lofi_build.config import Config, load_config
from lofi_build.errors import LofiError
from lofi_build.music.progression import parse_progression
from lofi_build.progressions import library as library_of
from lofi_build.site.facts import facts
from lofi_build.station import home_tonic, load_names, station_data

CONFIG = load_config(ROOT / "lofi.yaml")


def test_the_shipped_word_lists_make_titles():
    names = load_names(CONFIG)
    assert names["patterns"] and all("{" in p for p in names["patterns"])
    assert {"adjective", "noun"} <= set(names["words"]) and all(len(w) >= 10 for w in names["words"].values())


@pytest.mark.parametrize("text, message", [
    ("patterns: ['{adjective} {colour}']\nwords: {adjective: [slow]}\n",
     "1:12: error: pattern '{adjective} {colour}' names {colour}, which 'words' does not list (known: adjective)"),
    ("patterns: ['plain']\nwords: {noun: [cat]}\n", "1:12: error: pattern 'plain' has no {kind} slot"),
    ("patterns: ['{noun}']\nwords: {noun: []}\n",
     "2:8: error: 'words' must map each kind of word (lower-case letters) to a non-empty list of words"),
    ("patterns: []\nwords: {noun: [cat]}\n", "1:11: error: 'patterns' must be a non-empty list of titles with {kind} slots"),
    ("words: {noun: [cat]}\n", "1:1: error: missing required key 'patterns'"),
])
def test_broken_word_lists_are_located_errors(tmp_path, text, message):
    folder = tmp_path / "content" / "station"
    folder.mkdir(parents=True)
    (folder / "names.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "lofi.yaml").write_text("")
    config = load_config(tmp_path / "lofi.yaml")
    with pytest.raises(LofiError) as info:
        load_names(config)
    assert str(info.value.diagnostics[0]).endswith(message.split(": error: ")[1])
    assert (info.value.diagnostics[0].line, info.value.diagnostics[0].col) == tuple(int(x) for x in message.split(":")[:2])


def test_a_projects_word_lists_replace_the_packaged_ones(tmp_path):
    (tmp_path / "lofi.yaml").write_text("")
    packaged = load_names(load_config(tmp_path / "lofi.yaml"))  # none of its own: the package's
    assert packaged == load_names(CONFIG) and packaged["patterns"]
    folder = tmp_path / "content" / "station"
    folder.mkdir(parents=True)
    (folder / "names.yaml").write_text("patterns: ['{noun} tape']\nwords: {noun: [cassette, reel]}\n", encoding="utf-8")
    assert load_names(load_config(tmp_path / "lofi.yaml")) == {"patterns": ["{noun} tape"],
                                                              "words": {"noun": ["cassette", "reel"]}}


@pytest.mark.parametrize("progression, mode, home", [
    ("Dm9 | G13 | Cmaj9 | Cmaj9", "major", 0),  # ii-V-I: home is I
    ("Bm7b5 | E7b9 | Am9 | Am9", "minor", 9),
    ("Am9 | Dm9 | Em9 | Am9", "minor", 9),
    ("Dm11 | G13", "minor", 2),  # a Dorian vamp on D
    ("Cmaj9#11 | D/C | Cmaj9#11 | D/C", "major", 0),  # Lydian over a C pedal
    ("Dbmaj9 | C7#9 | Fm9 | Ebm9 Ab13", "minor", 5),
    ("Cmaj9 Em7 | Fmaj9 G13 | Em7 A7#9 | Dm9 G7alt", "major", 0),
])
def test_a_progressions_home_key(progression, mode, home):
    assert home_tonic(parse_progression(progression), mode) == home


def test_the_station_asset_and_the_facts_block():
    library = library_of(CONFIG)  # the package's, with this project's entries (none) laid over it
    data = station_data(CONFIG, library)
    assert set(data) == {"names", "keys", "tonics", "meter"}
    assert set(data["tonics"]) == set(library) and data["meter"] == [4, 4]
    assert data["keys"]["major"][3] == "Eb" and data["keys"]["minor"][8] == "G#"
    block = facts(Config())["station"]
    assert block == {"bpm": {"min": 70, "max": 90}, "bpmStep": 4, "seconds": {"min": 90, "max": 240}, "songEvery": 4,
                     "repeatSeconds": 8 * 3600, "history": 4, "transitions": ["crossfade", "tape-stop", "vinyl-brake"],
                     "sleepMinutes": [15, 30, 60, 90], "sleepFade": 30}


def test_the_build_publishes_the_station(project, tmp_path):
    (project / "lofi.yaml").write_text((project / "lofi.yaml").read_text() + "station: {bpm_max: 84, repeat_hours: 2}\n")
    site = tmp_path / "site"
    run_cli("site", "-d", site, cwd=project, check=True)
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["facts"]["station"]["bpm"] == {"min": 70, "max": 84}
    assert manifest["facts"]["station"]["repeatSeconds"] == 7200
    asset = json.loads((site / manifest["station"]).read_text())
    # This project has neither word lists nor a library of its own: the package's serve.
    assert asset["names"] == load_names(CONFIG) and set(asset["tonics"]) == set(library_of(CONFIG))
    index = (site / "index.html").read_text()
    assert 'id="station"' in index and 'id="station-toggle"' in index
    assert any(p.name.startswith("station.") and p.suffix == ".css" for p in (site / "assets").iterdir())
