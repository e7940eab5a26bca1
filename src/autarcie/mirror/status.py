"""Feed status: when each sender last spoke and how it went; a silent HIS is a warning sign."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from autarcie.core import clock
from autarcie.mirror.models import FeedStatus
from autarcie.mirror.resends import waiting_by_sender

_COUNTED = {"applied": "applied", "held": "held", "quarantined": "rejected", "refused": "rejected"}


def count_feed(feed: str, per_sender: Counter[tuple[str, str]], now: dt.datetime) -> None:
    """Add one batch's counts, per sender and state, to the feed status rows."""
    totals: dict[str, Counter[str]] = {}
    for (sender, state), n in per_sender.items():
        totals.setdefault(sender.split("@")[0], Counter())[state] += n
    quote = connection.ops.quote_name
    table = quote(FeedStatus._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for sender, states in totals.items():
            counts = Counter({"received": sum(states.values())})
            for state, n in states.items():
                if column := _COUNTED.get(state):
                    counts[column] += n
            # One statement per sender: this runs in every listener batch.
            cursor.execute(
                f"INSERT INTO {table} (feed, sender, first_at, last_at, received, applied, "  # noqa: S608
                "held, rejected) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (feed, sender) DO UPDATE SET last_at = excluded.last_at, "
                f"received = {table}.received + excluded.received, "
                f"applied = {table}.applied + excluded.applied, "
                f"held = {table}.held + excluded.held, "
                f"rejected = {table}.rejected + excluded.rejected",
                [
                    feed,
                    sender,
                    at,
                    at,
                    counts["received"],
                    counts["applied"],
                    counts["held"],
                    counts["rejected"],
                ],
            )


@dataclass(frozen=True)
class FeedHealth:
    feed: str
    sender: str
    last_at: dt.datetime
    received: int
    rejected: int
    silent_minutes: int
    silent: bool
    applied: int = 0
    held: int = 0
    # Messages that reused an MSH-10 with different content, waiting in quarantine: a sender
    # whose counter restarted, whose messages would otherwise be lost as "duplicates".
    reused: int = 0

    @property
    def error_rate(self) -> float:
        return self.rejected / self.received if self.received else 0.0


def feed_health(now: dt.datetime | None = None) -> list[FeedHealth]:
    moment = now or clock.now()
    limit = dt.timedelta(minutes=settings.FEED_SILENCE_MINUTES)
    reused = waiting_by_sender()
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
                applied=row.applied,
                held=row.held,
                silent_minutes=int(silence.total_seconds() // 60),
                silent=silence > limit,
                reused=reused[(row.feed, row.sender)],
            )
        )
    return result
