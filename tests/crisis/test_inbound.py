"""SMS replies coming in: the scheduler reading a real smstools spool, and the gateway's
signed webhook over real HTTP (a live server), each reply matched to its alert by code."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from autarcie.core.clock import FrozenClock
from autarcie.core.models import JournalEntry, User
from autarcie.core.schedule import acquire_lock
from autarcie.crisis import alert_actions, inbox, sms, webhook
from autarcie.crisis.models import Alert, Answer, Crisis, InboundOutcome, InboundSms
from tests.crisis.conftest import logged_in
from tests.crisis.test_alerts import DIRECTORY

SECRET = "s3cret-shared-with-the-gateway"


@pytest.fixture
def directory(member: User) -> None:
    alert_actions.import_contacts(actor=member, text=DIRECTORY)


def _alert(crisis: Crisis, member: User, target: str = "unite:URG") -> Alert:
    return alert_actions.create_alert(
        actor=member, crisis=crisis, target=target, text="Venez", by_sms=True, by_email=False
    )


def _drop(spool: Path, name: str, sender: str, text: str) -> None:
    """What smstools writes in incoming/ when the modem receives an SMS."""
    (spool / "incoming").mkdir(parents=True, exist_ok=True)
    head = f"From: {sender}\nFrom_SMSC: 33609001390\nReceived: 26-11-20 16:05:00\nAlphabet: ISO\n"
    (spool / "incoming" / name).write_text(f"{head}\n{text}\n", encoding="utf-8")


def _one_tick(lock: Path) -> int:
    stop = threading.Event()
    return inbox.run_inbox(stop, sleep=lambda _seconds: stop.set(), lock_path=lock)


def test_reply_codes_are_parsed_with_or_without_code() -> None:
    assert sms.parse_reply("K47 1 20") == sms.ParsedReply("K47", "available", 20)
    assert sms.parse_reply("k47-2") == sms.ParsedReply("K47", "unavailable", None)
    assert sms.parse_reply("1 15 min") == sms.ParsedReply("", "available", 15)
    assert sms.parse_reply("K4 1") is None
    assert sms.parse_reply("oui je viens") is None


def test_each_alert_gets_its_own_reply_code_written_in_the_sms(
    crisis: Crisis, member: User, directory: None, tmp_path: Path
) -> None:
    first, second = _alert(crisis, member), _alert(crisis, member)
    assert first.reply_code != second.reply_code
    assert first.reply_code[0] in sms.CODE_LETTERS and first.reply_code[1:].isdigit()
    (tmp_path / "outgoing").mkdir()
    with override_settings(CRISIS_SMS_ADAPTER="gsm", CRISIS_SMS_SPOOL_DIR=tmp_path):
        alert_actions.dispatch(actor=member, alert=first, base_url="")
    texts = [p.read_text(encoding="utf-8") for p in (tmp_path / "outgoing").iterdir()]
    assert texts and all(f"« {first.reply_code} 1 »" in t for t in texts)


def test_scheduler_collects_spool_replies_and_matches_them_by_code(
    crisis: Crisis, member: User, directory: None, tmp_path: Path
) -> None:
    older, newer = _alert(crisis, member), _alert(crisis, member)
    spool = tmp_path / "spool"
    # Alice answers the older alert by its code; Bruno answers without a code (the newest
    # alert sent to him); a stranger's reply and a garbled one are kept, unmatched.
    _drop(spool, "GSM1.a", "33611223344", f"{older.reply_code} 1 25")
    _drop(spool, "GSM1.b", "33622334455", "2")
    _drop(spool, "GSM1.c", "33699999999", f"{older.reply_code} 1")
    _drop(spool, "GSM1.d", "33611223344", "je ne sais pas")
    with override_settings(CRISIS_SMS_ADAPTER="gsm", CRISIS_SMS_SPOOL_DIR=spool):
        assert _one_tick(tmp_path / "crisis-sms.lock") == 1
        _drop(spool, "GSM1.a", "33611223344", f"{older.reply_code} 2")  # re-read after a crash
        _one_tick(tmp_path / "crisis-sms.lock")
    alice_old = older.recipients.get(contact__name="Alice Martin")
    assert (alice_old.answer, alice_old.eta_minutes) == (Answer.AVAILABLE, 25)
    assert not newer.recipients.get(contact__name="Alice Martin").answer
    assert newer.recipients.get(contact__name="Bruno Petit").answer == Answer.UNAVAILABLE
    assert not older.recipients.get(contact__name="Bruno Petit").answer
    outcomes = dict(InboundSms.objects.values_list("ref", "outcome"))
    assert outcomes == {
        "GSM1.a": InboundOutcome.MATCHED,
        "GSM1.b": InboundOutcome.MATCHED,
        "GSM1.c": InboundOutcome.UNMATCHED,
        "GSM1.d": InboundOutcome.UNPARSED,
    }
    assert sorted(p.name for p in (spool / "autarcie-read").iterdir()) == [
        "GSM1.a",
        "GSM1.b",
        "GSM1.c",
        "GSM1.d",
    ]
    assert not list((spool / "incoming").iterdir())
    received = JournalEntry.objects.filter(action="crisis.sms_received")
    assert received.count() == 4
    assert all("3361" not in json.dumps(e.details) for e in received)  # no phone in the journal
    page = logged_in(member).get(reverse("crisis:alerts", args=[crisis.pk]))
    assert "je ne sais pas" in page.content.decode()


def test_only_the_process_holding_the_lock_collects(
    crisis: Crisis, member: User, directory: None, tmp_path: Path
) -> None:
    alert = _alert(crisis, member)
    spool, lock = tmp_path / "spool", tmp_path / "crisis-sms.lock"
    _drop(spool, "GSM1.a", "33611223344", f"{alert.reply_code} 1")
    held = acquire_lock(lock)
    assert held is not None
    with override_settings(CRISIS_SMS_ADAPTER="gsm", CRISIS_SMS_SPOOL_DIR=spool):
        assert _one_tick(lock) == 0
        assert not InboundSms.objects.exists()
        held.close()
        assert _one_tick(lock) == 1
    assert InboundSms.objects.get().outcome == InboundOutcome.MATCHED


def _post(url: str, body: bytes, timestamp: str, signature: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 (the live test server)
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            webhook.TIMESTAMP_HEADER: timestamp,
            webhook.SIGNATURE_HEADER: signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _signed(body: dict[str, str], frozen: FrozenClock) -> tuple[bytes, str, str]:
    raw = json.dumps(body).encode()
    timestamp = str(int(frozen.now().timestamp()))
    return raw, timestamp, webhook.signature(SECRET, timestamp, raw)


@pytest.mark.django_db(transaction=True)
def test_signed_webhook_records_a_reply_once_and_refuses_forgeries(
    live_server: object, member: User, frozen: FrozenClock, directory: None, crisis: Crisis
) -> None:
    alert = _alert(crisis, member, target="groupe:cellule")
    url = f"{live_server}{reverse('crisis:sms_webhook')}"
    body, timestamp, signature = _signed(
        {"id": "gw-1", "from": "+33611223344", "text": f"{alert.reply_code} 1 10"}, frozen
    )
    with override_settings(CRISIS_SMS_WEBHOOK_SECRET=SECRET):
        assert _post(url, body, timestamp, signature) == (
            200,
            {"outcome": "matched", "duplicate": False},
        )
        # The same request replayed: recorded once, never applied again.
        assert _post(url, body, timestamp, signature)[1]["duplicate"] is True
        forged = body.replace(b" 1 10", b" 2")
        assert _post(url, forged, timestamp, signature)[0] == 401
        old = str(int(frozen.now().timestamp()) - 600)
        assert _post(url, body, old, webhook.signature(SECRET, old, body))[0] == 401
        assert _post(url, body, timestamp, "")[0] == 401
        bad_body, ts, sig = _signed({"id": "gw-2", "text": "1"}, frozen)
        assert _post(url, bad_body, ts, sig)[0] == 400
    recipient = alert.recipients.get()
    assert (recipient.answer, recipient.eta_minutes) == (Answer.AVAILABLE, 10)
    assert InboundSms.objects.count() == 1
    reasons = [
        e.details["reason"]
        for e in JournalEntry.objects.filter(action="crisis.sms_webhook_rejected")
    ]
    assert reasons == [
        "bad signature",
        "timestamp outside five minutes",
        "missing timestamp or signature",
        "id, from and text are required strings",
    ]


@pytest.mark.django_db(transaction=True)
def test_webhook_is_off_without_a_secret_and_rate_limited(
    live_server: object, frozen: FrozenClock
) -> None:
    url = f"{live_server}{reverse('crisis:sms_webhook')}"
    body, timestamp, signature = _signed({"id": "x", "from": "0611223344", "text": "1"}, frozen)
    assert _post(url, body, timestamp, signature)[0] == 404
    with override_settings(CRISIS_SMS_WEBHOOK_SECRET=SECRET, CRISIS_SMS_WEBHOOK_PER_MINUTE=2):
        statuses = [
            _post(url, *_signed({"id": f"m{n}", "from": "0611223344", "text": "1"}, frozen))[0]
            for n in range(4)
        ]
        assert statuses == [200, 200, 429, 429]
        frozen.advance(dt.timedelta(minutes=1))
        assert (
            _post(url, *_signed({"id": "m9", "from": "0611223344", "text": "1"}, frozen))[0] == 200
        )
    limited = JournalEntry.objects.filter(action="crisis.sms_webhook_rejected")
    assert [e.details["reason"] for e in limited] == ["rate limit"]  # once per flooded minute


def test_other_crisis_forms_still_demand_the_csrf_token(crisis: Crisis, member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(reverse("crisis:poll", args=[crisis.pk])).status_code == 403


@pytest.mark.parametrize("stamp", ["", "12a", "²³", "9" * 40])
def test_webhook_timestamps_that_are_not_plain_seconds_are_refused(stamp: str) -> None:
    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    body = b'{"id": "1", "from": "+33600000000", "text": "1"}'
    given = webhook.signature("s" * 32, stamp, body)
    assert webhook.check_signature("s" * 32, stamp, given, body, now) is not None
