"""How downtime records read on screen and paper: one French line per entry, bound forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from autarcie.care import fields as f
from autarcie.care.models import CareEntry, EntryKind, StockEntry, StockKind
from autarcie.care.passage import PASSAGE_FIELDS
from autarcie.care.stock_queries import unit_name
from autarcie.core.html_rows import DAY_TIME_SECONDS, local_time, safe_join
from autarcie.core.html_rows import escape as _e
from autarcie.formats.ucum import french_number, unit_label

PARIS = ZoneInfo("Europe/Paris")
WRITTEN_AT = f.Field("written_at", "Heure écrite sur le papier (vide = maintenant)", "datetime")

FORMS: dict[str, tuple[f.Field, ...]] = {
    EntryKind.IDENTITY: f.IDENTITY_FIELDS,
    EntryKind.MOVEMENT: f.MOVEMENT_FIELDS,
    EntryKind.PASSAGE: PASSAGE_FIELDS,
    EntryKind.VITALS: f.VITALS_FIELDS,
    EntryKind.ADMINISTRATION: f.ADMINISTRATION_FIELDS,
    EntryKind.PRESCRIPTION: f.PRESCRIPTION_FIELDS,
    EntryKind.NOTE: f.NOTE_FIELDS,
    EntryKind.RESULT: f.RESULT_FIELDS,
}


@dataclass(frozen=True)
class Bound:
    field: f.Field
    value: Any
    error: str

    @property
    def id(self) -> str:
        return f"id_{self.field.name}"


def local_input(value: Any) -> str:
    """An ISO instant as the value of a datetime-local input, in Paris time."""
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def bind(
    fields: tuple[f.Field, ...], values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[Bound]:
    bound = []
    for field in fields:
        value = values.get(field.name, "")
        if field.type == "datetime" and value and "T" in str(value) and "+" in str(value):
            value = local_input(value)
        elif field.type == "codes" and isinstance(value, list):
            value = " ".join(value)
        elif field.type in _NUMBERS and value:
            value = french_number(str(value))  # stored with a point, typed with a comma
        bound.append(Bound(field, value, errors.get(field.name, "")))
    return bound


_NUMBERS = ("decimal", "measure")


def _text(field: f.Field, value: Any) -> str:
    if field.type in _NUMBERS:
        return french_number(str(value))
    if field.name == "unit":
        return unit_label(str(value))  # a paper result's unit, typed or copied in UCUM
    if field.type == "choice":
        return dict(field.choices).get(str(value), str(value))
    if field.type == "datetime":
        return dt.datetime.fromisoformat(value).astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    if field.type == "codes":
        return " ".join(value)
    return str(value)


def describe(entry: CareEntry) -> str:
    """« Label : valeur » for every filled field of the entry, in the form's order."""
    parts = []
    for field in FORMS[entry.kind]:
        value = entry.data.get(field.name)
        if value in (None, "", []):
            continue
        if field.name == "prescription":
            parts.append(f"{entry.data.get('drug_label', '')}")
            continue
        parts.append(f"{field.label} : {_text(field, value)}")
    return " · ".join(parts)


@dataclass(frozen=True)
class EntryRow:
    """One line of a patient's downtime record, ready to print (no work left to the template).

    The record page lists every entry of a patient, and it is the page each save redirects
    to: formatting its dates, texts and links in Python costs a fraction of doing it row by
    row in the template language, which was most of the page's CPU under many writers.
    """

    written: str
    typed: str
    author: str
    text: str
    manual: bool  # a result typed from paper
    cancelled: bool
    warnings: tuple[str, ...]
    version: str
    correct_url: str


def entry_rows(entries: list[CareEntry], correct_url: str) -> list[EntryRow]:
    """``correct_url`` is the correction link with ``{pk}`` where the entry's id goes."""
    rows = []
    for entry in entries:
        version = f"v{entry.version}" + (f" — {entry.reason}" if entry.reason else "")
        rows.append(
            EntryRow(
                written=local_time(entry.written_at),
                typed=local_time(entry.typed_at),
                author=entry.author_label,
                text=describe(entry),
                manual=entry.kind == EntryKind.RESULT,
                cancelled=entry.cancelled,
                warnings=tuple(str(w) for w in entry.data.get("warnings") or ()),
                version=version,
                correct_url=correct_url.format(pk=entry.pk),
            )
        )
    return rows


@dataclass(frozen=True)
class TrailRow:
    """One journal line of a patient's downtime record."""

    seq: int
    at: str
    actor: str
    action: str
    details: str


def trail_rows(entries: Iterable[tuple[int, dt.datetime, str, str, Any]]) -> list[TrailRow]:
    """Journal lines given as (seq, at, actor, action, details) tuples."""
    rows = []
    for seq, at, actor, action, stored in entries:
        details = stored or {}
        text = f"{details.get('kind', '')} {details.get('movement', '')}"
        if details.get("reason"):
            text += f" — {details['reason']}"
        rows.append(TrailRow(seq, local_time(at, DAY_TIME_SECONDS), actor, action, text))
    return rows


_LEAVE = ' class="leave"'  # a cancelled entry's row


def entry_rows_html(rows: list[EntryRow]) -> SafeString:
    """The table rows of a record page's entries, every value escaped.

    Built here rather than in a template loop: the template language resolves each variable
    of each row through its lookup machinery, several times the cost of this (see EntryRow).
    """
    manual = f'<span class="badge">{_e(_("saisie manuelle"))}</span> '
    cancelled = _e(_("annulée"))
    correct = _e(_("Corriger"))
    lines = []
    for r in rows:
        text = _e(r.text)
        if r.cancelled:
            text = f'<s>{text}</s> <span class="badge">{cancelled}</span>'
        warnings = "".join(f'<br><small class="muted">⚠ {_e(w)}</small>' for w in r.warnings)
        lines.append(
            f"<tr{_LEAVE if r.cancelled else ''}><td>{_e(r.written)}</td>"
            f"<td>{_e(r.typed)}</td><td>{_e(r.author)}</td>"
            f"<td>{manual if r.manual else ''}{text}{warnings}</td><td>{_e(r.version)}</td>"
            f'<td class="noprint"><a href="{_e(r.correct_url)}">{correct}</a></td></tr>'
        )
    return safe_join(lines, "\n")


def trail_rows_html(rows: list[TrailRow]) -> SafeString:
    return safe_join(
        (
            f"<tr><td>{r.seq}</td><td>{_e(r.at)}</td><td>{_e(r.actor)}</td>"
            f"<td>{_e(r.action)}</td><td>{_e(r.details)}</td></tr>"
            for r in rows
        ),
        "\n",
    )


def stock_rows_html(entries: Iterable[StockEntry], csrf_token: str, correct_url: str) -> SafeString:
    """The stock page's latest movements, each with its correction form (see entry_rows_html).

    ``correct_url`` has ``{pk}`` where the entry's id goes; one CSRF token serves every form.
    """
    kinds = dict(StockKind.choices)
    cancelled = " " + _e(_("annulée"))
    form = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(csrf_token)}">'
        f'<input name="quantity" type="number" min="0" aria-label="{_e(_("Nouvelle quantité"))}">'
        f'<input name="reason" aria-label="{_e(_("Motif"))}" placeholder="{_e(_("motif"))}">'
        f'<label><input type="checkbox" name="cancel"> {_e(_("annuler"))}</label>'
        '<button type="submit" class="secondary">OK</button>'
    )
    lines = []
    for e in entries:
        kind = _e(kinds.get(e.kind, e.kind)) + (f" ({_e(e.counterpart)})" if e.counterpart else "")
        version = f"v{e.version}{cancelled if e.cancelled else ''}"
        if e.reason:
            version += f" — {_e(e.reason)}"
        quantity = f"{e.quantity} {unit_name(e.unit, e.quantity)}".strip()
        lines.append(
            f"<tr{_LEAVE if e.cancelled else ''}><td>{_e(local_time(e.written_at))}</td>"
            f"<td>{_e(local_time(e.typed_at))}</td><td>{_e(e.author_label)}</td>"
            f"<td>{kind}</td><td>{_e(e.drug_label)}</td>"
            f"<td>{_e(quantity)}</td><td>{version}</td>"
            f'<td class="noprint"><form method="post" action="{_e(correct_url.format(pk=e.pk))}"'
            f' class="inline-form">{form}</form></td></tr>'
        )
    return safe_join(lines, "\n")
