"""Error pages: in French, in the site's layout, saying what to do next; never patient data.

Django's own pages are English one-liners ("Not Found", "Server Error (500)") that leave a nurse
with nothing to do. These pages say what happened and what to do, show the menu to a logged-in
user, and never echo the exception, the URL's data or a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from autarcie.core.errors import log_failure

logger = logging.getLogger(__name__)

TEMPLATE = "core/error.html"


@dataclass(frozen=True)
class ErrorPage:
    status: int
    title: Promise
    what: Promise
    todo: Promise


BAD_REQUEST = ErrorPage(
    400,
    _("Demande incorrecte"),
    _("Autarcie n'a pas pu lire cette demande : l'adresse ou le formulaire est incomplet."),
    _(
        "Revenez à la page précédente et recommencez. Si cela se reproduit, signalez-le à "
        "l'informatique en indiquant l'heure."
    ),
)
FORBIDDEN = ErrorPage(
    403,
    _("Accès refusé"),
    _("Vos rôles ou vos unités ne donnent pas accès à cette page."),
    _(
        "Utilisez le menu : il ne montre que les pages que vous pouvez ouvrir. Si votre travail "
        "demande cette page, demandez à un administrateur d'Autarcie d'ajuster vos droits."
    ),
)
NOT_FOUND = ErrorPage(
    404,
    _("Page introuvable"),
    _("Cette adresse ne correspond à aucune page, ou l'élément demandé n'existe pas (ou plus)."),
    _("Vérifiez l'adresse, ou repartez de l'accueil et utilisez le menu."),
)
SERVER_ERROR = ErrorPage(
    500,
    _("Erreur d'Autarcie"),
    _(
        "Autarcie a rencontré une erreur inattendue : ce que vous venez d'envoyer n'a peut-être "
        "pas été enregistré."
    ),
    _(
        "Vérifiez sur la page concernée si votre saisie y figure avant de la refaire. Si l'erreur "
        "se reproduit, prévenez l'informatique et continuez sur les kits papier."
    ),
)
METHOD_NOT_ALLOWED = ErrorPage(
    405,
    _("Action impossible sur cette page"),
    _(
        "Cette adresse ne s'ouvre pas ainsi : c'est l'adresse d'un bouton ou d'un formulaire, "
        "ouverte directement ou rechargée. Rien n'a été enregistré."
    ),
    _("Revenez à la page précédente et utilisez ses boutons, ou repartez de l'accueil."),
)
CSRF_FAILED = ErrorPage(
    403,
    _("Formulaire expiré"),
    _(
        "Ce formulaire a expiré (session fermée, verrouillée ou ouverte ailleurs) : rien n'a été "
        "enregistré."
    ),
    _(
        "Revenez en arrière, rechargez la page (touche F5), puis saisissez et envoyez à nouveau. "
        "Si vous avez été déconnecté·e, reconnectez-vous d'abord."
    ),
)


def _page(request: HttpRequest, error: ErrorPage) -> HttpResponse:
    return render(request, TEMPLATE, {"error": error}, status=error.status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, BAD_REQUEST)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, FORBIDDEN)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, NOT_FOUND)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # ``reason`` is Django's English diagnosis: for the log, not for the person.
    logger.warning("CSRF check failed on %s: %s", request.method, reason)
    return _page(request, CSRF_FAILED)


def server_error(request: HttpRequest) -> HttpResponse:
    """The full layout if it can be drawn; without the menu if the failure is in the database.

    The menu and the banners read the database, which may be what failed: a second failure
    here would leave the browser with a bare English error, so the fallback renders the same
    page without the request's context.
    """
    try:
        return _page(request, SERVER_ERROR)
    except Exception:  # the page of last resort must not fail for any reason
        log_failure(logger, "the error page could not use the full layout")
    context = {"error": SERVER_ERROR, "hospital_name": settings.HOSPITAL_NAME}
    return HttpResponse(render_to_string(TEMPLATE, context), status=500)


class ExplainEmptyErrorsMiddleware:
    """Give Django's bodyless 405 (a wrong HTTP method: a button's address opened by hand) the
    French page, keeping its ``Allow`` header; every other response passes through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False):
            return response
        if response.content:
            return response
        page = _page(request, METHOD_NOT_ALLOWED)
        page["Allow"] = response.get("Allow", "")
        return page
