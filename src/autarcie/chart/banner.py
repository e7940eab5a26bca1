"""The patient banner for the chart's readers: care's one builder, fed with the chart's
allergy list, and whether the reader may record care for the patient."""

from __future__ import annotations

from autarcie.care import access as care_access
from autarcie.care.banner import (
    Allergies,
    Banner,
    build,
    reconciled,
    temp_allergies,
)
from autarcie.care.queries import Subject
from autarcie.chart.queries import Summary
from autarcie.core.models import User
from autarcie.mirror.models import Patient

# The kits print a temporary patient's allergies as its banner says them.
__all__ = ["Allergies", "Banner", "may_record_care", "summary_banner", "temp_allergies"]


def summary_banner(summary: Summary) -> Banner:
    """The banner of a summary, with the very allergies the summary lists."""
    subject = Subject(patient=summary.patient)
    return build(subject, allergies=reconciled(summary.allergy_status))


def may_record_care(user: User, patient: Patient) -> bool:
    """The care record opens for this user (the summary links to it only then)."""
    return user.has_role(*care_access.PATIENT_ROLES) and care_access.in_scope(
        user, Subject(patient=patient)
    )
