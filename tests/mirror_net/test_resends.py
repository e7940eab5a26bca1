"""Repeated MSH-10 over real MLLP: a resend is acknowledged again, a reused id is not lost."""

from __future__ import annotations

import hashlib

from django.test import Client

from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import JournalEntry
from autarcie.core.roles import Role
from autarcie.mirror import actions, health
from autarcie.mirror.hl7.parser import parse_message
from autarcie.mirror.models import Inbound, Stay, Version
from autarcie.mirror.status import feed_health
from tests.factories import make_user
from tests.mirror_net.conftest import MllpClient, StartListener, msa
from tests.mirror_net.messages import pam

SENDER = "SIMUL_GAM^CH-TEST"


def test_resend_with_the_same_content_is_acknowledged_again_and_applied_once(
    start_listener: StartListener,
) -> None:
    client = MllpClient(start_listener().port)
    first = pam("A01", "SAME-1", 3)
    assert msa(client.send(first)) == ("AA", "SAME-1", "")
    versions = Version.objects.count()
    # The same message re-framed by an interface engine: segments ended by CR LF.
    again = client.send(first.replace(b"\r", b"\r\n"))
    assert msa(again)[:2] == ("AA", "SAME-1")
    assert "duplicate" in msa(again)[2]
    assert Inbound.objects.count() == 1
    assert Version.objects.count() == versions
    client.close()


def test_reused_control_id_with_other_content_is_answered_ae_and_kept_aside(
    start_listener: StartListener,
) -> None:
    client = MllpClient(start_listener().port)
    first = pam("A01", "REUSED-1", 3, unit="2010")
    # After a rebuild, the sender's counter starts again: another patient, the same MSH-10.
    other = pam("A01", "REUSED-1", 4, unit="3010")
    assert msa(client.send(first))[0] == "AA"
    ack = client.send(other)
    code, control_id, text = msa(ack)
    assert (code, control_id) == ("AE", "REUSED-1")
    assert "already used by another message with different content" in text
    err = parse_message(ack).segment("ERR")
    assert err is not None
    assert (err.raw_field(2), err.text(3), err.text(4)) == ("MSH^1^10", "205", "E")
    assert "new MSH-10" in err.text(8)
    # Never applied: the second patient is not in the mirror.
    assert list(Stay.objects.values_list("unit_code", flat=True)) == ["2010"]
    kept = Inbound.objects.get(state="quarantined")
    first_row = Inbound.objects.get(control_id="REUSED-1")
    assert bytes(kept.raw) == other
    assert kept.sha256 == hashlib.sha256(other).hexdigest()
    assert first_row.sha256 in kept.reason and kept.sha256 in kept.reason
    entry = JournalEntry.objects.get(action="feed.control_id_reused")
    assert entry.details["first_sha256"] == first_row.sha256
    assert entry.details["sha256"] == kept.sha256
    assert entry.details["control_id"] == "REUSED-1"
    # Sent again, it is answered AE again and kept once.
    assert msa(client.send(other))[0] == "AE"
    assert Inbound.objects.filter(state="quarantined").count() == 1
    client.close()


def test_reused_control_id_raises_a_feed_warning_until_someone_decides(
    start_listener: StartListener,
) -> None:
    client = MllpClient(start_listener().port)
    client.send(pam("A01", "WARN-1", 5))
    client.send(pam("A01", "WARN-1", 6))
    client.close()
    (status,) = feed_health()
    assert (status.sender, status.reused) == (SENDER, 1)
    lines, needs_person = health.report()
    assert needs_person
    assert any("WARNING 1 message(s) reused an MSH-10" in line for line in lines)
    page = _security_client().get("/miroir/")
    assert "reprenant un identifiant MSH-10 déjà reçu avec un autre contenu" in page.text
    # A person reprocesses it (a new message after all): applied, the warning is gone.
    kept = Inbound.objects.get(state="quarantined")
    user = make_user("rssi2", Role.IT_SECURITY, all_units=True)
    assert actions.reprocess(actor=user, inbound_id=kept.pk) == "applied"
    assert feed_health()[0].reused == 0
    assert Stay.objects.count() == 2


def _security_client() -> Client:
    client = Client()
    client.force_login(make_user("rssi", Role.IT_SECURITY, all_units=True))
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    return client
