"""The conformance corpus: every public or hand-written sample message, sent over MLLP, is
answered and applied as `docs/formats/conformance.md` says.

The table in that document is the expectation: one row per message (its answer) and one
"what becomes visible" check per file, read here so the document cannot drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from autarcie.mirror.asof import PRESENT
from autarcie.mirror.hl7.parser import split_batch
from autarcie.mirror.models import Document, Inbound, InboundState, Patient, Result, Stay
from tests.mirror_net.conftest import MllpClient, StartListener, msa

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "formats" / "conformance.md"
FIXTURES = ROOT / "tests" / "fixtures" / "hl7v2"

_ROW = re.compile(r"^\| `hl7v2/([^`]+)` \| (\d+) ([A-Z]{3}\^[A-Z0-9]+) \| (AA|AE|AR) \| .*\|$")
_CHECK = re.compile(r"^\| `hl7v2/([^`]+)` \| `([^`]*)` \|")

# What a check names, counted in the mirror after the file was sent.
_COUNTS: dict[str, Callable[[], int]] = {
    "patients": Patient.objects.count,
    "ins_only": lambda: sum(1 for p in Patient.objects.all() if p.ins_only),
    "present": lambda: Stay.objects.filter(status__in=PRESENT).count(),
    "results": lambda: Result.objects.exclude(status="D").count(),
    "documents": lambda: Document.objects.exclude(status__in=("D", "X")).count(),
    "quarantined": lambda: Inbound.objects.filter(state=InboundState.QUARANTINED).count(),
}


def _answers() -> dict[str, list[tuple[str, str]]]:
    """file -> [(message type, expected MSA-1)] in the file's order."""
    table: dict[str, list[tuple[str, str]]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        row = _ROW.match(line)
        if row:
            name, number, kind, code = row.groups()
            table.setdefault(name, []).append((kind, code))
            assert len(table[name]) == int(number), f"{name}: rows out of order at {number}"
    return table


def _checks() -> dict[str, dict[str, int]]:
    checks: dict[str, dict[str, int]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        row = _CHECK.match(line)
        if row:
            pairs = (item.split("=") for item in row.group(2).split())
            checks[row.group(1)] = {key: int(value) for key, value in pairs}
    return checks


def test_every_fixture_message_has_its_row_and_every_row_its_fixture() -> None:
    answers, checks = _answers(), _checks()
    on_disk = {path.name for path in FIXTURES.glob("*.hl7")}
    assert set(answers) == on_disk == set(checks)
    for name, rows in answers.items():
        assert len(rows) == len(split_batch((FIXTURES / name).read_bytes())), name
    assert all(set(check) <= set(_COUNTS) for check in checks.values())


@pytest.mark.parametrize("name", sorted(_answers()))
def test_each_sample_is_answered_and_applied_as_the_table_says(
    name: str, start_listener: StartListener
) -> None:
    listener = start_listener()
    client = MllpClient(listener.port)
    got = []
    for raw in split_batch((FIXTURES / name).read_bytes()):
        code, _control, _text = msa(client.send(raw))
        got.append(code)
    client.close()
    assert got == [code for _kind, code in _answers()[name]]
    seen = {key: _COUNTS[key]() for key in _checks()[name]}
    assert seen == _checks()[name]
