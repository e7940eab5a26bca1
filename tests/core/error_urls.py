"""The site's URLs and error handlers, plus two views that fail on purpose, for error tests."""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from autarcie.urls import handler400, handler403, handler404, handler500
from autarcie.urls import urlpatterns as site

# The message a careless page would show: a patient's name.
LEAK = "LEFÈVRE MARIE IPP P1"


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(LEAK)


def bad(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(LEAK)


urlpatterns = [*site, path("test/panne/", crash), path("test/mauvaise/", bad)]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
