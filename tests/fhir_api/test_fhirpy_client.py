"""A third-party FHIR client (fhirpy) reads and searches a live server with a bearer token."""

from __future__ import annotations

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, ResourceNotFound
from pytest_django.live_server_helper import LiveServer

from autarcie.core.journal import verify
from autarcie.core.models import JournalEntry
from autarcie.core.tokens import create_token, revoke_token
from tests.wards import Ward


def _client(live_server: LiveServer, secret: str) -> SyncFHIRClient:
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {secret}")


def test_fhirpy_reads_a_patient_and_searches_over_http(
    live_server: LiveServer, live_ward: Ward
) -> None:
    issued = create_token(actor=live_ward.nurse, user=live_ward.nurse, name="fhirpy")
    client = _client(live_server, issued.secret)
    patient = client.reference("Patient", str(live_ward.lefevre.pk)).to_resource()
    assert patient["name"][0]["family"] == "LEFÈVRE"
    found = client.resources("Patient").search(name="lefevre").fetch()
    assert [p.id for p in found] == [str(live_ward.lefevre.pk)]
    # fetch_all follows the Bundle's next links page after page.
    results = (
        client.resources("Observation")
        .search(patient=str(live_ward.lefevre.pk))
        .limit(1)
        .fetch_all()
    )
    assert sorted(o["code"]["coding"][0]["code"] for o in results) == ["2823-3", "2951-2"]
    actions = list(JournalEntry.objects.filter(actor_user=live_ward.nurse).values_list("action"))
    assert ("patient.opened",) in actions and ("patient.listed",) in actions
    assert verify().ok


def test_fhirpy_sees_refusals_as_errors(live_server: LiveServer, live_ward: Ward) -> None:
    issued = create_token(actor=live_ward.nurse, user=live_ward.nurse, name="fhirpy")
    client = _client(live_server, issued.secret)
    with pytest.raises(ResourceNotFound):
        client.reference("Patient", str(live_ward.hidden.pk)).to_resource()
    revoke_token(actor=live_ward.nurse, token=issued.token)
    with pytest.raises(AuthorizationError, match="revoked"):
        client.resources("Patient").search(name="lefevre").fetch()
