"""Who may see which patient: care roles, unit scopes, hidden identities, break-glass."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from autarcie.chart.models import BreakGlass
from autarcie.core import clock
from autarcie.core.models import User
from autarcie.core.plain_load import by_pk_statement, first_instance
from autarcie.core.read_many import Statement, fetch_many
from autarcie.core.roles import CARE_ROLES
from autarcie.mirror.asof import PRESENT
from autarcie.mirror.models import Patient, Stay

BREAK_GLASS_HOURS = 12


def user_unit_codes(user: User) -> set[str] | None:
    """The user's unit codes; None means every unit."""
    if user.all_units:
        return None
    return set(user.unit_code_set)


def patient_unit_codes(patient: Patient) -> set[str]:
    """Units the patient is in now (present stays)."""
    (rows,) = fetch_many([_units_statement(patient.pk)])
    return {code for (code,) in rows}


def _units_statement(patient_id: int) -> Statement:
    # Plain SQL: every record opened asks, and the QuerySet cost more than the query.
    marks = ", ".join(["%s"] * len(PRESENT))
    return (
        f"SELECT unit_code FROM {connection.ops.quote_name(Stay._meta.db_table)} "  # noqa: S608
        f"WHERE patient_id = %s AND status IN ({marks})",
        [patient_id, *PRESENT],
    )


def in_scope(user: User, patient: Patient) -> bool:
    return _within(user, patient_unit_codes(patient))


def _within(user: User, patient_units: set[str]) -> bool:
    codes = user_unit_codes(user)
    return codes is None or bool(codes & patient_units)


def has_break_glass(user: User, patient: Patient, now: dt.datetime | None = None) -> bool:
    moment = now or clock.now()
    return BreakGlass.objects.filter(user=user, patient=patient, expires_at__gt=moment).exists()


def is_carer(user: User) -> bool:
    return bool(user.role_set & CARE_ROLES)


def get_patient_for_user(user: User, patient_id: int) -> Patient:
    """The patient if this user may open the record now; 404 unknown, 403 otherwise.

    A carer opens patients of her units; outside them only through a break-glass grant.
    A hidden identity is opened only by the patient's own units.
    """
    # The patient and the units of the patient's stays, read together.
    patient_rows, unit_rows = fetch_many(
        [by_pk_statement(Patient, patient_id), _units_statement(patient_id)]
    )
    patient = first_instance(Patient, patient_rows)
    if patient is None:
        raise Http404
    if not is_carer(user):
        raise PermissionDenied
    if _within(user, {code for (code,) in unit_rows}):
        return patient
    if patient.hidden:
        raise Http404  # never confirm that a hidden identity exists
    if has_break_glass(user, patient):
        return patient
    raise PermissionDenied


def can_request_break_glass(user: User, patient: Patient) -> bool:
    return is_carer(user) and not patient.hidden and not in_scope(user, patient)
