"""The mirror's part of ``autarcie check``: freeze state, feeds, quarantine."""

from __future__ import annotations

from autarcie.core import clock
from autarcie.mirror.models import Inbound
from autarcie.mirror.state import current
from autarcie.mirror.status import feed_health


def report() -> tuple[list[str], bool]:
    """Lines for a monitoring script, and whether something needs a person."""
    now = clock.now()
    lines: list[str] = []
    needs_person = False
    state = current()
    if state.frozen:
        lines.append(f"mirror: FROZEN since {state.frozen_at:%Y-%m-%dT%H:%M}Z ({state.reason})")
    else:
        lines.append("mirror: live")
    feeds = feed_health(now)
    if not feeds:
        lines.append("feeds: none received yet")
    for f in feeds:
        flag = "SILENT" if f.silent else "ok"
        reused = (
            f"; WARNING {f.reused} message(s) reused an MSH-10 with different content "
            "(quarantined, not applied)"
            if f.reused
            else ""
        )
        lines.append(
            f"feed {f.feed} {f.sender}: {flag}, last {f.silent_minutes} min ago, "
            f"{f.received} received, {f.error_rate:.1%} rejected{reused}"
        )
        needs_person = needs_person or (f.silent and not state.frozen) or f.reused > 0
    quarantined = Inbound.objects.filter(state="quarantined").count()
    held = Inbound.objects.filter(state="held").count()
    lines.append(f"quarantine: {quarantined} message(s); held: {held}")
    return lines, needs_person
