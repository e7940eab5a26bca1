"""Read RPU files as real producers write them: any element order, any declared encoding."""

from __future__ import annotations

import copy as copy_module
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from lxml import etree

from autarcie.recovery.rpu.errors import RpuFormatError, RpuValueError
from autarcie.recovery.rpu.model import (
    HEADER_ELEMENTS,
    PARIS,
    PATIENT_ELEMENTS,
    RpuFile,
    RpuPassage,
)
from autarcie.recovery.rpu.xmlsafe import parse_document, parse_fragment

_T = TypeVar("_T")

_LIST_ITEMS = {"LISTE_DA": "DA", "LISTE_ACTES": "ACTE"}
_ITEM_LISTS = {item: holder for holder, item in _LIST_ITEMS.items()}
_LEAVES = frozenset(name for name, _ in PATIENT_ELEMENTS) - _LIST_ITEMS.keys()
_DATE_FORMATS = ("%d/%m/%Y",)
# The specification says hh:mm; some producers add seconds, which we accept and keep.
_DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
_EXTRACT_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a tolerant read found: the file with every passage it could read, and why not.

    ``numbers`` gives, for each kept passage, its 1-based rank in the document, so a report
    names the passage a person will find in the file.
    """

    file: RpuFile
    numbers: tuple[int, ...]
    problems: tuple[RpuValueError, ...]
    passage_count: int


@dataclass(slots=True)
class _RawPatient:
    leaves: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, list[etree._Element]] = field(default_factory=dict)


def read_rpu_file(data: bytes) -> RpuFile:
    """The file in ``data``; raises ``RpuFormatError`` on the first thing it cannot read."""
    reading = read_tolerantly(data)
    if reading.problems:
        raise reading.problems[0]
    return reading.file


def read_tolerantly(data: bytes) -> Reading:
    """Read what can be read; raises ``RpuFormatError`` only when the document itself is not
    an RPU file (not XML, a DOCTYPE, a root other than OSCOUR)."""
    root = parse_document(data)
    if _local_name(root) != "OSCOUR":
        raise RpuFormatError(
            f"L'élément racine est <{_local_name(root)}> : un fichier RPU commence par <OSCOUR>"
        )
    problems: list[RpuValueError] = []
    passages: list[RpuPassage] = []
    numbers: list[int] = []
    raws = list(_raw_patients(root))
    for number, raw in enumerate(raws, start=1):
        passage = _passage(raw, number, problems)
        if passage is not None:
            passages.append(passage)
            numbers.append(number)
    rpu = _header(root, tuple(passages), problems)
    return Reading(rpu, tuple(numbers), tuple(problems), len(raws))


def _local_name(element: etree._Element) -> str:
    # Real files have no namespace; if one appears, the element names still mean the same.
    return etree.QName(element).localname


def _children(parent: etree._Element) -> Iterator[etree._Element]:
    return (child for child in parent if isinstance(child.tag, str))


def _text(element: etree._Element) -> str:
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False).strip()


def _raw_patients(root: etree._Element) -> Iterator[_RawPatient]:
    """PATIENT elements in document order, whether there is one PASSAGES or one per PATIENT."""
    for child in _children(root):
        name = _local_name(child)
        if name == "PASSAGES":
            for patient in _children(child):
                if _local_name(patient) == "PATIENT":
                    yield _raw_patient(patient)
        elif name == "PATIENT":
            yield _raw_patient(child)


def _raw_patient(patient: etree._Element) -> _RawPatient:
    raw = _RawPatient()
    for child in _children(patient):
        name = _local_name(child)
        if name in _LIST_ITEMS:
            # Diagnoses and procedures are unlimited: a repeated list adds to the first.
            items = [_text(item) for item in _children(child)]
            raw.lists.setdefault(name, []).extend(item for item in items if item)
        elif name in _ITEM_LISTS:
            # A DA or ACTE written straight under PATIENT, without its list: still a code.
            if text := _text(child):
                raw.lists.setdefault(_ITEM_LISTS[name], []).append(text)
        elif name in _LEAVES and name not in raw.leaves:
            raw.leaves[name] = _text(child)
        else:
            raw.extra.setdefault(name, []).append(child)
    return raw


def _kept(extra: Mapping[str, list[etree._Element]]) -> dict[str, str]:
    """Unknown or repeated elements: a simple one as its text, anything richer as markup."""
    kept = {}
    for name, elements in extra.items():
        first = elements[0]
        if len(elements) == 1 and len(first) == 0 and not first.attrib:
            kept[name] = first.text or ""
        else:
            kept[name] = "".join(_markup(element) for element in elements)
    return kept


def _markup(element: etree._Element) -> str:
    """The element's markup without layout whitespace, so that indenting it when the file is
    written again does not change what is kept."""
    copy = copy_module.deepcopy(element)
    for node in copy.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        if node is not copy and node.tail is not None and not node.tail.strip():
            node.tail = None
    return etree.tostring(copy, encoding="unicode", with_tail=False)


def _parsed(
    values: Mapping[str, str],
    element: str,
    parse: Callable[[str], _T | None],
    expected: str,
    where: tuple[int | None, list[RpuValueError]],
) -> _T | None:
    """The parsed value of an item, or None with a problem noted for the report."""
    value = values.get(element, "")
    try:
        return parse(value)
    except ValueError:
        number, problems = where
        problems.append(RpuValueError(element, value, expected, number))
        return None


def _passage(raw: _RawPatient, number: int, problems: list[RpuValueError]) -> RpuPassage | None:
    leaves, where = raw.leaves, (number, problems)
    entry = _parsed(leaves, "ENTREE", _parse_datetime, "JJ/MM/AAAA hh:mm", where)
    if entry is None:
        if not leaves.get("ENTREE"):
            # We need ENTREE to place the passage in its day's file: it cannot stay empty.
            problems.append(RpuValueError("ENTREE", "", "JJ/MM/AAAA hh:mm (obligatoire)", number))
        return None
    return RpuPassage(
        postcode=leaves.get("CP", ""),
        town=leaves.get("COMMUNE", ""),
        birth_date=_parsed(leaves, "NAISSANCE", _parse_date, "JJ/MM/AAAA", where),
        sex=leaves.get("SEXE", ""),
        entry=entry,
        entry_mode=leaves.get("MODE_ENTREE", ""),
        provenance=leaves.get("PROVENANCE", ""),
        transport=leaves.get("TRANSPORT", ""),
        transport_care=leaves.get("TRANSPORT_PEC", ""),
        reason=leaves.get("MOTIF", ""),
        ccmu=leaves.get("GRAVITE", ""),
        main_diagnosis=leaves.get("DP", ""),
        other_diagnoses=tuple(raw.lists.get("LISTE_DA", ())),
        procedures=tuple(raw.lists.get("LISTE_ACTES", ())),
        exit=_parsed(leaves, "SORTIE", _parse_datetime, "JJ/MM/AAAA hh:mm", where),
        exit_mode=leaves.get("MODE_SORTIE", ""),
        destination=leaves.get("DESTINATION", ""),
        orientation=leaves.get("ORIENT", ""),
        extra=_kept(raw.extra),
    )


_STRUCTURE = ("ETABLISSEMENT", "PASSAGES", "PATIENT")


def _header_elements(
    root: etree._Element,
) -> tuple[dict[str, str], dict[str, list[etree._Element]]]:
    """Header values from ETABLISSEMENT (or from the root if a producer left it out), and
    the unknown elements of the header and of the root, kept."""
    holder = next((c for c in _children(root) if _local_name(c) == "ETABLISSEMENT"), root)
    values: dict[str, str] = {}
    extra: dict[str, list[etree._Element]] = {}
    children = list(_children(holder))
    if holder is not root:
        children += list(_children(root))
    for child in children:
        name = _local_name(child)
        if name in HEADER_ELEMENTS and name not in values:
            values[name] = _text(child)
        elif name not in _STRUCTURE:
            extra.setdefault(name, []).append(child)
    return values, extra


def _header(
    root: etree._Element, passages: tuple[RpuPassage, ...], problems: list[RpuValueError]
) -> RpuFile:
    values, extra = _header_elements(root)
    where: tuple[int | None, list[RpuValueError]] = (None, problems)
    return RpuFile(
        finess=values.get("FINESS", ""),
        order=values.get("ORDRE", ""),
        extract=_parsed(values, "EXTRACT", _parse_extract, "JJ/MM/AAAA hh:mm:ss", where),
        start=_parsed(values, "DATEDEBUT", _parse_date, "JJ/MM/AAAA", where),
        end=_parsed(values, "DATEFIN", _parse_date, "JJ/MM/AAAA", where),
        passages=passages,
        extra=_kept(extra),
    )


def _parse_date(value: str) -> dt.date | None:
    if not value:
        return None
    return _strptime(value, _DATE_FORMATS).date()


def _parse_datetime(value: str) -> dt.datetime | None:
    return _local_to_utc(value, _DATETIME_FORMATS)


def _parse_extract(value: str) -> dt.datetime | None:
    return _local_to_utc(value, _EXTRACT_FORMATS)


def _local_to_utc(value: str, formats: tuple[str, ...]) -> dt.datetime | None:
    """A naive Paris wall-clock time, stored as UTC.

    In the autumn hour that happens twice, the first occurrence (summer time) is taken: the
    file format cannot tell them apart.
    """
    if not value:
        return None
    return _strptime(value, formats).replace(tzinfo=PARIS).astimezone(dt.UTC)


def _strptime(value: str, formats: tuple[str, ...]) -> dt.datetime:
    compact = " ".join(value.split())
    for pattern in formats:
        try:
            return dt.datetime.strptime(compact, pattern)  # noqa: DTZ007 - zone set by caller
        except ValueError:
            continue
    raise ValueError(value)


def extra_text(extra: Mapping[str, str], name: str) -> str:
    """The text of a kept element, whether it was kept as text or as markup; "" if absent."""
    value = extra.get(name, "")
    elements = parse_fragment(value)
    return _text(elements[0]) if elements else value
