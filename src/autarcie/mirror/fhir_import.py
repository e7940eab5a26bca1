"""FHIR import (NDJSON, Bundles, resources): one transaction per batch of lines, nothing lost.

Every line becomes an inbound row (raw bytes kept, inserted with one ``executemany`` per batch);
then each resource is mapped (``fhir_map``) and applied through the ``Store``. A batch commits
as a whole and is journaled once. References between resources are resolved through aliases
kept in the store (``mirror_reference`` rows of type ``fhir-id``), so memory does not grow
with the size of the import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from autarcie.core import clock
from autarcie.core.errors import log_failure
from autarcie.core.journal import Action, record
from autarcie.mirror import fhir_map_store as fhir_apply
from autarcie.mirror.fhir_bundle import read_document
from autarcie.mirror.fhir_files import (
    FhirImportError,
    chunks,
    collect,
    is_ndjson,
    open_file,
    read_batches,
)
from autarcie.mirror.fhir_map import (
    MappingError,
    Options,
    StoreOnly,
    Unresolved,
    map_resource,
    parse_line,
)
from autarcie.mirror.fhir_map_batch import apply_chunk, insert_rows, marks, no_gc, slices
from autarcie.mirror.models import Inbound, InboundState
from autarcie.mirror.state import is_frozen
from autarcie.mirror.status import count_feed
from autarcie.mirror.store import Origin, Sql, Store

log = logging.getLogger(__name__)

BATCH_LINES = 2000
DEFAULT_SENDER = "fhir-import"
_INBOUND_COLUMNS = (
    "feed",
    "sender",
    "control_id",
    "event",
    "received_at",
    "raw",
    "sha256",
    "state",
    "reason",
    "error_location",
    "ack_code",
    "applied_at",
)


@dataclass
class TypeSummary:
    read: int = 0
    stored: int = 0
    projected: int = 0
    held: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class ImportSummary:
    types: dict[str, TypeSummary] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)  # "<file>: <what it held>", per file
    skipped: list[str] = field(default_factory=list)
    batches: int = 0
    seconds: float = 0.0

    def of(self, rtype: str) -> TypeSummary:
        return self.types.setdefault(rtype, TypeSummary())

    def total(self, name: str) -> int:
        return sum(int(getattr(t, name)) for t in self.types.values())

    def lines(self) -> list[str]:
        """The closing summary: one line per type, then the reasons of rejections."""
        out = [
            f"{'type':<26}{'read':>10}{'stored':>10}{'projected':>11}{'held':>8}{'rejected':>10}"
        ]
        for rtype in sorted(self.types):
            t = self.types[rtype]
            out.append(
                f"{rtype:<26}{t.read:>10}{t.stored:>10}{t.projected:>11}{t.held:>8}{t.rejected:>10}"
            )
            out += [f"    rejected {n}: {reason}" for reason, n in t.reasons.most_common(5)]
        out += [f"read {shape}" for shape in self.shapes]
        rate = self.total("read") / self.seconds if self.seconds else 0.0
        out.append(
            f"{self.total('read')} resources from {len(self.files)} files in "
            f"{self.seconds:.1f} s ({rate:,.0f}/s): {self.total('stored')} stored, "
            f"{self.total('projected')} projected, {self.total('held')} held, "
            f"{self.total('rejected')} rejected"
        )
        return out


@dataclass
class Item:
    """One NDJSON line on its way to the store."""

    raw: bytes
    line: int
    control_id: str
    rtype: str = "?"
    place: str = "line"  # "entry" for a Bundle's entries: where the error location points
    resource: Any = None
    state: str = InboundState.APPLIED
    reason: str = ""
    inbound_id: int = 0


class AliasBook:
    """Resolves FHIR references through ``fhir-id`` reference rows, with a bounded cache."""

    PREFIX = "fhir-id|"
    LIMIT = 200_000

    def __init__(self) -> None:
        self.cache: dict[str, str | None] = {}
        self.patient_ids: dict[str, int] = {}
        self.observation_aliases: bool | None = None

    def clear(self) -> None:
        self.cache.clear()
        self.patient_ids.clear()
        self.observation_aliases = None

    def has_observation_aliases(self) -> bool:
        # Most imports carry no DiagnosticReport: skip one lookup per Observation then.
        if self.observation_aliases is None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM mirror_reference WHERE rkey >= %s AND rkey < %s LIMIT 1",
                    [f"{self.PREFIX}Observation/", f"{self.PREFIX}Observation0"],
                )
                self.observation_aliases = cursor.fetchone() is not None
        return self.observation_aliases

    def __call__(self, ref: str) -> str | None:
        if not ref:
            return None
        if ref in self.cache:
            return self.cache[ref]
        if ref.startswith("Observation/") and not self.has_observation_aliases():
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT data FROM mirror_reference WHERE rkey = %s", [self.PREFIX + ref])
            row = cursor.fetchone()
        value = _alias_value(row[0]) if row else None
        self.keep(ref, value)
        return value

    def keep(self, ref: str, value: str | None) -> None:
        if len(self.cache) >= self.LIMIT:
            self.cache.clear()  # bounded memory; a miss costs one indexed SELECT
        self.cache[ref] = value

    def lookup_many(self, refs: Iterable[str]) -> None:
        """Read many references into the cache with one IN query per slice (misses too)."""
        wanted = sorted(ref for ref in refs if ref and ref not in self.cache)
        if len(self.cache) + len(wanted) > self.LIMIT:
            self.cache.clear()
        with connection.cursor() as cursor:
            for part in slices(wanted):
                cursor.execute(
                    f"SELECT rkey, data FROM mirror_reference WHERE rkey IN ({marks(part)})",  # noqa: S608
                    [self.PREFIX + ref for ref in part],
                )
                for rkey, data in cursor.fetchall():
                    self.cache[str(rkey).removeprefix(self.PREFIX)] = _alias_value(data)
        for ref in wanted:
            self.cache.setdefault(ref, None)

    def remember(self, store: Store, ref: str, value: str) -> None:
        if self(ref) == value:
            return
        rkey = self.PREFIX + ref
        data = {"value": value}
        columns = {"rtype": "fhir-id", "label": value[:300], "data": json.dumps(data)}
        store.put("Reference", rkey, columns, data, version_type="fhir-id")
        if ref.startswith("Observation/"):
            self.observation_aliases = True
        self.keep(ref, value)

    def patient_id(self, store: Store, rkey: str) -> int | None:
        found = self.patient_ids.get(rkey)
        if found is None:
            found = store.patient_id(rkey)
            if found is not None:
                if len(self.patient_ids) >= self.LIMIT:
                    self.patient_ids.clear()
                self.patient_ids[rkey] = found
        return found


def _alias_value(data: Any) -> str | None:
    parsed = json.loads(data) if isinstance(data, str | bytes) else data
    value = parsed.get("value") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


def _parse(item: Item) -> None:
    """Decode the line; a line that is not a JSON object naming a FHIR type is rejected."""
    resource, reason = parse_line(item.raw)
    if resource is None:
        item.state, item.reason = InboundState.QUARANTINED, reason
        return
    item.rtype, item.resource = resource["resourceType"], resource


class FhirBatch:
    """Ingests a batch of lines inside the caller's single transaction."""

    def __init__(
        self, *, sender: str, now: dt.datetime, options: Options, book: AliasBook, safe: bool
    ) -> None:
        self.sender = sender
        self.now = now
        self.options = options
        self.book = book
        self.safe = safe  # one savepoint per resource: the slow path after a failure
        self.cursor = connection.cursor()
        self.sql = Sql(self.cursor)
        self.frozen = is_frozen()
        self.counts: dict[str, TypeSummary] = {}
        self.states: Counter[str] = Counter()
        self.digest = hashlib.sha256()

    def run(self, items: list[Item]) -> None:
        for item in items:
            self.digest.update(item.raw)
            _parse(item)
            if item.state == InboundState.APPLIED and self.frozen:
                item.state = InboundState.HELD
        self._insert(items)
        todo = [item for item in items if item.state == InboundState.APPLIED]
        if self.safe:
            for item in todo:
                self._apply(item)
        elif todo:
            # The fast path: a few statements per table for the whole chunk (fhir_map_batch).
            apply_chunk(self.cursor, self.now, todo, self.book, self.options)
            self._rejected([i for i in todo if i.state == InboundState.QUARANTINED])
        for item in items:
            self._count(item)
        self._close(items)

    def _insert(self, items: list[Item]) -> None:
        at = connection.ops.adapt_datetimefield_value(self.now)
        rows = [
            (
                "fhir",
                self.sender,
                item.control_id,
                item.rtype[:40],
                at,
                item.raw,
                hashlib.sha256(item.raw).hexdigest(),
                item.state,
                item.reason,
                f"{item.place} {item.line}" if item.reason else "",
                "",
                at if item.state == InboundState.APPLIED else None,
            )
            for item in items
        ]
        insert_rows(self.sql, "mirror_inbound", _INBOUND_COLUMNS, rows)
        # Control ids are unique and ordered within a batch: one range query gives every id.
        self.sql.execute(
            "SELECT control_id, id FROM mirror_inbound WHERE feed = 'fhir' AND sender = %s "
            "AND control_id >= %s AND control_id <= %s",
            [self.sender, items[0].control_id, items[-1].control_id],
        )
        ids = dict(self.sql.fetchall())
        for item in items:
            item.inbound_id = int(ids[item.control_id])

    def _apply(self, item: Item) -> None:
        store = Store(self.cursor, Origin(item.inbound_id, "fhir", self.now))
        try:
            with transaction.atomic():
                self._apply_one(store, item)
        except (MappingError, fhir_apply.NotApplicable) as exc:
            self._reject(item, str(exc))
        except Exception as exc:
            log_failure(log, "applying FHIR inbound %s failed", item.inbound_id)
            self._reject(item, f"internal error while applying: {type(exc).__name__}")

    def _apply_one(self, store: Store, item: Item) -> None:
        mapped = map_resource(item.resource, self.book, self.options)
        if isinstance(mapped, Unresolved):
            raise fhir_apply.NotApplicable(mapped.reason)
        if isinstance(mapped, StoreOnly):
            fhir_apply.store_raw(store, mapped, item.resource)
            item.reason = "stored"
            return
        fhir_apply.apply_ops(store, mapped, self.book)

    def _rejected(self, items: list[Item]) -> None:
        if items:
            self.sql.executemany(
                "UPDATE mirror_inbound SET state = %s, reason = %s, error_location = %s, "
                "applied_at = NULL WHERE id = %s",
                [(i.state, i.reason, f"{i.place} {i.line}", i.inbound_id) for i in items],
            )

    def _reject(self, item: Item, reason: str) -> None:
        item.state, item.reason = InboundState.QUARANTINED, reason
        self.cursor.execute(
            "UPDATE mirror_inbound SET state = %s, reason = %s, error_location = %s, "
            "applied_at = NULL WHERE id = %s",
            [item.state, reason, f"{item.place} {item.line}", item.inbound_id],
        )

    def _count(self, item: Item) -> None:
        counts = self.counts.setdefault(item.rtype, TypeSummary())
        counts.read += 1
        self.states[item.state] += 1
        if item.state == InboundState.APPLIED:
            counts.stored += 1
            counts.projected += item.reason != "stored"
        elif item.state == InboundState.HELD:
            counts.held += 1
        else:
            counts.rejected += 1
            counts.reasons[item.reason] += 1

    def _close(self, items: list[Item]) -> None:
        first, last = items[0].inbound_id, items[-1].inbound_id
        count_feed("fhir", Counter({(self.sender, s): n for s, n in self.states.items()}), self.now)
        record(
            Action.FEED_BATCH_COMMITTED,
            actor="system:fhir-import",
            target_type="inbound",
            target_id=f"{first}-{last}",
            details={
                "feed": "fhir",
                "count": len(items),
                "first_id": first,
                "last_id": last,
                "sha256": self.digest.hexdigest(),
                "states": dict(sorted(self.states.items())),
            },
        )


def commit_batch(
    items: list[Item],
    *,
    sender: str,
    options: Options,
    book: AliasBook,
    one_by_one: bool = False,
) -> dict[str, TypeSummary]:
    """Commit one batch (all lines or none); redo it resource by resource if one fails.

    `one_by_one` skips the fast path (a diagnosis aid, and the reference the tests compare
    the fast path with).
    """
    now = clock.now()
    if not one_by_one:
        try:
            with no_gc(), transaction.atomic():
                batch = FhirBatch(sender=sender, now=now, options=options, book=book, safe=False)
                batch.run(items)
            return batch.counts
        except Exception:
            log.warning("a FHIR batch failed on the fast path; redoing it resource by resource")
            book.clear()  # its cache may hold aliases of the rolled-back attempt
            for item in items:
                item.state, item.reason, item.rtype, item.resource = (
                    InboundState.APPLIED,
                    "",
                    "?",
                    None,
                )
    with transaction.atomic():
        batch = FhirBatch(sender=sender, now=now, options=options, book=book, safe=True)
        batch.run(items)
    return batch.counts


Progress = Callable[[int, float], None]
Committed = Callable[[Path, int], None]


@dataclass
class Importer:
    """Imports files batch by batch; `committed(path, last_line)` follows each commit."""

    sender: str = DEFAULT_SENDER
    options: Options = field(default_factory=Options)
    batch_lines: int = BATCH_LINES
    progress: Progress | None = None
    committed: Committed | None = None
    one_by_one: bool = False
    book: AliasBook = field(default_factory=AliasBook)
    summary: ImportSummary = field(default_factory=ImportSummary)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _started: float = field(default_factory=time.monotonic)
    _imported: int = 0

    def import_file(self, path: Path, start_line: int = 0) -> None:
        """Import one file: NDJSON streamed by batches, or a JSON document read whole."""
        file_no = len(self.summary.files)
        self.summary.files.append(path.name)
        try:
            with open_file(path) as handle:
                if is_ndjson(path):
                    self.summary.shapes.append(f"{path.name}: NDJSON")
                    for lines in read_batches(handle, start_line, self.batch_lines):
                        self._batch(path, file_no, lines)
                    return
                raw = handle.read()
        except (OSError, EOFError) as exc:
            raise FhirImportError(
                f"{path.name}: cannot be read ({exc}); the batches before were committed"
            ) from exc
        self._document(path, file_no, raw)

    def _document(self, path: Path, file_no: int, raw: bytes) -> None:
        document = read_document(raw)
        if document is None:  # not one JSON document: lines of NDJSON under another name
            self.summary.shapes.append(f"{path.name}: NDJSON")
            for lines in read_batches(io.BytesIO(raw), 0, self.batch_lines):
                self._batch(path, file_no, lines)
            return
        aside = document.left_aside
        shape = f"{path.name}: {document.shape}"
        shape += f" ({aside} without a resource left aside)" if aside else ""
        self.summary.shapes.append(shape)
        place = "entry" if "Bundle" in document.shape else "line"
        for lines in chunks(document.lines, self.batch_lines):
            self._batch(path, file_no, lines, place)

    def _batch(
        self, path: Path, file_no: int, lines: list[tuple[int, bytes]], place: str = "line"
    ) -> None:
        # Control ids must rise within a batch (see FhirBatch._insert): a Bundle's entries
        # come sorted by type, so they are numbered in the order they are imported.
        items: list[Item] = []
        for number, raw in lines:
            self._imported += 1
            rank = number if place == "line" else self._imported
            items.append(Item(raw, number, f"{self.run_id}:{file_no:04d}:{rank:010d}", place=place))
        counts = commit_batch(
            items,
            sender=self.sender,
            options=self.options,
            book=self.book,
            one_by_one=self.one_by_one,
        )
        for rtype, got in counts.items():
            mine = self.summary.of(rtype)
            for name in ("read", "stored", "projected", "held", "rejected"):
                setattr(mine, name, getattr(mine, name) + getattr(got, name))
            mine.reasons.update(got.reasons)
        self.summary.batches += 1
        self.summary.seconds = time.monotonic() - self._started
        if self.committed:
            self.committed(path, lines[-1][0])
        if self.progress:
            self.progress(self.summary.total("read"), self.summary.seconds)

    def finish(self, source: str) -> ImportSummary:
        """Journal the whole run once (counts only, no patient data)."""
        self.summary.seconds = time.monotonic() - self._started
        with transaction.atomic():
            record(
                Action.FEED_IMPORTED,
                actor="system:fhir-import",
                target_type="feed",
                target_id="fhir",
                details={
                    "source": source,
                    "files": len(self.summary.files),
                    "read": self.summary.total("read"),
                    "stored": self.summary.total("stored"),
                    "projected": self.summary.total("projected"),
                    "held": self.summary.total("held"),
                    "rejected": self.summary.total("rejected"),
                },
            )
        return self.summary


def import_paths(
    paths: Iterable[Path],
    *,
    sender: str = DEFAULT_SENDER,
    options: Options | None = None,
    progress: Progress | None = None,
    batch_lines: int = BATCH_LINES,
) -> ImportSummary:
    """Import NDJSON files, JSON Bundles or resources, and folders of them (a Bulk export);
    returns the per-type summary."""
    files, skipped = collect(paths)
    importer = Importer(
        sender=sender, options=options or Options(), batch_lines=batch_lines, progress=progress
    )
    importer.summary.skipped = skipped
    for path in files:
        importer.import_file(path)
    return importer.finish("files")


def reapply_inbound(inbound: Inbound) -> str:
    """Apply one stored FHIR resource (or census line) again: held after a freeze, or
    quarantined after a fix. Returns the new state; a refusal sets ``inbound.reason``."""
    if inbound.feed == "csv":
        from autarcie.mirror.census_csv import reapply_census

        return reapply_census(inbound)
    item = Item(bytes(inbound.raw), 0, inbound.control_id or "")
    _parse(item)
    if item.state == InboundState.QUARANTINED:
        inbound.reason = item.reason
        return InboundState.QUARANTINED
    store = Store(connection.cursor(), Origin(inbound.pk, "fhir", inbound.received_at))
    book = AliasBook()
    try:
        mapped = map_resource(item.resource, book, Options())
        if isinstance(mapped, Unresolved):
            raise fhir_apply.NotApplicable(mapped.reason)
        if isinstance(mapped, StoreOnly):
            fhir_apply.store_raw(store, mapped, item.resource)
        else:
            fhir_apply.apply_ops(store, mapped, book)
    except (MappingError, fhir_apply.NotApplicable) as exc:
        inbound.reason = str(exc)
        return InboundState.QUARANTINED
    return InboundState.APPLIED
