"""Safe XML parsing for RPU files: no entity expansion, no network, no DTD."""

from __future__ import annotations

from lxml import etree

from autarcie.recovery.rpu.errors import RpuFormatError


def safe_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers keep per-document state and are not meant to be
    # shared between threads. Entities stay unresolved so an external entity never reads a
    # file or a URL, and a recursive one never expands.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_document(data: bytes) -> etree._Element:
    """The root element of ``data``; the declared encoding is honoured by the parser."""
    if not data.strip():
        raise RpuFormatError("Le fichier est vide : un document XML <OSCOUR> est attendu")
    try:
        tree = etree.ElementTree(etree.fromstring(data, safe_parser()))
    except etree.XMLSyntaxError as exc:
        raise RpuFormatError(f"Le fichier n'est pas du XML lisible : {exc}") from exc
    doctype: str = tree.docinfo.doctype  # type: ignore[attr-defined]  # missing from stubs
    if doctype:
        # An RPU file never needs a DTD; one is either a mistake or an entity attack.
        raise RpuFormatError(
            "Le fichier contient une déclaration DOCTYPE : refusée par sécurité, "
            "un fichier RPU n'en a pas besoin"
        )
    return tree.getroot()


def parse_fragment(markup: str) -> list[etree._Element]:
    """The elements of an XML fragment kept from a file, or [] when it is plain text."""
    if not markup.lstrip().startswith("<"):
        return []
    try:
        holder = etree.fromstring(f"<kept>{markup}</kept>", safe_parser())
    except etree.XMLSyntaxError:
        return []
    if (holder.text or "").strip() or any((child.tail or "").strip() for child in holder):
        return []
    return [child for child in holder if isinstance(child.tag, str)]
