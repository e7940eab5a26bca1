"""Feed status: when each sender last spoke and how it went; a silent HIS is a warning sign."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from autarcie.core import clock
from autarcie.mirror.models import FeedStatus

_COUNTED = {"applied": "applied", "held": "held", "quarantined": "rejected", "refused": "rejected"}


def count_feed(feed: str, per_sender: Counter[tuple[str, str]], now: dt.datetime) -> None:
    """Add one batch's counts, per sender and state, to the feed status rows."""
    totals: dict[str, Counter[str]] = {}
    for (sender, state), n in per_sender.items():
        totals.setdefault(sender.split("@")[0], Counter())[state] += n
    for sender, states in totals.items():
        row, _ = FeedStatus.objects.get_or_create(
            feed=feed, sender=sender, defaults={"first_at": now, "last_at": now}
        )
        updates = {"last_at": now, "received": F("received") + sum(states.values())}
        for state, n in states.items():
            column = _COUNTED.get(state)
            if column:
                updates[column] = F(column) + n
        FeedStatus.objects.filter(pk=row.pk).update(**updates)


@dataclass(frozen=True)
class FeedHealth:
    feed: str
    sender: str
    last_at: dt.datetime
    received: int
    rejected: int
    silent_minutes: int
    silent: bool

    @property
    def error_rate(self) -> float:
        return self.rejected / self.received if self.received else 0.0


def feed_health(now: dt.datetime | None = None) -> list[FeedHealth]:
    moment = now or clock.now()
    limit = dt.timedelta(minutes=settings.FEED_SILENCE_MINUTES)
    result = []
    for row in FeedStatus.objects.order_by("feed", "sender"):
        silence = moment - row.last_at
        result.append(
            FeedHealth(
                feed=row.feed,
                sender=row.sender,
                last_at=row.last_at,
                received=row.received,
                rejected=row.rejected,
                silent_minutes=int(silence.total_seconds() // 60),
                silent=silence > limit,
            )
        )
    return result
