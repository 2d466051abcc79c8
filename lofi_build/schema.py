"""Declarative schemas for the YAML files: typed fields with ranges, choices, defaults and nesting, read once.

lofi.yaml (config.py), score headers (music/score.py), the kit's entries (samples/manifest.py),
bake settings (samples/settings.py), the progression library and the mood table (progressions.py)
all declare their keys here. :meth:`Schema.read` is the one place that checks types and ranges,
warns about unknown keys (an error under ``--strict``), and locates every problem at its line and
column; problems are collected, not raised one by one. The same declarations give editors a JSON Schema
(draft 2020-12) of each kind of file (:func:`document`, ``lofi-build schema KIND``).
"""

from __future__ import annotations

import math
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import Collector, LofiError, warn

REQUIRED = object()  # a field's default when the key must be written
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def is_int(value) -> bool:
    """A YAML whole number (``true`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    """A finite YAML number, whole or not (``true`` and ``.nan`` are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class Invalid(ValueError):
    """A value failed its check. The message completes "'KEY' ..." (e.g. "must be a string"),
    or, with ``whole=True``, is the whole message."""

    def __init__(self, message: str, whole: bool = False):
        super().__init__(message)
        self.whole = whole


@dataclass(frozen=True, kw_only=True)
class Field:
    """One key: its default (``REQUIRED`` when it must be written), what it is for, and its check.

    ``null_is_default``: ``key: ~`` means the default. ``show_value``: messages end with
    ", not VALUE". ``deprecated``: reading the key warns with this text, or (a dict) reading one
    of these old values warns with its text; an old value is still read. ``shape``: for editors, what
    the value looks like where the type does not say it (a check written as a function, or a value
    its reader checks): a JSON Schema dict, a field or schema that declares it, or a function giving one.
    """

    default: Any = None
    help: str = ""
    null_is_default: bool = False
    show_value: bool = False
    deprecated: str | dict | None = None
    shape: Any = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def fresh_default(self):
        return list(self.default) if isinstance(self.default, list) else self.default

    def check(self, value):
        """The typed value, or raises :class:`Invalid`."""
        return value

    def json_schema(self) -> dict:
        """What an editor may check of the value, as JSON Schema: the type's own rules, its help and default."""
        out = self.json_type()
        if self.null_is_default:
            out = {"anyOf": [out, {"type": "null"}]}
        if self.help:
            out["description"] = self.help
        if self.default is not REQUIRED and self.default is not None and _is_json(self.default):
            out["default"] = self.default
        return out

    def json_type(self) -> dict:
        return json_schema_of(self.shape)


@dataclass(frozen=True, kw_only=True)
class Int(Field):
    low: int | None = None
    high: int | None = None
    what: str | None = None  # the requirement in words, when "a whole number from LOW to HIGH" is not it

    def check(self, value):
        if not is_int(value) or (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high):
            raise Invalid(f"must be {self.what or f'a whole number from {self.low} to {self.high}'}")
        return value

    def json_type(self) -> dict:
        return _bounded({"type": "integer"}, self.low, self.high)


@dataclass(frozen=True, kw_only=True)
class Number(Field):
    low: float = -math.inf
    high: float = math.inf
    what: str | None = None
    as_float: bool = False  # return 1 as 1.0

    def check(self, value):
        if not is_number(value) or not self.low <= value <= self.high:
            bounded = math.isfinite(self.low) or math.isfinite(self.high)
            raise Invalid(f"must be {self.what or (f'a number from {self.low:g} to {self.high:g}' if bounded else 'a number')}")
        return float(value) if self.as_float else value

    def json_type(self) -> dict:
        return _bounded({"type": "number"}, self.low, self.high)


@dataclass(frozen=True, kw_only=True)
class Text(Field):
    nonempty: bool = False
    max_len: int | None = None
    strip: bool = False  # return the text without surrounding white space
    too_long: str | None = None  # the message when longer than max_len (default: the type's)

    def check(self, value):
        if not isinstance(value, str) or (self.nonempty and not value.strip()):
            raise Invalid("must be a non-empty string" if self.nonempty else "must be a string")
        if self.max_len is not None and len(value) > self.max_len:
            raise Invalid(self.too_long or ("must be a non-empty string" if self.nonempty else "must be a string"))
        return value.strip() if self.strip else value

    def json_type(self) -> dict:
        out = {"type": "string", **({"pattern": NONEMPTY} if self.nonempty else {})}
        return out | ({"maxLength": self.max_len} if self.max_len is not None else {})


@dataclass(frozen=True, kw_only=True)
class Choice(Field):
    choices: tuple = ()
    unlisted: tuple = ()  # also read, never offered: old names the module that reads the value resolves

    def check(self, value):
        old = self.deprecated if isinstance(self.deprecated, dict) else {}
        if not isinstance(value, str) or (value not in self.choices and value not in old and value not in self.unlisted):
            raise Invalid(f"must be one of {', '.join(repr(c) for c in self.choices)}")
        return value

    def json_type(self) -> dict:
        return {"enum": list(self.choices)}  # old names still read are not offered


@dataclass(frozen=True, kw_only=True)
class TextList(Field):
    def check(self, value):
        if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            raise Invalid("must be a list of strings")
        return list(value)

    def json_type(self) -> dict:
        return {"type": "array", "items": {"type": "string", "pattern": NONEMPTY}}


@dataclass(frozen=True, kw_only=True)
class Custom(Field):
    """A check written as a function: it returns the typed value or raises :class:`Invalid`."""

    fn: Callable[[Any], Any] = lambda v: v

    def check(self, value):
        return self.fn(value)


@dataclass(frozen=True, kw_only=True)
class Section(Field):
    """A nested mapping with a schema of its own."""

    schema: "Schema" = None

    def check(self, value):
        if not isinstance(value, dict):
            raise Invalid("must be a mapping")
        return value

    def json_type(self) -> dict:
        return self.schema.json_schema()


@dataclass(frozen=True, kw_only=True)
class ListOf(Field):
    """A list whose every item is checked by ``item``: a field, or a :class:`Schema` when the items are
    mappings. ``nonempty``: at least one item; ``length``: exactly that many; ``what``: the
    requirement in words ("a list of mood tags")."""

    item: "Field | Schema" = None
    nonempty: bool = False
    length: int | None = None
    what: str = "a list"

    def check(self, value):
        if not isinstance(value, list) or (self.nonempty and not value) or (
                self.length is not None and len(value) != self.length):
            raise Invalid(f"must be {self.what}")
        return value

    def json_type(self) -> dict:
        out = {"type": "array", "items": json_schema_of(self.item)}
        if self.length is not None:
            return out | {"minItems": self.length, "maxItems": self.length}
        return out | ({"minItems": 1} if self.nonempty else {})

    def read(self, value: list, doc, keys: tuple, errors: Collector, label: str, *, strict: bool,
             error_cls: type[LofiError] | None) -> list | None:
        """The items of ``value`` (the list at ``keys``): mappings read by the item schema (what they
        hold, their errors collected); None when an item that is not a mapping is wrong."""
        out = []
        ok = True
        for i, item in enumerate(value):
            if isinstance(self.item, Schema):
                if isinstance(item, dict):
                    out.append(self.item.read(item, doc, keys + (i,), errors, strict=strict, error_cls=error_cls))
                else:
                    errors.add(_error(doc, keys + (i,), f"{label}: item {i + 1} must be a mapping", error_cls))
                continue
            try:
                out.append(self.item.check(item))
            except Invalid as e:
                errors.add(_error(doc, keys + (i,), str(e) if e.whole else f"{label} must be {self.what}", error_cls))
                ok = False
        return out if ok else None


def _unknown(what: str | None, name, dotted: str, known) -> str:
    if what is None:
        return f"unknown key '{dotted}'"
    return f"unknown {what} {name!r} (expected one of: {', '.join(sorted(known))})"


@dataclass(frozen=True)
class Schema:
    """The keys of one mapping. ``what`` names its keys in unknown-key messages (``"score key"``:
    "unknown score key 'x' (expected one of: ...)"); without it they say "unknown key 'a.b'" with
    the dotted path. ``label`` names a key in value errors, ``missing`` words a missing key."""

    fields: dict[str, Field]
    what: str | None = None
    label: Callable[[str], str] = field(default=lambda dotted: f"'{dotted}'")
    missing: Callable[[str, Field], str] = field(default=lambda name, f: f"missing required key '{name}'")

    def __iter__(self):
        return iter(self.fields)

    def json_schema(self) -> dict:
        """The mapping as JSON Schema: its keys, those that must be written, and no others (an unknown key is
        a warning here, an error under --strict)."""
        out = {"type": "object", "properties": {name: f.json_schema() for name, f in self.fields.items()},
               "additionalProperties": False}
        required = [name for name, f in self.fields.items() if f.required]
        return out | ({"required": required} if required else {})

    def defaults(self) -> dict:
        return {name: (f.schema.defaults() if isinstance(f, Section) else f.fresh_default())
                for name, f in self.fields.items() if not f.required}

    def unknown(self, name, doc, keys: tuple, errors: Collector, strict: bool,
                error_cls: type[LofiError] | None = None, prefix: tuple = ()) -> None:
        """Warn about a key the schema does not declare, or (``strict``) collect an error."""
        dotted = ".".join(str(k) for k in prefix + (name,))
        message = _unknown(self.what, name, dotted, self.fields)
        if strict:
            errors.add(_error(doc, keys + (name,), message, error_cls, at_key=True))
        else:
            warn(message, doc.path, *(doc.key_mark(*keys, name) or (None, None)))

    def check_unknown(self, data: dict, doc, keys: tuple, errors: Collector, strict: bool) -> None:
        """Only the unknown-key check, for a mapping whose values its reader checks itself."""
        for name in data:
            if name not in self.fields:
                self.unknown(name, doc, keys, errors, strict)

    def read(self, data: dict, doc, keys: tuple, errors: Collector, *, strict: bool = False,
             error_cls: type[LofiError] | None = None, missing_at: tuple | None = None,
             prefix: tuple = ()) -> dict:
        """Check ``data`` (the mapping at ``keys`` in ``doc``) in the order it is written: every
        declared key's typed value or default; a key whose value is wrong is left out (its error
        collected). Nested sections come back as dicts. ``missing_at`` locates "missing key"
        errors (default: the mapping itself)."""
        values: dict[str, Any] = {}
        wrong = set()
        for name, value in data.items():
            f = self.fields.get(name)
            if f is None:
                self.unknown(name, doc, keys, errors, strict, error_cls, prefix)
                continue
            if f.null_is_default and value is None:
                continue
            if isinstance(f.deprecated, str):
                warn(f.deprecated, doc.path, *(doc.key_mark(*keys, name) or (None, None)))
            elif f.deprecated and isinstance(value, str) and value in f.deprecated:
                warn(f.deprecated[value], doc.path, *(doc.mark(*keys, name) or (None, None)))
            try:
                checked = f.check(value)
            except Invalid as e:
                message = str(e) if e.whole else f"{self.label('.'.join(str(k) for k in prefix + (name,)))} {e}"
                if f.show_value:
                    message += f", not {value!r}"
                errors.add(_error(doc, keys + (name,), message, error_cls))
                wrong.add(name)
                continue
            if isinstance(f, Section):
                checked = f.schema.read(checked, doc, keys + (name,), errors, strict=strict, error_cls=error_cls,
                                        prefix=prefix + (name,))
            elif isinstance(f, ListOf):
                checked = f.read(checked, doc, keys + (name,), errors, self.label(".".join(str(k) for k in prefix + (name,))),
                                 strict=strict, error_cls=error_cls)
                if checked is None:
                    wrong.add(name)
                    continue
            values[name] = checked
        for name, f in self.fields.items():
            if name in values or name in wrong:
                continue
            if not f.required:
                values[name] = f.schema.defaults() if isinstance(f, Section) else f.fresh_default()
            elif name not in data:
                errors.add(_error(doc, keys if missing_at is None else missing_at, self.missing(name, f), error_cls))
        return values

    def check_value(self, name: str, value, label: str | None = None):
        """One value checked outside a file (e.g. from the command line): typed, or raises :class:`Invalid`
        whose message is complete ("--seed must be ...")."""
        f = self.fields[name]
        try:
            return f.check(value)
        except Invalid as e:
            raise Invalid(str(e) if e.whole else f"{label or self.label(name)} {e}", whole=True) from None


def read_document(f: Field, doc, errors: Collector, what: str, *, strict: bool = False,
                  error_cls: type[LofiError] | None = None):
    """A whole YAML document checked by ``f`` (a :class:`Section` or a :class:`ListOf`): its typed
    value, or None when the document itself is not what ``what`` (its name in messages) must be."""
    try:
        value = f.check(doc.data)
    except Invalid as e:
        errors.add(_error(doc, (), str(e) if e.whole else f"{what} {e}", error_cls))
        return None
    if isinstance(f, Section):
        return f.schema.read(value, doc, (), errors, strict=strict, error_cls=error_cls)
    return f.read(value, doc, (), errors, what, strict=strict, error_cls=error_cls)


# -- JSON Schema for editors ------------------------------------------------------------------------

NONEMPTY = r"\S"  # a string with something besides white space


def json_schema_of(shape) -> dict:
    """A ``shape`` (a JSON Schema dict, a field, a schema, or None for anything) as JSON Schema."""
    if callable(shape):  # declared lazily, by a module whose shapes refer to each other
        shape = shape()
    if shape is None:
        return {}
    if isinstance(shape, (Field, Schema)):
        return shape.json_schema()
    return dict(shape)


def _bounded(out: dict, low, high) -> dict:
    for key, bound in (("minimum", low), ("maximum", high)):
        if bound is not None and math.isfinite(bound):
            out[key] = bound
    return out


def _is_json(value) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _config():
    from .config import Config, schema_of

    return "lofi.yaml: the station's settings", Section(schema=schema_of(Config))


def _score():
    from .music.score import HEADER

    return "a song or drum groove (content/songs/, content/drums/)", Section(schema=HEADER)


def _progressions():
    from .progressions import LIBRARY

    return "the progression library (content/progressions/progressions.yaml)", LIBRARY


def _moods():
    from .progressions import TABLE

    return "the mood table (content/progressions/moods.yaml)", TABLE


# Each kind of file an editor can check, by the name ``lofi-build schema`` takes.
DOCUMENTS = {"config": _config, "score": _score, "progressions": _progressions, "moods": _moods}


def document(kind: str) -> dict:
    """``lofi-build schema KIND``: the JSON Schema of one kind of file, made from its declaration."""
    title, declaration = DOCUMENTS[kind]()
    return {"$schema": JSON_SCHEMA, "title": title, **declaration.json_schema()}


def _error(doc, keys: tuple, message: str, error_cls, at_key: bool = False) -> LofiError:
    err = doc.error(keys, message, at_key=at_key)
    if error_cls is not None and not isinstance(err, error_cls):
        err = error_cls(err.message, err.path, err.line, err.col)
    return err
