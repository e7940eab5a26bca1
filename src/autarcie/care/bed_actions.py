"""Every change to critical-care beds: which units the region follows, and their availability."""

from __future__ import annotations

from django.db import transaction

from autarcie.care.access import check_beds
from autarcie.care.actions import author_fields
from autarcie.care.fields import CareInputError
from autarcie.care.models import BedReport, BedSource, CriticalUnit, RorCategory
from autarcie.care.queries import occupants
from autarcie.core import clock
from autarcie.core.errors import AccessDenied
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import Unit, User
from autarcie.core.roles import Role

# The bed form's fields as the board labels them, so an error names the one to correct.
BED_LABELS = {"available": "Lits disponibles", "occupied": "Lits occupés", "closed": "Lits fermés"}


def configure_critical_unit(
    *, actor: Actor, unit: Unit, ror_category: str, installed: int
) -> CriticalUnit:
    """Declare a unit as critical care (TRE_R244 category) with its installed beds."""
    if isinstance(actor, User) and not actor.has_role(Role.ADMIN, Role.CRISIS_DIRECTOR):
        raise AccessDenied("only an administrator or the crisis director configures units")
    if ror_category not in RorCategory.values:
        raise CareInputError({"ror_category": f"Catégorie ROR « {ror_category} » inconnue."})
    if installed < 0:
        raise CareInputError({"installed": "Lits installés : un nombre positif."})
    with transaction.atomic():
        cu, _ = CriticalUnit.objects.update_or_create(
            unit=unit, defaults={"ror_category": ror_category, "installed": installed}
        )
        record(
            Action.CARE_BEDS_CONFIGURED,
            actor=actor,
            target_type="unit",
            target_id=unit.code,
            details={"ror_category": ror_category, "installed": installed},
        )
    return cu


def _critical(unit: Unit) -> CriticalUnit:
    cu = CriticalUnit.objects.filter(unit=unit).first()
    if cu is None:
        raise CareInputError(
            {"unit": f"L'unité {unit.code} n'est pas déclarée en soins critiques."}
        )
    return cu


def update_beds(
    *,
    actor: Actor,
    unit: Unit,
    available: int,
    occupied: int,
    closed: int,
    installed: int | None = None,
    source: str = BedSource.MANUAL,
) -> BedReport:
    """State the unit's beds now; the history keeps every statement."""
    check_beds(actor, unit.code, write=True)
    cu = _critical(unit)
    total = cu.installed if installed is None else installed
    errors = {
        name: f"{BED_LABELS[name]} : un nombre positif ou nul."
        for name, value in (("available", available), ("occupied", occupied), ("closed", closed))
        if value < 0
    }
    if not errors and available + occupied + closed > total:
        errors["available"] = (
            f"Disponibles + occupés + fermés ({available + occupied + closed}) dépassent les "
            f"{total} lits installés."
        )
    if errors:
        raise CareInputError(errors)
    author, label = author_fields(actor)
    with transaction.atomic():
        report = BedReport.objects.create(
            unit=unit,
            ror_category=cu.ror_category,
            installed=total,
            available=available,
            occupied=occupied,
            closed=closed,
            source=source,
            recorded_at=clock.now(),
            author=author,
            author_label=label,
        )
        record(
            Action.CARE_BEDS_UPDATED,
            actor=actor,
            target_type="unit",
            target_id=unit.code,
            details={
                "ror_category": cu.ror_category,
                "installed": total,
                "available": available,
                "occupied": occupied,
                "closed": closed,
                "source": source,
            },
        )
    return report


def update_beds_from_census(*, actor: Actor, unit: Unit) -> BedReport:
    """Occupied = the patients present (mirror and downtime); closed beds stay as last said."""
    cu = _critical(unit)
    last = BedReport.objects.filter(unit=unit).order_by("-recorded_at", "-pk").first()
    closed = last.closed if last else 0
    occupied = len(occupants(unit.code))
    available = max(cu.installed - occupied - closed, 0)
    closed = min(closed, cu.installed - min(occupied, cu.installed))
    return update_beds(
        actor=actor,
        unit=unit,
        available=available,
        occupied=min(occupied, cu.installed),
        closed=closed,
        source=BedSource.CENSUS,
    )
