"""How downtime records read on screen and paper: one French line per entry, bound forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from autarcie.care import fields as f
from autarcie.care.models import CareEntry, EntryKind, StockEntry, StockKind
from autarcie.care.passage import PASSAGE_FIELDS

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
        bound.append(Bound(field, value, errors.get(field.name, "")))
    return bound


def _text(field: f.Field, value: Any) -> str:
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


def clock_text(moment: dt.datetime, *, seconds: bool = False) -> str:
    """An instant as staff read it: Paris time, day first."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


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
                written=clock_text(entry.written_at),
                typed=clock_text(entry.typed_at),
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
        rows.append(TrailRow(seq, clock_text(at, seconds=True), actor, action, text))
    return rows


def entry_rows_html(rows: list[EntryRow]) -> SafeString:
    """The table rows of a record page's entries, every value escaped.

    Built here rather than in a template loop: the template language resolves each variable
    of each row through its lookup machinery, several times the cost of this (see EntryRow).
    """
    manual = format_html('<span class="badge">{}</span> ', _("saisie manuelle"))
    cancelled = _("annulée")
    correct = _("Corriger")
    return format_html_join(
        "\n",
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}{}{}</td><td>{}</td>"
        '<td class="noprint"><a href="{}">{}</a></td></tr>',
        (
            (
                format_html(' class="{}"', "leave") if r.cancelled else "",
                r.written,
                r.typed,
                r.author,
                manual if r.manual else "",
                format_html('<s>{}</s> <span class="badge">{}</span>', r.text, cancelled)
                if r.cancelled
                else r.text,
                format_html_join(
                    "", '<br><small class="muted">⚠ {}</small>', ((w,) for w in r.warnings)
                ),
                r.version,
                r.correct_url,
                correct,
            )
            for r in rows
        ),
    )


def trail_rows_html(rows: list[TrailRow]) -> SafeString:
    return format_html_join(
        "\n",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((r.seq, r.at, r.actor, r.action, r.details) for r in rows),
    )


def stock_rows_html(entries: Iterable[StockEntry], csrf_token: str, correct_url: str) -> SafeString:
    """The stock page's latest movements, each with its correction form (see entry_rows_html).

    ``correct_url`` has ``{pk}`` where the entry's id goes; one CSRF token serves every form.
    """
    kinds = dict(StockKind.choices)
    cancelled = " " + _("annulée")
    form = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input name="quantity" type="number" min="0" aria-label="{}">'
        '<input name="reason" aria-label="{}" placeholder="{}">'
        '<label><input type="checkbox" name="cancel"> {}</label>'
        '<button type="submit" class="secondary">OK</button>',
        csrf_token,
        _("Nouvelle quantité"),
        _("Motif"),
        _("motif"),
        _("annuler"),
    )
    return format_html_join(
        "\n",
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>v{}{}{}</td>"
        '<td class="noprint"><form method="post" action="{}" class="inline-form">{}</form></td>'
        "</tr>",
        (
            (
                format_html(' class="{}"', "leave") if e.cancelled else "",
                clock_text(e.written_at),
                clock_text(e.typed_at),
                e.author_label,
                kinds.get(e.kind, e.kind),
                f" ({e.counterpart})" if e.counterpart else "",
                e.drug_label,
                e.quantity,
                e.version,
                cancelled if e.cancelled else "",
                f" — {e.reason}" if e.reason else "",
                correct_url.format(pk=e.pk),
                form,
            )
            for e in entries
        ),
    )
