"""``/health/``: the health report for monitoring, as plain text or JSON; no patient data."""

from __future__ import annotations

import json

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from autarcie.core.access import acting_user, client_address, require_role
from autarcie.core.roles import Role
from autarcie.core.server import is_loopback
from autarcie.resilience.health import collect


def _may_see_health(request: HttpRequest) -> HttpResponse | None:
    """Loopback (the monitoring agent on this machine) needs no login; others need a role."""
    if is_loopback(client_address(request)):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require_role(acting_user(request), Role.IT_SECURITY, Role.ADMIN)
    return None


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    if (denied := _may_see_health(request)) is not None:
        return denied
    report = collect()
    status = 503 if report.needs_person else 200
    wants_json = request.GET.get("format") == "json" or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        return HttpResponse(
            json.dumps(report.as_dict(), indent=1),
            status=status,
            content_type="application/json",
        )
    body = "\n".join(report.lines()) + "\n"
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
