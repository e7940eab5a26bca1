"""The patient summary page's identity strings and table rows, prepared once in Python.

The summary is the page opened at every bedside look-up. In a template loop each cell of each
row went through the template language's lookup, filter (``|date``, ``|default``) and escaping
machinery, several times the cost of reading the summary; here each row is one formatted
string, every value escaped, and the template keeps the page's structure and headings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from autarcie.care.models import CareEntry
from autarcie.chart.allergies import PatientAllergies, ReconciledAllergy
from autarcie.chart.downtime import downtime_lines
from autarcie.chart.queries import (
    ConditionLine,
    DocumentLine,
    ImmunizationLine,
    MovementLine,
    PrescriptionLine,
    ResultLine,
    Summary,
)
from autarcie.chart.vitals import VitalTrend, vitals_table
from autarcie.core.html_rows import DAY, DAY_TIME
from autarcie.core.html_rows import escape as _e
from autarcie.core.html_rows import local_time as when
from autarcie.core.html_rows import safe_join as _html
from autarcie.formats.ucum import french_number, french_range, unit_label
from autarcie.viewer.templatetags.viewer_tags import movement_label

DASH = "—"
SHORT = "%d/%m %H:%M"
_ABNORMAL = ' class="abnormal"'


def allergy_items(allergies: list[ReconciledAllergy]) -> SafeString:
    """One line per reconciled allergy, in French: substance (type) — severity — reactions."""
    return _html(
        f'<li class="allergy"><strong>{_e(a.label)}</strong>'
        f"{f' ({_e(a.category_label)})' if a.category_label else ''}"
        f"{f' — {_e(a.severity)}' if a.severity else ''}"
        f"{f' — {_e(a.reaction)}' if a.reaction else ''}</li>"
        for a in allergies
    )


def next_doses(line: PrescriptionLine) -> str:
    """The next due instants, or "si besoin" when the frequency gives none."""
    return ", ".join(when(d, SHORT) for d in line.next_due) or _("si besoin")


def prescription_rows(lines: list[PrescriptionLine]) -> SafeString:
    return _html(
        f"<tr><td>{_e(rx.drug)}</td><td>{_e(french_number(rx.dose))}</td><td>{_e(rx.route)}</td>"
        f"<td>{_e(rx.frequency)}</td><td>{_e(when(rx.start, DAY, DASH))}</td>"
        f"<td>{_e(rx.prescriber or DASH)}</td><td>{_e(next_doses(rx))}</td></tr>"
        for rx in lines
    )


def result_rows(lines: list[ResultLine]) -> SafeString:
    """One panel's rows: an abnormal value in bold with its flag, a corrected one badged."""
    corrected = f' <span class="badge">{_e(_("corrigé"))}</span>'
    rows = []
    for r in lines:
        shown = french_number(r.value)
        value = f"<strong>{_e(shown)} ({_e(r.flag)})</strong>" if r.abnormal else _e(shown)
        rows.append(
            f"<tr{_ABNORMAL if r.abnormal else ''}>"
            f"<td>{_e(r.label)}{corrected if r.status == 'C' else ''}</td><td>{value}</td>"
            f"<td>{_e(unit_label(r.unit))}</td><td>{_e(french_range(r.reference_range))}</td>"
            f"<td>{_e(r.previous or DASH)}</td><td>{_e(when(r.observed_at, SHORT))}</td></tr>"
        )
    return _html(rows)


def document_articles(documents: list[DocumentLine]) -> SafeString:
    """Each report framed as a quoted document: the names and dates its text cites (often
    another person's: a relative, the GP) must never read as the patient's identity band."""
    source = _e(_("Texte du document, tel que reçu :"))
    # A replaced report shows its newest version: say so, the paper copy may be older.
    badges = {
        "C": f' <span class="badge">{_e(_("version corrigée"))}</span>',
        "P": f' <span class="badge">{_e(_("non signé"))}</span>',
    }
    return _html(
        f'<article class="document"><h3>{_e(d.title or d.type_label)}{badges.get(d.status, "")}'
        f' <span class="muted">{_e(when(d.authored_at, DAY_TIME))}</span></h3>'
        f'<p class="document-source muted">{source}</p>'
        f'<blockquote class="document-text"><pre>{_e(d.text)}</pre></blockquote></article>\n'
        for d in documents
    )


def vitals_rows(lines: list[VitalTrend]) -> SafeString:
    """The vitals table: last value and time, the one before, the trend and its shape."""
    return _html(
        f"<tr><td>{_e(v.label)}</td><td><strong>{_e(v.last)}</strong> {_e(v.unit)}</td>"
        f"<td>{_e(when(v.last_at, SHORT))}</td><td>{_e(v.previous or DASH)}</td>"
        f'<td class="trend">{_e(v.trend or DASH)}</td>'
        f'<td class="spark" aria-label="{_e(_("évolution des dernières valeurs"))}">'
        f"{_e(v.spark or DASH)}</td></tr>"
        for v in lines
    )


def downtime_rows(entries: list[CareEntry]) -> SafeString:
    """Each record with its content (drug, dose, route, status…), not only its kind."""
    return _html(
        f"<tr><td>{_e(when(e.written_at, SHORT))}</td><td>{_e(when(e.typed_at, SHORT))}</td>"
        f"<td>{_e(e.kind)}</td><td>{_e(e.text)}</td><td>{_e(e.author)}</td></tr>"
        for e in downtime_lines(entries)
    )


def condition_items(conditions: list[ConditionLine]) -> SafeString:
    return _html(
        f"<li>{_e(c.label)}{f' ({_e(c.code)})' if c.code else ''}</li>" for c in conditions
    )


def immunization_rows(immunizations: list[ImmunizationLine]) -> SafeString:
    return _html(
        f"<tr><td>{_e(when(i.occurred_at, DAY) if i.occurred_at else DASH)}</td>"
        f"<td>{_e(i.label)}{f' ({_e(i.code)})' if i.code else ''}</td>"
        f"<td>{_e(_('faite') if i.done else _('non faite'))}</td></tr>"
        for i in immunizations
    )


def movement_rows(movements: list[MovementLine]) -> SafeString:
    return _html(
        f"<tr><td>{_e(when(m.start, DAY_TIME))}</td><td>{_e(movement_label(m.kind))}</td>"
        f"<td>{_e(m.unit_code)}</td><td>{_e(m.room)}</td><td>{_e(m.bed)}</td></tr>"
        for m in movements
    )


@dataclass(frozen=True)
class SummaryPage:
    """What the template places; an empty string means the section shows its "none" line.

    Who the patient is, where and since when is the banner's (``autarcie.chart.banner``).
    """

    allergies: SafeString
    allergy_status: PatientAllergies  # its label and state when no allergy is listed
    prescriptions: SafeString
    panels: list[tuple[str, SafeString]]
    documents: SafeString
    downtime: SafeString
    vitals: SafeString
    conditions: SafeString
    immunizations: SafeString
    movements: SafeString


def summary_page(summary: Summary) -> SummaryPage:
    return SummaryPage(
        allergies=allergy_items(summary.allergies),
        allergy_status=summary.allergy_status,
        prescriptions=prescription_rows(summary.prescriptions),
        panels=[(title, result_rows(lines)) for title, lines in summary.panels.items()],
        documents=document_articles(summary.documents),
        downtime=downtime_rows(summary.downtime),
        vitals=vitals_rows(vitals_table(summary.downtime)),
        conditions=condition_items(summary.conditions),
        immunizations=immunization_rows(summary.immunizations),
        movements=movement_rows(summary.movements),
    )
