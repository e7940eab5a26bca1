"""Searchset Bundles with paging links (self, first, previous, next)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from autarcie.core import clock
from autarcie.viewer.fhir.params import Page
from autarcie.viewer.fhir.resources import Json, instant


def base_url(request: HttpRequest) -> str:
    """The API's absolute base, ending with '/'."""
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


def _link(request: HttpRequest, rtype: str, offset: int, count: int) -> str:
    params = [(k, v) for k, vs in request.GET.lists() for v in vs if k not in ("_offset", "_count")]
    params += [("_count", str(count)), ("_offset", str(offset))]
    return f"{base_url(request)}{rtype}?{urlencode(params)}"


def searchset(
    request: HttpRequest, rtype: str, found: Sequence[Json], total: int, page: Page
) -> Json:
    base = base_url(request)
    links = [
        {"relation": "self", "url": _link(request, rtype, page.offset, page.count)},
        {"relation": "first", "url": _link(request, rtype, 0, page.count)},
    ]
    if page.offset > 0:
        previous = max(0, page.offset - page.count)
        links.append({"relation": "previous", "url": _link(request, rtype, previous, page.count)})
    if page.count and page.offset + page.count < total:
        links.append(
            {"relation": "next", "url": _link(request, rtype, page.offset + page.count, page.count)}
        )
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": instant(clock.now())},
        "total": total,
        "link": links,
    }
    if found:
        bundle["entry"] = [
            {
                "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in found
        ]
    return bundle
