"""An item's ``bake`` settings: typed, defaulted, and every mistake located in samples.yaml."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import BakeError, Collector
from .manifest import Item, Kit


@dataclass(frozen=True)
class Setting:
    default: Any  # None: required
    check: Callable[[Any], Any]  # returns the typed value or raises ValueError(message)
    help: str = ""


def integer(low: int, high: int) -> Callable:
    def check(v):
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return v

    return check


def number(low: float, high: float) -> Callable:
    def check(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not low <= v <= high:
            raise ValueError(f"must be a number from {low:g} to {high:g}")
        return float(v)

    return check


def text(v):
    if not isinstance(v, str) or not v.strip():
        raise ValueError("must be a non-empty string")
    return v.strip()


def read(kit: Kit, item: Item, schema: dict[str, Setting]) -> dict[str, Any]:
    """``item.bake`` checked against ``schema``; raises one BakeError listing every problem."""
    raw = item.bake or {}
    errors = Collector()
    keys = item.keys + ("bake",)

    def fail(at: tuple, message: str, at_key: bool = False) -> None:
        err = kit.doc.error(at, message, at_key=at_key)
        errors.add(BakeError(err.message, err.path, err.line, err.col))

    values = {}
    for name in raw:
        if name not in schema:
            fail(keys + (name,), f"unknown {item.kind} bake setting {name!r} "
                                 f"(expected one of: {', '.join(sorted(schema))})", at_key=True)
    for name, setting in schema.items():
        if name not in raw:
            if setting.default is None:
                fail(keys if item.bake is not None else item.keys,
                     f"{item.kind} {item.id!r} needs bake setting {name!r} ({setting.help})")
            values[name] = setting.default
            continue
        try:
            values[name] = setting.check(raw[name])
        except ValueError as e:
            fail(keys + (name,), f"bake setting {name!r} {e}")
    errors.raise_if_any()
    return values
