"""A small generated hospital shared by the generator's tests (pure files, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autarcie.demo.synth import GenerationSummary, generate


@pytest.fixture(scope="session")
def small_hospital(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("synth") / "out", beds=60, days=1, seed=7)


def read_messages(out_dir: Path) -> list[str]:
    """Every HL7 message of the feed, in file order (segments separated by CR)."""
    messages: list[str] = []
    for path in sorted((out_dir / "hl7").glob("*.hl7")):
        text = path.read_bytes().decode("utf-8")  # read_text would turn CR into LF
        messages += [m for m in text.split("\n") if m]
    return messages


def segments_of(message: str) -> list[list[str]]:
    return [segment.split("|") for segment in message.split("\r") if segment]
