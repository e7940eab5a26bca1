"""ROR bed availability (DispoLits): FHIR ``Parameters`` bodies and CSV rows; pure builders.

The update is a conditional PATCH of the ROR Location; its body replaces, for each capacity
status (installed, available, occupied, closed), the ``ror-location-supported-capacity``
extension. FHIRPath Patch carries a complex value as nested ``part`` elements named after
its children, so the extension is written as ``url`` and ``extension`` parts. The exact
per-indicator paths are given only to authorised parties: ours select the extension by its
capacity status and are documented in docs/recovery.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from autarcie.recovery.items import Item

PARIS = ZoneInfo("Europe/Paris")
ROR = "https://interop.esante.gouv.fr/ig/fhir/ror"
CAPACITY_EXTENSION = f"{ROR}/StructureDefinition/ror-location-supported-capacity"
TRE = "https://mos.esante.gouv.fr/NOS"
# TRE_R330 capacity statuses, with the bed statement field that gives each count.
STATUSES = (
    ("01", "installé", "installed"),
    ("02", "disponible", "available"),
    ("03", "occupé", "occupied"),
    ("05", "fermé", "closed"),
)
ROR_CSV_COLUMNS = (
    "finess",
    "uf",
    "libelle",
    "categorie_ror",
    "horodatage",
    "installes",
    "disponibles",
    "occupes",
    "fermes",
    "auteur",
)
Json = dict[str, Any]


def _coded(table: str, code: str, label: str) -> Json:
    return {
        "coding": [
            {"system": f"{TRE}/TRE_{table}/FHIR/TRE-{table}", "code": code, "display": label}
        ]
    }


def _sub(url: str, value_name: str, value: object) -> Json:
    return {
        "name": "extension",
        "part": [{"name": "url", "valueUri": url}, {"name": value_name, value_name: value}],
    }


def capacity_value(status: str, label: str, count: int, updated: dt.datetime) -> Json:
    """The ``value`` part: one supported-capacity extension, child by child."""
    when = updated.astimezone(dt.UTC).isoformat(timespec="seconds")
    return {
        "name": "value",
        "part": [
            {"name": "url", "valueUri": CAPACITY_EXTENSION},
            _sub("capacityType", "valueCodeableConcept", _coded("R329", "01", "lit")),
            _sub("capacityStatus", "valueCodeableConcept", _coded("R330", status, label)),
            _sub("temporalityCapacity", "valueCodeableConcept", _coded("R331", "01", "courant")),
            _sub("nbCapacity", "valueInteger", count),
            _sub(
                "capacitySourceType",
                "valueCodeableConcept",
                {"text": "déclaration de l'établissement (mode dégradé)"},
            ),
            _sub("capacityUpdateDate", "valueDateTime", when),
            _sub("temporaryAssignement", "valueBoolean", False),
        ],
    }


def capacity_path(status: str) -> str:
    return (
        f"Location.extension.where(url='{CAPACITY_EXTENSION}' and "
        f"extension.where(url='capacityStatus').value.coding.code='{status}')"
    )


def dispolits_parameters(item: Item) -> Json:
    """The DispoLits PATCH body of one bed statement of the downtime."""
    operations = [
        {
            "name": "operation",
            "part": [
                {"name": "type", "valueCode": "replace"},
                {"name": "path", "valueString": capacity_path(status)},
                capacity_value(status, label, int(item.data[field]), item.written_at),
            ],
        }
        for status, label, field in STATUSES
    ]
    return {"resourceType": "Parameters", "parameter": operations}


def ror_csv_row(item: Item, finess: str) -> list[str]:
    data = item.data
    return [
        finess,
        item.unit_code,
        str(data.get("unit_label", "")),
        str(data["ror_category"]),
        item.written_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M"),
        *(str(data[name]) for name in ("installed", "available", "occupied", "closed")),
        item.author,
    ]
