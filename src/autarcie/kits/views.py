"""The kits page: each carer downloads her own units' latest kits; every download journaled."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from autarcie.core.access import acting_user, get_unit_for_user, role_required, units_for
from autarcie.core.roles import CARE_ROLES
from autarcie.kits import actions
from autarcie.kits.models import BuildStatus, KitBuild, PrintStatus

CARE = tuple(CARE_ROLES)


def _latest(unit_code: str) -> KitBuild | None:
    return KitBuild.objects.filter(unit_code=unit_code, status=BuildStatus.READY).first()


@role_required(*CARE)
def kits_home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    rows = [(unit, _latest(unit.code)) for unit in units_for(user)]
    failures = [
        build for _, build in rows if build is not None and build.print_status == PrintStatus.FAILED
    ]
    return render(request, "kits/home.html", {"rows": rows, "print_failures": failures})


@role_required(*CARE)
def download(request: HttpRequest, unit_code: str, build_id: str, file_name: str) -> HttpResponse:
    user = acting_user(request)
    unit = get_unit_for_user(user, unit_code)
    build = KitBuild.objects.filter(
        unit_code=unit.code, build_id=build_id, status=BuildStatus.READY
    ).first()
    if build is None or file_name not in build.file_names():
        raise Http404
    path = Path(build.folder) / file_name
    if not path.is_file():
        raise Http404
    actions.record_download(actor=user, build=build, file_name=file_name)
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=file_name, content_type="application/pdf"
    )
    return cast(HttpResponse, response)  # core's view decorator is typed for HttpResponse
