"""Check any RPU file: tolerant read, consistency rules, strict schema, a report in French."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, cast

from lxml import etree

from autarcie.recovery.rpu.errors import RpuFormatError, RpuValueError
from autarcie.recovery.rpu.model import HEADER_ELEMENTS
from autarcie.recovery.rpu.reader import read_tolerantly
from autarcie.recovery.rpu.rules import (
    RpuIssue,
    Severity,
    check_header,
    check_in_file,
    check_passage,
)
from autarcie.recovery.rpu.xmlsafe import parse_document


class _LogEntry(Protocol):
    line: int
    message: str


# Loaded next to this module: the file is package data (pyproject covers *.xsd).
SCHEMA_PATH = Path(__file__).with_name("schema.xsd")


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(parse_document(SCHEMA_PATH.read_bytes()))


def validate_xsd(data: bytes) -> list[str]:
    """The strict schema's complaints about ``data`` (tidy form), one line each; [] if valid."""
    try:
        root = parse_document(data)
    except RpuFormatError as exc:
        return [str(exc)]
    schema = _schema()
    if schema.validate(root):
        return []
    # The lxml stubs do not type the error log; its entries carry a line and a message.
    entries = cast("Iterable[_LogEntry]", schema.error_log)
    return [f"ligne {entry.line} : {entry.message}" for entry in entries]


@dataclass(frozen=True, slots=True)
class RpuReport:
    """The outcome of checking one file.

    ``issues`` holds the findings of the rules and of the reading; ``xsd_errors`` why the file
    is not in the strict tidy form (often only element order, which the rules do not mind).
    """

    issues: tuple[RpuIssue, ...]
    passage_count: int
    xsd_errors: tuple[str, ...]

    @property
    def passes_xsd(self) -> bool:
        return not self.xsd_errors

    @property
    def error_count(self) -> int:
        return sum(1 for issue in self.issues if issue.severity is Severity.ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for issue in self.issues if issue.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """No error: the file can be sent (warnings are worth a look, not a refusal)."""
        return self.error_count == 0


def check_file(data: bytes) -> RpuReport:
    """Check any file, whatever its layout; never raises on bad content."""
    xsd_errors = tuple(validate_xsd(data))
    try:
        reading = read_tolerantly(data)
    except RpuFormatError as exc:
        issue = RpuIssue("OSCOUR", "unreadable", str(exc), Severity.ERROR)
        return RpuReport((issue,), 0, ("non vérifié : le fichier est illisible",))
    issues = [_from_problem(problem) for problem in reading.problems]
    issues += check_header(reading.file)
    for number, passage in zip(reading.numbers, reading.file.passages, strict=True):
        found = check_passage(passage) + check_in_file(passage, reading.file)
        issues += [replace(issue, passage=number) for issue in found]
    issues.sort(key=lambda issue: -1 if issue.passage is None else issue.passage)
    return RpuReport(tuple(issues), reading.passage_count, xsd_errors)


def _from_problem(problem: RpuValueError) -> RpuIssue:
    return RpuIssue(
        problem.element, "unreadable-value", problem.detail, Severity.ERROR, problem.passage
    )


def format_report(report: RpuReport, name: str = "") -> str:
    """One line per finding (« passage 2, DESTINATION : erreur : ... »), then a summary."""
    lines = []
    prefix = f"{name} : " if name else ""
    for issue in report.issues:
        where = f"passage {issue.passage}" if issue.passage is not None else "fichier"
        if issue.passage is None and issue.element in HEADER_ELEMENTS:
            where = "en-tête"
        lines.append(f"{prefix}{where}, {issue.element} : {issue.severity.label} : {issue.message}")
    for error in report.xsd_errors:
        lines.append(f"{prefix}schéma strict, {error}")
    lines.append(prefix + _summary(report))
    return "\n".join(lines)


def _summary(report: RpuReport) -> str:
    schema = "conforme" if report.passes_xsd else f"non conforme ({len(report.xsd_errors)})"
    verdict = "fichier valide" if report.ok else "fichier à corriger"
    return (
        f"{_plural(report.passage_count, 'passage')}, {_plural(report.error_count, 'erreur')}, "
        f"{_plural(report.warning_count, 'avertissement')} ; schéma strict : {schema} ; "
        f"{verdict}"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count > 1 else ''}"
