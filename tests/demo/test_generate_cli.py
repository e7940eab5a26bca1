"""`autarcie demo generate` writes the feeds as a user runs it, with a closing summary."""

from __future__ import annotations

from pathlib import Path

from tests.core.test_cli import run


def test_generate_writes_every_feed_and_summarises(tmp_path: Path) -> None:
    out = tmp_path / "h"
    done = run("demo", "generate", "--out", str(out), "--beds", "40", "--days", "1")
    assert done.returncode == 0, done.stderr
    assert "HL7 messages" in done.stdout and "FHIR resources" in done.stdout
    assert (out / "census.csv").exists() and (out / "inventory.csv").exists()
    assert list((out / "hl7").glob("*.hl7"))
    assert (out / "fhir" / "manifest.json").exists()


def test_generate_without_out_is_one_clear_error() -> None:
    done = run("demo", "generate")
    assert done.returncode == 2
    assert "needs --out DIR" in done.stderr
    assert "Traceback" not in done.stderr
