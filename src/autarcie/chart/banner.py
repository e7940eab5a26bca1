"""The patient banner for the chart's readers: care's one builder, fed with the chart's
allergy list, and whether the reader may record care for the patient."""

from __future__ import annotations

from autarcie.care import access as care_access
from autarcie.care.banner import (
    NONE_IN_MIRROR,
    Allergies,
    Banner,
    allergy_text,
    build,
    temp_allergies,
)
from autarcie.care.queries import Subject
from autarcie.chart.queries import AllergyLine, Summary
from autarcie.core.models import User
from autarcie.mirror.models import Patient

# The kits print a temporary patient's allergies as its banner says them.
__all__ = ["Allergies", "Banner", "may_record_care", "summary_banner", "temp_allergies"]


def summary_allergies(lines: list[AllergyLine]) -> Allergies:
    items = tuple(allergy_text(a.label, a.severity, a.reaction) for a in lines)
    return Allergies(items, "" if items else NONE_IN_MIRROR)


def summary_banner(summary: Summary) -> Banner:
    """The banner of a summary, with the very allergies the summary lists."""
    subject = Subject(patient=summary.patient)
    return build(subject, allergies=summary_allergies(summary.allergies))


def may_record_care(user: User, patient: Patient) -> bool:
    """The care record opens for this user (the summary links to it only then)."""
    return user.has_role(*care_access.PATIENT_ROLES) and care_access.in_scope(
        user, Subject(patient=patient)
    )
