"""Every recovery change: identity decisions and export state. Atomic and journaled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from autarcie.care.models import TempPatient
from autarcie.care.queries import current
from autarcie.core import clock
from autarcie.core.errors import AccessDenied, AutarcieError
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import User
from autarcie.core.roles import Role
from autarcie.mirror.models import Patient
from autarcie.recovery.items import Item
from autarcie.recovery.models import (
    Decision,
    ExportRecord,
    IdentityLink,
    LinkState,
    Status,
)

# Identity vigilance: decisions are made and confirmed by the admissions office.
IDENTITY_ROLES = (Role.SECRETARY,)


class ReconciliationError(AutarcieError):
    """An identity decision that cannot be taken as asked."""


def _check_identity_role(actor: User) -> None:
    if not actor.has_role(*IDENTITY_ROLES):
        raise AccessDenied("Seul le secrétariat des admissions rapproche les identités.")


def _journal(action: Action, actor: Actor, link: IdentityLink, **details: object) -> None:
    base: dict[str, object] = {
        "link": link.pk,
        "tempid": link.temp_patient.tempid,
        "decision": link.decision,
        "patient": link.patient_id,
    }
    record(
        action,
        actor=actor,
        target_type="temp_patient",
        target_id=link.temp_patient_id,
        details=base | details,
    )


def propose_link(
    *, actor: User, temp: TempPatient, patient: Patient | None, score: float = 0.0
) -> IdentityLink:
    """Propose that ``temp`` is ``patient`` (or, with ``None``, a new patient)."""
    _check_identity_role(actor)
    with transaction.atomic():
        if IdentityLink.objects.filter(
            temp_patient=temp, state__in=(LinkState.PROPOSED, LinkState.CONFIRMED)
        ).exists():
            raise ReconciliationError(
                f"Une décision est déjà en cours pour {temp.tempid} : annulez-la d'abord."
            )
        link = IdentityLink.objects.create(
            temp_patient=temp,
            decision=Decision.NEW if patient is None else Decision.MATCH,
            patient=patient,
            score=score,
            state=LinkState.PROPOSED,
            proposed_by=actor,
            proposed_at=clock.now(),
        )
        _journal(Action.RECOVERY_MATCH_PROPOSED, actor, link, score=round(score, 3))
    return link


def confirm_link(*, actor: User, link: IdentityLink) -> IdentityLink:
    """The second person's confirmation; the one who proposed may not confirm."""
    _check_identity_role(actor)
    with transaction.atomic():
        link = IdentityLink.objects.select_for_update().get(pk=link.pk)
        if link.state != LinkState.PROPOSED:
            raise ReconciliationError("Cette proposition n'est plus en attente de confirmation.")
        if link.proposed_by_id == actor.pk:
            raise ReconciliationError(
                "La confirmation doit être faite par une autre personne que celle qui a "
                "proposé le rapprochement (identitovigilance)."
            )
        link.state = LinkState.CONFIRMED
        link.confirmed_by = actor
        link.confirmed_at = clock.now()
        link.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        _journal(Action.RECOVERY_MATCH_CONFIRMED, actor, link, proposed_by=link.proposed_by_id)
    return link


def exported_records(temp: TempPatient) -> int:
    """How many records of ``temp`` already left Autarcie under its decided identity."""
    chains = current(temp.entries.all()).values_list("chain", flat=True)
    keys = [f"entry:{c}" for c in chains] + [f"identity:{temp.tempid}"]
    return (
        ExportRecord.objects.filter(record__in=keys)
        .exclude(status=Status.PENDING)
        .exclude(channel="rpu")  # the RPU file is anonymous: no identity went with it
        .count()
    )


def undo_link(*, actor: User, link: IdentityLink, reason: str) -> IdentityLink:
    """Undo a decision, which stays in the history; refused once a record was exported."""
    _check_identity_role(actor)
    if not reason.strip():
        raise ReconciliationError("Motif de l'annulation : obligatoire.")
    with transaction.atomic():
        link = IdentityLink.objects.select_for_update().get(pk=link.pk)
        if link.state == LinkState.UNDONE:
            raise ReconciliationError("Cette décision est déjà annulée.")
        if link.state == LinkState.CONFIRMED and exported_records(link.temp_patient):
            raise ReconciliationError(
                "Des saisies de ce patient ont déjà été transmises sous cette identité : "
                "la correction se fait désormais dans le SIH (fusion ou modification)."
            )
        link.state = LinkState.UNDONE
        link.undone_reason = reason.strip()[:300]
        link.save(update_fields=["state", "undone_reason"])
        _journal(Action.RECOVERY_MATCH_UNDONE, actor, link, reason=link.undone_reason)
    return link


@dataclass(frozen=True)
class Answer:
    """What a receiver said about one record."""

    status: str  # Status value
    text: str = ""
    message_id: str = ""


def _table() -> str:
    """Our own table's quoted name: the only text formatted into the SQL below."""
    return connection.ops.quote_name(ExportRecord._meta.db_table)


def _when(moment: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def mark_sending(*, actor: Actor, channel: str, items: list[Item], ids: Mapping[str, str]) -> None:
    """Before anything leaves: each record is "sent" (a crash then means "send again").

    One upsert per record through ``executemany`` (SQLite and PostgreSQL share the syntax):
    thousands of records are marked in one transaction without a query built per row.
    """
    now = _when(clock.now())
    label = (actor.username if isinstance(actor, User) else actor)[:120]
    table = _table()
    sql = (
        f"INSERT INTO {table} (record, channel, kind, unit_code, version, status, answer, "  # noqa: S608
        "message_id, attempts, first_sent_at, sent_at, answered_at, sent_by) "
        "VALUES (%s, %s, %s, %s, %s, %s, '', %s, 1, %s, %s, NULL, %s) "
        "ON CONFLICT (record, channel) DO UPDATE SET version = excluded.version, "
        "status = excluded.status, answer = '', message_id = excluded.message_id, "
        f"attempts = {table}.attempts + 1, sent_at = excluded.sent_at, "
        "sent_by = excluded.sent_by"
    )
    rows = [
        (
            item.record,
            channel,
            item.kind,
            item.unit_code,
            item.version,
            Status.SENT.value,
            ids.get(item.record, "")[:80],
            now,
            now,
            label,
        )
        for item in items
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def mark_answers(
    *, actor: Actor, channel: str, answers: Mapping[str, Answer], details: Mapping[str, object]
) -> dict[str, int]:
    """Store each receiver answer; one journal entry for the whole run."""
    now = _when(clock.now())
    counts: dict[str, int] = {}
    sql = (
        f"UPDATE {_table()} SET status = %s, answer = %s, "  # noqa: S608
        "message_id = COALESCE(NULLIF(%s, ''), message_id), "
        "answered_at = CASE WHEN %s = 'sent' THEN answered_at ELSE %s END "
        "WHERE record = %s AND channel = %s"
    )
    rows = []
    for key, answer in answers.items():
        status = str(answer.status)
        counts[status] = counts.get(status, 0) + 1
        rows.append((status, answer.text[:500], answer.message_id[:80], status, now, key, channel))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        record(
            Action.RECOVERY_EXPORTED,
            actor=actor,
            target_type="channel",
            details={"channel": channel, "counts": counts, **details},
        )
    return counts
