"""Applies what a FHIR resource means (``fhir_map`` operations) to the store."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from autarcie.mirror import records as r
from autarcie.mirror.clinical import ClinicalBuffer, put_clinical
from autarcie.mirror.fhir_map import (
    AliasOp,
    ClinicalOp,
    MovementOp,
    Op,
    PatientOp,
    ReferenceOp,
    StoreOnly,
    Venue,
    VenueOp,
)
from autarcie.mirror.stays import apply_movement, apply_snapshot
from autarcie.mirror.store import Store, to_json

if TYPE_CHECKING:
    from autarcie.mirror.fhir_import import AliasBook

_CANCELLED = frozenset({"cancelled", "entered-in-error"})


class NotApplicable(LookupError):
    """The resource is valid but cannot be applied now (a reference is not in the mirror)."""


def store_raw(store: Store, mapped: StoreOnly, resource: Any) -> None:
    """Keep a type the mirror does not project: a new version when the resource changed."""
    store.cursor.execute(
        "SELECT version, data FROM mirror_version WHERE rtype = %s AND rkey = %s "
        "ORDER BY version DESC LIMIT 1",
        [mapped.rtype, mapped.fhir_id],
    )
    row = store.cursor.fetchone()
    if row is not None:
        previous = json.loads(row[1]) if isinstance(row[1], str | bytes) else row[1]
        if previous == resource:
            return
    version = int(row[0]) + 1 if row else 1
    store.version(mapped.rtype, mapped.fhir_id, version, to_json(resource))


def _patient_ids(store: Store, ops: list[Op], book: AliasBook) -> dict[str, int]:
    """Every patient the operations need, found before anything is written."""
    created = {op.record.rkey for op in ops if isinstance(op, PatientOp)}
    ids: dict[str, int] = {}
    for op in ops:
        if isinstance(op, ClinicalOp | VenueOp | MovementOp) and op.patient_rkey not in created:
            found = book.patient_id(store, op.patient_rkey)
            if found is None:
                raise NotApplicable("patient not in the mirror")
            ids[op.patient_rkey] = found
    return ids


def apply_ops(
    store: Store, ops: list[Op], book: AliasBook, buffer: ClinicalBuffer | None = None
) -> None:
    ids = _patient_ids(store, ops, book)
    for op in ops:
        if isinstance(op, PatientOp):
            ids[op.record.rkey] = store.patient(op.record)
            book.patient_ids[op.record.rkey] = ids[op.record.rkey]
        elif isinstance(op, AliasOp):
            book.remember(store, op.ref, op.value)
        elif isinstance(op, ReferenceOp):
            store.reference(op.record)
        elif isinstance(op, ClinicalOp):
            if buffer is not None:
                buffer.add(ids[op.patient_rkey], op.record, store.origin.inbound_id)
            else:
                put_clinical(store, ids[op.patient_rkey], op.record)
        elif isinstance(op, VenueOp):
            apply_snapshot(store, ids[op.patient_rkey], op.stay, op.snapshot)
            if _movement_ids(store, op.stay):
                venue_events(store, ids[op.patient_rkey], _venue_of(op))
        elif isinstance(op, MovementOp):
            apply_movement(store, ids[op.patient_rkey], op.venue.stay, op.movement)
            venue_events(store, ids[op.patient_rkey], op.venue)


def _venue_of(op: VenueOp) -> Venue:
    snap = op.snapshot
    return Venue(
        op.stay,
        snap.admitted_at,
        op.fhir_status,
        snap.discharged_at,
        op.fhir_id,
        op.patient_rkey,
        snap.attending,
    )


def _movement_ids(store: Store, stay: r.StayRef) -> list[str]:
    store.cursor.execute(
        "SELECT m.movement_id FROM mirror_movement m JOIN mirror_stay s ON s.id = m.stay_id "
        "WHERE s.rkey = %s",
        [stay.rkey],
    )
    return [str(row[0]) for row in store.cursor.fetchall()]


def venue_events(store: Store, patient_id: int, venue: Venue) -> None:
    """Once a stay has movements, the venue's own status speaks through movements too.

    ``stays.apply_snapshot`` leaves a stay with movements alone, so a venue that is finished,
    on leave or cancelled adds (or cancels) movements of its own, ``<venue id>#discharge`` and
    ``<venue id>#leave``, which ``stays.fold`` reads like PAM's A03 and A21.
    """
    status = venue.fhir_status
    if status in _CANCELLED:
        for movement_id in _movement_ids(store, venue.stay):
            _movement(store, patient_id, venue, movement_id, "transfer", "CANCEL", None)
        return
    wanted = {
        "discharge": venue.ended_at if status == "finished" else None,
        "leave": store.origin.received_at if status == "onleave" else None,
    }
    for kind, start in wanted.items():
        movement_id = f"{venue.fhir_id}#{kind}"
        if start is not None:
            _movement(store, patient_id, venue, movement_id, kind, "INSERT", start)
        elif store.current("Movement", f"{venue.stay.rkey}|{movement_id}"):
            _movement(store, patient_id, venue, movement_id, kind, "CANCEL", None)


def _movement(
    store: Store,
    patient_id: int,
    venue: Venue,
    movement_id: str,
    kind: str,
    action: str,
    start: Any,
) -> None:
    moment = start or venue.admitted_at or store.origin.received_at
    record = r.MovementRecord(
        movement_id=movement_id,
        kind=kind,
        trigger="FHIR",
        action=action,
        start=moment,
        patient_class=venue.stay.patient_class,
    )
    apply_movement(store, patient_id, venue.stay, record)
