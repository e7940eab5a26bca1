"""Alerts through a real loopback SMTP server, a real smstools spool with a fake modem, and a
local HTTP SMS gateway; acknowledgement by SMS reply and by one-time link."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from autarcie.core.errors import AccessDenied
from autarcie.core.models import JournalEntry, User
from autarcie.core.roles import Role
from autarcie.crisis import alert_actions, inbound, sms
from autarcie.crisis.actions import CrisisError
from autarcie.crisis.models import Answer, Crisis, Delivery, MessageTemplate
from tests.core.test_cli import instance, run  # noqa: F401 (the fixture)
from tests.crisis.conftest import logged_in
from tests.crisis.gateway import Gateway, gateway_fixture  # noqa: F401 (the fixture)
from tests.factories import make_user

DIRECTORY = (
    "name,organisation,function,kind,groups,unit,on_call,phone,email,username\n"
    "Alice Martin,CH,Médecin urgentiste,staff,cellule;urgences,URG,1,06 11 22 33 44,"
    "alice@ch.test,membre\n"
    "Bruno Petit,CH,Infirmier,staff,urgences,URG,0,0622334455,bruno@ch.test,\n"
    "ARS astreinte,ARS,Astreinte,partner,partenaires,,0,0800000000,ars@ars.test,\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp() -> Iterator[_Inbox]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with override_settings(CRISIS_SMTP_HOST="127.0.0.1", CRISIS_SMTP_PORT=port):
        yield inbox
    controller.stop()


class FakeModem:
    """Plays smstools' part: sends what is in outgoing/, and a phone answers."""

    def __init__(self, spool: Path, answers: dict[str, str]) -> None:
        self.spool, self.answers = spool, answers
        for folder in ("outgoing", "sent", "failed", "incoming"):
            (spool / folder).mkdir(parents=True, exist_ok=True)

    def run_once(self) -> None:
        for path in sorted((self.spool / "outgoing").iterdir()):
            to = path.read_text(encoding="utf-8").split("\n", 1)[0].removeprefix("To: ")
            os.replace(path, self.spool / "sent" / path.name)
            if to in self.answers:
                head = f"From: {to}\nReceived: 26-11-20 16:05:00\nAlphabet: ISO\n"
                reply = f"{head}\n{self.answers[to]}\n"
                (self.spool / "incoming" / f"GSM1.{path.name}").write_text(reply, encoding="utf-8")


@pytest.fixture
def directory(member: User) -> None:
    alert_actions.import_contacts(actor=member, text=DIRECTORY)


def test_directory_import_search_and_targets(directory: None, member: User) -> None:
    page = logged_in(member).get(reverse("crisis:directory"), {"q": "ARS"})
    assert [c.name for c in page.context["contacts"]] == ["ARS astreinte"]
    assert [c.name for c in alert_actions.resolve_target("astreinte")] == ["Alice Martin"]
    assert {c.name for c in alert_actions.resolve_target("unite:URG")} == {
        "Alice Martin",
        "Bruno Petit",
    }
    assert [c.name for c in alert_actions.resolve_target("groupe:cellule")] == ["Alice Martin"]
    with pytest.raises(CrisisError, match="ligne 2"):
        alert_actions.import_contacts(actor=member, text="name,kind\n,staff\n")


def test_gsm_alert_is_sent_through_the_spool_and_acknowledged_by_reply(
    exercise: Crisis, member: User, directory: None, smtp: _Inbox, tmp_path: Path
) -> None:
    modem = FakeModem(tmp_path, {"33611223344": "1 15", "33622334455": "2"})
    with override_settings(CRISIS_SMS_ADAPTER="gsm", CRISIS_SMS_SPOOL_DIR=tmp_path):
        alert = alert_actions.create_alert(
            actor=member,
            crisis=exercise,
            target="unite:URG",
            text="Rejoignez la cellule",
            by_sms=True,
            by_email=True,
        )
        counts = alert_actions.dispatch(actor=member, alert=alert, base_url="http://autarcie.lan")
        assert counts == {"sms_queued": 2, "sms_failed": 0, "email_sent": 2, "email_failed": 0}
        outgoing = sorted((tmp_path / "outgoing").iterdir())
        assert all(p.read_text().split("\n\n", 1)[1].startswith("EXERCICE — ") for p in outgoing)
        modem_thread = threading.Thread(target=modem.run_once)
        modem_thread.start()
        modem_thread.join()
        assert alert_actions.refresh_sms_status(alert=alert) == 2
        assert inbound.poll_replies() == {"matched": 2, "unmatched": 0}
    answers = {
        r.contact.name: (r.answer, r.eta_minutes, r.sms_status) for r in alert.recipients.all()
    }
    assert answers == {
        "Alice Martin": (Answer.AVAILABLE, 15, Delivery.SENT),
        "Bruno Petit": (Answer.UNAVAILABLE, None, Delivery.SENT),
    }
    assert {m["To"] for m in smtp.messages} == {"alice@ch.test", "bruno@ch.test"}
    assert all(m["Subject"].startswith("EXERCICE") for m in smtp.messages)
    page = logged_in(member).get(reverse("crisis:alert", args=[exercise.pk, alert.pk]))
    assert [r.contact.name for r in page.context["coming"]] == ["Alice Martin"]


def test_unreachable_smtp_relay_is_recorded_as_failed(
    exercise: Crisis, member: User, directory: None
) -> None:
    with override_settings(CRISIS_SMTP_HOST="127.0.0.1", CRISIS_SMTP_PORT=_free_port()):
        alert = alert_actions.create_alert(
            actor=member,
            crisis=exercise,
            target="groupe:cellule",
            text="Test",
            by_sms=False,
            by_email=True,
        )
        counts = alert_actions.dispatch(actor=member, alert=alert, base_url="")
    assert counts["email_failed"] == 1
    assert alert.recipients.get().email_status == Delivery.FAILED


def test_http_gateway_sends_and_relays_replies(
    exercise: Crisis, member: User, directory: None, gateway: type[Gateway]
) -> None:
    alert = alert_actions.create_alert(
        actor=member,
        crisis=exercise,
        target="groupe:cellule",
        text="Venez",
        by_sms=True,
        by_email=False,
    )
    alert_actions.dispatch(actor=member, alert=alert, base_url="")
    assert gateway.sent[0]["to"] == "06 11 22 33 44" and gateway.sent[0]["text"].startswith(
        "EXERCICE"
    )
    gateway.incoming.append({"id": "r1", "from": "+33611223344", "text": "1 30"})
    gateway.incoming.append({"id": "r2", "from": "+33699999999", "text": "1"})
    assert inbound.poll_replies() == {"matched": 1, "unmatched": 1}
    assert alert.recipients.get().eta_minutes == 30


def test_ack_link_works_once_without_login(exercise: Crisis, member: User, directory: None) -> None:
    alert = alert_actions.create_alert(
        actor=member,
        crisis=exercise,
        target="groupe:cellule",
        text="Venez",
        by_sms=False,
        by_email=True,
    )
    token = alert_actions.ack_token(alert.recipients.get())
    anonymous = Client()
    url = reverse("crisis:ack", args=[token])
    assert anonymous.get(url).status_code == 200
    assert anonymous.post(url, {"answer": "available", "eta_minutes": "20"}).status_code == 200
    assert anonymous.post(url, {"answer": "unavailable"}).status_code == 409
    assert alert.recipients.get().eta_minutes == 20
    assert anonymous.get(reverse("crisis:ack", args=[token[:-2] + "xx"])).status_code == 404


def test_member_cannot_approve_templates_and_unapproved_ones_cannot_be_used(
    member: User, director: User
) -> None:
    template = alert_actions.save_template(
        actor=member,
        name="Personnel",
        kind="staff",
        body="$hopital : le SIH est coupé depuis $date.",
    )
    with pytest.raises(CrisisError, match="approuvé"):
        alert_actions.render_template(template, {})
    with pytest.raises(AccessDenied):
        alert_actions.approve_template(actor=member, template=template)
    alert_actions.approve_template(actor=director, template=template)
    text = alert_actions.render_template(template, {"hopital": "CH", "date": "16h"})
    assert text == "CH : le SIH est coupé depuis 16h."
    second = alert_actions.save_template(actor=member, name="Personnel", kind="staff", body="v2")
    assert second.version == 2 and MessageTemplate.objects.get(pk=second.pk).approved_at is None


def test_sms_reply_parsing_and_phone_matching() -> None:
    assert sms.parse_answer("1") == ("available", None)
    assert sms.parse_answer(" 1 25 min") == ("available", 25)
    assert sms.parse_answer("2") == ("unavailable", None)
    assert sms.parse_answer("oui") is None
    assert sms.same_phone("+33 6 11 22 33 44", "0611223344")
    assert not sms.same_phone("0611223344", "0611223345")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "annuaire.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_directory_prints_as_a_dated_pdf_from_the_page_and_the_command(
    directory: None, member: User, tmp_path: Path
) -> None:
    page = logged_in(member).get(reverse("crisis:directory_pdf"))
    assert page.status_code == 200 and page["Content-Type"] == "application/pdf"
    text = _pdf_text(page.content, tmp_path)
    assert "Annuaire de crise" in text and "données au " in text
    assert "Alice Martin" in text and "06 11 22 33 44" in text
    assert "Personnel (2)" in text and "Partenaires (1)" in text
    assert "ARS astreinte" in text
    printed = JournalEntry.objects.filter(action="crisis.exported", target_type="directory")
    assert [e.details["contacts"] for e in printed] == [3]


def test_directory_command_prints_without_a_server(
    instance: tuple[Path, dict[str, str]],  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    data, env = instance
    out = tmp_path / "annuaire-cli.pdf"
    done = run("crisis", "directory", "--data-dir", str(data), "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    text = _pdf_text(out.read_bytes(), tmp_path)
    assert "Annuaire de crise" in text and "annuaire jamais importé" in text


def test_care_roles_cannot_print_the_directory(directory: None) -> None:
    nurse = make_user("ide", Role.NURSE, all_units=True)
    assert logged_in(nurse).get(reverse("crisis:directory_pdf")).status_code == 403
