"""Downtime records as the chart's readers show them: what was recorded, not only its kind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from autarcie.care.display import describe
from autarcie.care.models import CareEntry


@dataclass(frozen=True)
class DowntimeLine:
    written_at: dt.datetime
    typed_at: dt.datetime
    kind: str  # French label
    text: str  # « Label : valeur » of every filled field (drug, dose, route, status…)
    author: str


def downtime_lines(entries: list[CareEntry]) -> list[DowntimeLine]:
    return [
        DowntimeLine(e.written_at, e.typed_at, e.get_kind_display(), describe(e), e.author_label)
        for e in entries
    ]
