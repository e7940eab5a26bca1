"""User and unit administration pages: admins only, second factor required, every change
journaled."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from autarcie.core import actions, journal, throttle, totp
from autarcie.core.access import acting_user, role_required
from autarcie.core.errors import ConfigurationError
from autarcie.core.forms import UnitForm, UserCreateForm, UserEditForm
from autarcie.core.models import LoginThrottle, Unit, User
from autarcie.core.roles import Role, UnitKind


@role_required(Role.ADMIN)
def users(request: HttpRequest) -> HttpResponse:
    rows = User.objects.prefetch_related("grants", "units")
    throttles = LoginThrottle.objects.filter(failures__gt=0).order_by("-last_failure")[:50]
    context = {"users": rows, "throttles": throttles, "head": journal.head()}
    return render(request, "core/admin_users.html", context)


@role_required(Role.ADMIN)
def user_new(request: HttpRequest) -> HttpResponse:
    admin = acting_user(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.create_user(
                actor=admin,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                roles=[Role(r) for r in data["roles"]],
                units=data["units"],
                all_units=data["all_units"],
            )
        except ConfigurationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Compte créé."))
            return redirect("core:admin_users")
    return render(request, "core/admin_user_form.html", {"form": form, "creating": True})


@role_required(Role.ADMIN)
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    admin = acting_user(request)
    target = get_object_or_404(User, pk=user_id)
    roles_before = {r.value for r in target.role_set}
    units_before = set(target.units.all())
    initial = {
        "roles": sorted(roles_before),
        "units": list(units_before),
        "all_units": target.all_units,
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            if set(data["roles"]) != roles_before:
                actions.set_roles(actor=admin, user=target, roles=[Role(r) for r in data["roles"]])
            if set(data["units"]) != units_before or (data["all_units"] != target.all_units):
                actions.set_units(
                    actor=admin, user=target, units=data["units"], all_units=data["all_units"]
                )
            if data["is_active"] != target.is_active:
                actions.set_active(actor=admin, user=target, active=data["is_active"])
        messages.success(request, _("Compte mis à jour."))
        return redirect("core:admin_users")
    return render(
        request, "core/admin_user_form.html", {"form": form, "target": target, "creating": False}
    )


@require_POST
@role_required(Role.ADMIN)
def user_reset_totp(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(User, pk=user_id)
    totp.reset(actor=acting_user(request), user=target)
    messages.success(request, _("Second facteur réinitialisé : l'utilisateur devra le réenrôler."))
    return redirect("core:admin_users")


@require_POST
@role_required(Role.ADMIN)
def throttle_lift(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("key", "")
    if throttle.lift(actor=acting_user(request), key=key):
        messages.success(request, _("Blocage levé."))
    return redirect("core:admin_users")


@role_required(Role.ADMIN)
def units(request: HttpRequest) -> HttpResponse:
    rows = Unit.objects.order_by("code")
    return render(request, "core/admin_units.html", {"units": rows})


@role_required(Role.ADMIN)
def unit_new(request: HttpRequest) -> HttpResponse:
    admin = acting_user(request)
    form = UnitForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.create_unit(
                actor=admin,
                code=data["code"],
                label=data["label"],
                kind=UnitKind(data["kind"]),
                pole=data["pole"],
                beds=data["beds"],
            )
        except ConfigurationError:
            # Checked by the form first; only a unit created meanwhile gets here.
            form.add_error("code", _("Une unité porte déjà ce code : choisissez-en un autre."))
        else:
            messages.success(request, _("Unité créée."))
            return redirect("core:admin_units")
    return render(request, "core/admin_unit_form.html", {"form": form, "creating": True})


@role_required(Role.ADMIN)
def unit_edit(request: HttpRequest, code: str) -> HttpResponse:
    admin = acting_user(request)
    unit = get_object_or_404(Unit, code=code)
    initial = {"label": unit.label, "kind": unit.kind, "pole": unit.pole, "beds": unit.beds}
    form = UnitForm(request.POST or None, initial=initial, creating=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = actions.edit_unit(
            actor=admin,
            unit=unit,
            label=data["label"],
            kind=UnitKind(data["kind"]),
            pole=data["pole"],
            beds=data["beds"],
        )
        messages.success(request, _("Unité mise à jour.") if changed else _("Rien à changer."))
        return redirect("core:admin_units")
    context = {"form": form, "creating": False, "unit": unit}
    return render(request, "core/admin_unit_form.html", context)
