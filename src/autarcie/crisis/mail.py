"""E-mail by SMTP to the hospital's own relay (or none: then nothing is sent)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from django.conf import settings

TIMEOUT_SECONDS = 10


def send(to: str, subject: str, body: str) -> str:
    """Send one message; return "" when the relay accepted it, else the reason."""
    if not settings.CRISIS_SMTP_HOST:
        return "no SMTP relay configured (AUTARCIE_SMTP_HOST)"
    message = EmailMessage()
    message["From"] = settings.CRISIS_MAIL_FROM
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(
            settings.CRISIS_SMTP_HOST, settings.CRISIS_SMTP_PORT, timeout=TIMEOUT_SECONDS
        ) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"SMTP: {exc}"
    return ""
