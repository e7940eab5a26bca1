"""The page where a user creates and revokes her own FHIR API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from autarcie.core import clock
from autarcie.core.access import acting_user, role_required
from autarcie.core.errors import AutarcieError
from autarcie.core.models import ApiToken
from autarcie.core.roles import Role
from autarcie.core.tokens import DEFAULT_DAYS, create_token, revoke_token, tokens_of


# Read once at start-up, like every setting: the menu shows the page to exactly these roles.
@role_required(*(Role(r) for r in settings.API_TOKEN_ROLES))
def tokens(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    secret = ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        wanted = request.POST.get("token", "")
        token = ApiToken.objects.filter(user=user, pk=wanted).first() if wanted.isdigit() else None
        if token is None:
            raise Http404
        revoke_token(actor=user, token=token)
        messages.info(request, _("Jeton n° %(id)s révoqué.") % {"id": token.pk})
        return redirect("viewer:tokens")
    if request.method == "POST":
        try:
            issued = create_token(
                actor=user, user=user, name=request.POST.get("name", ""), days=DEFAULT_DAYS
            )
        except AutarcieError as exc:
            messages.error(request, _("Jeton non créé : %(why)s") % {"why": exc})
        else:
            secret = issued.secret
    context = {
        "tokens": tokens_of(user),
        "secret": secret,
        "days": DEFAULT_DAYS,
        "now": clock.now(),
    }
    return render(request, "viewer/tokens.html", context)
