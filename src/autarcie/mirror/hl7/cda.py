"""Human-readable text of a CDA document, read with a parser that never expands entities."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

# Elements after which the narrative block starts a new line.
_BLOCKS = frozenset(
    {"paragraph", "br", "item", "tr", "caption", "title", "list", "table", "section", "text"}
)
_CELLS = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True, slots=True)
class DocumentText:
    """The document title and its narrative, one paragraph or table row per line."""

    title: str
    text: str


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network: an XML bomb or XXE reads as nothing.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _collect(element: etree._Element, pieces: list[str]) -> None:
    if element.text and isinstance(element.tag, str):
        pieces.append(element.text)
    for child in element:
        if isinstance(child.tag, str):
            _collect(child, pieces)
            name = _local(child)
            if name in _BLOCKS:
                pieces.append("\n")
            elif name in _CELLS:
                pieces.append(" ")
        if child.tail:
            pieces.append(child.tail)


def _text_of(element: etree._Element) -> str:
    pieces: list[str] = []
    _collect(element, pieces)
    return _tidy("".join(pieces))


def _tidy(raw: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


def _sections(root: etree._Element) -> list[str]:
    chunks: list[str] = []
    for section in root.iter("{*}section"):
        pieces: list[str] = []
        for child in section:
            if _local(child) in ("title", "text"):
                _collect(child, pieces)
                pieces.append("\n")
        chunk = _tidy("".join(pieces))
        if chunk:
            chunks.append(chunk)
    return chunks


def extract_text(content: bytes) -> DocumentText | None:
    """Read a CDA (or any XML) document's text; None when the bytes are not safe XML."""
    try:
        root = etree.fromstring(content, _parser())
    except (etree.LxmlError, ValueError):
        return None
    # A CDA never declares a DTD; refuse rather than interpret one (the stubs lack doctype).
    doctype: object = getattr(root.getroottree().docinfo, "doctype", "")
    if doctype:
        return None
    title = next((_text_of(el) for el in root if _local(el) == "title"), "")
    chunks = _sections(root)
    if not chunks:
        pieces: list[str] = []
        _collect(root, pieces)
        chunks = [_tidy("".join(pieces))]
    return DocumentText(title, "\n\n".join(chunk for chunk in chunks if chunk))
