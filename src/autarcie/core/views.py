"""Pages of the security core: login, second factor, lock, home, second-factor enrolment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from autarcie.core import authn, clock, totp
from autarcie.core.access import acting_user, client_address, role_required, units_for
from autarcie.core.forms import CodeForm, LoginForm
from autarcie.core.journal import Action, record
from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import User

_PENDING_USER = "autarcie_pending_user"
_PENDING_AT = "autarcie_pending_at"
_PENDING_MAX_SECONDS = 300


def _throttled_message(request: HttpRequest, seconds: int) -> None:
    minutes = max(1, (seconds + 59) // 60)
    messages.error(
        request,
        _(
            "Trop d'essais infructueux. Réessayez dans %(minutes)d min, ou demandez à un "
            "administrateur de lever le blocage."
        )
        % {"minutes": minutes},
    )


def _finish_login(request: HttpRequest, user: User, *, second_factor: bool) -> HttpResponse:
    login(request, user, backend="autarcie.core.auth_backend.UserBackend")
    request.session[SESSION_SECOND_FACTOR_OK] = second_factor
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("core:home")


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = authn.attempt_password(
            form.cleaned_data["username"], form.cleaned_data["password"], client_address(request)
        )
        if result.wait_seconds:
            _throttled_message(request, result.wait_seconds)
        elif result.user is None:
            messages.error(request, _("Identifiant ou mot de passe incorrect."))
        elif result.needs_second_factor:
            request.session.cycle_key()
            request.session[_PENDING_USER] = result.user.pk
            request.session[_PENDING_AT] = clock.now().timestamp()
            return redirect("core:second_factor")
        else:
            return _finish_login(request, result.user, second_factor=False)
    return render(request, "core/login.html", {"form": form, "next": request.GET.get("next", "")})


def second_factor_view(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(_PENDING_USER)
    started = float(request.session.get(_PENDING_AT, 0))
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or clock.now().timestamp() - started > _PENDING_MAX_SECONDS:
        return redirect("core:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = authn.attempt_second_factor(
            user, form.cleaned_data["code"], client_address(request)
        )
        if result.wait_seconds:
            _throttled_message(request, result.wait_seconds)
        elif result.user is None:
            messages.error(request, _("Code incorrect ou déjà utilisé."))
        else:
            request.session.pop(_PENDING_USER, None)
            return _finish_login(request, result.user, second_factor=True)
    return render(request, "core/second_factor.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        user = acting_user(request)
        record(Action.LOGOUT, actor=user, target_type="user", target_id=user.pk)
    logout(request)
    return redirect("core:login")


@require_POST
def lock_view(request: HttpRequest) -> HttpResponse:
    """'Verrouiller': a nurse leaving a shared workstation ends her session in one click."""
    if request.user.is_authenticated:
        user = acting_user(request)
        record(Action.SESSION_LOCKED, actor=user, target_type="user", target_id=user.pk)
    logout(request)
    messages.info(request, _("Poste verrouillé. Reconnectez-vous pour continuer."))
    return redirect("core:login")


@role_required()
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    return render(request, "core/home.html", {"units": units_for(user)})


@role_required()
def totp_enrol(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if totp.has_confirmed_device(user) and request.session.get(SESSION_SECOND_FACTOR_OK):
        return render(request, "core/totp_done.html", {"already": True})
    device = getattr(user, "totp", None)
    if device is None or device.confirmed_at is not None:
        device = totp.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp.confirm_enrolment(actor=user, device=device, code=form.cleaned_data["code"]):
            request.session[SESSION_SECOND_FACTOR_OK] = True
            codes = totp.issue_recovery_codes(actor=user, user=user)
            return render(request, "core/totp_done.html", {"codes": codes})
        messages.error(request, _("Code incorrect : vérifiez l'heure du téléphone et réessayez."))
    uri = totp.provisioning_uri(user, device.secret)
    context = {"form": form, "qr_svg": totp.qr_svg(uri), "secret": device.secret}
    return render(request, "core/totp_enrol.html", context)
