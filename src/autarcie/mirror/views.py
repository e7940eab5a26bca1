"""Pages for IT/security and the admin: feeds' health, freeze, held input and quarantine.

Each view starts with its role check; each change goes through ``mirror.actions``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from autarcie.core.access import acting_user, role_required
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action
from autarcie.core.journal_commit import record_read
from autarcie.core.roles import FEED_ROLES, RAW_INPUT_ROLES
from autarcie.mirror import actions, queries
from autarcie.mirror.forms import DiscardForm, FreezeForm, UnfreezeForm
from autarcie.mirror.models import Inbound, InboundState
from autarcie.mirror.state import current

FEED = tuple(FEED_ROLES)
_FROZEN = gettext_lazy(
    "Le miroir est gelé : dégelez-le d'abord (page « Flux et gel »), puis recommencez."
)
_NOT_QUARANTINED = gettext_lazy(
    "Seuls les messages en quarantaine se retraitent un par un ; les messages retenus "
    "s'appliquent ensemble, après le dégel, depuis la liste des messages."
)


def _feeds_page(request: HttpRequest, form: forms.Form | None = None) -> HttpResponse:
    state = current()
    if form is None:
        form = UnfreezeForm() if state.frozen else FreezeForm()
    context = {
        "state": state,
        "feeds": queries.feed_lines(state),
        "counts": queries.counts(),
        "form": form,
    }
    return render(request, "mirror/feeds.html", context)


@role_required(*FEED)
def feeds(request: HttpRequest) -> HttpResponse:
    return _feeds_page(request)


@require_POST
@role_required(*FEED)
def freeze(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = FreezeForm(request.POST)
    if not form.is_valid():
        return _feeds_page(request, form)
    actions.freeze(actor=user, reason=form.cleaned_data["reason"])
    messages.success(
        request, _("Miroir gelé : les flux sont toujours reçus et conservés, mais retenus.")
    )
    return redirect("mirror:feeds")


@require_POST
@role_required(*FEED)
def unfreeze(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = UnfreezeForm(request.POST)
    if not form.is_valid():
        return _feeds_page(request, form)
    actions.unfreeze(actor=user, reason=form.cleaned_data["reason"])
    messages.success(
        request,
        _("Miroir dégelé. Les messages retenus attendent votre décision (page « Messages »)."),
    )
    return redirect("mirror:feeds")


@role_required(*FEED)
def inbound_list(request: HttpRequest) -> HttpResponse:
    context = {
        "state": current(),
        "held": queries.waiting(InboundState.HELD),
        "quarantined": queries.waiting(InboundState.QUARANTINED),
        "counts": queries.counts(),
    }
    return render(request, "mirror/inbound_list.html", context)


@require_POST
@role_required(*FEED)
def apply_held(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if current().frozen:
        messages.error(request, _FROZEN)
        return redirect("mirror:inbound_list")
    done = actions.apply_held(actor=user)
    messages.success(
        request,
        _("%(a)d message(s) appliqué(s), %(q)d mis en quarantaine.")
        % {"a": done["applied"], "q": done["quarantined"]},
    )
    return redirect("mirror:inbound_list")


def _waiting_message(inbound_id: int) -> Inbound:
    waiting = (InboundState.HELD, InboundState.QUARANTINED)
    return get_object_or_404(Inbound.objects.defer("raw"), pk=inbound_id, state__in=waiting)


@role_required(*FEED)
def inbound_detail(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = acting_user(request)
    inbound = get_object_or_404(Inbound, pk=inbound_id)
    raw = None
    if user.has_role(*RAW_INPUT_ROLES):
        raw = queries.raw_text(inbound)
        record_read(
            Action.INBOUND_VIEWED,
            actor=user,
            target_type="inbound",
            target_id=inbound.pk,
            details={"feed": inbound.feed, "state": inbound.state},
        )
    context = {"inbound": inbound, "raw": raw, "form": DiscardForm(), "state": current()}
    return render(request, "mirror/inbound_detail.html", context)


@require_POST
@role_required(*FEED)
def reprocess(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = acting_user(request)
    inbound = _waiting_message(inbound_id)
    refusal = _NOT_QUARANTINED if inbound.state != InboundState.QUARANTINED else None
    if refusal is None and current().frozen:
        refusal = _FROZEN
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("mirror:inbound_detail", inbound_id=inbound_id)
    try:
        outcome = actions.reprocess(actor=user, inbound_id=inbound_id)
    except AutarcieError:
        messages.error(request, _FROZEN)
        return redirect("mirror:inbound_detail", inbound_id=inbound_id)
    if outcome == "applied":
        messages.success(request, _("Message retraité et appliqué au miroir."))
        return redirect("mirror:inbound_list")
    messages.error(
        request,
        _("Le message reste en quarantaine ; motif actuel : voir ci-dessous."),
    )
    return redirect("mirror:inbound_detail", inbound_id=inbound_id)


@require_POST
@role_required(*FEED)
def discard(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = acting_user(request)
    inbound = _waiting_message(inbound_id)
    form = DiscardForm(request.POST)
    if not form.is_valid():
        # The form's page again, without re-reading (and re-journaling) the raw bytes.
        context = {"inbound": inbound, "raw": None, "form": form, "state": current()}
        return render(request, "mirror/inbound_detail.html", context)
    actions.discard(
        actor=user, ids=[inbound.pk], reason=form.cleaned_data["reason"], states=[inbound.state]
    )
    messages.success(
        request, _("Message écarté. Son contenu brut est conservé ; le motif est au journal.")
    )
    return redirect("mirror:inbound_list")
