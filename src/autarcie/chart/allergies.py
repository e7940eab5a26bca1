"""A patient's allergies reconciled across feeds, as the read model gives them to every reader.

The reconciliation itself lives in `autarcie.mirror.allergies`, beside the projections it
reads, so that care's screens (which may not import chart) show the same list; readers above
chart (viewer, kits, FHIR API) take it from here.
"""

from __future__ import annotations

from autarcie.mirror.allergies import (
    NOTHING,
    SEVERITY_LABELS,
    AllergyState,
    PatientAllergies,
    ReconciledAllergy,
    allergic,
    for_patient,
    for_patients,
)

__all__ = [
    "NOTHING",
    "SEVERITY_LABELS",
    "AllergyState",
    "PatientAllergies",
    "ReconciledAllergy",
    "allergic",
    "for_patient",
    "for_patients",
]
