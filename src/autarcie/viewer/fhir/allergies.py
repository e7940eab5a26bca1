"""AllergyIntolerance served from the read model: one resource per reconciled allergy.

The mirror holds one row per feed for the same allergy (HL7 AL1 and FHIR); a client must see
it once, as the summary and the paper kit show it. A reconciled allergy's id is its first
received row's; reading another of its rows answers 404, as a merged-away resource would.
"""

from __future__ import annotations

from django.http import Http404

from autarcie.chart import allergies
from autarcie.mirror.models import Allergy, Patient
from autarcie.viewer.fhir import resources
from autarcie.viewer.fhir.params import Page
from autarcie.viewer.fhir.tokens import token_matches


def allergy_read(row: Allergy) -> resources.Json:
    """The resource whose id is ``row``'s (the caller has checked access to its patient)."""
    found = allergies.for_patient(row.patient_id).resources()
    match = next((a for a in found if a.id == row.pk), None)
    if match is None:
        raise Http404
    return resources.allergy_resource(match)


def allergy_search(
    patient: Patient, page: Page, codes: list[str] | None = None
) -> tuple[list[resources.Json], int]:
    """One page of the patient's reconciled allergies matching the ``code`` tokens, and their
    total."""
    found = allergies.for_patient(patient.pk).resources()
    if codes:
        found = tuple(a for a in found if token_matches(codes, a.code, a.system))
    shown = found[page.offset : page.offset + page.count]
    return [resources.allergy_resource(a) for a in shown], len(found)
