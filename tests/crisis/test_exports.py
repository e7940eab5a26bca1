"""Every CSV the crisis cell offers opens in French Excel and carries no live formula."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from autarcie.core.models import User
from autarcie.crisis import actions
from autarcie.crisis.models import Category, Crisis
from tests.crisis.conftest import logged_in


def test_log_csv_has_a_bom_semicolons_and_neutralised_formulas(
    crisis: Crisis, member: User
) -> None:
    actions.log(
        actor=member,
        crisis=crisis,
        category=Category.FACT,
        text='=HYPERLINK("http://evil.test";"Cliquez")',
    )
    data = logged_in(member).get(reverse("crisis:log_csv", args=[crisis.pk])).content
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8").removeprefix("\ufeff")
    header, *rows = csv.reader(io.StringIO(text), delimiter=";")
    assert header[0] == "n°" and header[5] == "texte"
    assert '\'=HYPERLINK("http://evil.test";"Cliquez")' in [row[5] for row in rows]
