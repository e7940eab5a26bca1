"""Per-patient resources of the FHIR API: what each type shows and how ``patient=`` searches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import QueryDict

from autarcie.formats.codes import LOINC, aliases
from autarcie.mirror.models import (
    Allergy,
    Condition,
    Document,
    Prescription,
    Result,
    Stay,
)
from autarcie.viewer.fhir import resources
from autarcie.viewer.fhir.allergies import allergy_read
from autarcie.viewer.fhir.outcome import FhirError
from autarcie.viewer.fhir.params import PAGING, invalid, parse_date, parse_token, values

Builder = Callable[[Any], resources.Json]
Filter = Callable[[str], Q]


def _date_filter(field: str) -> Filter:
    def build(value: str) -> Q:
        bounds = parse_date(value).bounds()
        condition = Q(**{f"{field}__isnull": False})
        if bounds[0] is not None:
            condition &= Q(**{f"{field}__gte": bounds[0]})
        if bounds[1] is not None:
            condition &= Q(**{f"{field}__lt": bounds[1]})
        return condition

    return build


# Results stored before code systems were kept have none; the API shows those whose code is
# shaped like a LOINC code as LOINC (viewer.fhir.resources), so a LOINC search finds them too.
_LEGACY_LOINC = Q(code_system="", code__regex=r"^[0-9]{1,7}-[0-9]$")


def _token_filter(code_field: str, system_field: str, legacy: dict[str, Q] | None = None) -> Filter:
    """``code``, ``system|code``, ``|code`` (no system) and ``system|`` (any code of it).

    A system is compared through its aliases: the store keeps FHIR URIs, but rows written
    before systems were mapped (or an allergy as sent) may hold the HL7 name (``LN``).
    """

    def build(value: str) -> Q:
        condition = Q()
        for option in values(value):
            system, code = parse_token(option)
            if system is None:
                option_q = Q(**{code_field: code})
            elif system == "":
                option_q = Q(**{code_field: code, system_field: ""})
            else:
                option_q = Q(**{f"{system_field}__in": sorted(aliases(system))})
                if legacy and system in legacy:
                    option_q |= legacy[system]
                if code:
                    option_q &= Q(**{code_field: code})
            condition |= option_q
        return condition

    return build


_RX_STATUSES = ("active", "stopped", "cancelled", "completed")


def _status_filter(value: str) -> Q:
    wanted = values(value)
    unknown = [v for v in wanted if v not in _RX_STATUSES]
    if unknown:
        raise invalid(f"status must be one of {', '.join(_RX_STATUSES)}")
    return Q(status__in=wanted)


@dataclass(frozen=True)
class Kind:
    """One FHIR resource type served from one projection."""

    model: type[Model]
    build: Builder
    order: tuple[str, ...]
    shown: Q  # what the screens show of it: never deleted or confidential items
    filters: dict[str, Filter]

    def rows(self) -> QuerySet[Any]:
        return self.model._default_manager.filter(self.shown)


KINDS: dict[str, Kind] = {
    "Encounter": Kind(Stay, resources.encounter_resource, ("-admitted_at", "-pk"), Q(), {}),
    "Observation": Kind(
        Result,
        resources.observation_resource,
        ("-observed_at", "code", "-pk"),
        ~Q(status="D"),
        {
            "date": _date_filter("observed_at"),
            "code": _token_filter("code", "code_system", {LOINC: _LEGACY_LOINC}),
        },
    ),
    "MedicationRequest": Kind(
        Prescription,
        resources.medication_request_resource,
        ("-start", "-pk"),
        Q(),
        {"status": _status_filter, "code": _token_filter("drug_code", "drug_system")},
    ),
    # Built from the read model's reconciled list (viewer.fhir.allergies), not row by row.
    # Its ``code`` is checked on the reconciled allergies (viewer.fhir.allergies), the rows'
    # filter only validates the parameter.
    "AllergyIntolerance": Kind(
        Allergy, allergy_read, ("label", "pk"), Q(), {"code": _token_filter("code", "system")}
    ),
    "Condition": Kind(
        Condition,
        resources.condition_resource,
        ("label", "pk"),
        Q(),
        {"code": _token_filter("code", "system")},
    ),
    "DocumentReference": Kind(
        Document,
        resources.document_reference_resource,
        ("-authored_at", "-pk"),
        Q(confidential=False) & ~Q(status="D"),
        {"type": _token_filter("type_code", "type_system")},
    ),
}


def patient_param(params: QueryDict) -> str:
    given = params.getlist("patient")
    if len(given) != 1 or not given[0].strip():
        raise invalid("give exactly one patient= parameter: searches are per patient")
    return given[0]


def clinical_filters(kind_name: str, params: QueryDict) -> Q:
    kind = KINDS[kind_name]
    condition = Q()
    for param, given in params.lists():
        if param in PAGING or param == "patient":
            continue
        build = kind.filters.get(param)
        if build is None:
            raise FhirError(
                400, "not-supported", f"unsupported {kind_name} search parameter {param!r}"
            )
        for value in given:
            condition &= build(value)
    return condition
