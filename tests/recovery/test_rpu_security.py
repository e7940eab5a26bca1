"""Hostile RPU files: external entities and entity bombs are refused and never expanded."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from autarcie.recovery.rpu import RpuFormatError, check_file, read_rpu_file, validate_xsd
from autarcie.recovery.rpu.xmlsafe import safe_parser

SECRET = "contenu-confidentiel-qui-ne-doit-pas-sortir"


def _xxe(tmp_path: Path) -> bytes:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE OSCOUR [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        "<OSCOUR><ETABLISSEMENT><FINESS>&xxe;</FINESS></ETABLISSEMENT>"
        "<PASSAGES><PATIENT><ENTREE>15/01/2025 10:00</ENTREE><COMMUNE>&xxe;</COMMUNE>"
        "</PATIENT></PASSAGES></OSCOUR>"
    ).encode()


def test_external_entity_file_is_refused_without_reading_the_file(tmp_path: Path) -> None:
    data = _xxe(tmp_path)
    with pytest.raises(RpuFormatError, match="DOCTYPE") as caught:
        read_rpu_file(data)
    assert SECRET not in str(caught.value)
    report = check_file(data)
    assert not report.ok
    assert all(SECRET not in issue.message for issue in report.issues)
    assert all(SECRET not in line for line in validate_xsd(data))


def test_parser_itself_never_resolves_the_external_entity(tmp_path: Path) -> None:
    # Belt and braces: even without the DOCTYPE refusal, the parser leaves the entity alone.
    root = etree.fromstring(_xxe(tmp_path), safe_parser())
    assert SECRET not in etree.tostring(root, encoding="unicode")


def test_entity_bomb_is_refused_quickly() -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    data = f"<!DOCTYPE OSCOUR [{entities}]><OSCOUR><X>&a9;</X></OSCOUR>".encode()
    # Refused either by the parser's amplification limit or by our DOCTYPE refusal.
    with pytest.raises(RpuFormatError):
        read_rpu_file(data)
    assert not check_file(data).ok
