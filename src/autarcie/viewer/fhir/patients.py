"""Patient search for the FHIR API: the screens' scopes, PatientToken for names."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import QueryDict

from autarcie.chart.access import is_carer, user_unit_codes
from autarcie.chart.models import BreakGlass
from autarcie.core import clock
from autarcie.core.models import User
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.models import Patient, PatientToken, Stay
from autarcie.mirror.normalise import fold
from autarcie.mirror.records import authority_key, identifiers_from_json
from autarcie.viewer.fhir.outcome import FhirError
from autarcie.viewer.fhir.params import PAGING, invalid, parse_birthdate, parse_token, values
from autarcie.viewer.fhir.resources import INS_KINDS, authority_system

PARAMETERS = ("name", "family", "given", "birthdate", "identifier", "_id")
# Beyond this many matches the client must narrow its search (FHIR "too-costly").
MAX_MATCHES = 1000

Check = Callable[[Patient], bool]


def visible_patients(user: User) -> QuerySet[Patient]:
    """Patients this user may open now: her units' (hidden ones included), break-glass grants."""
    if not is_carer(user):
        raise PermissionDenied
    current = Patient.objects.filter(merged_into__isnull=True)
    codes = user_unit_codes(user)
    if codes is None:
        return current
    mine = Stay.objects.filter(unit_code__in=codes, status__in=PRESENT).values("patient_id")
    granted = BreakGlass.objects.filter(user=user, expires_at__gt=clock.now()).values("patient_id")
    return current.filter(Q(pk__in=mine) | Q(pk__in=granted, hidden=False))


def _with_words(words: list[str]) -> Q:
    """Every word is the start of one of the patient's name words."""
    condition = Q()
    for word in words:
        tokens = PatientToken.objects.filter(token__gte=word, token__lt=word + "\uffff")
        condition &= Q(pk__in=tokens.values("patient_id"))
    return condition


def _starts_words(text: str, words: list[str]) -> bool:
    mine = fold(text).split()
    return all(any(m.startswith(w) for m in mine) for w in words)


def _name_filter(param: str, value: str) -> tuple[Q, Check | None]:
    options = [fold(v).split() for v in values(value)]
    options = [words for words in options if words]
    if not options:
        raise invalid(f"{param} needs at least one letter or digit")
    condition = Q()
    for words in options:
        condition |= _with_words(words)
    if param == "name":
        return condition, None

    def check(patient: Patient) -> bool:
        text = (
            f"{patient.birth_family} {patient.used_family}" if param == "family" else patient.given
        )
        return any(_starts_words(text, words) for words in options)

    return condition, check


def _identifier_filter(value: str) -> Q:
    condition = Q()
    for option in values(value):
        system, code = parse_token(option)
        oid = (system or "").removeprefix("urn:oid:")
        ins = Q(ins=code, ins_trusted=True)  # an untrusted INS finds nothing (DESIGN.md)
        if system is None or system == "":
            condition |= Q(ipp=code) | ins | _received_with(None, code)
        elif oid in INS_KINDS:
            condition |= ins & (Q(ins_oid=oid) | Q(ins_oid=""))
        else:
            condition |= _ipp_of_system(system, code) | _received_with(system, code)
    return condition


def _ipp_of_system(system: str, code: str) -> Q:
    """The key: any spelling of the hospital's authority (``urn:oid:…2.2.<FINESS>``, the
    FINESS alone) finds the patient the HL7 and FHIR feeds filed under it."""
    authorities = (
        Patient.objects.filter(ipp=code).values_list("authority", flat=True).distinct()[:20]
    )
    wanted = [a for a in authorities if a == authority_key(system) or authority_system(a) == system]
    return Q(ipp=code, authority__in=wanted)


def _received_with(system: str | None, code: str) -> Q:
    """Patients holding ``system|code`` among the identifiers the feeds sent (any system when
    ``system`` is None): a text look-up narrows, the JSON decides."""
    rows = Patient.objects.filter(
        identifiers__contains=json.dumps(code, ensure_ascii=False)
    ).values_list("pk", "identifiers")[: MAX_MATCHES + 1]
    found = [
        pk
        for pk, text in rows
        if any(
            i.value == code and (system is None or i.system == system)
            for i in identifiers_from_json(text)
        )
    ]
    return Q(pk__in=found)


def _birthdate_filter(value: str) -> Q:
    condition = Q()
    for option in values(value):
        lower, upper = parse_birthdate(option)
        part = Q(birth_date__isnull=False)
        if lower:
            part &= Q(birth_date__gte=lower)
        if upper:
            part &= Q(birth_date__lt=upper)
        condition |= part
    return condition


def _id_filter(value: str) -> Q:
    ids = [v for v in values(value) if v.isdigit()]
    return Q(pk__in=[int(v) for v in ids])


def _filters(params: QueryDict) -> tuple[Q, list[Check]]:
    condition = Q()
    checks: list[Check] = []
    for param, given in params.lists():
        if param in PAGING:
            continue
        if param not in PARAMETERS:
            raise FhirError(400, "not-supported", f"unsupported Patient search parameter {param!r}")
        for value in given:  # a repeated parameter means AND
            if param in ("name", "family", "given"):
                part, check = _name_filter(param, value)
                if check is not None:
                    checks.append(check)
            elif param == "identifier":
                part = _identifier_filter(value)
            elif param == "birthdate":
                part = _birthdate_filter(value)
            else:
                part = _id_filter(value)
            condition &= part
    return condition, checks


def search_patients(user: User, params: QueryDict) -> list[Patient]:
    """Every matching patient this user may open, by name; too many is an error, not a cut."""
    condition, checks = _filters(params)
    found = list(
        visible_patients(user)
        .filter(condition)
        .order_by("birth_family", "given", "pk")[: MAX_MATCHES + 1]
    )
    if len(found) > MAX_MATCHES:
        raise FhirError(
            400, "too-costly", f"more than {MAX_MATCHES} patients match: narrow the search"
        )
    return [p for p in found if all(check(p) for check in checks)]
