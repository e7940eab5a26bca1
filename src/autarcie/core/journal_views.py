"""The journal's integrity check as a page: the outcome of ``journal verify`` in words."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from autarcie.core import actions, journal
from autarcie.core.access import acting_user, role_required
from autarcie.core.roles import Role


@dataclass(frozen=True)
class Outcome:
    ok: bool
    headline: str
    detail: str


def _broken_detail(kind: str) -> str:
    details = {
        "missing": _("cette entrée a été supprimée : l'entrée suivante ne la suit pas."),
        "link": _(
            "son lien avec l'entrée précédente est rompu : une entrée a été insérée, "
            "supprimée ou déplacée juste avant."
        ),
        "content": _("son contenu a été modifié après son écriture."),
        "head": _(
            "les dernières entrées ont été retirées : la tête du journal en annonce davantage."
        ),
    }
    return details.get(kind, _("la chaîne ne se vérifie pas à cet endroit."))


def outcome(result: journal.Verification) -> Outcome:
    if result.ok:
        return Outcome(
            True,
            _("Journal intact jusqu'à l'entrée %(n)d (%(n)d entrées vérifiées).")
            % {"n": result.entries},
            _("Chaque entrée est liée à la précédente et son contenu correspond à son empreinte."),
        )
    bad = result.bad_seq or 0
    headline = _("Journal ROMPU à l'entrée %(bad)d.") % {"bad": bad}
    if bad > 1:
        headline += " " + _("Il est intact jusqu'à l'entrée %(n)d.") % {"n": bad - 1}
    return Outcome(
        False, headline, _("À l'entrée %(bad)d, ") % {"bad": bad} + _broken_detail(result.kind)
    )


@role_required(Role.IT_SECURITY, Role.ADMIN, Role.AUDITOR)
def journal_verify(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    found: Outcome | None = None
    if request.method == "POST":
        result = journal.verify()
        actions.record_journal_check(actor=user, result=result)
        found = outcome(result)
    context = {"outcome": found, "head": journal.head()}
    return render(request, "core/journal_verify.html", context)
