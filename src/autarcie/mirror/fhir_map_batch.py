"""Applies a chunk of FHIR resources with a few statements per table instead of a few per line.

The import's fast path, in three passes over a chunk of parsed lines:

1. **plan**: map every resource (pure, ``fhir_map``) against the aliases already known, noting
   the references it could not resolve from memory; those are then read in one ``IN`` query
   and the resources that missed one are mapped again;
2. **prefetch**: the current state of every row the chunk will write (patients, stays,
   clinical items, references, raw versions) is read in one ``IN`` query per table;
3. **apply**: each resource's operations go, in order, through a :class:`DeferredStore` — the
   store's own interface (``Store.patient``, ``put_clinical``, ``stays.apply_snapshot`` work
   unchanged) whose writes are held and flushed as one ``executemany`` per table and column
   set. What needs the database as it is at that instant (a movement Encounter folds its
   stay's movements) flushes what is held, then runs the one-by-one path.

Semantics are those of the one-by-one path (``fhir_map_store.apply_ops``): the same rows, the
same versions in the same order, the same rejections. A resource refused at apply time
(its patient is not in the mirror) takes its aliases with it: the resources after it are
mapped again, exactly. Any other error escapes, and the caller redoes the chunk resource by
resource, one savepoint each, so a bad line is quarantined alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.backends.utils import CursorWrapper

from autarcie.mirror.clinical import kind_of, put_clinical
from autarcie.mirror.fhir_map import (
    AliasOp,
    ClinicalOp,
    Mapped,
    MappingError,
    MovementOp,
    Op,
    Options,
    PatientOp,
    ReferenceOp,
    StoreOnly,
    Unresolved,
    VenueOp,
    map_resource,
)
from autarcie.mirror.fhir_map_store import NotApplicable, apply_ops
from autarcie.mirror.models import InboundState
from autarcie.mirror.records import PatientRecord
from autarcie.mirror.stays import apply_snapshot
from autarcie.mirror.store import Origin, Sql, Store, state_digest, table_of, to_json

if TYPE_CHECKING:
    from autarcie.mirror.fhir_import import AliasBook, Item

SLICE = 500  # keys per IN query: well under every engine's limit on parameters
ALIAS_PREFIX = "fhir-id|"
Current = tuple[int, int, str]  # row id (0 while only held), version, digest
_VERSION_COLUMNS = [
    "rtype",
    "rkey",
    "version",
    "inbound_id",
    "feed",
    "received_at",
    "deleted",
    "data",
]
T = TypeVar("T")


def slices(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), SLICE):
        yield values[start : start + SLICE]


def marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def insert_rows(sql: Sql, table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows: one ``executemany`` on SQLite, one ``COPY`` stream on PostgreSQL
    (where ``executemany`` still runs one statement per row, several times slower)."""
    if not rows:
        return
    columns = ", ".join(f'"{n}"' for n in names)
    if sql.sqlite:
        sql.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks(names)})",  # noqa: S608
            rows,
        )
        return
    with sql.raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """No cyclic collection while a chunk is built: its thousands of fresh, acyclic dicts
    would trigger several full passes over the whole heap. Collection resumes after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class DeferredStore(Store):
    """A ``Store`` whose writes are held back and flushed per table in a few statements.

    Reads (``current``) answer from what was prefetched or is held, so a resource written
    twice in a chunk gets its two versions in order and its last state in the projection.
    Row ids of held inserts are not known until the flush (0 meanwhile); ``patient_id``
    flushes first when it is asked for one.
    """

    def __init__(self, cursor: CursorWrapper, origin: Origin, book: AliasBook) -> None:
        super().__init__(cursor, origin)
        self.book = book
        self.known: dict[tuple[str, str], Current | None] = {}
        self.held: dict[str, dict[str, tuple[int, dict[str, Any]]]] = {}
        self.versions: list[list[Any]] = []
        self.tokens: dict[str, tuple[int, str]] = {}
        self.aliases: dict[str, str] = {}  # held fhir-id aliases, ahead of the book's cache
        self.raw_latest: dict[tuple[str, str], tuple[int, Any] | None] = {}
        self.moved_stays: set[str] = set()
        self._patient_rkey = ""

    # -- the Store interface, deferred -------------------------------------------------------

    def current(self, rtype: str, rkey: str) -> Current | None:
        key = (rtype, rkey)
        if key in self.known:
            return self.known[key]
        found = super().current(rtype, rkey)
        self.known[key] = found
        return found

    def put(
        self,
        rtype: str,
        rkey: str,
        columns: Any,
        data: Any,
        *,
        version_type: str | None = None,
    ) -> int:
        text = to_json(data)
        digest = state_digest(text)
        found = self.current(rtype, rkey)
        if found and found[2] == digest:
            return found[0]
        version = found[1] + 1 if found else 1
        row_id = found[0] if found else 0
        values = {**columns, "digest": digest, "version": version, "received_at": self._received}
        self.held.setdefault(rtype, {})[rkey] = (row_id, values)
        self.known[(rtype, rkey)] = (row_id, version, digest)
        self.version(version_type or rtype, rkey, version, text)
        return row_id

    def version(
        self, rtype: str, rkey: str, version: int, text: str, deleted: bool = False
    ) -> None:
        self.versions.append(self._version_row(rtype, rkey, version, text, deleted))
        self.changed.append(f"{rtype}/{rkey}")

    def patient(self, rec: PatientRecord) -> int:
        self._patient_rkey = rec.rkey
        return super().patient(rec)

    def known_identifiers(self, rkey: str) -> str:
        """A patient held in this chunk is not in the table yet: read what is held."""
        held = self.held.get("Patient", {}).get(rkey)
        if held is not None:
            return str(held[1].get("identifiers", ""))
        if ("Patient", rkey) in self.known and self.known[("Patient", rkey)] is None:
            return ""  # prefetched: a new patient
        return super().known_identifiers(rkey)

    def _tokens(self, patient_id: int, text: str) -> None:
        # Called by ``Store.patient`` right after its ``put``; the id may not exist yet.
        self.tokens[self._patient_rkey] = (patient_id, text)

    def patient_id(self, rkey: str) -> int | None:
        found = self.current("Patient", rkey)
        if found and found[0] == 0:
            self.flush()
            found = self.current("Patient", rkey)
        return found[0] if found else None

    def alias(self, ref: str, value: str) -> None:
        """``AliasBook.remember``, held: a ``fhir-id`` reference row and its version."""
        data = {"value": value}
        columns = {"rtype": "fhir-id", "label": value[:300], "data": json.dumps(data)}
        self.put("Reference", ALIAS_PREFIX + ref, columns, data, version_type="fhir-id")
        self.aliases[ref] = value
        if ref.startswith("Observation/"):
            self.book.observation_aliases = True

    def resolve(self, ref: str) -> str | None:
        """The exact resolver: held aliases, then the book (cache, then the database)."""
        return self.aliases[ref] if ref in self.aliases else self.book(ref)

    def store_raw(self, mapped: StoreOnly, resource: Any) -> None:
        """``fhir_map_store.store_raw``, held: a new raw version when the resource changed."""
        key = (mapped.rtype, mapped.fhir_id)
        if key not in self.raw_latest:
            self.prefetch_raw(mapped.rtype, [mapped.fhir_id])
        latest = self.raw_latest[key]
        if latest is not None and latest[1] == resource:
            return
        version = latest[0] + 1 if latest else 1
        self.version(mapped.rtype, mapped.fhir_id, version, to_json(resource))
        self.raw_latest[key] = (version, resource)

    # -- prefetch ----------------------------------------------------------------------------

    def prefetch(self, rtype: str, rkeys: Iterable[str]) -> None:
        wanted = sorted({k for k in rkeys if (rtype, k) not in self.known})
        table = table_of(rtype)
        for part in slices(wanted):
            self.cursor.execute(
                f"SELECT rkey, id, version, digest FROM {table} "  # noqa: S608
                f"WHERE rkey IN ({marks(part)})",
                list(part),
            )
            for rkey, row_id, version, digest in self.cursor.fetchall():
                self.known[(rtype, str(rkey))] = (int(row_id), int(version), str(digest))
        for rkey in wanted:
            self.known.setdefault((rtype, rkey), None)
        if rtype == "Patient":
            for rkey in wanted:
                found = self.known[("Patient", rkey)]
                if found:
                    self.book.patient_ids[rkey] = found[0]

    def prefetch_moved(self, stay_rkeys: Iterable[str]) -> None:
        """Which of these stays already have movements (they take the one-by-one path)."""
        ids = {f[0]: k for k in stay_rkeys if (f := self.known.get(("Stay", k))) and f[0]}
        for part in slices(sorted(ids)):
            self.cursor.execute(
                "SELECT DISTINCT stay_id FROM mirror_movement "  # noqa: S608
                f"WHERE stay_id IN ({marks(part)})",
                list(part),
            )
            self.moved_stays.update(ids[int(row[0])] for row in self.cursor.fetchall())

    def prefetch_raw(self, rtype: str, fhir_ids: Iterable[str]) -> None:
        wanted = sorted({i for i in fhir_ids if (rtype, i) not in self.raw_latest})
        for part in slices(wanted):
            self.cursor.execute(
                "SELECT rkey, version, data FROM mirror_version "  # noqa: S608
                f"WHERE rtype = %s AND rkey IN ({marks(part)})",
                [rtype, *part],
            )
            for rkey, version, data in self.cursor.fetchall():
                found = self.raw_latest.get((rtype, str(rkey)))
                if found is None or found[0] < int(version):
                    loaded = json.loads(data) if isinstance(data, str | bytes) else data
                    self.raw_latest[(rtype, str(rkey))] = (int(version), loaded)
        for fhir_id in wanted:
            self.raw_latest.setdefault((rtype, fhir_id), None)

    # -- flush -------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything held: per table, one ``executemany`` per column set."""
        inserted_patients = self._write_rows()
        if inserted_patients:
            self._patient_ids(inserted_patients)
        self._write_tokens()
        insert_rows(self.cursor, "mirror_version", _VERSION_COLUMNS, self.versions)
        for ref, value in self.aliases.items():
            self.book.keep(ref, value)
        # Rows inserted here have ids the chunk no longer knows: read them again if needed.
        self.known = {k: v for k, v in self.known.items() if v is None or v[0]}
        self.held, self.versions, self.tokens, self.aliases = {}, [], {}, {}

    def _write_rows(self) -> list[str]:
        inserted_patients: list[str] = []
        for rtype, rows in self.held.items():
            table = table_of(rtype)
            inserts: dict[tuple[str, ...], list[list[Any]]] = {}
            updates: dict[tuple[str, ...], list[list[Any]]] = {}
            for rkey, (row_id, values) in rows.items():
                if row_id:
                    updates.setdefault(tuple(values), []).append([*values.values(), row_id])
                else:
                    inserts.setdefault(tuple(values), []).append([rkey, *values.values()])
                    if rtype == "Patient":
                        inserted_patients.append(rkey)
            for names, params in inserts.items():
                insert_rows(self.cursor, table, ("rkey", *names), params)
            for names, params in updates.items():
                assignments = ", ".join(f'"{n}" = %s' for n in names)
                self.cursor.executemany(
                    f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
                    params,
                )
        return inserted_patients

    def _patient_ids(self, rkeys: list[str]) -> None:
        for rkey in rkeys:
            self.known.pop(("Patient", rkey), None)
        self.prefetch("Patient", rkeys)

    def _write_tokens(self) -> None:
        if not self.tokens:
            return
        old = [pid for pid, _ in self.tokens.values() if pid]
        for part in slices(old):
            self.cursor.execute(
                "DELETE FROM mirror_patienttoken "  # noqa: S608
                f"WHERE patient_id IN ({marks(part)})",
                list(part),
            )
        rows: list[tuple[int, str]] = []
        for rkey, (pid, text) in self.tokens.items():
            patient_id = pid or self.book.patient_ids[rkey]
            rows += [(patient_id, token) for token in sorted(set(text.split()))]
        insert_rows(self.cursor, "mirror_patienttoken", ("patient_id", "token"), rows)


# -- the three passes ---------------------------------------------------------------------


class Guess:
    """The planning resolver: the chunk's own aliases, then the book's cache; notes misses."""

    def __init__(self, book: AliasBook) -> None:
        self.book = book
        self.overlay: dict[str, str] = {}
        self.misses: set[str] = set()
        self.missed = False

    def __call__(self, ref: str) -> str | None:
        if not ref:
            return None
        if ref in self.overlay:
            return self.overlay[ref]
        if ref in self.book.cache:
            return self.book.cache[ref]
        if ref.startswith("Observation/") and not self.book.has_observation_aliases():
            return None
        self.misses.add(ref)
        self.missed = True
        return None


@dataclass(slots=True)
class Plan:
    item: Item
    mapped: Mapped | None = None
    error: str = ""
    missed: bool = False
    aliases: list[tuple[str, str]] = field(default_factory=list)


def _map(plan: Plan, resolve: Any, options: Options) -> None:
    try:
        plan.mapped, plan.error = map_resource(plan.item.resource, resolve, options), ""
    except MappingError as exc:
        plan.mapped, plan.error = None, str(exc)
    ops = plan.mapped if isinstance(plan.mapped, list) else []
    plan.aliases = [(op.ref, op.value) for op in ops if isinstance(op, AliasOp)]


def _plan(plans: list[Plan], guess: Guess, options: Options, again: bool) -> None:
    """Map in order; with `again`, only what missed a reference (or follows a changed alias)."""
    guess.overlay = {}
    changed = False
    for plan in plans:
        if not again or plan.missed or changed:
            before = plan.aliases
            guess.missed = False
            _map(plan, guess, options)
            plan.missed = guess.missed
            changed = changed or (again and plan.aliases != before)
        guess.overlay.update(plan.aliases)


def plan_chunk(items: list[Item], book: AliasBook, options: Options) -> list[Plan]:
    plans = [Plan(item) for item in items]
    guess = Guess(book)
    _plan(plans, guess, options, again=False)
    if guess.misses:
        book.lookup_many(guess.misses)
        guess.misses = set()
        _plan(plans, guess, options, again=True)
    return plans


def _patient_of(op: Op) -> str | None:
    return op.patient_rkey if isinstance(op, ClinicalOp | VenueOp | MovementOp) else None


def prefetch_chunk(store: DeferredStore, plans: list[Plan]) -> None:
    keys: dict[str, set[str]] = {"Patient": set(), "Reference": set(), "Stay": set()}
    raw: dict[str, set[str]] = {}
    for plan in plans:
        if isinstance(plan.mapped, StoreOnly):
            raw.setdefault(plan.mapped.rtype, set()).add(plan.mapped.fhir_id)
        if not isinstance(plan.mapped, list):
            continue
        for op in plan.mapped:
            patient = _patient_of(op)
            if patient and patient not in store.book.patient_ids:
                keys["Patient"].add(patient)
            if isinstance(op, PatientOp):
                keys["Patient"].add(op.record.rkey)
            elif isinstance(op, AliasOp):
                keys["Reference"].add(ALIAS_PREFIX + op.ref)
            elif isinstance(op, ReferenceOp):
                keys["Reference"].add(f"{op.record.rtype}/{op.record.rid}")
            elif isinstance(op, ClinicalOp):
                keys.setdefault(kind_of(op.record), set()).add(op.record.key)
            elif isinstance(op, VenueOp):
                keys["Stay"].add(op.stay.rkey)
    for rtype, rkeys in keys.items():
        store.prefetch(rtype, rkeys)
    store.prefetch_moved(keys["Stay"])
    for rtype, fhir_ids in raw.items():
        store.prefetch_raw(rtype, fhir_ids)


def _one_by_one(store: DeferredStore, ops: list[Op]) -> bool:
    """Movements (and venues whose stay has movements) fold the stay: the one-by-one path."""
    moved = store.moved_stays
    return any(
        isinstance(op, MovementOp) or (isinstance(op, VenueOp) and op.stay.rkey in moved)
        for op in ops
    )


def defer_ops(store: DeferredStore, ops: list[Op]) -> None:
    """``apply_ops`` for the fast path; refuses (before holding anything) a missing patient."""
    created = {op.record.rkey for op in ops if isinstance(op, PatientOp)}
    ids: dict[str, int] = {}
    for op in ops:
        patient = _patient_of(op)
        if patient and patient not in created and patient not in ids:
            found = store.book.patient_id(store, patient)
            if found is None:
                raise NotApplicable("patient not in the mirror")
            ids[patient] = found
    for op in ops:
        if isinstance(op, PatientOp):
            if pid := store.patient(op.record):
                store.book.patient_ids[op.record.rkey] = pid
        elif isinstance(op, AliasOp):
            store.alias(op.ref, op.value)
        elif isinstance(op, ReferenceOp):
            store.reference(op.record)
        elif isinstance(op, ClinicalOp):
            put_clinical(store, ids[op.patient_rkey], op.record)
        elif isinstance(op, VenueOp):
            apply_snapshot(store, ids[op.patient_rkey], op.stay, op.snapshot)


def apply_chunk(
    cursor: CursorWrapper,
    now: dt.datetime,
    items: list[Item],
    book: AliasBook,
    options: Options,
) -> None:
    """Apply parsed items (inbound rows already written); refusals set the item's state."""
    store = DeferredStore(cursor, Origin(None, "fhir", now), book)
    plans = plan_chunk(items, book, options)
    prefetch_chunk(store, plans)
    direct = Store(cursor, Origin(None, "fhir", now))
    exact = False  # once a refusal drops aliases, what follows is mapped again, exactly
    for plan in plans:
        item = plan.item
        if exact or plan.missed:
            before = plan.aliases
            _map(plan, store.resolve, options)
            exact = exact or plan.aliases != before
        store.origin = direct.origin = Origin(item.inbound_id, "fhir", now)
        try:
            _apply_plan(store, direct, plan)
        except NotApplicable as exc:
            item.state, item.reason = InboundState.QUARANTINED, str(exc)
            exact = exact or bool(plan.aliases)
    store.flush()


def _apply_plan(store: DeferredStore, direct: Store, plan: Plan) -> None:
    mapped = plan.mapped
    if mapped is None:
        raise NotApplicable(plan.error)
    if isinstance(mapped, Unresolved):
        raise NotApplicable(mapped.reason)
    if isinstance(mapped, StoreOnly):
        store.store_raw(mapped, plan.item.resource)
        plan.item.reason = "stored"
        return
    if _one_by_one(store, mapped):
        store.flush()
        try:
            apply_ops(direct, mapped, store.book)
        finally:
            store.known.clear()  # written behind the deferred store's back
            store.moved_stays.update(op.stay.rkey for op in mapped if isinstance(op, VenueOp))
            store.moved_stays.update(
                op.venue.stay.rkey for op in mapped if isinstance(op, MovementOp)
            )
        return
    defer_ops(store, mapped)
