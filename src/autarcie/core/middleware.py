"""Security middleware: headers, idle session timeout, and the second factor gate."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from autarcie.core import clock
from autarcie.core.journal import Action, record
from autarcie.core.models import User
from autarcie.core.roles import SECOND_FACTOR_ROLES
from autarcie.core.totp import has_confirmed_device

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SESSION_LAST_SEEN = "autarcie_last_seen"
# The last activity is saved when it has moved by this much: a session may close this much
# before the idle timeout, never after.
LAST_SEEN_STEP_SECONDS = 30
SESSION_SECOND_FACTOR_OK = "autarcie_second_factor_ok"

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if not request.path.startswith(settings.STATIC_URL):
            # Patient pages must not linger in a shared workstation's browser cache.
            response.headers["Cache-Control"] = "no-store"
        return response


class IdleTimeoutMiddleware:
    """Log out a session left idle on a shared ward workstation."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and user.is_authenticated:
            now = clock.now().timestamp()
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if last_seen is not None and now - float(last_seen) > settings.IDLE_TIMEOUT_SECONDS:
                record(
                    Action.SESSION_IDLE_EXPIRED, actor=user, target_type="user", target_id=user.pk
                )
                logout(request)
                messages.info(request, _("Session fermée après une période d'inactivité."))
                return redirect(reverse("core:login"))
            if last_seen is None or now - float(last_seen) >= LAST_SEEN_STEP_SECONDS:
                # Not on every page: each change of the session is a write and a synced
                # commit, queued behind every other writer of the instance.
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


_ENROLMENT_ALLOWED = ("core:totp_enrol", "core:logout", "core:lock")


class SecondFactorMiddleware:
    """Privileged roles must enrol a second factor before anything else."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and user.is_authenticated
            and user.role_set & SECOND_FACTOR_ROLES
            and not request.session.get(SESSION_SECOND_FACTOR_OK)
            and not request.path.startswith(settings.STATIC_URL)
        ):
            allowed = {reverse(name) for name in _ENROLMENT_ALLOWED}
            if has_confirmed_device(user):
                # Logged in with a password only, then enrolled elsewhere: log in again.
                logout(request)
                return redirect(reverse("core:login"))
            if request.path not in allowed:
                return redirect(reverse("core:totp_enrol"))
        return self.get_response(request)
