"""What every viewer page shows about the data: how fresh, frozen or not, past state or not."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils.translation import gettext as _

from autarcie.chart.freshness import state_and_data_as_of
from autarcie.core.errors import AutarcieError
from autarcie.mirror.state import current

PARIS = ZoneInfo("Europe/Paris")


def french(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(PARIS)
    return local.strftime("%d/%m/%Y à %H:%M")


def parse_as_of(request: HttpRequest) -> dt.datetime | None:
    """``?as_of=2024-04-16T14:02`` (Paris time) -> an aware instant, or None."""
    text = request.GET.get("as_of", "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise AutarcieError(_("Date invalide : utilisez AAAA-MM-JJTHH:MM.")) from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=PARIS)).astimezone(dt.UTC)


def data_context(as_of: dt.datetime | None = None) -> dict[str, Any]:
    if as_of is None:
        state, freshness = state_and_data_as_of()
    else:
        state, freshness = current(), as_of
    return {
        "data_as_of": freshness,
        "data_as_of_text": french(freshness),
        "frozen": state.frozen,
        "frozen_at_text": french(state.frozen_at),
        "frozen_reason": state.reason,
        "as_of": as_of,
        "as_of_param": as_of.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M") if as_of else "",
    }
