"""Per-patient clinical projections: allergies, conditions, immunizations, prescriptions,
administrations, results and documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from autarcie.mirror import records as r
from autarcie.mirror.store import Store, as_dict, to_json

ClinicalRecord = (
    r.AllergyRecord
    | r.ConditionRecord
    | r.ImmunizationRecord
    | r.PrescriptionRecord
    | r.AdministrationRecord
    | r.ResultRecord
    | r.DocumentRecord
)

_KIND = {
    r.AllergyRecord: "Allergy",
    r.ConditionRecord: "Condition",
    r.ImmunizationRecord: "Immunization",
    r.PrescriptionRecord: "Prescription",
    r.AdministrationRecord: "Administration",
    r.ResultRecord: "Result",
    r.DocumentRecord: "Document",
}

# Record fields that are not columns of the projection (kept in its JSON data).
_NOT_COLUMNS = {"key", "extra", "prescription_key"}
_NO_EXTRA = to_json({})


def _column_value(store: Store, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return store.instant(value)
    if isinstance(value, dt.date):
        return store.day(value)
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return value


def _prepare(
    store: Store, patient_id: int, rec: ClinicalRecord
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    fields = as_dict(rec)
    # Most values are text, stored as they are: only the others pay a conversion call.
    columns = {
        name: value if type(value) is str else _column_value(store, value)
        for name, value in fields.items()
        if name not in _NOT_COLUMNS
    }
    if isinstance(rec, r.AdministrationRecord):
        columns["prescription_rkey"] = rec.prescription_key
    if isinstance(rec, r.PrescriptionRecord):
        columns["active"] = rec.status == "active"
    extra = fields.get("extra")
    columns["patient_id"] = patient_id
    columns["data"] = to_json(extra) if extra else _NO_EXTRA
    return rec.key, columns, {**fields, "patient_id": patient_id}


def put_clinical(store: Store, patient_id: int, rec: ClinicalRecord) -> int:
    key, columns, data = _prepare(store, patient_id, rec)
    return store.put(_KIND[type(rec)], key, columns, data)


class ClinicalBuffer:
    """Clinical items of many resources held back and written together at the end of a batch.

    A bulk import is mostly observations; writing them type by type in a few statements is
    what makes it fast. An item whose key is already waiting forces a flush first, so the
    order of versions is kept.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.items: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = {}
        self.inbound: dict[str, list[int | None]] = {}
        self.keys: set[str] = set()

    def add(self, patient_id: int, rec: ClinicalRecord, inbound_id: int | None) -> None:
        if rec.key in self.keys:
            self.flush()
        kind = _KIND[type(rec)]
        self.items.setdefault(kind, []).append(_prepare(self.store, patient_id, rec))
        self.inbound.setdefault(kind, []).append(inbound_id)
        self.keys.add(rec.key)

    def flush(self) -> None:
        for kind, items in self.items.items():
            self.store.put_many(kind, items, self.inbound[kind])
        self.items, self.inbound, self.keys = {}, {}, set()


def put_clinical_many(store: Store, patient_id: int, records: list[ClinicalRecord]) -> None:
    """Many items of one patient in a few statements (a result message's observations)."""
    by_kind: dict[str, list[tuple[str, dict[str, Any], dict[str, Any]]]] = {}
    for rec in records:
        by_kind.setdefault(_KIND[type(rec)], []).append(_prepare(store, patient_id, rec))
    for kind, items in by_kind.items():
        store.put_many(kind, items)


def kind_of(rec: ClinicalRecord) -> str:
    """The record type (and so the projection table) a clinical record is written to."""
    return _KIND[type(rec)]
