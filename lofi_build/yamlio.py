"""YAML loading that remembers where every value came from, so errors can point at it.

The document is built from an event stream (no recursion, so deep nesting is an error, not a
crash) with YAML 1.2 style scalars: ``1:3:2`` stays the string a score means instead of YAML
1.1's base-60 integer, and ``yes``/``no``/``on``/``off`` stay strings. The events come from
libyaml's C parser (bundled with PyYAML) when it is there, else from PyYAML's pure-Python one;
a file with any problem is read again by the pure-Python parser, so errors are worded and
located the same either way.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .errors import ContentError, LofiError

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 500_000  # counted with aliases expanded, so "billion laughs" stops here


class Mark(NamedTuple):
    line: int  # 1-based
    col: int  # 1-based


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.2 core schema: no sexagesimal numbers, no yes/no booleans, no timestamps."""


_Resolver.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    _Resolver.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _Resolver):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _Resolver.__init__(self)


try:
    from yaml._yaml import CParser as _CParserBase
except ImportError:  # PyYAML built without libyaml
    _CParserBase = None

LIBYAML = _CParserBase is not None  # whether libyaml's C parser is available

if LIBYAML:

    class _CParser(_CParserBase, _Resolver):
        def __init__(self, stream):
            _CParserBase.__init__(self, stream)
            _Resolver.__init__(self)


class _LibyamlRejected(Exception):
    """libyaml found a syntax error: the pure-Python parser reads the file again to report it."""


def _scalar(tag: str, value: str, mark: Mark, where) -> Any:
    if tag == "tag:yaml.org,2002:str":
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    try:
        if tag == "tag:yaml.org,2002:int":
            if value.startswith("0o"):
                return int(value[2:], 8)
            if value.startswith("0x"):
                return int(value[2:], 16)
            return int(value, 10)
        if tag == "tag:yaml.org,2002:float":
            low = value.lower()
            if low.endswith(".inf"):
                return -math.inf if low.startswith("-") else math.inf
            if low == ".nan":
                return math.nan
            return float(value)
    except ValueError:
        raise where(f"{value!r} is not a valid {tag.rsplit(':', 1)[-1]}", mark) from None
    raise where(f"unsupported YAML tag {tag!r}", mark)


class Document:
    """A loaded YAML file: its data plus the position of every value and key in it."""

    def __init__(self, path, data, marks, key_marks, error_cls=ContentError):
        self.path = path
        self.data = data
        self._marks: dict[tuple, Mark] = marks
        self._key_marks: dict[tuple, Mark] = key_marks
        self.error_cls = error_cls

    def mark(self, *keys) -> Mark | None:
        """Where the value at ``keys`` starts; the nearest enclosing value if it is absent."""
        keys = tuple(keys)
        while keys:
            if keys in self._marks:
                return self._marks[keys]
            keys = keys[:-1]
        return self._marks.get(())

    def key_mark(self, *keys) -> Mark | None:
        """Where the key of the value at ``keys`` is written (for 'unknown key' messages)."""
        return self._key_marks.get(tuple(keys)) or self.mark(*keys)

    def error(self, keys: tuple | list, message: str, *, at_key: bool = False) -> LofiError:
        mark = self.key_mark(*keys) if at_key else self.mark(*keys)
        line, col = (mark.line, mark.col) if mark else (None, None)
        return self.error_cls(message, self.path, line, col)


_NO_KEY = object()


class _Frame:
    __slots__ = ("value", "keypath", "mark", "anchor", "key", "key_mark", "size")

    def __init__(self, value, keypath, mark, anchor):
        self.value, self.keypath, self.mark, self.anchor = value, keypath, mark, anchor
        self.key, self.key_mark, self.size = _NO_KEY, None, 1


class _Positions:
    """Line and column of a character index as an editor shows them: only "\n" ends a line (YAML
    also counts U+0085, U+2028, U+2029 and a lone "\r", which editors do not)."""

    def __init__(self, text: str):
        self.starts = [0]
        find, at = text.find, text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = find("\n", at + 1)

    def __call__(self, index: int) -> Mark:
        line = bisect.bisect_right(self.starts, index)
        return Mark(line, index - self.starts[line - 1] + 1)


def loads(text: str, path=None, error_cls=ContentError, *, libyaml: bool | None = None) -> Document:
    """Parse one YAML document from ``text``; errors name ``path`` and the line and column.

    ``libyaml`` picks the parser (default: libyaml's C parser where PyYAML has it); both give
    the same document, marks and errors."""
    if libyaml is None:
        libyaml = LIBYAML
    if libyaml and LIBYAML:
        try:
            return _loads(text, path, error_cls, _CParser)
        except (_LibyamlRejected, LofiError):
            pass  # the pure-Python parser reads it again, so every error reads as it always has
    return _loads(text, path, error_cls, _PyParser)


def _loads(text: str, path, error_cls, parser_cls) -> Document:
    def where(message, mark: Mark | None):
        return error_cls(message, path, *(mark or (None, None)))

    position = _Positions(text)

    def _mark(m) -> Mark:
        return position(m.index)

    marks: dict[tuple, Mark] = {}
    key_marks: dict[tuple, Mark] = {}
    anchors: dict[str, tuple[Any, int]] = {}
    stack: list[_Frame] = []
    root: list = []
    total = 0
    documents = 0

    def child_keypath(mark: Mark, container: bool) -> tuple | None:
        """Keypath of a value about to be added to the innermost container (None = a key)."""
        if not stack:
            return ()
        parent = stack[-1]
        if isinstance(parent.value, list):
            return parent.keypath + (len(parent.value),)
        if parent.key is _NO_KEY:
            if container:
                raise where("mapping keys must be plain values, not lists or mappings", mark)
            return None
        return parent.keypath + (parent.key,)

    def emit(value, mark: Mark, size: int, anchor: str | None, keypath: tuple | None):
        nonlocal total
        total += size
        if total > MAX_VALUES:
            raise where(f"document is too large (more than {MAX_VALUES:,} values)", mark)
        if anchor:
            anchors[anchor] = (value, size)
        if not stack:
            root.append(value)
            marks[()] = mark
            return
        parent = stack[-1]
        parent.size += size
        if isinstance(parent.value, list):
            marks[keypath] = mark
            parent.value.append(value)
        elif keypath is None:  # this value is a mapping key
            try:
                hash(value)
            except TypeError:
                raise where("mapping keys must be plain values", mark) from None
            if value in parent.value:
                raise where(f"duplicate key {value!r}", mark)
            parent.key, parent.key_mark = value, mark
        else:
            marks[keypath] = mark
            key_marks[keypath] = parent.key_mark
            parent.value[parent.key] = value
            parent.key = _NO_KEY

    try:
        loader = parser_cls(text)
        while loader.check_event():
            event = loader.get_event()
            mark = _mark(event.start_mark)
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise where("expected a single YAML document, found another one here", mark)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if event.tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                    raise where(f"unsupported YAML tag {event.tag!r}", mark)
                if len(stack) >= MAX_DEPTH:
                    raise where(f"nesting is too deep (more than {MAX_DEPTH} levels)", mark)
                keypath = child_keypath(mark, container=True)
                container = {} if isinstance(event, yaml.MappingStartEvent) else []
                stack.append(_Frame(container, keypath, mark, event.anchor))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                emit(frame.value, frame.mark, frame.size, frame.anchor, frame.keypath)
            elif isinstance(event, yaml.ScalarEvent):
                keypath = child_keypath(mark, container=False)
                tag = event.tag
                if tag is None:
                    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                elif tag == "!":  # resolved as PyYAML's parser does, which libyaml's differs from
                    tag = loader.resolve(yaml.ScalarNode, event.value, (True, False))
                emit(_scalar(tag, event.value, mark, where), mark, 1, event.anchor, keypath)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    raise where(f"unknown alias *{event.anchor}", mark)
                keypath = child_keypath(mark, container=False)
                value, size = anchors[event.anchor]
                if keypath is None and isinstance(value, (list, dict)):
                    raise where("mapping keys must be plain values", mark)
                emit(value, mark, size, None, keypath)
    except (yaml.MarkedYAMLError, yaml.reader.ReaderError) as e:
        if parser_cls is not _PyParser:
            raise _LibyamlRejected() from None
        raise _syntax_error(e, where, position) from None
    return Document(path, root[0] if root else None, marks, key_marks, error_cls)


def _syntax_error(e, where, position: _Positions) -> LofiError:
    """A YAML syntax error of the pure-Python parser as a located user error."""
    if isinstance(e, yaml.reader.ReaderError):
        code = e.character if isinstance(e.character, int) else ord(e.character)
        return where(f"invalid YAML: control character U+{code:04X} is not allowed", position(e.position))
    problem_mark = e.problem_mark or e.context_mark
    message = e.problem or e.context or "invalid YAML"
    if e.context and e.problem and e.context_mark is not None:
        message += f" ({e.context} at line {position(e.context_mark.index).line})"
    return where(f"invalid YAML: {message}", position(problem_mark.index) if problem_mark else None)


def read_text(path: str | os.PathLike, error_cls=ContentError, max_bytes: int = MAX_BYTES) -> str:
    """Read a UTF-8 text file, turning every way it can fail into a located user error."""
    path = Path(path)
    try:
        if path.is_dir():
            raise error_cls("expected a file, found a directory", path)
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as e:
        raise error_cls(f"cannot read file: {e.strerror or e}", path) from None
    if len(raw) > max_bytes:
        raise error_cls(f"file is too large (the limit is {max_bytes // (1024 * 1024)} MB)", path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise error_cls(f"file is not UTF-8 text (byte 0x{raw[e.start]:02x})", path, line, col) from None
    return text.removeprefix("\ufeff")


def load(path: str | os.PathLike, error_cls=ContentError) -> Document:
    """Load one YAML file with positions; any problem is a located ``error_cls``."""
    return loads(read_text(path, error_cls), path, error_cls)


def scalar(text: str) -> str:
    """``text`` written as a YAML value: plain where YAML reads it back as that string, else double-quoted."""
    try:
        plain = yaml.safe_load(f"k: {text}\n") == {"k": text} and "#" not in text
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def modeline(schema: str) -> str:
    """The first line of a YAML file that tells editors (yaml-language-server) which JSON Schema checks it."""
    return f"# yaml-language-server: $schema={schema}\n"
