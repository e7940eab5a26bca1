"""Checking any RPU file: tolerant reading, rules, the strict schema and the French report."""

from __future__ import annotations

from autarcie.recovery.rpu import (
    MOTIFS,
    Severity,
    check_file,
    format_report,
    read_rpu_file,
    validate_xsd,
    write_rpu_file,
)
from autarcie.recovery.rpu.rules import CIM10_RE
from tests.recovery.rpu_samples import SAMPLE, passage, rpu_file
from tests.recovery.test_rpu_files import MESSY


def test_sample_checks_with_only_its_placeholder_finess_reported() -> None:
    report = check_file(SAMPLE.read_bytes())
    assert report.passage_count == 3
    assert [(i.element, i.code) for i in report.issues] == [("FINESS", "finess-key")]
    assert report.passes_xsd


def test_sample_with_a_real_finess_is_valid() -> None:
    report = check_file(SAMPLE.read_bytes().replace(b"999999999", b"350005179"))
    assert report.issues == () and report.ok
    assert format_report(report) == (
        "3 passages, 0 erreur, 0 avertissement ; schéma strict : conforme ; fichier valide"
    )


def test_strict_schema_accepts_what_the_writer_writes() -> None:
    f = rpu_file(passage(), passage(exit=None, other_diagnoses=(), extra={"CIRCONSTANCE": "x"}))
    assert validate_xsd(write_rpu_file(f)) == []
    assert validate_xsd(write_rpu_file(f, "UTF-8")) == []


def test_strict_schema_rejects_a_wrong_code() -> None:
    data = write_rpu_file(rpu_file(passage(ccmu="7")))
    [error] = validate_xsd(data)
    assert "GRAVITE" in error and "'7'" in error


def test_strict_schema_rejects_a_wrong_order_that_the_rules_accept() -> None:
    report = check_file(MESSY.encode("iso-8859-15"))
    assert not report.passes_xsd
    assert report.ok


def test_report_names_passage_element_and_what_is_allowed() -> None:
    f = rpu_file(passage(), passage(exit_mode="8", destination="1", orientation=""))
    report = check_file(write_rpu_file(f))
    assert report.error_count == 1 and not report.ok
    lines = format_report(report, "O350005179_0_20250116030000.xml").splitlines()
    assert lines[0] == (
        "O350005179_0_20250116030000.xml : passage 2, DESTINATION : erreur : Mode de sortie "
        "8 (domicile) : la destination doit être 6 (HAD), 7 (médico-social) ou vide, pas 1"
    )
    assert lines[-1].endswith("2 passages, 1 erreur, 0 avertissement ; schéma strict : "
                              "conforme ; fichier à corriger")  # fmt: skip


def test_check_reports_unreadable_values_and_goes_on() -> None:
    data = MESSY.replace("<SORTIE>15/01/2025 11:30", "<SORTIE>32/01/2025 11:30")
    data = data.replace("<MOTIF>R51</MOTIF>", "<MOTIF>R51</MOTIF><GRAVITE>9</GRAVITE>")
    report = check_file(data.encode("iso-8859-15"))
    found = [(i.passage, i.element, i.code) for i in report.issues]
    assert found == [(1, "SORTIE", "unreadable-value"), (2, "GRAVITE", "unknown-code")]
    assert "passage 1, SORTIE : erreur : valeur « 32/01/2025 11:30 » illisible" in (
        format_report(report)
    )


def test_check_reports_passages_outside_the_window_by_their_rank() -> None:
    data = MESSY.replace("<ENTREE>15/01/2025 16:45:10", "<ENTREE>17/01/2025 16:45")
    report = check_file(data.encode("iso-8859-15"))
    assert [(i.passage, i.code) for i in report.issues] == [
        (2, "entry-outside-window"),
        (2, "entry-after-extract"),
    ]


def test_check_never_raises_on_a_file_that_is_not_rpu() -> None:
    report = check_file(b"\x00\x01 not xml")
    assert [(i.element, i.code, i.severity) for i in report.issues] == [
        ("OSCOUR", "unreadable", Severity.ERROR)
    ]
    assert format_report(report).startswith("fichier, OSCOUR : erreur : Le fichier n'est pas")


def test_motifs_are_our_own_short_list_of_cim10_codes() -> None:
    assert 40 <= len(MOTIFS) <= 60
    assert len({m.code for m in MOTIFS}) == len(MOTIFS)
    assert all(CIM10_RE.fullmatch(m.code) for m in MOTIFS)
    written = write_rpu_file(rpu_file(*(passage(reason=m.code) for m in MOTIFS)))
    assert check_file(written).ok
    assert read_rpu_file(written).passages[0].reason == MOTIFS[0].code
