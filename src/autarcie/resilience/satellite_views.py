"""Satellite administration on the main instance: admins only, second factor, journaled."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from autarcie.core.access import acting_user, role_required
from autarcie.core.errors import ConfigurationError
from autarcie.core.models import Unit
from autarcie.core.roles import Role
from autarcie.core.tempids import MAX_BLOCK
from autarcie.resilience import satellite_actions as actions
from autarcie.resilience.models import PairingCode, Satellite
from autarcie.resilience.satellite_crypto import fingerprint


class PairingForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom du satellite"), max_length=80)
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Unités servies"),
        queryset=Unit.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    tempids = forms.IntegerField(
        label=gettext_lazy("Identifiants provisoires délégués"),
        min_value=1,
        max_value=MAX_BLOCK,
        initial=actions.DEFAULT_TEMPIDS,
    )


@role_required(Role.ADMIN)
def satellites(request: HttpRequest) -> HttpResponse:
    form = PairingForm(request.POST or None)
    code: actions.Pairing | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = actions.create_pairing(
                actor=acting_user(request),
                name=data["name"],
                units=[u.code for u in data["units"]],
                tempids_count=data["tempids"],
            )
        except ConfigurationError as exc:
            form.add_error(None, str(exc))
        else:
            code = made
            form = PairingForm()
    rows = [(s, fingerprint(s.sign_public)) for s in Satellite.objects.all()]
    context = {
        "form": form,
        "pairing": code,
        "rows": rows,
        "pending": PairingCode.objects.filter(used_at__isnull=True)[:20],
    }
    return render(request, "resilience/satellites.html", context)


@require_POST
@role_required(Role.ADMIN)
def satellite_revoke(request: HttpRequest, satellite_id: int) -> HttpResponse:
    satellite = get_object_or_404(Satellite, pk=satellite_id)
    actions.revoke(actor=acting_user(request), satellite=satellite)
    messages.success(request, _("Satellite révoqué : il ne reçoit plus rien."))
    return redirect("satellite:admin")
