"""The tamper-evident journal: one hash-chained entry per change and per read of a record.

Every entry is written by :func:`record`, inside the caller's transaction, so an entry exists
exactly when its change was committed. Writers are serialised on the single ``JournalHead`` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from django.db import connection, transaction

from autarcie.core import clock
from autarcie.core.errors import JournalError
from autarcie.core.models import JournalEntry, JournalHead, User
from autarcie.core.read_many import fetch_many

GENESIS_HASH = "0" * 64


class Action(StrEnum):
    INSTANCE_INITIALISED = "instance.initialised"
    KEY_CREATED = "key.created"
    UNIT_CREATED = "unit.created"
    UNIT_CHANGED = "unit.changed"
    USER_CREATED = "user.created"
    USER_ROLES_CHANGED = "user.roles_changed"
    USER_UNITS_CHANGED = "user.units_changed"
    USER_PASSWORD_CHANGED = "user.password_changed"  # noqa: S105 (a name, not a secret)
    USER_ACTIVATED = "user.activated"
    USER_DEACTIVATED = "user.deactivated"
    LOGIN_SUCCEEDED = "auth.login_succeeded"
    LOGIN_FAILED = "auth.login_failed"
    LOGIN_THROTTLED = "auth.login_throttled"
    THROTTLE_LIFTED = "auth.throttle_lifted"
    LOGOUT = "auth.logout"
    SESSION_LOCKED = "auth.session_locked"
    SESSION_IDLE_EXPIRED = "auth.session_idle_expired"
    SECOND_FACTOR_FAILED = "auth.second_factor_failed"
    TOTP_ENROLLED = "auth.totp_enrolled"
    TOTP_RESET = "auth.totp_reset"
    RECOVERY_CODES_ISSUED = "auth.recovery_codes_issued"
    RECOVERY_CODE_USED = "auth.recovery_code_used"
    JOURNAL_EXPORTED = "journal.exported"
    JOURNAL_VERIFIED = "journal.verified"
    DEMO_BUILT = "demo.built"
    TEMPIDS_ALLOCATED = "tempids.allocated"
    TEMPIDS_RECEIVED = "tempids.received"
    FEED_BATCH_COMMITTED = "feed.batch_committed"
    FEED_SENDER_REJECTED = "feed.sender_rejected"
    FEED_CONTROL_ID_REUSED = "feed.control_id_reused"
    FEED_IMPORTED = "feed.imported"
    MIRROR_FROZEN = "mirror.frozen"
    MIRROR_UNFROZEN = "mirror.unfrozen"
    HELD_APPLIED = "mirror.held_applied"
    HELD_DISCARDED = "mirror.held_discarded"
    QUARANTINE_REPROCESSED = "mirror.quarantine_reprocessed"
    QUARANTINE_DISCARDED = "mirror.quarantine_discarded"
    INBOUND_VIEWED = "mirror.inbound_viewed"
    VERSIONS_PURGED = "mirror.versions_purged"
    # chart and viewer: reads of patient records
    PATIENT_OPENED = "patient.opened"
    PATIENTS_LISTED = "patient.listed"
    BREAK_GLASS = "patient.break_glass"
    # mirror: HL7 MLLP listener
    LISTENER_STARTED = "feed.listener_started"
    LISTENER_STOPPED = "feed.listener_stopped"
    # crisis
    CRISIS_DECLARED = "crisis.declared"
    CRISIS_PHASE_CHANGED = "crisis.phase_changed"
    CRISIS_LOG_WRITTEN = "crisis.log_written"
    CRISIS_TASK_CREATED = "crisis.task_created"
    CRISIS_TASK_UPDATED = "crisis.task_updated"
    CRISIS_SITREP_PUBLISHED = "crisis.sitrep_published"
    CRISIS_CLOCK_UPDATED = "crisis.clock_updated"
    CRISIS_CLOCK_SUBMITTED = "crisis.clock_submitted"
    CRISIS_CLOCK_REMINDED = "crisis.clock_reminded"
    CRISIS_EXPORTED = "crisis.exported"
    CRISIS_CONTACTS_IMPORTED = "crisis.contacts_imported"
    CRISIS_TEMPLATE_SAVED = "crisis.template_saved"
    CRISIS_TEMPLATE_APPROVED = "crisis.template_approved"
    CRISIS_ALERT_CREATED = "crisis.alert_created"
    CRISIS_ALERT_DISPATCHED = "crisis.alert_dispatched"
    CRISIS_ALERT_RETRIED = "crisis.alert_retried"
    CRISIS_ALERT_ANSWERED = "crisis.alert_answered"
    CRISIS_PLAN_IMPORTED = "crisis.plan_imported"
    CRISIS_PLAN_OVERRIDDEN = "crisis.plan_overridden"
    CRISIS_ITEM_STAGED = "crisis.item_staged"
    CRISIS_CREDENTIAL_ROTATED = "crisis.credential_rotated"
    CRISIS_EFFORT_RECORDED = "crisis.effort_recorded"
    CRISIS_SMS_RECEIVED = "crisis.sms_received"
    CRISIS_SMS_WEBHOOK_REJECTED = "crisis.sms_webhook_rejected"
    CRISIS_LESSON_SAVED = "crisis.lesson_saved"
    DRILL_SCENARIO_INSTALLED = "drill.scenario_installed"
    DRILL_STARTED = "drill.started"
    DRILL_PACE_SHIFTED = "drill.pace_shifted"
    DRILL_OBSERVED = "drill.observed"
    DRILL_REPORT_BUILT = "drill.report_built"
    # kits
    KIT_BUILT = "kit.built"
    KIT_BUILD_FAILED = "kit.build_failed"
    KIT_DOWNLOADED = "kit.downloaded"
    KIT_PRINTED = "kit.printed"
    KIT_PRINT_FAILED = "kit.print_failed"
    KIT_PRUNED = "kit.pruned"
    KIT_ARCHIVED = "kit.archived"
    # fhir api and tokens
    TOKEN_CREATED = "token.created"  # noqa: S105 (a name, not a secret)
    TOKEN_REVOKED = "token.revoked"  # noqa: S105 (a name, not a secret)
    TOKEN_REJECTED = "token.rejected"  # noqa: S105 (a name, not a secret)
    # care
    CARE_PATIENT_ADMITTED = "care.patient_admitted"
    CARE_ENTRY_RECORDED = "care.entry_recorded"
    CARE_ENTRY_CORRECTED = "care.entry_corrected"
    CARE_STOCK_RECORDED = "care.stock_recorded"
    CARE_STOCK_CORRECTED = "care.stock_corrected"
    CARE_STOCK_THRESHOLD_SET = "care.stock_threshold_set"
    CARE_BEDS_CONFIGURED = "care.beds_configured"
    CARE_BEDS_UPDATED = "care.beds_updated"
    CARE_BEDS_EXPORTED = "care.beds_exported"
    CARE_DOWNTIME_DEMO = "care.downtime_demo"
    # resilience
    BACKUP_CREATED = "backup.created"
    BACKUP_FAILED = "backup.failed"
    BACKUP_PRUNED = "backup.pruned"
    BACKUP_RESTORED = "backup.restored"
    BACKUP_DRILLED = "backup.drilled"
    KEY_ROTATED = "key.rotated"
    KEY_ESCROWED = "key.escrowed"
    SATELLITE_PAIRING_CREATED = "satellite.pairing_created"
    SATELLITE_ENROLLED = "satellite.enrolled"
    SATELLITE_ENROL_REFUSED = "satellite.enrol_refused"
    SATELLITE_REVOKED = "satellite.revoked"
    SATELLITE_PULLED = "satellite.pulled"
    SATELLITE_REJECTED = "satellite.rejected"
    SATELLITE_SYNCED = "satellite.synced"
    SATELLITE_SYNC_REFUSED = "satellite.sync_refused"
    SATELLITE_PUSHED = "satellite.pushed"
    SATELLITE_CARE_IMPORTED = "satellite.care_imported"
    SATELLITE_JOURNAL_IMPORTED = "satellite.journal_imported"
    # recovery
    RECOVERY_MATCH_PROPOSED = "recovery.match_proposed"
    RECOVERY_MATCH_CONFIRMED = "recovery.match_confirmed"
    RECOVERY_MATCH_UNDONE = "recovery.match_undone"
    RECOVERY_EXPORTED = "recovery.exported"
    RECOVERY_REPORT_BUILT = "recovery.report_built"
    RECOVERY_IDENTITIES_VIEWED = "recovery.identities_viewed"


Actor = User | str  # a user, or "system:<component>"


def _actor_fields(actor: Actor) -> tuple[str, User | None]:
    if isinstance(actor, User):
        return f"user:{actor.pk}", actor
    if not actor.startswith("system:"):
        raise JournalError(f"a non-user actor must be named 'system:<component>', not {actor!r}")
    return actor, None


def _canonical(entry: JournalEntry) -> bytes:
    """The bytes an entry's hash covers: its fields as JSON with sorted keys, no spaces."""
    before, after = _canonical_around_seq(entry)
    return before + str(entry.seq).encode() + after


def _canonical_around_seq(entry: JournalEntry) -> tuple[bytes, bytes]:
    """The canonical bytes before and after the sequence number, which sorts between
    ``details`` and ``target_id``: PostgreSQL fills the number in under the head's lock."""

    def text(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    moment = entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    before = (
        f'{{"action":{text(entry.action)},"actor":{text(entry.actor)},"at":{text(moment)},'
        f'"details":{text(entry.details)},"seq":'
    )
    after = f',"target_id":{text(entry.target_id)},"target_type":{text(entry.target_type)}}}'
    return before.encode(), after.encode()


def compute_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical).hexdigest()


def _entry_hash(entry: JournalEntry) -> str:
    return compute_hash(entry.prev_hash, _canonical(entry))


def record(
    action: Action,
    *,
    actor: Actor,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> JournalEntry:
    """Append one entry to the chain, in the caller's transaction."""
    if not isinstance(action, Action):
        raise JournalError(f"unknown journal action {action!r}")
    actor_id, actor_user = _actor_fields(actor)
    payload = dict(details or {})
    # Round-trip once so the hash covers exactly what the database will give back.
    payload = json.loads(json.dumps(payload, ensure_ascii=False))
    entry = JournalEntry(
        actor=actor_id,
        actor_user=actor_user,
        action=action.value,
        target_type=target_type,
        target_id=str(target_id),
        details=payload,
    )
    if connection.vendor == "postgresql":
        entry.at = clock.now()
        _append_on_server(entry)  # numbered and hashed under the head's lock, on the server
        return entry
    with transaction.atomic(savepoint=False):
        prev_seq, entry.prev_hash = _locked_head()
        entry.seq = prev_seq + 1
        entry.at = clock.now()
        entry.hash = _entry_hash(entry)
        _insert(entry)
    return entry


# Plain SQL: the journal is written on every hot path (each listener batch, each care entry,
# each record opened), and the ORM's save costs more than the statements themselves.


def _locked_head() -> tuple[int, str]:
    table = connection.ops.quote_name(JournalHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} WHERE id = 1{lock}")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        # The migration creates the row; a flushed test database has lost it.
        JournalHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        return _locked_head()
    return int(row[0]), str(row[1])


_ENTRY_COLUMNS = (
    "seq",
    "at",
    "actor",
    "actor_user_id",
    "action",
    "target_type",
    "target_id",
    "details",
    "prev_hash",
    "hash",
)


def _insert(entry: JournalEntry) -> None:
    meta = JournalEntry._meta
    values = [
        entry.seq,
        connection.ops.adapt_datetimefield_value(entry.at),
        entry.actor,
        entry.actor_user_id,
        entry.action,
        entry.target_type,
        entry.target_id,
        meta.get_field("details").get_db_prep_save(entry.details, connection),
        entry.prev_hash,
        entry.hash,
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in _ENTRY_COLUMNS)
    marks = ", ".join(["%s"] * len(values))
    head = quote(JournalHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) RETURNING id",  # noqa: S608
            values,
        )
        entry.pk = cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {head} SET seq = %s, hash = %s WHERE id = 1",  # noqa: S608
            [entry.seq, entry.hash],
        )
    entry._state.adding = False
    entry._state.db = connection.alias


# On PostgreSQL one statement locks the head, hashes the entry, inserts it and moves the head:
# the lock is held for that statement (and its transaction's commit), not across round trips
# to this process; outside a transaction the statement commits by itself. The server computes
# the same hash as ``compute_hash``, the canonical bytes around the number being made here.
_APPEND_ON_SERVER = """
WITH head AS (
    SELECT seq + 1 AS seq, hash AS prev_hash FROM core_journalhead WHERE id = 1 FOR UPDATE
), entry AS (
    SELECT seq, prev_hash, encode(sha256(
        convert_to(prev_hash || E'\\n', 'UTF8') || %s::bytea
        || convert_to(seq::text, 'UTF8') || %s::bytea
    ), 'hex') AS hash
    FROM head
), inserted AS (
    INSERT INTO core_journalentry
        (seq, at, actor, actor_user_id, action, target_type, target_id, details, prev_hash, hash)
    SELECT seq, %s::timestamptz, %s::text, %s::bigint, %s::text, %s::text, %s::text, %s::jsonb,
        prev_hash, hash
    FROM entry
    RETURNING id, seq, prev_hash, hash
), moved AS (
    UPDATE core_journalhead SET seq = inserted.seq, hash = inserted.hash
    FROM inserted WHERE core_journalhead.id = 1
)
SELECT id, seq, prev_hash, hash FROM inserted
"""


def _append_on_server(entry: JournalEntry) -> None:
    before, after = _canonical_around_seq(entry)
    details = JournalEntry._meta.get_field("details").get_db_prep_save(entry.details, connection)
    params = [
        before,
        after,
        entry.at,
        entry.actor,
        entry.actor_user_id,
        entry.action,
        entry.target_type,
        entry.target_id,
        details,
    ]
    (rows,) = fetch_many([(_APPEND_ON_SERVER, params)])
    if not rows:
        # The migration creates the head; a flushed test database has lost it.
        JournalHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        (rows,) = fetch_many([(_APPEND_ON_SERVER, params)])
    entry.pk, entry.seq, entry.prev_hash, entry.hash = rows[0]
    entry._state.adding = False
    entry._state.db = connection.alias


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def head() -> Head:
    """The last link: print it on paper as a witness of the journal as it stood."""
    row = JournalHead.objects.filter(pk=1).first()
    if row is None:
        return Head(seq=0, hash=GENESIS_HASH)
    return Head(seq=row.seq, hash=row.hash)


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head_hash: str
    bad_seq: int | None = None
    reason: str = ""
    # What broke, for a page to say it in words: "missing", "link", "content" or "head".
    kind: str = ""


def _ordered_entries() -> Iterator[JournalEntry]:
    return JournalEntry.objects.order_by("seq").iterator(chunk_size=2000)


def verify() -> Verification:
    """Walk the whole chain; report the first entry edited, removed, inserted or moved."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in _ordered_entries():
        if entry.seq != expected_seq:
            return Verification(
                False,
                count,
                expected_prev,
                expected_seq,
                f"entry {expected_seq} is missing (next entry found is {entry.seq})",
                "missing",
            )
        if entry.prev_hash != expected_prev:
            return Verification(
                False,
                count,
                expected_prev,
                entry.seq,
                "its link to the previous entry is broken",
                "link",
            )
        if _entry_hash(entry) != entry.hash:
            return Verification(
                False,
                count,
                expected_prev,
                entry.seq,
                "its content does not match its hash",
                "content",
            )
        expected_prev = entry.hash
        expected_seq += 1
        count += 1
    current = head()
    if current.seq != count or current.hash != expected_prev:
        return Verification(
            False,
            count,
            expected_prev,
            count + 1,
            f"the chain ends at entry {count} but the head says {current.seq}",
            "head",
        )
    return Verification(True, count, expected_prev)


def entry_as_dict(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def export(out: TextIO) -> int:
    """Write every entry as one JSON line; return the number written."""
    count = 0
    for entry in _ordered_entries():
        out.write(json.dumps(entry_as_dict(entry), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def export_to_file(path: Path, *, actor: Actor) -> int:
    with path.open("w", encoding="utf-8") as handle:
        count = export(handle)
    record(Action.JOURNAL_EXPORTED, actor=actor, details={"entries": count, "file": path.name})
    return count
