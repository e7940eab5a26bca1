"""A stay already running when the feed started shows as such on the census and the summary."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from autarcie.mirror.models import Patient
from tests.factories import PASSWORD
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed
from tests.wards import Ward

pytestmark = pytest.mark.django_db
FLAG = "séjour connu par mouvement"


def _nurse() -> Client:
    client = Client()
    response = client.post("/connexion/", {"username": "ide.cardio", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_census_and_summary_say_the_stay_is_known_by_a_movement(ward: Ward) -> None:
    # Transferred into cardiology; the admission was sent before the mirror was installed.
    transfer = adt("A02", "R1", ipp="P9", nda="N9", family="ROUSSEL", unit="2010", room="14")
    feed([transfer], at=T0)
    client = _nurse()
    census = client.get(reverse("viewer:census", args=["2010"])).content.decode()
    assert "ROUSSEL" in census and "LEFÈVRE" in census
    assert census.count(FLAG) == 1  # Mme Lefèvre's admission was received: not flagged
    roussel = Patient.objects.get(ipp="P9")
    summary = client.get(reverse("viewer:patient", args=[roussel.pk])).content.decode()
    assert FLAG in summary
    lefevre = client.get(reverse("viewer:patient", args=[ward.lefevre.pk])).content.decode()
    assert FLAG not in lefevre
