"""FHIR API tests: the small ward, clinical items for one patient, bearer-token clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from autarcie.core.models import User
from autarcie.core.tokens import create_token
from autarcie.mirror import records as r
from autarcie.mirror.clinical import put_clinical_many
from autarcie.mirror.store import Origin, Store
from tests.mirror_db.conftest import T0
from tests.wards import Ward, build_ward

NOTE = "Patiente de 76 ans, douleur thoracique.\nPas d'allergie connue hormis la pénicilline."


def add_clinical_items(ward: Ward) -> None:
    """One of each clinical item for Mme Lefèvre (cardiology), and a confidential note."""
    at = T0 - dt.timedelta(hours=2)
    items: list[Any] = [
        r.AllergyRecord(key="a1", label="Pénicilline", code="PENI", category="DA", severity="SV"),
        r.ConditionRecord(
            key="c1", label="Insuffisance cardiaque", code="I50", onset=dt.date(2020, 1, 5)
        ),
        r.PrescriptionRecord(
            key="p1",
            drug_label="Furosémide 40 mg",
            status="active",
            dose="40",
            dose_unit="mg",
            route="PO",
            frequency="1-0-0",
            start=at,
            prescriber="Dr Durand",
        ),
        r.PrescriptionRecord(key="p2", drug_label="Aspirine", status="stopped", start=at),
        r.ResultRecord(
            key="r1",
            code="2823-3",
            label="Potassium",
            status="F",
            value="5.9",
            value_num=5.9,
            unit="mmol/L",
            reference_range="3.5-5.0",
            flag="H",
            panel_label="Ionogramme",
            observed_at=at,
        ),
        r.ResultRecord(
            key="r2",
            code="2951-2",
            label="Sodium",
            status="F",
            value="139",
            value_num=139.0,
            unit="mmol/L",
            observed_at=at - dt.timedelta(days=40),
        ),
        r.DocumentRecord(
            key="d1",
            status="F",
            type_code="11488-4",
            type_label="Compte rendu",
            title="Consultation cardiologie",
            text=NOTE,
            authored_at=at,
        ),
        r.DocumentRecord(
            key="d2",
            status="F",
            title="Note confidentielle",
            text="secret",
            authored_at=at,
            confidential=True,
        ),
    ]
    store = Store(connection.cursor(), Origin(None, "fhir", T0))
    put_clinical_many(store, ward.lefevre.pk, items)


def bearer(user: User) -> Client:
    secret = create_token(actor=user, user=user, name="tests").secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def ward(db: None) -> Ward:
    built = build_ward()
    add_clinical_items(built)
    return built


@pytest.fixture
def live_ward(transactional_db: None) -> Ward:
    """The ward committed for real, so a live server thread sees it."""
    built = build_ward()
    add_clinical_items(built)
    return built
