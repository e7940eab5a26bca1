"""What a downtime record is, for the exporters: plain dataclasses, no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

IDENTITY = "identity"
BEDS = "beds"
# The channels each kind of record must reach before the back-entry is finished.
REQUIRED: dict[str, tuple[str, ...]] = {
    IDENTITY: ("fhir", "hl7"),
    "movement": ("fhir", "hl7"),
    "passage": ("rpu",),
    "vitals": ("fhir",),
    "administration": ("fhir", "hl7"),
    "prescription": ("fhir",),
    "note": ("fhir",),
    "result": ("fhir", "hl7"),
    BEDS: ("ror",),
}
KIND_LABELS = {
    "identity": "identité provisoire",
    "movement": "mouvement",
    "passage": "passage aux urgences (RPU)",
    "vitals": "constantes",
    "administration": "administration",
    "prescription": "prescription",
    "note": "note",
    "result": "résultat papier",
    "beds": "disponibilité des lits",
}


def kinds_of(channel: str) -> set[str]:
    """The kinds of record a channel carries."""
    return {kind for kind, channels in REQUIRED.items() if channel in channels}


# Records of one patient are sent in clinical order; at one instant, identity first.
_RANK = {IDENTITY: 0, "movement": 1}


@dataclass(frozen=True)
class Target:
    """Whom the HIS will file a record under."""

    ipp: str
    authority: str
    nda: str
    birth_family: str
    used_family: str
    given: str
    birth_date: dt.date | None
    sex: str
    new: bool  # a patient the HIS does not know yet (created from a temporary identity)
    tempid: str = ""
    system: str = ""  # the IPP's system as the HIS's own feed sent it ("" when none did)
    assigner: str = ""  # the IPP's HL7 CX-4 as the HIS's HL7 feed sent it ("" when none did)

    @property
    def key(self) -> str:
        return f"{self.authority}|{self.ipp}"


@dataclass(frozen=True)
class Item:
    """One record to export: what it is, its current version, whom it is about."""

    record: str
    kind: str
    version: int
    cancelled: bool
    unit_code: str
    written_at: dt.datetime
    author: str
    subject: str  # "temp:<pk>" or "patient:<pk>", for the checklist
    label: str  # the identifier shown on the checklist (IPP or temporary identifier)
    target: Target | None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def channels(self) -> tuple[str, ...]:
        if self.kind == IDENTITY and self.target is not None and not self.target.new:
            return ()  # matched to an existing IPP: the HIS knows the patient already
        if self.cancelled:
            return ("fhir",) if "fhir" in REQUIRED[self.kind] else ()
        return REQUIRED[self.kind]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def order_key(self) -> tuple[dt.datetime, int, str]:
        return (self.written_at, _RANK.get(self.kind, 2), self.record)


def needs_identity(item: Item) -> bool:
    """A record filed under a patient whose temporary identity is not reconciled yet."""
    return item.kind not in (BEDS, "passage") and item.target is None
