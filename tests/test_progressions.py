"""content/progressions/ read against its schemas: the library and the mood table, every error of a file at once."""

import pytest

from support import DEFAULTS
from lofi_build.errors import ContentError, LofiError
from lofi_build.progressions import load_library, load_mood_table

TABLE = DEFAULTS / "content" / "progressions" / "moods.yaml"


@pytest.mark.parametrize(
    "text, message",
    [("- {name: a, progression: C | Hm7, mode: major, moods: [calm], description: x}",
      "1:26: error: bar 2: unknown chord symbol 'Hm7'"),
     ("- {name: a, progression: C, mode: lydian, moods: [calm], description: x}", "1:35: error: 'mode' must be one of 'major', 'minor', not 'lydian'"),
     ("- {name: a, progression: C, mode: major, moods: [calm, angry], description: x}",
      "1:56: error: unknown mood 'angry'"),
     ("- {name: a, progression: C, mode: major, moods: [calm]}", "1:3: error: missing required key 'description'"),
     ("- {name: a, progression: C, mode: major, moods: [calm], description: x, tempo: 3}",
      "1:73: error: unknown progression key 'tempo' (expected one of: description, mode, moods, name, progression)"),
     ("- {name: a, progression: C, mode: major, moods: [calm], description: x}\n"
      "- {name: a, progression: C, mode: major, moods: [calm], description: x}", "2:10: error: duplicate name 'a'"),
     ("{}", "1:1: error: the progression library must be a non-empty list of progressions"),
     ("- {name: a, progression: '', mode: major, moods: [calm], description: x}", "1:26: error: empty progression")],
)
def test_bad_library(tmp_path, text, message):
    path = tmp_path / "progressions.yaml"
    path.write_text(text)
    with pytest.raises(ContentError) as info:
        load_library(path)
    assert str(info.value).startswith(f"{path}:{message}")


def test_a_bad_library_reports_every_error_at_once(tmp_path):
    path = tmp_path / "progressions.yaml"
    path.write_text("- {name: a, progression: C | Hm7, mode: lydian, moods: [calm, angry], description: x}\n"
                    "- {name: a, progression: C, mode: major, moods: [], tempo: 3}\n"
                    "- just a string\n", encoding="utf-8")
    with pytest.raises(LofiError) as info:
        load_library(path)
    assert [(d.line, d.col, d.message.split(" (")[0]) for d in info.value.diagnostics] == [
        (1, 26, "bar 2: unknown chord symbol 'Hm7'"), (1, 41, "'mode' must be one of 'major', 'minor', not 'lydian'"),
        (1, 63, "unknown mood 'angry'"), (2, 49, "'moods' must be a non-empty list of mood tags"),
        (2, 53, "unknown progression key 'tempo'"), (2, 3, "missing required key 'description'"),
        (3, 3, "the progression library: item 3 must be a mapping"),
        (2, 10, "duplicate name 'a'"),
    ]


def test_the_table_covers_every_point_once(tmp_path):
    broken = TABLE.read_text(encoding="utf-8").replace("valence: [0, 0.35], arousal: [0, 0.55]", "valence: [0.1, 0.35], arousal: [0, 0.55]")
    path = tmp_path / "moods.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ContentError, match=r"falls in 0 cells"):
        load_mood_table(path)


@pytest.mark.parametrize("text, message", [
    ("energy: [1\n", "invalid YAML"),
    ("energy: {}\ntempo: {min: 70, max: 90}\ntemperature: {min: 1, max: 1}\ncells: []\n",
     "missing required key 'base'"),
])
def test_a_broken_table_is_a_located_error(tmp_path, text, message):
    path = tmp_path / "moods.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LofiError, match=message) as e:
        load_mood_table(path)
    assert e.value.diagnostics[0].path == path


def test_a_broken_table_reports_every_error_at_once(tmp_path):
    text = TABLE.read_text(encoding="utf-8")
    for old, new in (("base: 0.3", "base: high"), ("tempo: {min: 70, max: 90}", "tempo: {min: 95, max: 90}"),
                     ("calm_words: [asleep,", "calm_words: [7,"), ("arousal: [0.55, 1.01], mode: major",
                                                                     "arousal: [0.55], mode: major, key: C")):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "moods.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LofiError) as e:
        load_mood_table(path)
    messages = [d.message.split(" (")[0] for d in e.value.diagnostics]
    assert messages == ["'energy.base' must be a number", "'energy.calm_words' must be a list of words",
                        "'arousal' must be [min, max], two numbers", "unknown cell key 'key'",
                        "'tempo.min' must not exceed 'tempo.max'"]
    assert all(d.path == path and d.line and d.col for d in e.value.diagnostics)


def test_a_bad_mode_in_the_table_is_an_error(tmp_path):
    path = tmp_path / "moods.yaml"
    path.write_text(TABLE.read_text(encoding="utf-8").replace("mode: major", "mode: lydian", 1), encoding="utf-8")
    with pytest.raises(ContentError, match="'mode' must be one of 'major', 'minor', not 'lydian'"):
        load_mood_table(path)
