"""Shared steps of the care validation tests: log in, post, count what was kept, Paris times."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from django.test import Client

from autarcie.care.models import CareEntry, StockEntry, TempPatient
from autarcie.core import clock
from autarcie.core.models import JournalEntry
from autarcie.mirror.fhir_import import import_paths
from tests.factories import PASSWORD

PARIS = ZoneInfo("Europe/Paris")


def login(username: str) -> Client:
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def paris(delta: dt.timedelta = dt.timedelta(0)) -> str:
    """Now plus ``delta`` as a datetime-local input value (Paris time)."""
    return (clock.now() + delta).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def saved() -> tuple[int, int, int, int]:
    """Care entries, temporary patients, stock entries and care journal entries."""
    return (
        CareEntry.objects.count(),
        TempPatient.objects.count(),
        StockEntry.objects.count(),
        JournalEntry.objects.filter(action__startswith="care.").count(),
    )


def register_rooms(tmp_path: Path, unit: str, rooms: dict[str, list[str]]) -> None:
    """The unit's ward, rooms and beds as FHIR Locations, through the mirror's real import."""
    org = {"resourceType": "Organization", "id": f"uf-{unit}", "identifier": [{"value": unit}]}
    ward = {
        "resourceType": "Location",
        "id": f"loc-{unit}",
        "identifier": [{"value": unit}],
        "name": f"Unité {unit}",
        "physicalType": {"coding": [{"code": "wa"}]},
        "managingOrganization": {"reference": f"Organization/uf-{unit}"},
    }
    locations = [ward]
    for room, beds in rooms.items():
        locations.append(
            {
                "resourceType": "Location",
                "id": f"loc-{unit}-{room}",
                "name": f"Chambre {room}",
                "physicalType": {"coding": [{"code": "ro"}]},
                "partOf": {"reference": f"Location/loc-{unit}"},
            }
        )
        locations += [
            {
                "resourceType": "Location",
                "id": f"loc-{unit}-{room}-{bed}",
                "name": f"Lit {room}-{bed}",
                "physicalType": {"coding": [{"code": "bd"}]},
                "partOf": {"reference": f"Location/loc-{unit}-{room}"},
            }
            for bed in beds
        ]
    folder = tmp_path / f"locations-{unit}"
    folder.mkdir()
    (folder / "Organization.ndjson").write_text(json.dumps(org) + "\n", encoding="utf-8")
    lines = "".join(json.dumps(item) + "\n" for item in locations)
    (folder / "Location.ndjson").write_text(lines, encoding="utf-8")
    summary = import_paths([folder])
    assert summary.total("rejected") == 0, summary.lines()
