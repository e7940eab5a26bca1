"""Ward screens beside the census: administration grids (a patient, a unit) and the ED board.

Each view checks access first, reads through chart, journals one entry naming the patients.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from autarcie.chart import emergency, mar, queries
from autarcie.chart.access import get_patient_for_user
from autarcie.chart.banner import summary_banner
from autarcie.core import clock
from autarcie.core.access import acting_user, get_unit_for_user, role_required
from autarcie.core.journal import Action
from autarcie.core.journal_commit import record_read
from autarcie.core.roles import CARE_ROLES, UnitKind
from autarcie.mirror.models import Patient
from autarcie.viewer.context import data_context, french
from autarcie.viewer.ward_page import MASKED_NAME, board_rows, mar_sheet

CARE = tuple(CARE_ROLES)


def _horizon(request: HttpRequest) -> int:
    """The hours ahead asked for (``?heures=48``); 24 unless one of the offered values."""
    asked = request.GET.get("heures", "")
    return int(asked) if asked in {str(h) for h in mar.HORIZONS} else mar.HORIZONS[0]


def _mar_context(summaries: list[queries.Summary], ahead: int, now: dt.datetime) -> dict[str, Any]:
    start, hours = mar.window(now, ahead)
    return {
        "sheets": [mar_sheet(s, mar.grid(s, start, hours), now) for s in summaries],
        "ahead": ahead,
        "horizons": mar.HORIZONS,
        "lookback": mar.LOOKBACK_HOURS,
        "masked": MASKED_NAME,
        "start_text": french(start),
        "end_text": french(start + dt.timedelta(hours=hours)),
        **data_context(),
    }


@role_required(*CARE)
def patient_mar(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    found = get_patient_for_user(user, patient_id)
    now = clock.now()
    summary = queries.summary(found, now)
    record_read(
        Action.PATIENT_OPENED,
        actor=user,
        target_type="patient",
        target_id=found.pk,
        details={"view": "mar"},
    )
    context = {
        "patient": found,
        "banner": summary_banner(summary),
        **_mar_context([summary], _horizon(request), now),
    }
    return render(request, "viewer/patient_mar.html", context)


@role_required(*CARE)
def unit_mar(request: HttpRequest, unit_code: str) -> HttpResponse:
    user = acting_user(request)
    unit = get_unit_for_user(user, unit_code)
    now = clock.now()
    rows = queries.census(unit.code, now)
    found = Patient.objects.in_bulk([r.patient_id for r in rows if r.patient_id])
    present = [found[r.patient_id] for r in rows if r.patient_id in found]
    # Admitted in degraded mode: their prescriptions are on their care record, listed apart.
    temporary = [r for r in rows if r.temp_patient_id is not None]
    record_read(
        Action.PATIENTS_LISTED,
        actor=user,
        target_type="unit",
        target_id=unit.code,
        details={
            "view": "mar",
            "patients": [p.pk for p in present],
            "temp_patients": [r.temp_patient_id for r in temporary],
        },
    )
    context = {
        "unit": unit,
        "temporary": temporary,
        **_mar_context(queries.summaries(present, now), _horizon(request), now),
    }
    return render(request, "viewer/mar.html", context)


@role_required(*CARE)
def ed_board(request: HttpRequest, unit_code: str) -> HttpResponse:
    user = acting_user(request)
    unit = get_unit_for_user(user, unit_code)
    if unit.kind != UnitKind.EMERGENCY:
        raise Http404
    now = clock.now()
    lines = emergency.board(unit.code, now)
    record_read(
        Action.PATIENTS_LISTED,
        actor=user,
        target_type="unit",
        target_id=unit.code,
        details={
            "view": "ed_board",
            "patients": [x.patient_id for x in lines if x.patient_id],
            "temp_patients": [x.temp_patient_id for x in lines if x.temp_patient_id],
        },
    )
    context = {"unit": unit, "rows": board_rows(lines, now), "now_text": french(now)}
    return render(request, "viewer/ed_board.html", {**context, **data_context()})
