"""FHIR views: access check first (bearer token, then the read model's scopes), then journal."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from autarcie.chart.access import get_patient_for_user
from autarcie.core.journal import Action
from autarcie.core.journal_commit import record_read
from autarcie.core.models import User
from autarcie.mirror.models import Patient
from autarcie.viewer.fhir.allergies import allergy_search
from autarcie.viewer.fhir.bundles import base_url, searchset
from autarcie.viewer.fhir.capability import capability_statement
from autarcie.viewer.fhir.clinical import KINDS, clinical_filters, patient_param
from autarcie.viewer.fhir.endpoint import fhir_endpoint
from autarcie.viewer.fhir.outcome import FhirError, fhir_response
from autarcie.viewer.fhir.params import Page, parse_page, parse_reference
from autarcie.viewer.fhir.patients import search_patients
from autarcie.viewer.fhir.resources import Json, patient_resource


@fhir_endpoint(public=True)
def metadata(request: HttpRequest, _user: None) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request)))


def _unknown_type(rtype: str) -> FhirError:
    served = ", ".join(["Patient", *KINDS])
    return FhirError(404, "not-supported", f"{rtype!r} is not served here (served: {served})")


Found = tuple[list[Json], int, list[int]]  # resources of the page, total, patients named


def _patient_page(user: User, request: HttpRequest, page: Page) -> Found:
    found = search_patients(user, request.GET)
    shown = found[page.offset : page.offset + page.count]
    return [patient_resource(p) for p in shown], len(found), [p.pk for p in shown]


def _clinical_page(user: User, request: HttpRequest, rtype: str, page: Page) -> Found:
    kind = KINDS[rtype]
    patient_id = parse_reference(patient_param(request.GET), "Patient")
    patient = get_patient_for_user(user, patient_id)
    condition = clinical_filters(rtype, request.GET)
    if rtype == "AllergyIntolerance":
        found, total = allergy_search(patient, page, request.GET.getlist("code"))
        return found, total, [patient.pk]
    rows = kind.rows().filter(patient=patient).filter(condition)
    rows = rows.order_by(*kind.order)
    total = rows.count()
    shown = list(rows[page.offset : page.offset + page.count])
    return [kind.build(item) for item in shown], total, [patient.pk]


@fhir_endpoint()
def search(request: HttpRequest, user: User, rtype: str) -> HttpResponse:
    page = parse_page(request.GET.get("_count"), request.GET.get("_offset"))
    if rtype == "Patient":
        found, total, patients = _patient_page(user, request, page)
    elif rtype in KINDS:
        found, total, patients = _clinical_page(user, request, rtype, page)
    else:
        raise _unknown_type(rtype)
    record_read(
        Action.PATIENTS_LISTED,
        actor=user,
        target_type="fhir",
        target_id=rtype,
        details={"view": "fhir", "resource": rtype, "patients": patients, "total": total},
    )
    return fhir_response(searchset(request, rtype, found, total, page))


def _item(rtype: str, rid: int) -> tuple[Any, int]:
    if rtype == "Patient":
        return None, rid
    item = KINDS[rtype].rows().filter(pk=rid).first()
    if item is None:
        raise Http404
    return item, int(item.patient_id)


@fhir_endpoint()
def read(request: HttpRequest, user: User, rtype: str, rid: str) -> HttpResponse:
    if rtype != "Patient" and rtype not in KINDS:
        raise _unknown_type(rtype)
    if not rid.isdigit():
        raise Http404
    item, patient_id = _item(rtype, int(rid))
    patient: Patient = get_patient_for_user(user, patient_id)
    resource = patient_resource(patient) if item is None else KINDS[rtype].build(item)
    record_read(
        Action.PATIENT_OPENED,
        actor=user,
        target_type="patient",
        target_id=patient.pk,
        details={"view": "fhir", "resource": f"{rtype}/{rid}"},
    )
    return fhir_response(resource)


@fhir_endpoint(public=True)
def not_found(request: HttpRequest, _user: None, rest: str = "") -> HttpResponse:
    raise FhirError(404, "not-found", "no such FHIR endpoint: see /fhir/metadata")
