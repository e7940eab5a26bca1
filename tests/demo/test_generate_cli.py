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


def test_demo_feeds_the_real_paths_and_prints_the_accounts(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    done = run("demo", "--data-dir", str(data), "--beds", "20", "--days", "1", "--no-serve")
    assert done.returncode == 0, done.stderr
    assert "HL7 listener on mllp://127.0.0.1:" in done.stderr  # the real listener, over MLLP
    fed = next(line for line in done.stderr.splitlines() if line.startswith("fed the demo"))
    assert " AA" in fed and " AE" not in fed and " AR" not in fed
    assert "0 rejected" in fed
    for account in ("admin", "infirmiere", "directeur", "auditeur"):
        assert f"  {account} " in done.stdout
    assert (data / "demo-accounts.txt").exists()
    assert (tmp_path / "demo.key").exists() and not (data / "demo.key").exists()
