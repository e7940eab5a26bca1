"""Confirmations of a save carried by the redirect's URL instead of the session.

A success message kept in the session costs two writes of the session (one to store it, one
when the next page takes it), each a synced commit queued behind every other writer of the
instance; a ward's care and stock saves are the busiest writes of a downtime. A confirmation
is a fixed text looked up here by a short code, so the URL carries no patient data and
nothing the user typed. Errors still go through the messages framework.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url

PARAMETER = "ok"

TEXTS: dict[str, str] = {}


def register(code: str, text: str) -> None:
    """Declare a confirmation (at import time of the app that uses it)."""
    if TEXTS.get(code, text) != text:
        raise ValueError(f"confirmation code {code!r} already means something else")
    TEXTS[code] = text


def redirect_saved(code: str, to: str, *args: object, **kwargs: object) -> HttpResponseRedirect:
    """Redirect to a named URL that will confirm the save ``code`` stands for."""
    if code not in TEXTS:
        raise KeyError(f"unknown confirmation code {code!r}")
    url = resolve_url(to, *args, **kwargs)
    return HttpResponseRedirect(f"{url}?{urlencode({PARAMETER: code})}")


def saved_notice(request: HttpRequest) -> str:
    """The confirmation this page was reached with, or "" (unknown codes are ignored).

    Only on a GET: a form posted back to the URL that confirmed the previous save carries
    the code too, and a refused form must never read "enregistré"."""
    if request.method != "GET":
        return ""
    return TEXTS.get(request.GET.get(PARAMETER, ""), "")


def notice_context(request: HttpRequest) -> dict[str, str]:
    """Template context processor: ``saved_notice`` for base.html."""
    return {"saved_notice": saved_notice(request)}
