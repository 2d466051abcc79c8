"""The editor schemas (``lofi-build schema KIND``): JSON Schema draft 2020-12 made from schema.py's declarations,
which every shipped YAML file passes and the bad inputs they can express fail."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from support import DEFAULTS, ROOT, run_cli
from lofi_build.config import Config, Loops, bounds
from lofi_build.schema import DOCUMENTS, document

BAD = Path(__file__).parent / "bad_inputs"


def kind_of(rel: str) -> str | None:
    """The kind of a YAML file by its place in a project."""
    if rel == "lofi.yaml":
        return "config"
    if rel.startswith(("content/songs/", "content/drums/")):
        return "score"
    return {"content/progressions/progressions.yaml": "progressions",
            "content/progressions/moods.yaml": "moods"}.get(rel)


def problems(kind: str, data) -> list[str]:
    return [e.message for e in jsonschema.Draft202012Validator(document(kind)).iter_errors(data)]


def shipped() -> list[tuple[str, Path]]:
    """Every YAML file this repository and the package ship, with its kind."""
    files = [("config", ROOT / "lofi.yaml")]
    for root in (ROOT, DEFAULTS):
        for path in sorted(root.glob("content/**/*.yaml")):
            kind = kind_of(path.relative_to(root).as_posix())
            if kind:
                files.append((kind, path))
    return files


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_the_command_prints_a_valid_draft_2020_12_schema(kind):
    result = run_cli("schema", kind)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed == document(kind) and printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(printed)


def test_a_kind_it_does_not_know_is_a_usage_error():
    result = run_cli("schema", "songs")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'songs' is not one of 'config', 'score', 'progressions', 'moods'" in result.stderr


def test_the_schema_is_the_declaration():
    """Ranges, choices and required keys come from the declarations, not from a second copy."""
    config = document("config")["properties"]
    assert (config["bpm"]["minimum"], config["bpm"]["maximum"]) == bounds(Config, "bpm")
    assert (config["loops"]["properties"]["solos"]["minimum"], config["loops"]["properties"]["solos"]["maximum"]) \
        == bounds(Loops, "solos")
    assert config["model"]["properties"]["preset"]["enum"] == ["lofi", "default", "article"]
    assert document("score")["required"] == ["title", "bpm", "parts"]
    assert problems("config", {}) == []  # every key has a default


def test_every_shipped_yaml_file_passes_its_schema():
    files = shipped()
    kinds = {kind for kind, _ in files}
    assert kinds == set(DOCUMENTS) and len(files) >= 10
    for kind, path in files:
        assert problems(kind, yaml.safe_load(path.read_text(encoding="utf-8"))) == [], path


# Every case in tests/bad_inputs/ is in one of these: the schema rejects the first; the second cannot
# be said in JSON Schema (the reason is given), so the tool alone finds them.
EXPRESSIBLE = {
    "bad-duration", "bad-transport-time", "chordline-unknown-style", "config-bad-loops", "config-bad-quote-start", "config-wrong-type",
    "empty-song", "form-empty", "form-fractional-bars", "form-section-without-bars", "missing-title",
    "mood-table-several-errors", "negative-time", "out-of-range-bpm", "out-of-range-velocity",
    "progressions-several-errors", "song-is-a-list", "unknown-instrument", "wrong-type-bpm", "wrong-type-notes",
    "wrong-type-parts",
}
NOT_EXPRESSIBLE = {
    "config-syntax": "not YAML", "yaml-syntax": "not YAML", "yaml-tab-indent": "not YAML", "mood-table-syntax": "not YAML",
    "non-utf8": "not UTF-8 text", "python-tag": "a YAML tag", "two-documents": "two YAML documents",
    "deep-nesting": "too deep to load", "duplicate-key": "a YAML loader keeps the last key",
    "corrupt-midi": "a file's bytes", "empty-corpus": "a folder's contents", "sample-file-missing": "a file's presence",
    "sample-undecodable": "a file's bytes", "theme-dir-missing": "a folder's presence",
    "kit-source-redeclared": "the packaged kit's sources",
    "train-never-no-checkpoint": "the checkpoints on disk", "missing-template": "a template's contents",
    "template-syntax": "a template's contents", "refused-collection": "a collection's licence (music21's)",
    "unknown-collection": "which collections music21 has", "unknown-chord": "a chord symbol's grammar",
    "chordline-bad-chord": "a chord symbol's grammar", "chordline-wrong-length": "a chord line's bars against loop_bars",
    "unknown-pitch": "a pitch where a chord symbol may stand too", "name-with-spaces-and-unicode": "the same",
    "out-of-range-pitch": "a pitch name's MIDI number", "nan-velocity": "JSON has no NaN",
    "huge-time": "a time's length in bars", "form-too-long": "the form's length in bars",
    "form-endings-do-not-fit": "sections and the form together", "form-note-past-section-end": "a time against 'bars'",
    "form-undeclared-part": "part names against 'parts'", "form-unknown-section": "form names against 'sections'",
    "form-unused-section-strict": "sections against the form", "mood-table-overlap": "cells covering the plane",
}


def test_every_bad_input_case_is_classified():
    cases = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert not EXPRESSIBLE & set(NOT_EXPRESSIBLE)
    assert EXPRESSIBLE | set(NOT_EXPRESSIBLE) == cases


@pytest.mark.parametrize("case", sorted(EXPRESSIBLE))
def test_the_bad_inputs_the_schema_can_express_fail_it(case):
    found = []
    for path in sorted((BAD / case).rglob("*.yaml")):
        kind = kind_of(path.relative_to(BAD / case).as_posix())
        if kind:
            found += problems(kind, yaml.safe_load(path.read_text(encoding="utf-8")))
    assert found, f"{case} passes the schema"
