"""Write side of the mirror: append a version, update its projection, in one transaction.

Plain SQL through Django's connection, because this is the ingest path (thousands of messages a
second): one SELECT, then at most one UPDATE or INSERT and one version INSERT per resource. A
resource whose normalised state did not change writes nothing (each ADT message repeats the
whole identity).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from autarcie.core.read_many import queries_watched
from autarcie.mirror import records as r
from autarcie.mirror.normalise import search_text

_TABLES = {
    "Patient": "mirror_patient",
    "Stay": "mirror_stay",
    "Movement": "mirror_movement",
    "Allergy": "mirror_allergy",
    "Condition": "mirror_condition",
    "Immunization": "mirror_immunization",
    "Prescription": "mirror_prescription",
    "Administration": "mirror_administration",
    "Result": "mirror_result",
    "Document": "mirror_document",
    "Reference": "mirror_reference",
}


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# What `json.dumps(data, default=..., ensure_ascii=False, sort_keys=True)` builds on every
# call, built once: an encoder holds only these settings, so sharing it is safe.
_ENCODER = json.JSONEncoder(default=_json_default, ensure_ascii=False, sort_keys=True)


def to_json(data: Mapping[str, Any]) -> str:
    return _ENCODER.encode(data)


def load_json(value: Any) -> dict[str, Any]:
    """JSON from a raw query: text on SQLite, already decoded on PostgreSQL."""
    if isinstance(value, dict):
        return value
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}


_FIELDS: dict[type, tuple[str, ...]] = {}


def as_dict(record: Any) -> dict[str, Any]:
    """A flat record as a dict; ``dataclasses.asdict`` deep-copies and costs ten times more."""
    names = _FIELDS.get(type(record))
    if names is None:
        names = _FIELDS[type(record)] = tuple(f.name for f in dataclasses.fields(record))
    return {name: getattr(record, name) for name in names}


class Sql:
    """SQL written with %s placeholders, run straight on the DB-API cursor.

    The ingest path runs several statements per message; Django's cursor wrapper (debug hooks,
    placeholder rewriting by regular expression) would cost more than SQLite itself.
    """

    def __init__(self, cursor: CursorWrapper) -> None:
        self.raw: Any = cursor.cursor
        self.sqlite = connection.vendor == "sqlite"
        self._in_pipeline = False  # while `pipelined` runs on PostgreSQL
        self._qmark: dict[str, str] = {}
        base: Any = type(self.raw).__mro__[1]
        # On SQLite, call the driver's own execute, not our backend's converting override.
        self._execute: Any = base.execute if self.sqlite else None
        self._executemany: Any = base.executemany if self.sqlite else None

    def _sql(self, sql: str) -> str:
        if not self.sqlite:
            return sql
        converted = self._qmark.get(sql)
        if converted is None:
            converted = self._qmark[sql] = sql.replace("%s", "?")
        return converted

    def execute(self, sql: str, params: Any = ()) -> Any:
        if self.sqlite:
            return self._execute(self.raw, self._sql(sql), params)
        return self.raw.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> Any:
        if self.sqlite:
            return self._executemany(self.raw, self._sql(sql), rows)
        return self.raw.executemany(sql, rows)

    def insert(self, sql: str, params: Any) -> int:
        """Run a one-row INSERT and return the new row's id.

        SQLite gives it without ``RETURNING`` (which costs about a fifth of a small insert
        here); PostgreSQL returns it from the statement itself.
        """
        if self.sqlite:
            self._execute(self.raw, self._sql(sql), params)
            return int(self.raw.lastrowid)
        self.raw.execute(f"{sql} RETURNING id", params)
        return int(self.raw.fetchone()[0])

    @contextlib.contextmanager
    def pipelined(self) -> Iterator[None]:
        """On PostgreSQL, statements go out without waiting for each other's answers.

        A write's answer is awaited only when a later statement's rows are read, so a batch
        waits for the server once per read instead of once per statement. A database error
        may then surface at a later statement than the one that caused it (or on leaving):
        callers that must know which statement failed run without it. Nothing changes on
        SQLite, or while Django watches the queries (debugging, tests that count them).
        """
        if self.sqlite or queries_watched() or self._in_pipeline:
            yield
            return
        with connection.wrap_database_errors, self.raw.connection.pipeline():
            self._in_pipeline = True
            try:
                yield
            finally:
                self._in_pipeline = False

    def fetchone(self) -> Any:
        return self.raw.fetchone()

    def fetchall(self) -> Any:
        return self.raw.fetchall()

    def instant(self, value: dt.datetime | None) -> Any:
        """A datetime as the engine's column takes it (what Django's backend would store)."""
        if value is None or not self.sqlite:
            return value
        # What Django's SQLite backend stores for an aware datetime: naive UTC text.
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")

    def day(self, value: dt.date | None) -> Any:
        """A date as the engine's column takes it (text on SQLite, as Django writes it)."""
        if value is None or not self.sqlite:
            return value
        return str(value)


def _q(column: str) -> str:
    """A quoted column name: ``end`` and ``start`` are reserved words in PostgreSQL."""
    return f'"{column}"'


# The write statements depend only on the table and its columns: written once each.
@lru_cache(maxsize=256)
def _update_sql(table: str, names: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{_q(n)} = %s" for n in names)
    return f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608


@lru_cache(maxsize=256)
def _insert_sql(table: str, names: tuple[str, ...]) -> str:
    placeholders = ", ".join(["%s"] * (len(names) + 1))
    return f"INSERT INTO {table} (rkey, {', '.join(map(_q, names))}) VALUES ({placeholders})"  # noqa: S608


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where the change comes from: the inbound row and its receipt time."""

    inbound_id: int | None
    feed: str
    received_at: dt.datetime


class Store:
    """Applies records for one inbound message (or one batch of FHIR lines) with one cursor."""

    def __init__(self, cursor: CursorWrapper | Sql, origin: Origin) -> None:
        # A batch shares one `Sql` between the stores of its messages.
        self.cursor = cursor if isinstance(cursor, Sql) else Sql(cursor)
        self.origin = origin
        self._received = self.instant(origin.received_at)
        self.changed: list[str] = []  # "Patient/key" of every resource that got a new version

    # -- generic -------------------------------------------------------------------------

    def instant(self, value: dt.datetime | None) -> Any:
        return self.cursor.instant(value)

    def day(self, value: dt.date | None) -> Any:
        return self.cursor.day(value)

    def current(self, rtype: str, rkey: str) -> tuple[int, int, str] | None:
        self.cursor.execute(
            f"SELECT id, version, digest FROM {_TABLES[rtype]} WHERE rkey = %s",  # noqa: S608
            [rkey],
        )
        row = self.cursor.fetchone()
        return (int(row[0]), int(row[1]), str(row[2])) if row else None

    def put(
        self,
        rtype: str,
        rkey: str,
        columns: Mapping[str, Any],
        data: Mapping[str, Any],
        *,
        version_type: str | None = None,
    ) -> int:
        """Upsert the projection row and append a version when the state changed."""
        text = to_json(data)
        digest = _digest(text)
        table = _TABLES[rtype]
        found = self.current(rtype, rkey)
        if found and found[2] == digest:
            return found[0]
        version = found[1] + 1 if found else 1
        values = {**columns, "digest": digest, "version": version, "received_at": self._received}
        names = tuple(values)
        if found:
            self.cursor.execute(_update_sql(table, names), [*values.values(), found[0]])
            row_id = found[0]
        else:
            row_id = self.cursor.insert(_insert_sql(table, names), [rkey, *values.values()])
        self.version(version_type or rtype, rkey, version, text)
        return row_id

    def current_many(self, rtype: str, rkeys: list[str]) -> dict[str, tuple[int, int, str]]:
        if not rkeys:
            return {}
        marks = ", ".join(["%s"] * len(rkeys))
        self.cursor.execute(
            f"SELECT rkey, id, version, digest FROM {_TABLES[rtype]} "  # noqa: S608
            f"WHERE rkey IN ({marks})",
            rkeys,
        )
        return {str(k): (int(i), int(v), str(d)) for k, i, v, d in self.cursor.fetchall()}

    def put_many(
        self,
        rtype: str,
        items: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
        inbound_ids: Sequence[int | None] | None = None,
    ) -> None:
        """``put`` for many resources of one type at once: one SELECT, then batched writes.

        A result message carries many observations; one statement each would dominate ingest.
        """
        found = self.current_many(rtype, [rkey for rkey, _, _ in items])
        table = _TABLES[rtype]
        inserts: dict[tuple[str, ...], list[list[Any]]] = {}
        versions: list[list[Any]] = []
        for index, (rkey, columns, data) in enumerate(items):
            text = to_json(data)
            digest = _digest(text)
            current = found.get(rkey)
            if current and current[2] == digest:
                continue
            version = current[1] + 1 if current else 1
            values = {
                **columns,
                "digest": digest,
                "version": version,
                "received_at": self._received,
            }
            if current:
                self.cursor.execute(
                    _update_sql(table, tuple(values)), [*values.values(), current[0]]
                )
            else:
                inserts.setdefault(tuple(values), []).append([rkey, *values.values()])
            found[rkey] = (current[0] if current else 0, version, digest)
            versions.append(
                [
                    rtype,
                    rkey,
                    version,
                    inbound_ids[index] if inbound_ids else self.origin.inbound_id,
                    self.origin.feed,
                    self._received,
                    False,
                    text,
                ]
            )
            self.changed.append(f"{rtype}/{rkey}")
        for names, rows in inserts.items():
            self.cursor.executemany(_insert_sql(table, names), rows)
        if versions:
            self.cursor.executemany(
                "INSERT INTO mirror_version (rtype, rkey, version, inbound_id, feed, "
                "received_at, deleted, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                versions,
            )

    def version(
        self, rtype: str, rkey: str, version: int, text: str, deleted: bool = False
    ) -> None:
        self.cursor.execute(
            "INSERT INTO mirror_version (rtype, rkey, version, inbound_id, feed, received_at, "
            "deleted, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            self._version_row(rtype, rkey, version, text, deleted),
        )
        self.changed.append(f"{rtype}/{rkey}")

    def _version_row(
        self, rtype: str, rkey: str, version: int, text: str, deleted: bool
    ) -> list[Any]:
        """A `mirror_version` row, in the column order of the insert above."""
        origin = self.origin
        return [rtype, rkey, version, origin.inbound_id, origin.feed, self._received, deleted, text]

    # -- identities -----------------------------------------------------------------------

    def patient(self, rec: r.PatientRecord) -> int:
        data = as_dict(rec)
        received = [as_dict(i) for i in rec.identifiers]
        data["identifiers"] = received
        columns = {
            "authority": rec.authority,
            "ipp": rec.ipp,
            "birth_family": rec.birth_family,
            "used_family": rec.used_family,
            "given": rec.given,
            "birth_date": self.day(rec.birth_date),
            "sex": rec.sex,
            "ins": rec.ins,
            "ins_oid": rec.ins_oid,
            "ins_trusted": rec.ins_trusted,
            "statuses": " ".join(rec.statuses),
            "hidden": rec.hidden,
            "deceased": rec.deceased,
            "birthplace_code": rec.birthplace_code,
            "address": rec.address,
            "search_text": search_text(rec.birth_family, rec.used_family, rec.given),
            "identifiers": identifiers_json(self.known_identifiers(rec.rkey), received),
        }
        written = len(self.changed)
        patient_id = self.put("Patient", rec.rkey, columns, data)
        if len(self.changed) > written:
            self._tokens(patient_id, str(columns["search_text"]))
        return patient_id

    def _tokens(self, patient_id: int, text: str) -> None:
        self.cursor.execute("DELETE FROM mirror_patienttoken WHERE patient_id = %s", [patient_id])
        tokens = sorted(set(text.split()))
        if tokens:
            self.cursor.executemany(
                "INSERT INTO mirror_patienttoken (patient_id, token) VALUES (%s, %s)",
                [(patient_id, token) for token in tokens],
            )

    def patient_id(self, rkey: str) -> int | None:
        found = self.current("Patient", rkey)
        return found[0] if found else None

    def known_identifiers(self, rkey: str) -> str:
        """The identifiers the projection row holds (JSON), "" for a new patient."""
        self.cursor.execute("SELECT identifiers FROM mirror_patient WHERE rkey = %s", [rkey])
        row = self.cursor.fetchone()
        return str(row[0]) if row else ""

    def patient_by_ins(self, ins: str, oid: str) -> int | None:
        """The patient holding this qualified INS: one with an IPP first, else the provisional
        identity an earlier INS-only message created. An unqualified INS never matches."""
        self.cursor.execute(
            "SELECT id, authority FROM mirror_patient WHERE ins = %s AND ins_oid = %s "
            "AND ins_trusted = %s AND merged_into_id IS NULL ORDER BY id",
            [ins, oid, True],
        )
        rows = [(int(i), str(a)) for i, a in self.cursor.fetchall()]
        rows.sort(key=lambda row: r.is_ins_authority(row[1]))
        return rows[0][0] if rows else None

    def merge(self, survivor_id: int, merged_rkey: str) -> bool:
        """A40: the merged patient points at the survivor; its stays and items follow."""
        merged_id = self.patient_id(merged_rkey)
        if merged_id is None:
            # The merge reached us before the merged identity did (feeds are not ordered
            # across patients): keep the merge on a bare identity its own messages will fill.
            authority, _, ipp = merged_rkey.partition("|")
            merged_id = self.patient(r.PatientRecord(authority=authority, ipp=ipp))
        if merged_id == survivor_id:
            return False
        self.cursor.execute(
            "UPDATE mirror_patient SET merged_into_id = %s WHERE id = %s", [survivor_id, merged_id]
        )
        self.cursor.execute("SELECT version FROM mirror_patient WHERE id = %s", [merged_id])
        version = int(self.cursor.fetchone()[0]) + 1
        self.cursor.execute(
            "UPDATE mirror_patient SET version = %s WHERE id = %s", [version, merged_id]
        )
        previous = self.latest_data("Patient", merged_rkey)
        merged = {**previous, "merged_into_id": survivor_id}
        self.version("Patient", merged_rkey, version, to_json(merged))
        for table in ("mirror_stay", *(t for k, t in _TABLES.items() if k in _CLINICAL)):
            self.cursor.execute(
                f"UPDATE {table} SET patient_id = %s WHERE patient_id = %s",  # noqa: S608
                [survivor_id, merged_id],
            )
        return True

    def latest_data(self, rtype: str, rkey: str) -> dict[str, Any]:
        self.cursor.execute(
            "SELECT data FROM mirror_version WHERE rtype = %s AND rkey = %s "
            "ORDER BY version DESC LIMIT 1",
            [rtype, rkey],
        )
        row = self.cursor.fetchone()
        return load_json(row[0]) if row else {}

    def rename_patient(self, old_rkey: str, rec: r.PatientRecord) -> None:
        """A47: the IPP changed; the projection row follows, the old versions stay."""
        self.cursor.execute(
            "UPDATE mirror_patient SET rkey = %s, ipp = %s, authority = %s WHERE rkey = %s",
            [rec.rkey, rec.ipp, rec.authority, old_rkey],
        )

    def move_stay(self, stay_rkey: str, patient_id: int) -> None:
        """A44: the account moves to another patient."""
        self.cursor.execute(
            "UPDATE mirror_stay SET patient_id = %s WHERE rkey = %s", [patient_id, stay_rkey]
        )

    def reference(self, rec: r.ReferenceRecord) -> int:
        rkey = f"{rec.rtype}/{rec.rid}"
        data = {"rtype": rec.rtype, "label": rec.label, **rec.data}
        columns = {"rtype": rec.rtype, "label": rec.label, "data": to_json(rec.data)}
        return self.put("Reference", rkey, columns, data, version_type=rec.rtype)


def identifiers_json(known: str, received: list[dict[str, str]]) -> str:
    """The union of the identifiers already known and those just received; a system sent again
    takes its new value (an IPP changed by A47), so one system has one value."""
    try:
        loaded = json.loads(known) if known else []
    except ValueError:
        loaded = []
    systems = {i["system"] for i in received}
    kept = [i for i in loaded if isinstance(i, dict) and i.get("system") not in systems]
    return _ENCODER.encode(kept + received)


_CLINICAL = {
    "Allergy",
    "Condition",
    "Immunization",
    "Prescription",
    "Administration",
    "Result",
    "Document",
}


# -- for writers that batch many resources (the FHIR bulk import) ---------------------------


def table_of(rtype: str) -> str:
    """The projection table of a record type (``"Patient"`` -> ``mirror_patient``)."""
    return _TABLES[rtype]


def state_digest(text: str) -> str:
    """The digest ``Store.put`` keeps of a state: equal digests mean nothing changed."""
    return _digest(text)
