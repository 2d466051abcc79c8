"""The one rule that makes a name from a title or a file name: piece ids in the site, and the file names
``lofi-build new-song`` writes ('Midnight Tea' -> 'midnight-tea')."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

MAX_LENGTH = 64


def _spelled(char: str) -> str:
    # An ideograph is a word of its own (anyascii writes 雨の夜 as "YunoYe"): keep it apart.
    return f" {anyascii(char)} " if unicodedata.name(char, "").startswith("CJK") else char


def slug(text: str) -> str:
    """Lowercase ASCII letters, digits and '-', at most 64 characters: other scripts transliterated
    ('Café Nights' -> 'cafe-nights', 'Ночной чай' -> 'nochnoy-chay', '雨の夜' -> 'yu-no-ye'), and a
    short hash of the text when nothing is left ('x' and 8 hex digits)."""
    spelled = anyascii("".join(_spelled(c) for c in text))
    s = re.sub(r"[^a-z0-9]+", "-", spelled.lower()).strip("-")
    if len(s) > MAX_LENGTH:
        s = s[:MAX_LENGTH + 1].rsplit("-", 1)[0] if "-" in s[:MAX_LENGTH + 1] else s[:MAX_LENGTH]
    return s or "x" + hashlib.sha256(text.encode()).hexdigest()[:8]
