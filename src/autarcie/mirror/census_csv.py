"""CSV census import: a HIS that can only export its present patients feeds the mirror.

Columns are those of ``docs/formats/census-csv.md``; what the import does with them is in
``docs/formats/census-import.md``. Each line becomes an inbound row (raw bytes kept), then a
patient, its open stay (a snapshot: admitted or on leave, with unit, room and bed) and its
allergies. A patient absent from a newer census is never discharged by it: absence is counted
and reported, because a census cannot tell a discharge from an omission.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action, record
from autarcie.mirror import records as r
from autarcie.mirror.clinical import put_clinical
from autarcie.mirror.models import Inbound, InboundState
from autarcie.mirror.state import is_frozen
from autarcie.mirror.status import count_feed
from autarcie.mirror.stays import apply_census
from autarcie.mirror.store import Origin, Store

REQUIRED = ("unit_code", "ipp", "nda", "birth_name", "sex", "birth_date", "admitted_at", "status")
OPTIONAL = (
    "unit_label",
    "room",
    "bed",
    "family_name",
    "given_names",
    "patient_class",
    "attending",
    "identity_status",
    "ins",
    "hidden",
    "allergies",
)
SENDER = "census"
BATCH_LINES = 2000
_STATUS = {"present": "admitted", "leave": "on_leave"}
_SEXES = frozenset({"F", "M", "U", "O", "A", "N"})
_INS_OID_QUALIFIED = ""  # the census does not say which INS OID; kept empty rather than guessed


class CensusError(AutarcieError):
    """The census file cannot be read at all (missing, no header, missing columns)."""


class BadLine(ValueError):
    """One line cannot be used; the message is the quarantine reason (no patient data)."""


@dataclass(frozen=True)
class CensusLine:
    patient: r.PatientRecord
    stay: r.StayRef
    snapshot: r.StaySnapshot
    allergies: tuple[str, ...]


def _field(row: dict[str, str], name: str, limit: int) -> str:
    value = (row.get(name) or "").strip()
    if len(value) > limit:
        raise BadLine(f"{name} longer than {limit} characters")
    return value


def _instant(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadLine("admitted_at is not an ISO 8601 date and time") from exc
    if moment.tzinfo is None:
        raise BadLine("admitted_at has no UTC offset")
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class Authorities:
    """Assigning authorities of the IPP and of the NDA columns: PAM FR keeps them apart (PID-3
    and PID-18 each name theirs), and a census must key its rows as the HL7 feed does."""

    ipp: str
    nda: str

    @property
    def sender(self) -> str:
        same = self.ipp == self.nda
        return (f"{SENDER}:{self.ipp}" if same else f"{SENDER}:{self.ipp};{self.nda}")[:200]

    @classmethod
    def of_sender(cls, sender: str) -> Authorities:
        ipp, _sep, nda = sender.removeprefix(f"{SENDER}:").partition(";")
        return cls(ipp, nda or ipp)


def parse_row(row: dict[str, str], authorities: Authorities) -> CensusLine:
    """One census row to records; raises :class:`BadLine`."""
    for name in REQUIRED:
        if not (row.get(name) or "").strip():
            raise BadLine(f"{name} is empty")
    sex = _field(row, "sex", 1).upper()
    if sex not in _SEXES:
        raise BadLine("sex is not F, M, U, O, A or N")
    status = _field(row, "status", 12)
    if status not in _STATUS:
        raise BadLine("status is not 'present' or 'leave'")
    try:
        birth_date = dt.date.fromisoformat(_field(row, "birth_date", 10))
    except ValueError as exc:
        raise BadLine("birth_date is not YYYY-MM-DD") from exc
    statuses = tuple(s for s in _field(row, "identity_status", 120).split("~") if s)
    ins = _field(row, "ins", 20)
    birth = _field(row, "birth_name", 120)
    used = _field(row, "family_name", 120)
    patient = r.PatientRecord(
        authority=authorities.ipp,
        ipp=_field(row, "ipp", 64),
        birth_family=birth,
        used_family=used if used != birth else "",
        given=_field(row, "given_names", 160).split(" ")[0],
        birth_date=birth_date,
        sex=sex,
        ins=ins,
        ins_oid=_INS_OID_QUALIFIED,
        # As PAM FR: the INS is trusted only with VALI (the census writes it only then).
        ins_trusted=bool(ins) and "VALI" in statuses,
        statuses=statuses,
        hidden=_field(row, "hidden", 1) == "1" or "CACH" in statuses,
    )
    stay = r.StayRef(authorities.nda, _field(row, "nda", 64), _field(row, "patient_class", 2))
    snapshot = r.StaySnapshot(
        status=_STATUS[status],
        admitted_at=_instant(_field(row, "admitted_at", 40)),
        unit_code=_field(row, "unit_code", 20),
        room=_field(row, "room", 20),
        bed=_field(row, "bed", 20),
        attending=_field(row, "attending", 200),
    )
    allergies = tuple(a.strip()[:200] for a in (row.get("allergies") or "").split(";") if a.strip())
    return CensusLine(patient, stay, snapshot, allergies)


@dataclass
class CensusSummary:
    read: int = 0
    applied: int = 0
    held: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    absent: int = 0  # open stays of this authority that the census does not list

    def line(self) -> str:
        return (
            f"{self.read} lines: {self.applied} applied, {self.held} held, "
            f"{self.rejected} rejected; {self.absent} open stays not in this census "
            "(left as they were, see docs/formats/census-import.md)"
        )


def _split(header: list[str], line: bytes) -> dict[str, str] | None:
    try:
        values = next(csv.reader(io.StringIO(line.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    return dict(zip(header, values, strict=True)) if len(values) == len(header) else None


def _header(raw: bytes) -> list[str]:
    header = next(csv.reader([raw.decode("utf-8-sig", "replace")]), [])
    return [h.strip() for h in header]


def _rows(path: Path) -> Iterator[tuple[int, bytes, dict[str, str] | None]]:
    """(line number, header and line as kept, row or None when the line does not split).

    The inbound row keeps the header with the line: a census line alone cannot be read again.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise CensusError(f"{path}: cannot be read ({exc.strerror}); nothing was imported") from exc
    with handle:
        header_raw = handle.readline().rstrip(b"\r\n")
        header = _header(header_raw)
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise CensusError(
                f"{path.name}: missing columns {', '.join(missing)}; nothing was imported "
                "(see docs/formats/census-csv.md)"
            )
        for number, raw in enumerate(handle, start=2):
            line = raw.rstrip(b"\r\n")
            if line.strip():
                yield number, header_raw + b"\n" + line, _split(header, line)


class _CensusBatch:
    def __init__(self, authorities: Authorities, run: str, summary: CensusSummary) -> None:
        self.authorities = authorities
        self.run = run
        self.summary = summary
        self.now = clock.now()
        self.cursor = connection.cursor()
        self.frozen = is_frozen()
        self.states: Counter[str] = Counter()
        self.ids: list[int] = []
        self.digest = hashlib.sha256()

    def keep(self, number: int, raw: bytes, state: str, reason: str) -> int:
        at = connection.ops.adapt_datetimefield_value(self.now)
        self.cursor.execute(
            "INSERT INTO mirror_inbound (feed, sender, control_id, event, received_at, raw, "
            "sha256, state, reason, error_location, ack_code, applied_at) "
            "VALUES ('csv', %s, %s, 'census', %s, %s, %s, %s, %s, %s, '', %s) RETURNING id",
            [
                self.authorities.sender,
                f"{self.run}:{number:08d}",
                at,
                raw,
                hashlib.sha256(raw).hexdigest(),
                state,
                reason,
                f"line {number}" if reason else "",
                at if state == InboundState.APPLIED else None,
            ],
        )
        inbound_id = int(self.cursor.fetchone()[0])
        self.ids.append(inbound_id)
        self.states[state] += 1
        return inbound_id

    def one(self, number: int, raw: bytes, row: dict[str, str] | None) -> str | None:
        """Apply one line; return its NDA when it names an open stay."""
        self.digest.update(raw)
        self.summary.read += 1
        try:
            if row is None:
                raise BadLine("the line does not have the header's columns")
            line = parse_row(row, self.authorities)
        except BadLine as exc:
            self.keep(number, raw, InboundState.QUARANTINED, str(exc))
            self.summary.rejected += 1
            self.summary.reasons[str(exc)] += 1
            return None
        if self.frozen:
            self.keep(number, raw, InboundState.HELD, "")
            self.summary.held += 1
            return line.stay.rkey
        inbound_id = self.keep(number, raw, InboundState.APPLIED, "")
        _apply_line(Store(self.cursor, Origin(inbound_id, "csv", self.now)), line)
        self.summary.applied += 1
        return line.stay.rkey

    def close(self) -> None:
        if not self.ids:
            return
        sender = self.authorities.sender
        count_feed("csv", Counter({(sender, s): n for s, n in self.states.items()}), self.now)
        record(
            Action.FEED_BATCH_COMMITTED,
            actor="system:csv-census",
            target_type="inbound",
            target_id=f"{min(self.ids)}-{max(self.ids)}",
            details={
                "feed": "csv",
                "count": len(self.ids),
                "first_id": min(self.ids),
                "last_id": max(self.ids),
                "sha256": self.digest.hexdigest(),
                "states": dict(sorted(self.states.items())),
            },
        )


def _apply_line(store: Store, line: CensusLine) -> None:
    patient_id = store.patient(line.patient)
    apply_census(store, patient_id, line.stay, line.snapshot)
    for label in line.allergies:
        key = f"{line.patient.rkey}|allergy|{label}"
        put_clinical(store, patient_id, r.AllergyRecord(key=key, label=label))


def reapply_census(inbound: Inbound) -> str:
    """Apply a kept census line again (held after a freeze, quarantined after a fix)."""
    header_raw, _, line = bytes(inbound.raw).partition(b"\n")
    row = _split(_header(header_raw), line)
    try:
        if row is None:
            raise BadLine("the line does not have the header's columns")
        parsed = parse_row(row, Authorities.of_sender(inbound.sender))
    except BadLine as exc:
        inbound.reason = str(exc)
        return InboundState.QUARANTINED
    _apply_line(Store(connection.cursor(), Origin(inbound.pk, "csv", inbound.received_at)), parsed)
    return InboundState.APPLIED


def _absent(authority: str, listed: set[str]) -> int:
    """Open stays of this authority the census does not list (counted, never closed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rkey FROM mirror_stay WHERE status IN ('admitted', 'on_leave') "
            "AND rkey >= %s AND rkey < %s",
            [f"{authority}|", f"{authority}}}"],  # '}' sorts right after '|'
        )
        return sum(1 for (rkey,) in cursor.fetchall() if rkey not in listed)


def import_census(path: Path, authority: str, nda_authority: str = "") -> CensusSummary:
    """Import one census file, one transaction per batch of lines; journal the whole run.

    ``authority`` assigns the IPP column, ``nda_authority`` the NDA column (default: the same).
    """
    authorities = Authorities(authority, nda_authority or authority)
    summary = CensusSummary()
    run = uuid.uuid4().hex[:12]
    listed: set[str] = set()
    rows = _rows(path)
    while True:
        with transaction.atomic():
            batch = _CensusBatch(authorities, run, summary)
            for number, raw, row in rows:
                rkey = batch.one(number, raw, row)
                if rkey:
                    listed.add(rkey)
                if len(batch.ids) >= BATCH_LINES:
                    break
            batch.close()
        if len(batch.ids) < BATCH_LINES:
            break
    summary.absent = _absent(authorities.nda, listed)
    with transaction.atomic():
        record(
            Action.FEED_IMPORTED,
            actor="system:csv-census",
            target_type="feed",
            target_id="csv",
            details={
                "source": "census",
                "file": path.name,
                "read": summary.read,
                "applied": summary.applied,
                "held": summary.held,
                "rejected": summary.rejected,
                "absent_open_stays": summary.absent,
            },
        )
    return summary
