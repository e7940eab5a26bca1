"""Stays and their movements: the stay's state is folded from its movements, so cancellations,
historic corrections (Z99) and late messages all land on the same answer."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from autarcie.mirror import records as r
from autarcie.mirror.hl7.pam import MOVEMENT_KINDS
from autarcie.mirror.store import Store, as_dict

_MOVEMENT_COLUMNS = [
    "movement_id",
    "kind",
    "trigger",
    "start",
    "unit_code",
    "room",
    "bed",
    "medical_unit",
    "nature",
    "attending",
    "patient_class",
    "cancelled",
    "historic",
]


# Quoted: column names must never collide with an engine's reserved words.
_MOVEMENT_SELECT = ", ".join(f'"{c}"' for c in _MOVEMENT_COLUMNS)


@dataclasses.dataclass(frozen=True)
class StayState:
    status: str = "pending"
    admitted_at: dt.datetime | None = None
    discharged_at: dt.datetime | None = None
    unit_code: str = ""
    room: str = ""
    bed: str = ""
    medical_unit: str = ""
    attending: str = ""
    patient_class: str = ""
    # Present although its admission was never received: the feed started while the patient
    # was already in, and a later movement (or the census) told us the stay was running.
    known_by_movement: bool = False


# Movements that only happen during a running stay, with the status they leave it in. Received
# for a stay never admitted in the mirror, they make it present (flagged known_by_movement).
_RUNNING = {
    "transfer": "admitted",
    "to_inpatient": "admitted",
    "to_outpatient": "admitted",
    "attending_change": "admitted",
    "leave": "on_leave",
    "leave_return": "admitted",
    "census": "admitted",
    "census_leave": "on_leave",
}
# A cancellation received without the movement it cancels says the stay is running too: a
# discharge cancelled (A13) leaves the patient in, a return cancelled (A53) leaves them on leave.
_RUNNING_WHEN_CANCELLED = {
    "discharge": "admitted",
    "transfer": "admitted",
    "to_inpatient": "admitted",
    "to_outpatient": "admitted",
    "attending_change": "admitted",
    "leave": "admitted",
    "leave_return": "on_leave",
}
_CANCEL_TRIGGER = {kind: cancel for kind, _insert, cancel in MOVEMENT_KINDS}
_NOT_ADMITTED = ("pending", "preadmitted")
_SHOWN = ("admitted", "on_leave", "discharged")  # a stay that has been shown as begun
CENSUS_MOVEMENT = "census"  # one per stay: each census import replaces the last one


def _located(state: StayState, mv: dict[str, Any]) -> StayState:
    changes = {k: mv[k] for k in ("unit_code", "room", "bed", "medical_unit") if mv.get(k)}
    if mv.get("attending"):
        changes["attending"] = mv["attending"]
    if mv.get("patient_class"):
        changes["patient_class"] = mv["patient_class"]
    return dataclasses.replace(state, **changes)


def _implied(state: StayState, mv: dict[str, Any], status: str) -> StayState:
    """The stay was running before the mirror heard of it: present at this movement's place."""
    return dataclasses.replace(
        _located(state, mv), status=status, discharged_at=None, known_by_movement=True
    )


def _known_by_cancel(state: StayState, mv: dict[str, Any]) -> StayState:
    """A cancellation whose movement was never received (its trigger is the cancel's)."""
    status = _RUNNING_WHEN_CANCELLED.get(mv["kind"])
    if status is None or mv["trigger"] != _CANCEL_TRIGGER.get(mv["kind"]):
        return state
    if state.status not in _NOT_ADMITTED:
        return state
    return _implied(state, mv, status)


def _step(state: StayState, mv: dict[str, Any]) -> StayState:
    kind = mv["kind"]
    running = _RUNNING.get(kind)
    if running is not None and state.status in _NOT_ADMITTED:
        return _implied(state, mv, running)
    if running is not None and kind.startswith("census"):
        # The census states the present: it wins over what earlier movements left.
        return dataclasses.replace(_located(state, mv), status=running, discharged_at=None)
    if kind == "pre_admission":
        if state.status == "pending":
            state = dataclasses.replace(_located(state, mv), status="preadmitted")
    elif kind in ("admission", "outpatient_admission"):
        state = dataclasses.replace(
            _located(state, mv),
            status="admitted",
            admitted_at=mv["start"],
            discharged_at=None,
            known_by_movement=False,
        )
    elif kind in ("transfer", "to_inpatient", "to_outpatient", "attending_change"):
        state = _located(state, mv)
    elif kind == "leave":
        state = dataclasses.replace(state, status="on_leave")
    elif kind == "leave_return":
        state = dataclasses.replace(_located(state, mv), status="admitted")
    elif kind == "discharge":
        state = dataclasses.replace(state, status="discharged", discharged_at=mv["start"])
    return state


def fold(movements: Iterable[dict[str, Any]]) -> StayState:
    """The stay as its movements describe it, in clinical order.

    Cancelled movements count only when their original was never received (see
    ``_known_by_cancel``)."""
    state = StayState()
    every = list(movements)
    for mv in sorted(every, key=lambda m: (m["start"], m.get("seq", 0))):
        state = _known_by_cancel(state, mv) if mv["cancelled"] else _step(state, mv)
    if state.status == "pending" and every and all(m["cancelled"] for m in every):
        state = dataclasses.replace(state, status="cancelled")
    return state


def _load_movements(store: Store, stay_id: int) -> dict[str, dict[str, Any]]:
    store.cursor.execute(
        f"SELECT id, {_MOVEMENT_SELECT} FROM mirror_movement "  # noqa: S608
        "WHERE stay_id = %s",
        [stay_id],
    )
    rows: dict[str, dict[str, Any]] = {}
    for row in store.cursor.fetchall():
        item = dict(zip(("seq", *_MOVEMENT_COLUMNS), row, strict=True))
        item["start"] = _as_datetime(item["start"])
        item["cancelled"] = bool(item["cancelled"])
        item["historic"] = bool(item["historic"])
        rows[item["movement_id"]] = item
    return rows


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _merged(existing: dict[str, Any] | None, mv: r.MovementRecord) -> dict[str, Any]:
    fresh = {k: getattr(mv, k) for k in _MOVEMENT_COLUMNS if hasattr(mv, k)}
    fresh["cancelled"] = mv.action == "CANCEL"
    if existing is None:
        return {**fresh, "seq": 1 << 60}
    if mv.action == "CANCEL":
        return {**existing, "cancelled": True}
    if mv.action == "UPDATE":
        # Z99 corrects the movement; the kind and its trigger are those of the original.
        kept = {"kind": existing["kind"], "trigger": existing["trigger"], "cancelled": False}
        return {**existing, **{k: v for k, v in fresh.items() if v not in ("", None)}, **kept}
    return {**existing, **fresh}


def apply_movement(store: Store, patient_id: int, stay: r.StayRef, mv: r.MovementRecord) -> int:
    """Record one movement (INSERT, UPDATE or CANCEL) and refold its stay; return the stay id."""
    found = store.current("Stay", stay.rkey)
    movements = _load_movements(store, found[0]) if found else {}
    movements[mv.movement_id] = _merged(movements.get(mv.movement_id), mv)
    state = fold(movements.values())
    if not state.patient_class and stay.patient_class:
        state = dataclasses.replace(state, patient_class=stay.patient_class)
    if state.known_by_movement and found:
        state = _as_shown_before(store, found[0], stay, state)
    elif state.known_by_movement and state.admitted_at is None:
        state = dataclasses.replace(state, admitted_at=stay.admitted_at)
    source = "by_movement" if state.known_by_movement else "movements"
    stay_id = _put_stay(store, patient_id, stay, state, source)
    item = movements[mv.movement_id]
    columns = {k: item[k] for k in _MOVEMENT_COLUMNS}
    columns["start"] = store.instant(item["start"])
    columns["stay_id"] = stay_id
    data = {**{k: item[k] for k in _MOVEMENT_COLUMNS}, "stay": stay.rkey}
    store.put("Movement", f"{stay.rkey}|{mv.movement_id}", columns, data)
    return stay_id


def apply_snapshot(store: Store, patient_id: int, stay: r.StayRef, snap: r.StaySnapshot) -> int:
    """A stay stated whole (FHIR Encounter, CSV census) when no movement describes it."""
    found = store.current("Stay", stay.rkey)
    if found and _has_movements(store, found[0]):
        return found[0]  # movements are the finer truth; a snapshot does not override them
    state = StayState(
        status=snap.status,
        admitted_at=snap.admitted_at,
        discharged_at=snap.discharged_at,
        unit_code=snap.unit_code,
        room=snap.room,
        bed=snap.bed,
        medical_unit=snap.medical_unit,
        attending=snap.attending,
        patient_class=stay.patient_class,
    )
    return _put_stay(store, patient_id, stay, state, "snapshot")


def apply_census(store: Store, patient_id: int, stay: r.StayRef, snap: r.StaySnapshot) -> int:
    """A census line: a snapshot for a stay without movements; for a stay with movements, the
    present state at the import, folded as one more movement (``census``, or ``census_leave``)
    so that later movements still apply on top of it."""
    found = store.current("Stay", stay.rkey)
    if not (found and _has_movements(store, found[0])):
        return apply_snapshot(store, patient_id, stay, snap)
    record = r.MovementRecord(
        movement_id=CENSUS_MOVEMENT,
        kind="census_leave" if snap.status == "on_leave" else "census",
        trigger="CSV",
        action="INSERT",
        start=store.origin.received_at,
        unit_code=snap.unit_code,
        room=snap.room,
        bed=snap.bed,
        attending=snap.attending,
        patient_class=stay.patient_class,
    )
    with_admission = dataclasses.replace(stay, admitted_at=snap.admitted_at)
    return apply_movement(store, patient_id, with_admission, record)


def _as_shown_before(store: Store, stay_id: int, stay: r.StayRef, state: StayState) -> StayState:
    """A stay present before this movement keeps its admission instant (a message without
    PV1-44 must not erase it), and its flag: a stay shown admitted without it (stated whole by
    a FHIR Encounter or a census, which carry the admission) is not flagged now."""
    store.cursor.execute(
        "SELECT admitted_at, source, status FROM mirror_stay WHERE id = %s", [stay_id]
    )
    row = store.cursor.fetchone()
    shown = _as_datetime(row[0]) if row and row[0] is not None else None
    admitted_unflagged = bool(row) and row[1] != "by_movement" and row[2] in _SHOWN
    return dataclasses.replace(
        state,
        admitted_at=state.admitted_at or stay.admitted_at or shown,
        known_by_movement=not admitted_unflagged,
    )


def _has_movements(store: Store, stay_id: int) -> bool:
    store.cursor.execute("SELECT 1 FROM mirror_movement WHERE stay_id = %s LIMIT 1", [stay_id])
    return store.cursor.fetchone() is not None


def _put_stay(store: Store, patient_id: int, stay: r.StayRef, state: StayState, source: str) -> int:
    columns = {
        "patient_id": patient_id,
        "nda": stay.nda,
        "patient_class": state.patient_class,
        "status": state.status,
        "admitted_at": store.instant(state.admitted_at),
        "discharged_at": store.instant(state.discharged_at),
        "unit_code": state.unit_code,
        "room": state.room,
        "bed": state.bed,
        "medical_unit": state.medical_unit,
        "attending": state.attending,
        "source": source,
    }
    data = {
        **as_dict(state),
        "patient_id": patient_id,
        "nda": stay.nda,
        "authority": stay.authority,
        "source": source,
    }
    return store.put("Stay", stay.rkey, columns, data)
