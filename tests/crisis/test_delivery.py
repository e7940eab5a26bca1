"""An alert that cannot leave says why, before sending and per recipient after, and is resent
once the cause is fixed: real loopback SMTP server, the HTTP SMS gateway fake."""

from __future__ import annotations

import html
import socket

import pytest
from django.test.utils import override_settings
from django.urls import reverse

from autarcie.core.models import JournalEntry, User
from autarcie.crisis.delivery import NO_MAIL_RELAY, NO_SMS_GATEWAY
from autarcie.crisis.models import Crisis, Delivery
from tests.crisis.conftest import logged_in
from tests.crisis.gateway import Gateway, gateway_fixture  # noqa: F401 (the fixture)
from tests.crisis.test_alerts import directory, smtp  # noqa: F401 (the fixtures)


def _closed_port() -> int:
    """A loopback port nothing listens on: a relay that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alert_page(member: User, crisis: Crisis) -> str:
    page = logged_in(member).get(reverse("crisis:alerts", args=[crisis.pk]))
    return html.unescape(page.content.decode())


@pytest.mark.usefixtures("directory")
def test_the_alert_form_says_why_nothing_would_leave_before_sending(
    exercise: Crisis,
    member: User,
    smtp: object,  # noqa: F811 (the fixture)
    gateway: type[Gateway],
) -> None:
    with override_settings(CRISIS_SMS_ADAPTER="none", CRISIS_SMTP_HOST=""):
        page = _alert_page(member, exercise)
    assert NO_SMS_GATEWAY in page and NO_MAIL_RELAY in page
    port = _closed_port()
    with override_settings(CRISIS_SMTP_HOST="127.0.0.1", CRISIS_SMTP_PORT=port):
        page = _alert_page(member, exercise)
    assert f"Le relais de courriel (127.0.0.1:{port}) ne répond pas" in page
    assert "passerelle SMS" not in page  # the gateway answers
    # Gateway and relay both up: no warning at all.
    assert 'id="channel-problems"' not in _alert_page(member, exercise)


@pytest.mark.usefixtures("directory")
def test_an_undelivered_alert_says_why_per_channel_and_is_resent_once_the_relay_is_up(
    exercise: Crisis,
    member: User,
    smtp: object,  # noqa: F811 (the fixture)
    gateway: type[Gateway],
) -> None:
    client = logged_in(member)
    port = _closed_port()
    with override_settings(
        CRISIS_SMS_ADAPTER="none", CRISIS_SMTP_HOST="127.0.0.1", CRISIS_SMTP_PORT=port
    ):
        sent = client.post(
            reverse("crisis:alerts", args=[exercise.pk]),
            {"target": "unite:URG", "text": "Rejoignez la cellule", "by_sms": "on"}
            | {"by_email": "on"},
            follow=True,
        )
    page = html.unescape(sent.content.decode())
    assert "4 envoi(s) non remis (SMS : 2, courriel : 2)" in page
    assert page.count("Non remis</strong> : aucune passerelle SMS configurée") == 2
    relay = f"Non remis</strong> : le relais de courriel (127.0.0.1:{port}) ne répond pas"
    assert page.count(relay) == 2
    assert "Renvoyer aux destinataires non joints" in page
    assert not gateway.sent and not smtp.messages  # type: ignore[attr-defined]

    (alert,) = exercise.alerts.all()
    retried = client.post(reverse("crisis:alert_retry", args=[exercise.pk, alert.pk]), follow=True)
    page = html.unescape(retried.content.decode())
    assert "Alerte envoyée à tous les destinataires." in page
    assert "Non remis" not in page and "Renvoyer aux destinataires" not in page
    assert {m["To"] for m in smtp.messages} == {"alice@ch.test", "bruno@ch.test"}  # type: ignore[attr-defined]
    assert len(gateway.sent) == 2
    statuses = set(alert.recipients.values_list("sms_status", "email_status"))
    assert statuses == {(Delivery.SENT, Delivery.SENT)}
    entry = JournalEntry.objects.filter(action="crisis.alert_retried").get()
    assert entry.details["email_sent"] == 2 and entry.details["recipients"] == 2
    again = client.post(reverse("crisis:alert_retry", args=[exercise.pk, alert.pk]), follow=True)
    assert "rien à renvoyer" in again.content.decode()
    assert len(gateway.sent) == 2 and len(smtp.messages) == 2  # type: ignore[attr-defined]
