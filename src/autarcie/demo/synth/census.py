"""The census CSV: patients present at the reference instant, one row per open stay."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from autarcie.demo.synth.clinical import allergies_of
from autarcie.demo.synth.hl7_segments import PARIS

if TYPE_CHECKING:
    from autarcie.demo.synth.generate import World

COLUMNS = (
    "unit_code",
    "unit_label",
    "room",
    "bed",
    "ipp",
    "nda",
    "family_name",
    "birth_name",
    "given_names",
    "sex",
    "birth_date",
    "admitted_at",
    "patient_class",
    "status",
    "attending",
    "identity_status",
    "ins",
    "hidden",
    "allergies",
)


def census_rows(world: World) -> list[list[str]]:
    """Rows sorted by unit, room, bed; the INS is given only for qualified identities."""
    rows = []
    for stay in world.sim.stays:
        if not stay.present_at(world.now):
            continue
        place = stay.segments[-1].location
        patient = stay.patient
        allergies = allergies_of(world.seed, patient)
        rows.append(
            [
                place.unit,
                world.hospital.unit(place.unit).label,
                place.room,
                place.bed,
                patient.ipp,
                stay.nda,
                patient.family,
                patient.birth_name,
                patient.given_list,
                patient.sex,
                patient.birth_date.isoformat(),
                stay.admitted_at.astimezone(PARIS).isoformat(timespec="minutes"),
                stay.patient_class,
                "leave" if stay.on_leave else "present",
                f"{stay.attending.family} {stay.attending.given}",
                "~".join(patient.statuses),
                patient.ins if patient.qualified and patient.ins else "",
                "1" if patient.hidden else "0",
                ";".join(a.label for a in allergies),
            ]
        )
    rows.sort(key=lambda r: (r[0], r[2], r[3], r[5]))
    return rows


def write_census(path: Path, rows: list[list[str]]) -> None:
    """Write the census with its header (columns in docs/formats/census-csv.md)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
