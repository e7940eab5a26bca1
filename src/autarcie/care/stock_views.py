"""Drug stock screens: levels as of any moment, alerts, entries, transfers, thresholds."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render

from autarcie.care import access, stock_actions, stock_queries
from autarcie.care.display import stock_rows_html
from autarcie.care.fields import CareInputError, parse_moment
from autarcie.care.models import PHARMACY, StockEntry, StockKind, StockUnit
from autarcie.care.queries import current
from autarcie.core import notices
from autarcie.core.access import acting_user, role_required, units_for
from autarcie.core.html_rows import row_url
from autarcie.core.models import Unit
from autarcie.core.notices import redirect_saved

STOCKERS = tuple(access.STOCK_ROLES)
notices.register("stock-threshold", "Seuil enregistré.")
notices.register("stock-transfer", "Transfert enregistré.")
notices.register("stock-entry", "Mouvement de stock enregistré.")


FORMS = ("movement", "transfer", "threshold")


def _quantity(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise CareInputError({"quantity": "Quantité : un nombre entier."}) from None


def _drug(post: QueryDict, location: str) -> tuple[str, str]:
    """The drug picked from the list (its code stays behind its name), or one described by
    hand when it is in no list yet (a first receipt)."""
    picked = stock_queries.find_drug(post.get("drug_code", ""), location)
    if picked is not None:
        return picked.code, picked.label
    code, label = post.get("new_code", "").strip(), post.get("new_label", "").strip()
    if code and label:
        return code, label
    raise CareInputError(
        {
            "drug_code": "Médicament : choisissez-le dans la liste (ou, pour une réception "
            "hors liste, donnez son code et son libellé)."
        }
    )


def _post(request: HttpRequest, user: Any, location: str) -> str:
    """Run the form posted; returns the code of its confirmation (see notices)."""
    post = request.POST
    form = post.get("form", "")
    written = post.get("written_at") or None
    code, label = _drug(post, location)
    drug = {"drug_code": code, "drug_label": label}
    if form == "threshold":
        minimum = _quantity(post.get("minimum", ""))
        stock_actions.set_threshold(actor=user, location=location, minimum=minimum, **drug)
        return "stock-threshold"
    quantity, unit = _quantity(post.get("quantity", "")), post.get("unit", "")
    if form == "transfer":
        stock_actions.transfer_stock(
            actor=user,
            source=location,
            destination=post.get("counterpart", ""),
            quantity=quantity,
            unit=unit,
            written_at=written,
            **drug,
        )
        return "stock-transfer"
    stock_actions.record_stock(
        actor=user,
        location=location,
        kind=post.get("kind", ""),
        quantity=quantity,
        unit=unit,
        written_at=written,
        **drug,
    )
    return "stock-entry"


def _typed(request: HttpRequest) -> dict[str, QueryDict]:
    """What was typed in the refused form, to show it again (the other forms stay empty)."""
    form = request.POST.get("form", "movement")
    return {form: request.POST} if form in FORMS else {}


@role_required(*STOCKERS)
def stock(request: HttpRequest, location: str) -> HttpResponse:
    user = acting_user(request)
    access.check_stock(user, location)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            note = _post(request, user, location)
        except CareInputError as exc:
            errors = exc.errors
            messages.error(request, f"Rien n'a été enregistré. {exc}")
        else:
            return redirect_saved(note, "care:stock", location=location)
    return render(
        request,
        "care/stock.html",
        _context(request, user, location, errors),
        status=400 if errors else 200,
    )


def _context(
    request: HttpRequest, user: Any, location: str, errors: dict[str, str]
) -> dict[str, Any]:
    as_of_text = request.GET.get("as_of", "").strip()
    as_of = None
    if as_of_text:
        try:
            as_of = parse_moment(as_of_text)
        except ValueError:
            messages.error(request, "Date invalide : utilisez AAAA-MM-JJTHH:MM.")
    entries = current(StockEntry.objects.filter(location=location)).order_by("-written_at")[:50]
    return {
        "location": location,
        "label": "Pharmacie (PUI)"
        if location == PHARMACY
        else str(Unit.objects.filter(code=location).first() or location),
        "lines": stock_queries.levels(location, as_of),
        "as_of": as_of_text,
        "alerts": stock_queries.open_alerts(location)[:20],
        # One CSRF token for the page's row forms, not one per row.
        "entries": stock_rows_html(
            entries,
            get_token(request),
            row_url("care:stock_correct"),
        ),
        "consumption": sorted(stock_queries.consumption_per_day(location).items(), reverse=True),
        "kinds": [(k, v) for k, v in StockKind.choices if not k.startswith("transfer")],
        "units": StockUnit.choices,
        "drugs": list(stock_queries.drug_catalogue().values()),
        "locations": [PHARMACY, *units_for(user).values_list("code", flat=True)],
        "errors": errors,
        "typed": _typed(request) if errors else {},
    }


@role_required(*STOCKERS)
def stock_correct(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = acting_user(request)
    entry = get_object_or_404(StockEntry, pk=entry_id)
    access.check_stock(user, entry.location)
    try:
        quantity = request.POST.get("quantity", "").strip()
        stock_actions.correct_stock(
            actor=user,
            entry=entry,
            reason=request.POST.get("reason", ""),
            quantity=_quantity(quantity) if quantity else None,
            cancel=request.POST.get("cancel") == "on",
        )
    except CareInputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Correction enregistrée ; la version précédente est conservée.")
    return redirect("care:stock", location=entry.location)
