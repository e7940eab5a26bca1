"""What the mirror's pages read: feeds in words, held input and quarantine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from autarcie.core import clock
from autarcie.mirror.hl7.encoding import decode
from autarcie.mirror.models import Inbound, InboundState, MirrorState
from autarcie.mirror.status import FeedHealth, feed_health

# Above this share of rejected messages a feed is shown as failing, not merely active.
REJECTED_ALERT = 0.05
LIST_LIMIT = 200


@dataclass(frozen=True)
class FeedLine:
    health: FeedHealth
    state: str
    alert: bool


def silence_words(minutes: int) -> str:
    """A silence as a person says it: "12 min", "3 h 05", "14 jours"."""
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    if minutes < 48 * 60:
        return _("%(h)d h %(m)02d") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(d)d jours") % {"d": minutes // (24 * 60)}


def _state(feed: FeedHealth, frozen: bool) -> tuple[str, bool]:
    if feed.silent:
        return _("Silencieux depuis %(w)s") % {"w": silence_words(feed.silent_minutes)}, not frozen
    if feed.error_rate > REJECTED_ALERT:
        return _("Actif, mais %(p).0f %% de messages rejetés") % {"p": feed.error_rate * 100}, True
    if frozen:
        return _("Actif, messages retenus (miroir gelé)"), False
    return _("Actif"), False


def _reused_words(feed: FeedHealth) -> str:
    return _(
        "%(n)d message(s) reprenant un identifiant MSH-10 déjà reçu avec un autre contenu : "
        "en quarantaine, non appliqués. Vérifiez le compteur de l'émetteur, puis retraitez "
        "ou écartez-les."
    ) % {"n": feed.reused}


def feed_lines(state: MirrorState, now: dt.datetime | None = None) -> list[FeedLine]:
    lines = []
    for feed in feed_health(now or clock.now()):
        words, alert = _state(feed, state.frozen)
        if feed.reused:
            words, alert = f"{words} — {_reused_words(feed)}", True
        lines.append(FeedLine(feed, words, alert))
    return lines


def waiting(state: str) -> QuerySet[Inbound]:
    """Held or quarantined input, oldest first, without the raw bytes."""
    rows = Inbound.objects.filter(state=state).defer("raw").order_by("received_at", "id")
    return rows[:LIST_LIMIT]


def counts() -> dict[str, int]:
    return {
        "held": Inbound.objects.filter(state=InboundState.HELD).count(),
        "quarantined": Inbound.objects.filter(state=InboundState.QUARANTINED).count(),
    }


def raw_text(inbound: Inbound) -> str:
    """The message as text, one segment per line; never raises (Latin-1 fallback)."""
    text, _codec, _fallback = decode(bytes(inbound.raw), "UNICODE UTF-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")
