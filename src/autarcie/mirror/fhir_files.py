"""The files ``fhir import`` reads: which ones, in which order, and how their lines come.

NDJSON files (``<Type>[.<n>].ndjson[.gz]``, Bulk Data's shape) stream line by line; a JSON
file (``.json[.gz]``: a Bundle or one resource, see ``fhir_bundle``) is read whole. A file
named explicitly is read whatever its name: a single JSON document is recognised as such,
anything else is read as NDJSON, line by line.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from autarcie.core.errors import AutarcieError
from autarcie.mirror.fhir_bundle import TYPE_ORDER
from autarcie.mirror.fhir_map_types import RESOURCE_TYPES

__all__ = ["TYPE_ORDER", "FhirImportError", "collect", "file_type", "open_file", "read_batches"]

# Bulk Data's export manifest sits beside the NDJSON files; it is no FHIR resource.
_NOT_FHIR = frozenset({"manifest.json"})


class FhirImportError(AutarcieError):
    """A file or folder cannot be imported (missing, unreadable, not NDJSON)."""


def open_file(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def file_type(path: Path) -> str | None:
    """`Patient.000.ndjson(.gz)` or `Patient.ndjson` -> `Patient`; None for other files."""
    name = path.name
    if not (name.endswith(".ndjson") or name.endswith(".ndjson.gz")):
        return None
    head = name.split(".")[0]
    return head if head in RESOURCE_TYPES else None


def is_ndjson(path: Path) -> bool:
    return path.name.endswith((".ndjson", ".ndjson.gz"))


def _is_json(path: Path) -> bool:
    return path.name.endswith((".json", ".json.gz")) and path.name not in _NOT_FHIR


def _order_key(path: Path) -> tuple[int, str, str]:
    # NDJSON by type, referenced types first; JSON documents (which order their own
    # entries) after them.
    rtype = file_type(path) or "~"
    rank = TYPE_ORDER.index(rtype) if rtype in TYPE_ORDER else len(TYPE_ORDER)
    if not is_ndjson(path):
        rank = len(TYPE_ORDER) + 1
    return rank, rtype, path.name


def collect(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """The files to import, referenced types first; and the files left aside."""
    files: list[Path] = []
    skipped: list[str] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and (file_type(child) or _is_json(child)):
                    files.append(child)
                elif child.is_file():
                    skipped.append(child.name)
        elif path.is_file():
            files.append(path)
        else:
            raise FhirImportError(f"{path}: no such file or folder; nothing was imported from it")
    return sorted(files, key=_order_key), skipped


def read_batches(
    handle: IO[bytes], start_line: int, size: int
) -> Iterator[list[tuple[int, bytes]]]:
    """Batches of (line number, bytes), skipping blank lines and the first `start_line` lines."""
    batch: list[tuple[int, bytes]] = []
    for number, raw in enumerate(handle, start=1):
        if number <= start_line:
            continue
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        batch.append((number, line))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def chunks(lines: list[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    for start in range(0, len(lines), size):
        yield lines[start : start + size]
