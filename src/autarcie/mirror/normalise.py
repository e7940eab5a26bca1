"""Normalised text for search: lower case, no accents, one space between words."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """'Lefèvre-Dupont ' -> 'lefevre dupont'."""
    if text.isascii():  # most names: no accent to strip, no ligature to expand
        return _NOT_ALNUM.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", stripped.replace("œ", "oe").replace("æ", "ae")).strip()


def search_text(*names: str) -> str:
    seen: list[str] = []
    for word in fold(" ".join(names)).split():
        if word not in seen:
            seen.append(word)
    return " ".join(seen)
