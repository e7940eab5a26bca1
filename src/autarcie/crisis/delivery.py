"""Why an alert cannot leave: said on the form before sending, and per recipient after.

A cell that believes its staff were called when no message left is worse off than one that
knows: it would wait for people who are not coming. Each check says what is missing in
French; the technical detail (in English) stays in the recipient's ``error`` column.
"""

from __future__ import annotations

import socket
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

from autarcie.crisis import mail, sms
from autarcie.crisis.models import Delivery

PROBE_SECONDS = 2

NO_SMS_GATEWAY = "Aucune passerelle SMS configurée : l'alerte ne partira pas par SMS."
NO_MAIL_RELAY = "Aucun relais de courriel configuré : l'alerte ne partira pas par courriel."


@dataclass(frozen=True)
class Outcome:
    """What became of one message on one channel."""

    status: str  # a Delivery value
    reason: str = ""  # French, for the cell; "" when it left
    detail: str = ""  # English, technical
    ref: str = ""


def _unreachable(host: str, port: int) -> str:
    """The connection error to ``host:port`` in English, or "" when something answers."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            return ""
    except OSError as exc:
        return str(exc) or exc.__class__.__name__


def sms_problem() -> str:
    """Why no SMS would leave now, in French, or ""."""
    if settings.CRISIS_SMS_ADAPTER == "gsm":
        outgoing = settings.CRISIS_SMS_SPOOL_DIR / "outgoing"
        if not outgoing.is_dir():
            return (
                "Le dossier d'envoi du modem GSM est introuvable : l'alerte ne partira pas par SMS."
            )
        return ""
    if settings.CRISIS_SMS_ADAPTER == "http":
        url = urllib.parse.urlsplit(settings.CRISIS_SMS_HTTP_URL)
        port = url.port or (443 if url.scheme == "https" else 80)
        if _unreachable(url.hostname or "", port):
            return "La passerelle SMS ne répond pas : l'alerte ne partira pas par SMS."
        return ""
    return NO_SMS_GATEWAY


def relay_down() -> str:
    """Why the mail relay cannot take a message now (French, lower case), or ""."""
    if not settings.CRISIS_SMTP_HOST:
        return "aucun relais de courriel configuré"
    host, port = settings.CRISIS_SMTP_HOST, settings.CRISIS_SMTP_PORT
    if _unreachable(host, port):
        return f"le relais de courriel ({host}:{port}) ne répond pas"
    return ""


def mail_problem() -> str:
    """Why no e-mail would leave now, in French, or ""."""
    if not settings.CRISIS_SMTP_HOST:
        return NO_MAIL_RELAY
    down = relay_down()
    return f"{down[0].upper()}{down[1:]} : l'alerte ne partira pas par courriel." if down else ""


def channel_problems() -> list[str]:
    """The warnings the alert form shows before anything is sent."""
    return [problem for problem in (sms_problem(), mail_problem()) if problem]


def send_sms(adapter: sms.SmsAdapter | None, phone: str, body: str) -> Outcome:
    if not phone:
        return Outcome(Delivery.FAILED, "pas de numéro de portable dans l'annuaire")
    if adapter is None:
        return Outcome(Delivery.FAILED, "aucune passerelle SMS configurée", "SMS not configured")
    sent = adapter.send(phone, body)
    if sent.status == Delivery.FAILED:
        return Outcome(
            Delivery.FAILED, "la passerelle SMS n'a pas pris le message", sent.error, sent.ref
        )
    return Outcome(sent.status, ref=sent.ref)


def send_email(address: str, subject: str, body: str, down: str = "") -> Outcome:
    """``down`` is ``relay_down()``, asked once per sending: a relay that does not answer
    would otherwise hold the page for its timeout once per recipient."""
    if not address:
        return Outcome(Delivery.FAILED, "pas d'adresse de courriel dans l'annuaire")
    if down:
        return Outcome(Delivery.FAILED, down, "SMTP relay not configured or unreachable")
    problem = mail.send(address, subject, body)
    if problem:
        where = f"{settings.CRISIS_SMTP_HOST}:{settings.CRISIS_SMTP_PORT}"
        return Outcome(
            Delivery.FAILED, f"le relais de courriel ({where}) n'a pas pris le message", problem
        )
    return Outcome(Delivery.SENT)
