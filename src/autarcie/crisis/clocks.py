"""Legal clocks as data: which declarations a crisis owes, to whom, and by when.

The rules live in ``data/legal_clocks.json`` with their sources, so a change in the law is a
change of data. This module is pure: it reads the rules and computes due times.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from autarcie.core.errors import ConfigurationError

CONDITIONS = ("always", "personal_data", "nis2", "insured", "plan_blanc")


@dataclass(frozen=True)
class Answers:
    """The few questions asked at declaration that decide which clocks apply."""

    personal_data: bool
    nis2: bool  # an essential or important entity under NIS 2
    insured: bool
    plan_blanc: bool

    def holds(self, condition: str) -> bool:
        return condition == "always" or bool(getattr(self, condition))


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    authority: str
    when: str
    source: str
    hours: int | str | None = None  # a number, or the name of a configurable target
    months: int | None = None
    after: str | None = None  # another clock's code: runs from its submission (or due time)


@dataclass(frozen=True)
class DueClock:
    rule: Rule
    due_at: dt.datetime


def parse_rules(document: dict[str, Any]) -> list[Rule]:
    """Check and load rules; a malformed file fails loudly, naming the rule."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for raw in document.get("rules", []):
        code = str(raw.get("code", ""))
        if not code or code in seen:
            raise ConfigurationError(f"legal clock rules: missing or repeated code {code!r}")
        if raw.get("when") not in CONDITIONS:
            raise ConfigurationError(
                f"legal clock rule {code}: unknown condition {raw.get('when')!r}"
            )
        if (raw.get("hours") is None) == (raw.get("months") is None):
            raise ConfigurationError(f"legal clock rule {code}: give either hours or months")
        if raw.get("after") is not None and raw["after"] not in seen:
            raise ConfigurationError(f"legal clock rule {code}: 'after' must name an earlier rule")
        if not raw.get("source"):
            raise ConfigurationError(f"legal clock rule {code}: every rule needs its source")
        seen.add(code)
        rules.append(
            Rule(
                code=code,
                label=str(raw["label"]),
                authority=str(raw["authority"]),
                when=str(raw["when"]),
                source=str(raw["source"]),
                hours=raw.get("hours"),
                months=raw.get("months"),
                after=raw.get("after"),
            )
        )
    return rules


@cache
def shipped_rules() -> tuple[Rule, ...]:
    text = resources.files("autarcie.crisis").joinpath("data/legal_clocks.json").read_text("utf-8")
    return tuple(parse_rules(json.loads(text)))


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Calendar months; the 31st becomes the last day of a shorter month."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _delay(rule: Rule, anchor: dt.datetime, targets: dict[str, int]) -> dt.datetime:
    if rule.months is not None:
        return add_months(anchor, rule.months)
    hours = rule.hours
    if isinstance(hours, str):
        if hours not in targets:
            raise ConfigurationError(f"legal clock rule {rule.code}: no target named {hours!r}")
        hours = targets[hours]
    return anchor + dt.timedelta(hours=int(hours or 0))


def due_clocks(
    rules: tuple[Rule, ...] | list[Rule],
    answers: Answers,
    aware_at: dt.datetime,
    targets: dict[str, int],
    submitted: dict[str, dt.datetime] | None = None,
    declared_at: dt.datetime | None = None,
) -> list[DueClock]:
    """The clocks that apply and their due times, in the rules' order.

    Clocks run from the facts' time (awareness), so facts older than a deadline make that
    clock overdue from the start. A clock "sans délai" (no delay) is due at the declaration
    when the facts are older: due at the facts' time it would read "dépassé" the instant the
    crisis is declared, although nobody could have acted on a crisis not yet declared.
    A clock that runs "after" another starts from that one's submission when known, else
    from its due time, so the final report moves once the notification is actually sent.
    """
    submitted = submitted or {}
    result: list[DueClock] = []
    by_code: dict[str, dt.datetime] = {}
    for rule in rules:
        if not answers.holds(rule.when):
            continue
        anchor = aware_at
        if rule.after is not None:
            if rule.after not in by_code:
                continue
            anchor = submitted.get(rule.after, by_code[rule.after])
        due = _delay(rule, anchor, targets)
        if declared_at is not None and due == anchor and due < declared_at:
            due = declared_at
        by_code[rule.code] = due
        result.append(DueClock(rule, due))
    return result


def countdown(due_at: dt.datetime, now: dt.datetime) -> str:
    """A French countdown: "dans 2 h 05", "dépassé de 3 h 10"."""
    seconds = int((due_at - now).total_seconds())
    late = seconds < 0
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    text = f"{days} j {hours} h {mins:02d}" if days else f"{hours} h {mins:02d}"
    return f"dépassé de {text}" if late else f"dans {text}"
