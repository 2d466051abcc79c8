"""An item's ``bake`` settings: typed, defaulted, and every mistake located in samples.yaml."""

from __future__ import annotations

from typing import Any

from .. import schema
from ..errors import BakeError, Collector
from .manifest import Item, Kit


def read(kit: Kit, item: Item, fields: dict[str, schema.Field]) -> dict[str, Any]:
    """``item.bake`` checked against ``fields`` (a setting without a default must be written);
    raises one BakeError listing every problem. Unknown settings are errors: a typo would
    silently bake something else."""
    keys = item.keys + ("bake",)
    settings = schema.Schema(
        fields, what=f"{item.kind} bake setting", label=lambda name: f"bake setting '{name}'",
        missing=lambda name, f: f"{item.kind} {item.id!r} needs bake setting {name!r} ({f.help})",
    )
    errors = Collector()
    values = settings.read(item.bake or {}, kit.doc, keys, errors, strict=True, error_cls=BakeError,
                           missing_at=keys if item.bake is not None else item.keys)
    errors.raise_if_any()
    return values
