"""Break-glass refusals reach the person in French, saying what to correct."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.core.models import JournalEntry
from tests.factories import PASSWORD
from tests.wards import Ward

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    login = {"username": username, "password": PASSWORD}
    assert client.post("/connexion/", login).status_code == 302
    return client


@pytest.mark.parametrize(
    ("posted", "says"),
    [
        ({"reason": "other", "details": " "}, "le motif « autre » doit être précisé par écrit"),
        ({"reason": "curiosity", "details": ""}, "choisissez un motif dans la liste"),
    ],
)
def test_a_refused_break_glass_says_why_in_french(
    ward: Ward, posted: dict[str, str], says: str
) -> None:
    url = reverse("viewer:break_glass", args=[ward.martin.pk])
    page = _client("ide.cardio").post(url, posted).content.decode()
    assert f"Accès refusé : {says}" in page
    assert "needs a written reason" not in page and "from the list" not in page
    assert not JournalEntry.objects.filter(action="patient.break_glass").exists()
