"""The Content-Security-Policy: read from netlify.toml (the one place it is written), parsed, and
turned into the <meta> tag that protects hosts without header control, such as GitHub Pages."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..errors import ConfigError

# Used when a project has no netlify.toml; the same policy the shipped netlify.toml sets.
DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self' blob:; worker-src 'self' blob:; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self' blob: data:; "
    "font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'"
)
# Browsers ignore these in a <meta> policy and complain on the console about them.
_HEADER_ONLY = {"frame-ancestors", "report-uri", "report-to", "sandbox"}


def netlify_headers(path: Path) -> dict[str, str]:
    """The headers a netlify.toml sets for every path ("/*"); empty when there is no such file."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"invalid TOML: {e}", path) from None
    for rule in data.get("headers", []):
        if rule.get("for") == "/*":
            return {str(k): str(v) for k, v in rule.get("values", {}).items()}
    return {}


def policy(netlify_toml: Path) -> str:
    return netlify_headers(netlify_toml).get("Content-Security-Policy", DEFAULT_POLICY)


def parse(text: str) -> dict[str, list[str]]:
    """``"a x y; b z"`` -> ``{"a": ["x", "y"], "b": ["z"]}``."""
    directives = {}
    for part in text.split(";"):
        tokens = part.split()
        if tokens:
            directives.setdefault(tokens[0].lower(), tokens[1:])
    return directives


def meta_policy(text: str) -> str:
    """The policy without the directives a <meta> tag cannot carry."""
    return "; ".join(
        " ".join([name, *values]) for name, values in parse(text).items() if name not in _HEADER_ONLY
    )
