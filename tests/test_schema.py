"""The one schema every YAML file is read with: types, ranges, defaults, sections, unknown keys, positions."""

import logging

import pytest

from lofi_build import yamlio
from lofi_build.errors import Collector, ConfigError, LofiError
from lofi_build.schema import (REQUIRED, Choice, Custom, Int, Invalid, ListOf, Number, Schema, Section, Text, TextList,
                               is_int, is_number, read_document)

INNER = Schema({"size": Int(default=2, low=1, high=9), "names": TextList(default=["a"])})
OUTER = Schema({
    "title": Text(default=REQUIRED, nonempty=True, max_len=10, strip=True),
    "speed": Number(default=1.0, low=0, high=2, show_value=True),
    "mode": Choice(default="fast", choices=("fast", "slow"), deprecated={"quick": "'quick' is now 'fast'"}),
    "old": Int(default=0, low=0, high=5, deprecated="'old' does nothing any more"),
    "even": Custom(default=0, fn=lambda v: v if is_int(v) and v % 2 == 0 else (_ for _ in ()).throw(
        Invalid(f"{v!r} is odd", whole=True))),
    "inner": Section(schema=INNER),
    "maybe": Int(default=3, low=0, high=9, null_is_default=True),
})


def read(text, strict=False, schema=OUTER):
    doc = yamlio.loads(text, "f.yaml")
    errors = Collector()
    values = schema.read(doc.data, doc, (), errors, strict=strict, error_cls=ConfigError)
    return values, [str(e) for e in errors.errors]


def test_defaults_and_typed_values():
    values, errors = read("title: '  Night  '\ninner: {size: 4}\nmaybe: ~\n")
    assert errors == []
    assert values == {"title": "Night", "speed": 1.0, "mode": "fast", "old": 0, "even": 0,
                      "inner": {"size": 4, "names": ["a"]}, "maybe": 3}


def test_every_problem_at_once_in_file_order_with_positions():
    values, errors = read("speed: 3\nmode: slowly\ninner:\n  size: 0\n  names: [1]\neven: 3\n")
    assert errors == [
        "f.yaml:1:8: error: 'speed' must be a number from 0 to 2, not 3",
        "f.yaml:2:7: error: 'mode' must be one of 'fast', 'slow'",
        "f.yaml:4:9: error: 'inner.size' must be a whole number from 1 to 9",
        "f.yaml:5:10: error: 'inner.names' must be a list of strings",
        "f.yaml:6:7: error: 3 is odd",
        "f.yaml:1:1: error: missing required key 'title'",
    ]
    assert "speed" not in values and "mode" not in values  # a wrong value is left out, not defaulted


@pytest.mark.parametrize("value", ["true", "1.5", ".nan", "'3'", "[]"])
def test_whole_numbers_are_whole_numbers(value):
    _, errors = read(f"title: x\ninner: {{size: {value}}}\n")
    assert errors == ["f.yaml:2:15: error: 'inner.size' must be a whole number from 1 to 9"]


def test_unknown_keys_warn_or_fail_under_strict(caplog):
    text = "title: x\ncolour: red\ninner: {sise: 3}\n"
    _, errors = read(text)
    assert errors == []
    assert "f.yaml:2:1: warning: unknown key 'colour'" in caplog.text
    assert "f.yaml:3:9: warning: unknown key 'inner.sise'" in caplog.text
    _, errors = read(text, strict=True)
    assert errors == ["f.yaml:2:1: error: unknown key 'colour'", "f.yaml:3:9: error: unknown key 'inner.sise'"]
    named = Schema(OUTER.fields, what="score key")
    _, errors = read("title: x\ncolour: red\n", strict=True, schema=named)
    assert errors == ["f.yaml:2:1: error: unknown score key 'colour' "
                      "(expected one of: even, inner, maybe, mode, old, speed, title)"]


def test_deprecations_warn_and_still_read(caplog):
    caplog.set_level(logging.WARNING)
    values, errors = read("title: x\nmode: quick\nold: 2\n")
    assert errors == [] and values["mode"] == "quick" and values["old"] == 2
    assert "f.yaml:2:7: warning: 'quick' is now 'fast'" in caplog.text
    assert "f.yaml:3:1: warning: 'old' does nothing any more" in caplog.text


def test_unlisted_choices_are_read_without_a_word_and_never_offered(caplog):
    schema = Schema({"mode": Choice(default="fast", choices=("fast", "slow"), unlisted=("quick",))})
    values, errors = read("mode: quick\n", schema=schema)
    assert errors == [] and values["mode"] == "quick" and caplog.text == ""
    _, errors = read("mode: rapid\n", schema=schema)
    assert errors == ["f.yaml:1:7: error: 'mode' must be one of 'fast', 'slow'"]


def test_a_section_must_be_a_mapping_and_text_has_a_length():
    _, errors = read("title: a very long title\ninner: 5\n")
    assert errors == ["f.yaml:1:8: error: 'title' must be a non-empty string",
                      "f.yaml:2:8: error: 'inner' must be a mapping"]


def test_values_from_the_command_line():
    assert OUTER.check_value("speed", 1.5) == 1.5
    with pytest.raises(Invalid, match="^--speed must be a number from 0 to 2$"):
        OUTER.check_value("speed", 7, label="--speed")


def test_number_predicates():
    assert is_number(1) and is_number(1.5) and not is_number(True) and not is_number(float("inf"))
    assert is_int(3) and not is_int(3.0) and not is_int(False)


def test_errors_are_lofi_errors_of_the_given_class():
    doc = yamlio.loads("speed: x\ntitle: t\n", "f.yaml")
    errors = Collector()
    OUTER.read(doc.data, doc, (), errors, error_cls=ConfigError)
    assert isinstance(errors.errors[0], ConfigError) and isinstance(errors.errors[0], LofiError)


POINT = Schema({"at": ListOf(default=REQUIRED, item=Number(), length=2, what="[x, y]"),
                "tags": ListOf(default=[], item=Choice(choices=("a", "b")), what="a list of tags")}, what="point key")
POINTS = ListOf(item=POINT, nonempty=True, what="a non-empty list of points")


def read_points(text):
    doc = yamlio.loads(text, "f.yaml")
    errors = Collector()
    values = read_document(POINTS, doc, errors, "the points", strict=True, error_cls=ConfigError)
    return values, [str(e) for e in errors.errors]


def test_lists_of_mappings_and_of_values_report_every_item():
    values, errors = read_points("- {at: [1, 2], tags: [a]}\n- {at: [1], tags: [a, c]}\n- 7\n- {at: [1, x], up: 1}\n")
    assert errors == [
        "f.yaml:2:8: error: 'at' must be [x, y]",
        "f.yaml:2:23: error: 'tags' must be a list of tags",
        "f.yaml:3:3: error: the points: item 3 must be a mapping",
        "f.yaml:4:12: error: 'at' must be [x, y]",
        "f.yaml:4:16: error: unknown point key 'up' (expected one of: at, tags)",
    ]
    assert values == [{"at": [1, 2], "tags": ["a"]}, {}, {"tags": []}]  # what each mapping holds; wrong values left out


def test_a_document_that_is_not_the_list_is_one_error():
    assert read_points("{}\n") == (None, ["f.yaml:1:1: error: the points must be a non-empty list of points"])
    assert read_points("- {at: [0, 0.5]}\n") == ([{"at": [0, 0.5], "tags": []}], [])
