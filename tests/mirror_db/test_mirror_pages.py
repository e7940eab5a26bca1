"""The mirror's pages for IT/security and the admin: feeds, freeze, held input, quarantine."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
from django.test import Client

from autarcie.core import clock
from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role
from autarcie.mirror.models import Inbound, MirrorState, Stay
from autarcie.mirror.queries import silence_words
from tests.factories import make_unit, make_user
from tests.mirror_db.builders import adt
from tests.mirror_db.conftest import T0, feed

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(minutes=5)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[clock.FrozenClock]:
    fixed = clock.FrozenClock(NOW)
    previous = clock.install(fixed)
    yield fixed
    clock.install(previous)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    return client


@pytest.fixture
def security() -> User:
    return make_user("rssi", Role.IT_SECURITY, all_units=True)


@pytest.fixture
def admin() -> User:
    return make_user("admin", Role.ADMIN, all_units=True)


def _quarantined(raw: bytes, reason: str) -> Inbound:
    """A message kept aside by an earlier failure that has since been fixed."""
    return Inbound.objects.create(
        feed="hl7",
        sender="GAM",
        control_id="Q1",
        event="ADT^A01",
        received_at=T0,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        state="quarantined",
        reason=reason,
    )


def _journal(action: str) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(action=action).order_by("seq"))


@pytest.mark.parametrize("name", ["mirror:feeds", "mirror:inbound_list", "core:journal_verify"])
def test_feed_pages_open_to_it_security_and_admin_only(
    name: str, security: User, admin: User
) -> None:
    from django.urls import reverse

    unit = make_unit("2010")
    nurse = make_user("ide", Role.NURSE, units=[unit])
    physician = make_user("med", Role.PHYSICIAN, units=[unit])
    url = reverse(name)
    assert _client(security).get(url).status_code == 200
    assert _client(admin).get(url).status_code == 200
    assert _client(nurse).get(url).status_code == 403
    assert _client(physician).get(url).status_code == 403


def test_an_auditor_may_not_freeze(admin: User) -> None:
    auditor = make_user("audit", Role.AUDITOR, all_units=True)
    client = _client(auditor)
    assert client.get("/miroir/").status_code == 403
    assert client.post("/miroir/geler/", {"reason": "test"}).status_code == 403
    assert not MirrorState.objects.filter(frozen=True).exists()


def test_feeds_page_says_each_sender_last_message_and_counts(security: User) -> None:
    broken = adt("A01", "M2", ipp="P2").replace(b"PID|", b"PIX|")
    feed([adt("A01", "M1"), broken], at=T0)
    page = _client(security).get("/miroir/").content.decode()
    assert "GAM" in page
    assert "23 novembre 2026 à 09:00" in page  # 08:00 UTC, shown in Europe/Paris
    assert "<td>2</td><td>1</td><td>0</td><td>1</td>" in page  # received, applied, held, rejected
    assert "Actif, mais 50 % de messages rejetés" in page
    assert "En quarantaine : 1 message(s)" in page


def test_freeze_without_a_reason_is_refused_in_french(security: User) -> None:
    response = _client(security).post("/miroir/geler/", {"reason": "   "})
    assert response.status_code == 200
    assert "Indiquez le motif du gel" in response.content.decode()
    assert not MirrorState.objects.filter(frozen=True).exists()
    assert _journal("mirror.frozen") == []


def test_freeze_with_a_reason_freezes_and_journals_who(security: User) -> None:
    client = _client(security)
    response = client.post("/miroir/geler/", {"reason": "suspicion de compromission"})
    assert response.status_code == 302
    state = MirrorState.objects.get(pk=1)
    assert state.frozen
    assert state.reason == "suspicion de compromission"
    (entry,) = _journal("mirror.frozen")
    assert entry.actor_user == security
    assert entry.details == {"reason": "suspicion de compromission"}
    page = client.get("/miroir/").content.decode()
    assert "Miroir GELÉ depuis le 23 novembre 2026 à 09:05" in page


def test_unfreeze_needs_a_reason_too_and_journals_it(security: User) -> None:
    client = _client(security)
    client.post("/miroir/geler/", {"reason": "attaque"})
    refused = client.post("/miroir/degeler/", {"reason": ""})
    assert "Indiquez le motif du dégel" in refused.content.decode()
    assert MirrorState.objects.get(pk=1).frozen
    client.post("/miroir/degeler/", {"reason": "SIH restauré"})
    assert not MirrorState.objects.get(pk=1).frozen
    (entry,) = _journal("mirror.unfrozen")
    assert entry.actor_user == security
    assert entry.details["reason"] == "SIH restauré"


def test_held_input_is_listed_then_applied_after_unfreeze(security: User) -> None:
    client = _client(security)
    client.post("/miroir/geler/", {"reason": "attaque"})
    feed([adt("A01", "M1")], at=T0)
    page = client.get("/miroir/messages/").content.decode()
    assert "Retenus pendant le gel (1)" in page
    refused = client.post("/miroir/messages/retenus/appliquer/", follow=True)
    assert "Le miroir est gelé" in refused.content.decode()
    assert Stay.objects.count() == 0
    client.post("/miroir/degeler/", {"reason": "SIH sain"})
    done = client.post("/miroir/messages/retenus/appliquer/", follow=True)
    assert "1 message(s) appliqué(s)" in done.content.decode()
    assert Stay.objects.get().status == "admitted"
    assert _journal("mirror.held_applied")[0].actor_user == security


def test_quarantined_message_is_reprocessed_and_applied(security: User) -> None:
    kept = _quarantined(adt("A01", "M1"), "internal error while applying: RuntimeError")
    client = _client(security)
    page = client.get("/miroir/messages/").content.decode()
    assert "internal error while applying" in page
    response = client.post(f"/miroir/messages/{kept.pk}/retraiter/", follow=True)
    assert "Message retraité et appliqué au miroir." in response.content.decode()
    kept.refresh_from_db()
    assert kept.state == "applied"
    assert Stay.objects.get().status == "admitted"
    (entry,) = _journal("mirror.quarantine_reprocessed")
    assert (entry.actor_user, entry.target_id) == (security, str(kept.pk))


def test_quarantined_message_is_discarded_with_a_reason_and_its_bytes_kept(
    security: User,
) -> None:
    raw = adt("A01", "M1")
    kept = _quarantined(raw, "PID-3 absent")
    client = _client(security)
    refused = client.post(f"/miroir/messages/{kept.pk}/ecarter/", {"reason": ""})
    assert "Indiquez pourquoi ce message est écarté" in refused.content.decode()
    assert Inbound.objects.get(pk=kept.pk).state == "quarantined"
    client.post(f"/miroir/messages/{kept.pk}/ecarter/", {"reason": "doublon du M0"})
    kept.refresh_from_db()
    assert kept.state == "discarded"
    assert bytes(kept.raw) == raw  # discarding never purges: only retention deletes
    (entry,) = _journal("mirror.quarantine_discarded")
    assert entry.actor_user == security
    assert entry.details == {"count": 1, "reason": "doublon du M0"}


def test_raw_content_is_read_by_it_security_only_and_journaled(security: User, admin: User) -> None:
    kept = _quarantined(adt("A01", "M1", family="LEFÈVRE"), "PID-3 absent")
    url = f"/miroir/messages/{kept.pk}/"
    seen_by_admin = _client(admin).get(url).content.decode()
    assert "PID-3 absent" in seen_by_admin
    assert "LEFÈVRE" not in seen_by_admin
    assert _journal("mirror.inbound_viewed") == []
    seen = _client(security).get(url).content.decode()
    assert "LEFÈVRE^JEANNE" in seen
    (entry,) = _journal("mirror.inbound_viewed")
    assert (entry.actor_user, entry.target_id) == (security, str(kept.pk))


def test_a_silent_feed_says_for_how_long_in_words(
    security: User, fixed_clock: clock.FrozenClock
) -> None:
    feed([adt("A01", "M1")], at=T0)
    fixed_clock.set(T0 + dt.timedelta(hours=3, minutes=5))
    assert "Silencieux depuis 3 h 05" in _client(security).get("/miroir/").content.decode()
    assert (silence_words(12), silence_words(20946)) == ("12 min", "14 jours")
