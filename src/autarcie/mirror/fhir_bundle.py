"""FHIR JSON documents (a Bundle, or one resource) as the lines the importer reads. Pure.

Users hold FHIR in three shapes: Bulk NDJSON (one resource per line), a Bundle (what a
server answers to a search, what Synthea writes, what a sender posts as a transaction) and a
single resource saved from a browser. This module turns the last two into NDJSON-like lines.

A Bundle names its entries by ``fullUrl`` and its resources point at one another with
those names (``urn:uuid:…`` in a transaction, where the resource often has no ``id`` yet). Each
entry becomes one line holding its resource, given the id its ``fullUrl`` names when it has
none, with every reference to another entry rewritten to ``<Type>/<id>``: the line then
means on its own what it meant inside the Bundle, and can be reprocessed alone later.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from autarcie.mirror.fhir_map_types import RESOURCE_TYPES

# Bundle types whose entries are resources to mirror; the others (document, message,
# history, responses) are kept whole as one Bundle resource.
UNPACKED = frozenset({"transaction", "batch", "collection", "searchset"})
# Referenced types first, so one pass resolves the references between entries.
TYPE_ORDER = (
    "Organization",
    "Location",
    "Practitioner",
    "PractitionerRole",
    "Patient",
    "Encounter",
    "MedicationRequest",
    "DiagnosticReport",
)
_TYPED_URL = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


@dataclass(frozen=True, slots=True)
class Document:
    """What one JSON file held: its shape in words, and its lines (number, bytes)."""

    shape: str
    lines: list[tuple[int, bytes]]
    left_aside: int = 0  # Bundle entries without a resource (DELETE, GET requests)


def read_document(raw: bytes) -> Document | None:
    """The file as one JSON document, or None when it is not one (then it is NDJSON)."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    rtype = value.get("resourceType")
    kind = value.get("type")
    if rtype == "Bundle" and isinstance(kind, str) and kind in UNPACKED:
        return _unpack(value, kind)
    name = rtype if isinstance(rtype, str) and rtype in RESOURCE_TYPES else "unknown"
    # A single resource is kept byte for byte, as an NDJSON line would be.
    return Document(f"one {name} resource", [(1, raw.strip())])


def _unpack(bundle: dict[str, Any], kind: str) -> Document:
    entries = bundle.get("entry")
    entries = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    found: list[tuple[int, dict[str, Any]]] = []
    names: dict[str, str] = {}
    aside = 0
    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            aside += 1
            continue
        full_url = entry.get("fullUrl")
        full_url = full_url if isinstance(full_url, str) else ""
        _give_id(resource, full_url)
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if full_url and isinstance(rtype, str) and isinstance(rid, str) and rid:
            names[full_url] = f"{rtype}/{rid}"
        found.append((number, resource))
    for _number, resource in found:
        _rewrite(resource, names)
    found.sort(key=lambda pair: _rank(pair[1]))
    lines = [(n, json.dumps(r, ensure_ascii=False).encode("utf-8")) for n, r in found]
    total = len(entries)
    return Document(f"a {kind} Bundle of {total} entries", lines, aside)


def _give_id(resource: dict[str, Any], full_url: str) -> None:
    """An entry without id takes the one its fullUrl names (``urn:uuid:<id>``, ``…/Type/<id>``)."""
    if isinstance(resource.get("id"), str) and resource["id"]:
        return
    for prefix in ("urn:uuid:", "urn:oid:"):
        if full_url.startswith(prefix) and full_url[len(prefix) :]:
            resource["id"] = full_url[len(prefix) :]
            return
    typed = _TYPED_URL.search(full_url)
    if typed and typed.group(1) == resource.get("resourceType"):
        resource["id"] = typed.group(2)


def _rewrite(resource: dict[str, Any], names: dict[str, str]) -> None:
    """Every ``reference`` naming an entry's fullUrl now names ``<Type>/<id>``.

    A walk with a stack, not recursion: a hostile file may nest deeper than Python recurses.
    """
    stack: list[Any] = [resource]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str) and ref in names:
                node["reference"] = names[ref]
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        else:
            stack.extend(v for v in node if isinstance(v, dict | list))


def _rank(resource: dict[str, Any]) -> int:
    rtype = resource.get("resourceType")
    return TYPE_ORDER.index(rtype) if rtype in TYPE_ORDER else len(TYPE_ORDER)
