"""YAML loading with positions, and every way a YAML file can be broken."""

import pytest
import yaml

from lofi_build import yamlio
from lofi_build.errors import ContentError


def load_error(text, **kw) -> str:
    with pytest.raises(ContentError) as info:
        yamlio.loads(text, "f.yaml", **kw)
    return str(info.value)


def test_marks_point_at_values_and_keys():
    doc = yamlio.loads("a: 1\nb:\n  - x\n  - {c: 2}\n", "f.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"c": 2}]}
    assert doc.mark("a") == (1, 4)
    assert doc.mark("b", 1, "c") == (4, 9)
    assert doc.key_mark("b") == (2, 1)
    assert doc.mark("b", 7, "nope") == doc.mark("b")  # falls back to the nearest enclosing value
    assert str(doc.error(("b", 1, "c"), "bad c")) == "f.yaml:4:9: error: bad c"


def test_yaml_12_scalars():
    doc = yamlio.loads("t: 1:3:2\nu: 0:5:0\ny: yes\nn: off\nb: true\ni: 017\nf: 1.5\nz: ~\nd: 2024-01-01\nx: 0x1f\n")
    assert doc.data == {"t": "1:3:2", "u": "0:5:0", "y": "yes", "n": "off", "b": True, "i": 17, "f": 1.5,
                        "z": None, "d": "2024-01-01", "x": 31}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: [1, 2\n", "f.yaml:2:1: error: invalid YAML"),
        ("a: b: c\n", "f.yaml:1:5: error: invalid YAML: mapping values are not allowed here"),
        ("a: 1\na: 2\n", "f.yaml:2:1: error: duplicate key 'a'"),
        ("a: *nowhere\n", "f.yaml:1:4: error: unknown alias *nowhere"),
        ("a: 1\n---\nb: 2\n", "f.yaml:2:1: error: expected a single YAML document"),
        ("a: !!python/object:os.system x\n", "f.yaml:1:4: error: unsupported YAML tag"),
        ("a: b\nc: \x07\n", "f.yaml:2:4: error: invalid YAML: control character U+0007"),
        ("? [a, b]\n: 1\n", "f.yaml:1:3: error: mapping keys must be plain values"),
        ("a: !!int x1\n", "f.yaml:1:4: error: 'x1' is not a valid int"),
    ],
)
def test_broken_yaml_is_located(text, expected):
    assert load_error(text).startswith(expected)


def test_deep_nesting_is_an_error_not_a_crash():
    assert "nesting is too deep" in load_error("[" * 5000 + "]" * 5000)
    assert "nesting is too deep" in load_error("a:\n" + "".join("  " * i + "- \n" for i in range(1, 200)))


def test_alias_bombs_stop():
    lines = ["a: &a [1,1,1,1,1,1,1,1,1,1]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    assert "document is too large" in load_error("\n".join(lines) + "\n")


def test_files_that_are_not_utf8(tmp_path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes(b"title: caf\xe9\n")
    with pytest.raises(ContentError, match=r"latin1.yaml:1:11: error: file is not UTF-8 text \(byte 0xe9\)"):
        yamlio.load(p)


def test_unreadable_paths(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(ContentError, match="cannot read file"):
        yamlio.load(loop)
    with pytest.raises(ContentError, match="cannot read file"):
        yamlio.load(tmp_path / "missing.yaml")
    with pytest.raises(ContentError, match="expected a file, found a directory"):
        yamlio.load(tmp_path)


def test_huge_files_are_refused(tmp_path):
    p = tmp_path / "huge.yaml"
    p.write_bytes(b"# " + b"x" * yamlio.MAX_BYTES + b"\n")
    with pytest.raises(ContentError, match="file is too large"):
        yamlio.load(p)


def test_bom_and_empty_files(tmp_path):
    assert yamlio.loads("\ufeffa: 1\n".removeprefix("\ufeff")).data == {"a": 1}
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert yamlio.load(p).data == {"a": 1}
    assert yamlio.loads("").data is None


# -- libyaml's C parser and the pure-Python fallback read every file the same way ---------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BOTH = pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])


def outcome(text, libyaml):
    """What a parser makes of ``text``: the data and every mark, or the error as printed."""
    try:
        doc = yamlio.loads(text, "f.yaml", libyaml=libyaml)
    except ContentError as e:
        return str(e)
    return doc.data, doc._marks, doc._key_marks


def test_libyaml_is_used_when_pyyaml_has_it():
    assert yamlio.LIBYAML == yaml.__with_libyaml__


@BOTH
def test_marks_count_characters_not_bytes(libyaml):
    text = 'title: "雨の夜 ☔🌧️"\nparts: [{name: "بيانو"}, {name: x}]\r\nz: 1\n'
    doc = yamlio.loads(text, "f.yaml", libyaml=libyaml)
    assert doc.data["title"] == "雨の夜 ☔🌧️"
    assert doc.mark("parts", 1, "name") == (2, 33)
    assert doc.key_mark("z") == (3, 1)


@BOTH
def test_editor_lines_with_unusual_line_breaks(libyaml):
    # YAML ends lines at U+2028 too; editors (and our messages) count only "\n".
    doc = yamlio.loads('a: "x\u2028y"\nb: 1\n', "f.yaml", libyaml=libyaml)
    assert doc.mark("b") == (2, 4)


@pytest.mark.parametrize(
    "text",
    ["a: [1, 2\n", "a: b: c\n", "a: b\nc: \x07\n", "a:\n  - 1\n - 2\n", "a: 'x\n", "{a: 1\n", "a: |\n b\nc\n",
     "a: \x85x\n", "- a\nb: 1\n", "a: &x [1]\nb: *y\n", "[" * 100 + "]" * 100],
)
def test_syntax_errors_read_the_same_through_both_parsers(text):
    assert outcome(text, True) == outcome(text, False)


plain = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
AGREE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@AGREE
@given(plain, st.sampled_from([False, True]), st.booleans())
def test_both_parsers_agree_on_dumped_data(data, flow, unicode):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=unicode)
    assert outcome(text, True) == outcome(text, False)


@AGREE
@given(st.text(alphabet="ab: -[]{},'\"#&*!?|>\n\t1.", max_size=40))
def test_both_parsers_agree_on_broken_text(text):
    fast, slow = outcome(text, True), outcome(text, False)
    # What PyYAML reads, libyaml reads the same; a file with a problem is reported by PyYAML. libyaml
    # alone reads a few corners PyYAML refuses (tabs as separators, '#' right after '>' or '|').
    if not isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow


def test_libyaml_reads_tabs_pyyaml_refuses():
    assert outcome("a: 1\t\n", True)[0] == {"a": 1}
    assert "cannot start any token" in outcome("a: 1\t\n", False)
