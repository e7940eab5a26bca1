"""The one door of every FHIR view: read-only methods, bearer token, errors as OperationOutcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from autarcie.core.access import client_address
from autarcie.core.errors import log_failure
from autarcie.core.models import User
from autarcie.core.tokens import TokenRejected, authenticate
from autarcie.viewer.fhir.outcome import FhirError, error_response

logger = logging.getLogger(__name__)

FhirView = Callable[..., HttpResponse]
UserView = Callable[..., HttpResponse]

_READ_METHODS = ("GET", "HEAD")
_JSON_FORMATS = ("", "json", "application/json", "application/fhir+json")


def bearer_user(request: HttpRequest) -> User:
    """The user of the request's bearer token; 401 without one or with a bad one."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise FhirError(401, "login", "an 'Authorization: Bearer <token>' header is required")
    try:
        return authenticate(secret.strip(), address=client_address(request))
    except TokenRejected as exc:
        raise FhirError(
            401, "login", f"the bearer token is not accepted ({exc.reason}): ask for a new one"
        ) from None


def _check_request(request: HttpRequest) -> None:
    if request.method not in _READ_METHODS:
        raise FhirError(405, "not-supported", "this FHIR API is read-only: only GET is accepted")
    fmt = request.GET.get("_format", "").strip().lower()
    if fmt not in _JSON_FORMATS:
        raise FhirError(406, "not-supported", "only JSON is served (_format=json)")


def _answer(view: Callable[[], HttpResponse]) -> HttpResponse:
    try:
        return view()
    except FhirError as exc:
        return error_response(exc)
    except Http404:
        return error_response(FhirError(404, "not-found", "no such resource"))
    except PermissionDenied:
        return error_response(
            FhirError(403, "forbidden", "this resource is outside your roles or units")
        )
    except Exception:
        # Logged with its traceback for the operator; the client learns nothing more.
        log_failure(logger, "FHIR request failed")
        return error_response(FhirError(500, "exception", "internal error, logged on the server"))


def fhir_endpoint(*, public: bool = False) -> Callable[[UserView], FhirView]:
    """Decorate ``view(request, user, ...)``; ``public`` views get ``user=None``.

    CSRF protects cookie sessions; these views ignore cookies and accept only safe methods, so
    the exemption only lets a POST reach its 405 OperationOutcome.
    """

    def decorator(view: UserView) -> FhirView:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            def run() -> HttpResponse:
                _check_request(request)
                user = None if public else bearer_user(request)
                return view(request, user, *args, **kwargs)

            return _answer(run)

        return wrapped

    return decorator
