"""Building a unit's kit: its journal entry, its witness, its identifiers, masking, downloads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from autarcie.core.errors import AutarcieError
from autarcie.core.journal import head
from autarcie.core.models import JournalEntry
from autarcie.core.tempids import block_of, is_valid
from autarcie.kits.builder import build_unit
from autarcie.kits.models import KitBuild
from tests.factories import PASSWORD
from tests.kits.conftest import pdf_text
from tests.wards import Ward

pytestmark = pytest.mark.django_db


def _files(build: KitBuild) -> list[Path]:
    return [Path(build.folder) / name for name in build.file_names()]


def test_build_writes_one_entry_naming_its_patients_and_prints_the_head_before_it(
    ward: Ward, kits_dir: Path
) -> None:
    before = head()
    build = build_unit(ward.pneumo, actor="system:test", out_dir=kits_dir)
    entry = JournalEntry.objects.get(action="kit.built", target_id=build.build_id)
    assert sorted(entry.details["patients"]) == sorted([ward.martin.pk, ward.hidden.pk])
    assert entry.details["printed_head"] == {"seq": before.seq, "hash": before.hash}
    assert entry.seq > before.seq
    main = pdf_text(_files(build)[0])
    assert f"n° {before.seq} · {before.hash}" in main
    assert JournalEntry.objects.filter(action="kit.built").count() == 1


def test_hidden_identity_is_masked_in_the_kit_and_named_on_its_wristband(
    ward: Ward, kits_dir: Path
) -> None:
    build = build_unit(ward.pneumo, actor="system:test", out_dir=kits_dir)
    main, grid, labels = (pdf_text(path) for path in _files(build))
    assert "IDENTITÉ MASQUÉE" in main and "SECRET" not in main and "SECRET" not in grid
    assert "MARTIN PAUL" in main
    assert "SECRET ANNE" in labels


def test_blank_forms_take_their_identifiers_from_the_pool_as_a_kit_block(
    ward: Ward, kits_dir: Path
) -> None:
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    assert is_valid(build.tempid_first) and is_valid(build.tempid_last)
    block = block_of(build.tempid_first)
    assert block is not None and block.holder_type == "kit"
    assert block.holder_id == f"2010-{build.build_id}"
    assert build.tempid_first in pdf_text(_files(build)[0])


def test_a_failed_render_is_journaled_and_records_no_build(ward: Ward, tmp_path: Path) -> None:
    blocked = tmp_path / "kits"
    blocked.write_text("a file where the kits folder should be", encoding="utf-8")
    with pytest.raises(AutarcieError, match="kit of unit 2010 failed"):
        build_unit(ward.cardio, actor="system:test", out_dir=blocked)
    failure = JournalEntry.objects.get(action="kit.build_failed")
    assert failure.details["unit"] == "2010"
    assert not KitBuild.objects.exists()


def _login(username: str) -> Client:
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_nurse_downloads_her_units_kit_and_the_download_is_journaled(
    ward: Ward, kits_dir: Path
) -> None:
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    client = _login("ide.cardio")
    page = client.get(reverse("kits:home")).content.decode()
    assert "Télécharger le kit Cardiologie" in page
    name = build.file_names()[0]
    response = client.get(reverse("kits:download", args=["2010", build.build_id, name]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    entry = JournalEntry.objects.filter(action="kit.downloaded").get()
    assert entry.actor == f"user:{ward.nurse.pk}" and entry.details["file"] == name


def test_nurse_of_another_unit_cannot_download_the_kit(ward: Ward, kits_dir: Path) -> None:
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    client = _login("ide.pneumo")
    url = reverse("kits:download", args=["2010", build.build_id, build.file_names()[0]])
    assert client.get(url).status_code == 403
    assert "Cardiologie" not in client.get(reverse("kits:home")).content.decode()
    assert not JournalEntry.objects.filter(action="kit.downloaded").exists()


def test_only_the_files_of_the_build_can_be_downloaded(ward: Ward, kits_dir: Path) -> None:
    build = build_unit(ward.cardio, actor="system:test", out_dir=kits_dir)
    url = reverse("kits:download", args=["2010", build.build_id, "autre.pdf"])
    assert _login("ide.cardio").get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_builds_never_hand_out_the_same_temporary_identifier(
    ward: Ward, kits_dir: Path
) -> None:
    start = threading.Barrier(2)
    builds: list[KitBuild] = []
    errors: list[BaseException] = []

    def build() -> None:
        try:
            start.wait()
            builds.append(build_unit(ward.cardio, actor="system:test", out_dir=kits_dir))
        except BaseException as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(builds) == 2
    printed = []
    for kit in builds:
        text = pdf_text(Path(kit.folder) / kit.file_names()[0])
        printed.append({word for word in text.split() if is_valid(word)})
    assert printed[0] and printed[1]
    assert not printed[0] & printed[1]
