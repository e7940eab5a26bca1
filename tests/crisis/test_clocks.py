"""Legal clocks as data: which apply, when they fall due, and how a bad rule file fails."""

from __future__ import annotations

import datetime as dt

import pytest

from autarcie.core.errors import ConfigurationError
from autarcie.crisis import clocks

AWARE = dt.datetime(2026, 1, 31, 16, 0, tzinfo=dt.UTC)
TARGETS = {"cert_sante_target": 24}


def _codes(answers: clocks.Answers) -> dict[str, dt.datetime]:
    due = clocks.due_clocks(clocks.shipped_rules(), answers, AWARE, TARGETS)
    return {c.rule.code: c.due_at for c in due}


def test_all_answers_yes_starts_every_clock_from_awareness() -> None:
    due = _codes(clocks.Answers(personal_data=True, nis2=True, insured=True, plan_blanc=True))
    assert due["cert_sante"] == AWARE + dt.timedelta(hours=24)
    assert due["cnil"] == AWARE + dt.timedelta(hours=72)
    assert due["patients"] == AWARE + dt.timedelta(hours=72)
    assert due["nis2_early_warning"] == AWARE + dt.timedelta(hours=24)
    assert due["nis2_notification"] == AWARE + dt.timedelta(hours=72)
    # One month after the notification's due time (3 Feb 16:00 → 3 Mar 16:00).
    assert due["nis2_final_report"] == dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC)
    assert due["complaint"] == AWARE + dt.timedelta(hours=72)
    assert due["prefect"] == AWARE


def test_no_personal_data_no_nis2_no_insurance_leaves_only_cert_sante() -> None:
    due = _codes(clocks.Answers(personal_data=False, nis2=False, insured=False, plan_blanc=False))
    assert list(due) == ["cert_sante"]


def test_final_report_runs_from_the_real_notification() -> None:
    sent = AWARE + dt.timedelta(hours=30)
    due = clocks.due_clocks(
        clocks.shipped_rules(),
        clocks.Answers(False, True, False, False),
        AWARE,
        TARGETS,
        {"nis2_notification": sent},
    )
    final = next(c for c in due if c.rule.code == "nis2_final_report")
    assert final.due_at == clocks.add_months(sent, 1)


def test_cert_sante_target_is_configurable() -> None:
    due = clocks.due_clocks(
        clocks.shipped_rules(),
        clocks.Answers(False, False, False, False),
        AWARE,
        {"cert_sante_target": 6},
    )
    assert due[0].due_at == AWARE + dt.timedelta(hours=6)


def test_every_shipped_rule_names_its_source() -> None:
    assert all(rule.source.strip() for rule in clocks.shipped_rules())


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"code": "x", "when": "always", "hours": 1, "label": "", "authority": ""}, "source"),
        ({"code": "x", "when": "sometimes", "hours": 1, "source": "s"}, "condition"),
        ({"code": "x", "when": "always", "source": "s"}, "hours or months"),
        ({"code": "x", "when": "always", "hours": 1, "source": "s", "after": "y"}, "earlier"),
    ],
)
def test_malformed_rules_fail_loudly(rule: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        clocks.parse_rules({"rules": [rule]})


def test_countdown_reads_in_french() -> None:
    assert clocks.countdown(AWARE + dt.timedelta(hours=2, minutes=5), AWARE) == "dans 2 h 05"
    assert clocks.countdown(AWARE, AWARE + dt.timedelta(days=1, hours=3)) == "dépassé de 1 j 3 h 00"


def test_add_months_clamps_to_the_month_end() -> None:
    assert clocks.add_months(AWARE, 1).day == 28
