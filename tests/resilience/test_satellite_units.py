"""Unit satellites in one process: the envelope, pairing codes, the admin page, the API's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from autarcie.care.models import TempPatient
from autarcie.core import clock
from autarcie.core.middleware import SESSION_SECOND_FACTOR_OK
from autarcie.core.models import JournalEntry
from autarcie.core.roles import Role
from autarcie.core.tempids import format_tempid
from autarcie.resilience import satellite_actions as actions
from autarcie.resilience.models import PairingCode, Satellite, SatelliteLink
from autarcie.resilience.satellite_context import banner
from autarcie.resilience.satellite_crypto import (
    PULL,
    SNAPSHOT,
    EnvelopeRefused,
    KeyPair,
    code_hash,
    open_envelope,
    seal,
)
from autarcie.resilience.satellite_import import PushRefused, import_push
from tests.factories import make_unit, make_user

LINK = "ab" * 16


@pytest.fixture
def pairs() -> tuple[KeyPair, KeyPair]:
    return KeyPair.generate(), KeyPair.generate()


def _sealed(main: KeyPair, sat: KeyPair, body: dict[str, Any] | None = None) -> bytes:
    return seal(
        body or {"patients": ["MARTINEZ"]},
        kind=SNAPSHOT,
        link_id=LINK,
        recipient_box=sat.box_public,
        sender_sign=main.sign_private,
    )


def test_an_envelope_opens_only_for_its_recipient_from_its_sender(
    pairs: tuple[KeyPair, KeyPair],
) -> None:
    main, sat = pairs
    envelope = _sealed(main, sat)
    assert b"MARTINEZ" not in envelope
    opened = open_envelope(
        envelope,
        kind=SNAPSHOT,
        link_id=LINK,
        recipient_box=sat.box_private,
        sender_sign=main.sign_public,
    )
    assert opened == {"patients": ["MARTINEZ"]}
    with pytest.raises(EnvelopeRefused, match="not signed by the expected key"):
        open_envelope(
            envelope,
            kind=SNAPSHOT,
            link_id=LINK,
            recipient_box=sat.box_private,
            sender_sign=KeyPair.generate().sign_public,
        )
    with pytest.raises(EnvelopeRefused, match="cannot be decrypted"):
        open_envelope(
            envelope,
            kind=SNAPSHOT,
            link_id=LINK,
            recipient_box=KeyPair.generate().box_private,
            sender_sign=main.sign_public,
        )


@pytest.mark.parametrize("where", [0, 20, 40, 100, -70, -1])
def test_any_flipped_byte_is_refused(pairs: tuple[KeyPair, KeyPair], where: int) -> None:
    main, sat = pairs
    envelope = bytearray(_sealed(main, sat))
    envelope[where] ^= 0x40
    with pytest.raises(EnvelopeRefused):
        open_envelope(
            bytes(envelope),
            kind=SNAPSHOT,
            link_id=LINK,
            recipient_box=sat.box_private,
            sender_sign=main.sign_public,
        )


def test_an_envelope_of_another_kind_or_link_is_refused(pairs: tuple[KeyPair, KeyPair]) -> None:
    main, sat = pairs
    envelope = _sealed(main, sat)
    for kind, link in ((PULL, LINK), (SNAPSHOT, "cd" * 16)):
        with pytest.raises(EnvelopeRefused, match="not a"):
            open_envelope(
                envelope,
                kind=kind,
                link_id=link,
                recipient_box=sat.box_private,
                sender_sign=main.sign_public,
            )


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    fake = clock.FrozenClock(dt.datetime(2025, 1, 10, 8, 0, tzinfo=dt.UTC))
    previous = clock.install(fake)
    yield fake
    clock.install(previous)


def _request(code: str, site: str = "01") -> dict[str, Any]:
    keys = KeyPair.generate()
    return {"code": code, "site": site, "sign_public": keys.sign_public, "box_public": "00" * 32}


@pytest.mark.django_db
def test_an_expired_code_is_refused_and_journaled(frozen: clock.FrozenClock) -> None:
    make_unit("2010")
    made = actions.create_pairing(actor="system:test", name="Réa", units=["2010"])
    frozen.advance(dt.timedelta(minutes=actions.CODE_MINUTES, seconds=1))
    with pytest.raises(actions.EnrolRefused, match="expiré"):
        actions.enrol(_request(made.code), address="127.0.0.1")
    assert not Satellite.objects.exists()
    refused = JournalEntry.objects.filter(action="satellite.enrol_refused").get()
    assert refused.details["reason"] == "expired"


@pytest.mark.django_db
def test_a_code_is_stored_hashed_and_used_once(frozen: clock.FrozenClock) -> None:
    make_unit("2010")
    made = actions.create_pairing(actor="system:test", name="Réa", units=["2010"], tempids_count=50)
    stored = PairingCode.objects.get()
    assert made.code not in repr(stored.__dict__)
    assert stored.code_hash == code_hash(made.code.lower())
    with pytest.raises(actions.EnrolRefused, match="site"):
        actions.enrol(_request(made.code, site="02"), address="127.0.0.1")  # not consumed
    answer = actions.enrol(_request(made.code), address="127.0.0.1")["answer"]
    assert answer["tempids"]["last"] - answer["tempids"]["first"] == 49
    with pytest.raises(actions.EnrolRefused, match="déjà utilisé"):
        actions.enrol(_request(made.code), address="127.0.0.1")
    with pytest.raises(actions.EnrolRefused, match="inconnu"):
        actions.enrol(_request("AAAA-BBBB-CCCC"), address="127.0.0.1")


@pytest.mark.django_db
def test_only_an_admin_with_second_factor_creates_codes_shown_once() -> None:
    unit = make_unit("2010")
    nurse = Client()
    nurse.force_login(make_user("nurse1", Role.NURSE, units=[unit]))
    assert nurse.get("/satellite/admin/").status_code == 403
    assert Client().get("/satellite/admin/").status_code == 302
    admin = Client()
    admin.force_login(make_user("admin1", Role.ADMIN, all_units=True))
    assert admin.get("/satellite/admin/").status_code == 302  # second factor first
    session = admin.session
    session[SESSION_SECOND_FACTOR_OK] = True
    session.save()
    page = admin.post(
        "/satellite/admin/", {"name": "Réa portable", "units": ["2010"], "tempids": "200"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "affiché une seule fois" in text
    assert PairingCode.objects.filter(name="Réa portable", units=["2010"]).count() == 1
    assert "affiché une seule fois" not in admin.get("/satellite/admin/").content.decode()


@pytest.mark.django_db
def test_a_revoked_or_forged_satellite_gets_a_refusal_and_nothing_else() -> None:
    make_unit("2010")
    made = actions.create_pairing(actor="system:test", name="Réa", units=["2010"])
    keys = KeyPair.generate()
    request = {"code": made.code, "site": "01"}
    answer = actions.enrol(
        {**request, "sign_public": keys.sign_public, "box_public": keys.box_public},
        address="127.0.0.1",
    )["answer"]
    satellite = Satellite.objects.get()

    def pull(signer: KeyPair) -> Any:
        body = {"at": clock.now().isoformat(), "echo": "x", "have": {}}
        envelope = seal(
            body,
            kind=PULL,
            link_id=answer["uid"],
            recipient_box=answer["main_box_public"],
            sender_sign=signer.sign_private,
        )
        return Client().post(
            "/satellite/api/pull/", envelope, content_type="application/octet-stream"
        )

    assert pull(keys)["Content-Type"] == "application/octet-stream"
    forged = pull(KeyPair.generate())
    assert forged.status_code == 403
    assert forged["Content-Type"] == "application/json"
    actions.revoke(actor="system:test", satellite=satellite)
    revoked = pull(keys)
    assert revoked.status_code == 403
    assert "révoqué" in revoked.json()["error"]
    reasons = [
        e.details["reason"]
        for e in JournalEntry.objects.filter(action="satellite.rejected").order_by("seq")
    ]
    assert reasons[-1] == "revoked"
    assert "not signed" in reasons[0]
    assert JournalEntry.objects.filter(action="satellite.pulled").count() == 1


def _enrolled(tempids: int) -> Satellite:
    """A satellite of unit 2010 enrolled with a block of ``tempids`` identifiers."""
    make_unit("2010")
    made = actions.create_pairing(
        actor="system:test", name="Réa", units=["2010"], tempids_count=tempids
    )
    keys = KeyPair.generate()
    actions.enrol(
        {"code": made.code, "site": "01", "sign_public": keys.sign_public, "box_public": "0" * 64},
        address="127.0.0.1",
    )
    return Satellite.objects.get()


@pytest.mark.django_db
def test_a_push_with_an_identifier_outside_the_delegated_block_takes_nothing() -> None:
    satellite = _enrolled(tempids=5)
    outside = format_tempid("01", satellite.tempid_last + 1)
    temp = {
        "tempid": outside,
        "birth_family": "INCONNU",
        "given": "X",
        "sex": "M",
        "unit_code": "2010",
        "created_at": clock.now().isoformat(),
        "created_by": "nurse",
    }
    with pytest.raises(PushRefused, match="not from the block"):
        import_push(actor="system:test", satellite=satellite, body={"temps": [temp]})
    assert not TempPatient.objects.exists()
    inside = {**temp, "tempid": format_tempid("01", satellite.tempid_first)}
    done = import_push(actor="system:test", satellite=satellite, body={"temps": [inside]})
    assert done.temps == 1
    again = import_push(actor="system:test", satellite=satellite, body={"temps": [inside]})
    assert again.temps == 0
    assert TempPatient.objects.count() == 1


@pytest.mark.django_db
def test_the_main_delegates_a_new_range_before_the_satellite_runs_out() -> None:
    satellite = _enrolled(tempids=10)
    first = [satellite.tempid_first, satellite.tempid_last]
    plenty = actions.delegated_ranges(satellite, left=9, known=[first])
    assert [(r["first"], r["last"]) for r in plenty] == [tuple(first)]
    low = actions.delegated_ranges(satellite, left=1, known=[first])
    assert len(low) == 2
    extra = low[1]
    assert extra["last"] - extra["first"] == 9 and extra["first"] > satellite.tempid_last
    # The answer was lost: the satellite asks again without the new range; nothing doubles.
    again = actions.delegated_ranges(satellite, left=1, known=[first])
    assert again == low
    # An identity from the new range is accepted back on the main.
    temp = {
        "tempid": format_tempid("01", extra["first"]),
        "birth_family": "INCONNU",
        "given": "X",
        "sex": "M",
        "unit_code": "2010",
        "created_at": clock.now().isoformat(),
        "created_by": "nurse",
    }
    assert import_push(actor="system:test", satellite=satellite, body={"temps": [temp]}).temps == 1


def test_the_banner_says_how_old_the_data_is() -> None:
    now = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)
    link = SatelliteLink(
        name="Réa portable",
        last_sync_at=now - dt.timedelta(minutes=7),
        data_as_of=dt.datetime(2025, 1, 10, 11, 50, tzinfo=dt.UTC),
    )
    text = banner(link, now)
    assert text == (
        "Données du 10/01/2025 à 12:50 — satellite « Réa portable », synchronisé il y a 7 min"
    )
    link.last_error = "unreachable"
    assert "en échec" in banner(link, now)
    assert "jamais synchronisé" in banner(SatelliteLink(name="x"), now)


@pytest.mark.django_db
def test_pages_of_a_main_instance_do_not_ask_for_a_satellite_link_each_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import connection
    from django.test.client import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from autarcie.resilience import satellite_context as context

    monkeypatch.setattr(context, "_not_a_satellite_until", 0.0)
    request = RequestFactory().get("/")
    assert context.satellite_context(request) == {"satellite_banner": ""}
    with CaptureQueriesContext(connection) as queries:
        assert context.satellite_context(request) == {"satellite_banner": ""}
    assert len(queries.captured_queries) == 0
    # Once the hint has expired, an enrolled instance shows its banner.
    SatelliteLink.objects.create(
        pk=1,
        uid="u",
        name="Réa portable",
        main_url="http://main",
        units=["2010"],
        sign_private="00",
        box_private="00",
        main_sign_public="00",
        main_box_public="00",
        tempid_first=1,
        tempid_last=10,
        tempid_site="01",
        enrolled_at=clock.now(),
    )
    monkeypatch.setattr(context, "_not_a_satellite_until", 0.0)
    assert "jamais synchronisé" in context.satellite_context(request)["satellite_banner"]
