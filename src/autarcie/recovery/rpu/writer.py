"""Write RPU files in the tidy OSCOUR XML form, name them, and split passages into daily files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Literal

from lxml import etree

from autarcie.recovery.rpu.model import PARIS, RpuFile, RpuPassage
from autarcie.recovery.rpu.xmlsafe import parse_fragment

Encoding = Literal["ISO-8859-1", "UTF-8"]

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
EXTRACT_FORMAT = "%d/%m/%Y %H:%M:%S"

_LISTS = {"LISTE_DA": "DA", "LISTE_ACTES": "ACTE"}
# File names end up as paths on disk and on the concentrator: only plain characters.
_NAME_PART_RE = re.compile(r"[0-9A-Z]{9}")
_ORDER_RE = re.compile(r"[0-9A-Za-z]{1,3}")


def write_rpu_file(f: RpuFile, encoding: Encoding = "ISO-8859-1") -> bytes:
    """The file as bytes: elements in the specification's order, Paris local times.

    With ISO-8859-1, characters outside Latin-1 (œ, €, Ÿ) are written as character
    references, so nothing is lost whatever the receiver's encoding support.
    """
    root = etree.Element("OSCOUR")
    header = etree.SubElement(root, "ETABLISSEMENT")
    _leaf(header, "FINESS", f.finess)
    _leaf(header, "ORDRE", f.order)
    _leaf(header, "EXTRACT", _format(f.extract, EXTRACT_FORMAT))
    _leaf(header, "DATEDEBUT", _format(f.start, DATE_FORMAT))
    _leaf(header, "DATEFIN", _format(f.end, DATE_FORMAT))
    _append_extra(header, f.extra)
    passages = etree.SubElement(root, "PASSAGES")
    for passage in f.passages:
        passages.append(_patient(passage))
    body = etree.tostring(root, encoding=encoding, pretty_print=True, xml_declaration=False)
    if not isinstance(body, bytes):  # the stubs allow str; an explicit encoding gives bytes
        raise TypeError("lxml returned text instead of bytes")
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode("ascii")
    return declaration + body


def _patient(p: RpuPassage) -> etree._Element:
    patient = etree.Element("PATIENT")
    for element, value in p.fields_in_order():
        if isinstance(value, tuple):
            holder = etree.SubElement(patient, element)
            for code in value:
                _leaf(holder, _LISTS[element], str(code))
        elif isinstance(value, dt.datetime):
            _leaf(patient, element, _format(value, DATETIME_FORMAT))
        elif isinstance(value, dt.date):
            _leaf(patient, element, _format(value, DATE_FORMAT))
        else:
            _leaf(patient, element, "" if value is None else str(value))
    _append_extra(patient, p.extra)
    return patient


def _leaf(parent: etree._Element, name: str, text: str) -> None:
    # An empty value stays an empty element, written <X/>: the item is present but unknown.
    child = etree.SubElement(parent, name)
    child.text = text or None


def _format(value: dt.date | dt.datetime | None, pattern: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(PARIS)
    return value.strftime(pattern)


def _append_extra(parent: etree._Element, extra: Mapping[str, str]) -> None:
    """Write kept elements back after the known ones: markup as it was, plain text as a leaf."""
    for name, value in extra.items():
        elements = parse_fragment(value)
        if elements:
            parent.extend(elements)
        else:
            _leaf(parent, name, value)


def rpu_file_name(finess: str, ordre: str, extract_time: dt.datetime) -> str:
    """``O<FINESS>_<ORDRE>_<AAAAMMJJhhmmss>.xml``, the extraction time in Paris local time."""
    if not _NAME_PART_RE.fullmatch(finess):
        raise ValueError(f"FINESS must be 9 digits or capital letters, not {finess!r}")
    if not _ORDER_RE.fullmatch(ordre):
        raise ValueError(f"ORDRE must be 1 to 3 letters or digits, not {ordre!r}")
    if extract_time.utcoffset() is None:
        raise ValueError("extract_time must be an aware datetime")
    return f"O{finess}_{ordre}_{extract_time.astimezone(PARIS):%Y%m%d%H%M%S}.xml"


def daily_files(
    passages: Iterable[RpuPassage],
    finess: str,
    day_range: tuple[dt.date, dt.date],
    extract_time: dt.datetime,
    *,
    ordre: str = "0",
    encoding: Encoding = "ISO-8859-1",
) -> list[tuple[str, bytes]]:
    """One (file name, bytes) per day of ``day_range`` (inclusive), by Paris day of ENTREE.

    A day without passages still gets its (empty) file: the concentrator then knows the day
    was covered rather than forgotten. The n-th file is stamped ``extract_time`` + n seconds
    so that names, which the concentrator keys on, never collide. A passage outside the range
    raises ``ValueError``: dropping it silently would lose it.
    """
    first, last = day_range
    if first > last:
        raise ValueError(f"day_range is reversed: {first} after {last}")
    by_day: dict[dt.date, list[RpuPassage]] = {}
    outside = []
    for passage in passages:
        day = passage.entry_day()
        if first <= day <= last:
            by_day.setdefault(day, []).append(passage)
        else:
            outside.append(day)
    if outside:
        raise ValueError(
            f"{len(outside)} passage(s) enter outside {first}..{last}, e.g. on {min(outside)}"
        )
    files = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        stamp = extract_time + dt.timedelta(seconds=offset)
        rpu = RpuFile(
            finess=finess,
            order=ordre,
            extract=stamp,
            start=day,
            end=day,
            passages=tuple(sorted(by_day.get(day, []), key=lambda p: p.entry)),
        )
        files.append((rpu_file_name(finess, ordre, stamp), write_rpu_file(rpu, encoding)))
    return files
