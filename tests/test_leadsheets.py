"""The vendored lead sheets: the public-domain rule on every file, and music21 reads their chord symbols."""

from pathlib import Path

import pytest
import yaml

FOLDER = Path(__file__).resolve().parents[1] / "content" / "leadsheets"
PROVENANCE = yaml.safe_load((FOLDER / "PROVENANCE.yaml").read_text(encoding="utf-8"))
ENTRIES = PROVENANCE["files"]
LAST_YEAR = 1930  # published 1930 or earlier: public domain in the US in 2026
DIED_BEFORE = 1926  # year unknown: every credited author died before this


def test_every_file_listed_and_every_listed_file_present():
    on_disk = sorted(p.name for p in FOLDER.iterdir() if p.name != "PROVENANCE.yaml")
    listed = [e["file"] for e in ENTRIES]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == on_disk
    assert all(name.endswith(".mxl") for name in on_disk)
    assert sum((FOLDER / n).stat().st_size for n in on_disk) < 15 * 1024 * 1024


def test_source_and_licence_recorded():
    source = PROVENANCE["source"]
    assert source["repository"] == "https://github.com/00sapo/OpenEWLD"
    assert len(source["commit"]) == 40 and int(source["commit"], 16) >= 0
    assert source["licence"].startswith("MIT")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_public_domain_rule(entry):
    assert entry["title"] and entry["composers"] and entry["source"].startswith("dataset/")
    assert entry["public_domain"]
    if entry["year"] is not None:
        assert isinstance(entry["year"], int) and entry["year"] <= LAST_YEAR
    else:
        died = entry["died"]
        assert sorted(died) == sorted(entry["composers"]), "every credited author needs a known death year"
        assert all(year < DIED_BEFORE for year in died.values())


def test_music21_reads_chord_symbols_of_a_sample():
    from music21 import converter, harmony

    from lofi_build.music.chords import ChordError, chord_pitches

    names = sorted(e["file"] for e in ENTRIES)
    read = unknown = 0
    for name in names[:: max(1, len(names) // 4)]:
        score = converter.parse(FOLDER / name)
        symbols = [cs for cs in score.recurse().getElementsByClass(harmony.ChordSymbol)
                   if not isinstance(cs, harmony.NoChord)]
        assert len(symbols) >= 4, name
        assert score.flatten().notes.stream().getElementsByClass("Note"), name
        for cs in symbols:
            try:
                chord_pitches(cs.figure)
                read += 1
            except ChordError:
                unknown += 1
    assert read >= 0.9 * (read + unknown)
