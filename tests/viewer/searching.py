"""The search screen as a logged-in user sees it, for the search tests."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from autarcie.chart.search import Results
from tests.factories import PASSWORD


def search_as(username: str, query: str) -> Results:
    """What the search page was given to show ``username`` for ``query``."""
    client = Client()
    assert client.post("/connexion/", {"username": username, "password": PASSWORD}).status_code
    results: Results = client.get(reverse("viewer:search"), {"q": query}).context["results"]
    return results
