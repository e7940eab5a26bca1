"""`fhir pull` against a local Bulk Data server: kick-off, polling, download, resume, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autarcie.mirror.bulk import BulkClient, BulkError, PullState, pull, retry_after
from autarcie.mirror.fhir_import import Importer
from autarcie.mirror.models import Inbound, Patient, Stay
from tests.mirror_fhir.bulk_server import TOKEN, BulkServer
from tests.mirror_fhir.conftest import FR_CORE, resources

pytestmark = pytest.mark.django_db
BEFORE = "2026-11-22T00:00:00Z"


def _fr_core() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(FR_CORE.glob("*.ndjson")):
        items = resources(path)
        for item in items:
            item["meta"] = {**item.get("meta", {}), "lastUpdated": BEFORE}
        found[path.name.split(".")[0]] = items
    return found


@pytest.fixture
def server() -> Iterator[BulkServer]:
    bulk = BulkServer(_fr_core())
    bulk.base = bulk.start()  # type: ignore[attr-defined]
    yield bulk
    bulk.stop()


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _pull(server: BulkServer, workdir: Path, sleeps: Sleeps, **kw: Any) -> Any:
    base: str = server.base  # type: ignore[attr-defined]
    importer = Importer(sender=base)
    return pull(
        base=base,
        since=kw.get("since", "auto"),
        types=kw.get("types", []),
        workdir=workdir,
        client=BulkClient(base, kw.get("token", TOKEN), sleep=sleeps),
        importer=importer,
        say=lambda _text: None,
    )


def test_pull_follows_the_export_flow_and_imports_every_file(
    server: BulkServer, tmp_path: Path
) -> None:
    sleeps = Sleeps()
    result = _pull(server, tmp_path, sleeps)
    assert sleeps.waits == [5.0]  # Retry-After honoured once, without waiting for real
    assert result.transaction_time == "2026-11-23T10:00:00Z"
    assert Patient.objects.count() == 4
    assert Stay.objects.get(nda="NDA000042").unit_code == "CARD"
    assert not list(tmp_path.glob("*.ndjson"))  # clear-text downloads removed after import
    state = PullState.load(tmp_path / "state.json")
    assert state.last_transaction_time == "2026-11-23T10:00:00Z" and not state.under_way
    assert ("DELETE", "/fhir/status/job1") in server.requests


def test_next_pull_asks_only_for_changes_since_the_last_transaction_time(
    server: BulkServer, tmp_path: Path
) -> None:
    _pull(server, tmp_path, Sleeps())
    changed = server.resources["Patient"][0]
    changed["meta"]["lastUpdated"] = "2026-11-23T12:00:00Z"
    changed["name"][0]["family"] = "RENOMMEE"
    before = Inbound.objects.count()
    _pull(server, tmp_path, Sleeps())
    assert server.jobs["job2"].since == "2026-11-23T10:00:00Z"
    assert Inbound.objects.count() == before + 1
    assert Patient.objects.get(ipp="IPP000042").birth_family == "RENOMMEE"


def test_interrupted_pull_resumes_without_a_new_export_or_duplicates(
    server: BulkServer, tmp_path: Path
) -> None:
    server.fail_once.add("Observation.ndjson")
    with pytest.raises(BulkError, match="500: storage unavailable"):
        _pull(server, tmp_path, Sleeps())
    state = PullState.load(tmp_path / "state.json")
    assert state.under_way
    imported = {e["type"] for e in state.files.values() if e["imported"]}
    assert "Patient" in imported and "Observation" not in imported
    patients_rows = Inbound.objects.filter(event="Patient").count()
    result = _pull(server, tmp_path, Sleeps())
    assert result.resumed
    assert list(server.jobs) == ["job1"]  # no second kick-off
    assert Inbound.objects.filter(event="Patient").count() == patients_rows == 4
    assert Inbound.objects.filter(event="Observation", state="applied").count() == 2
    assert Inbound.objects.count() == 27


def test_resumed_file_restarts_after_its_last_committed_line(
    server: BulkServer, tmp_path: Path
) -> None:
    sleeps = Sleeps()
    base: str = server.base  # type: ignore[attr-defined]
    client = BulkClient(base, TOKEN, sleep=sleeps)

    class Crashing(Importer):
        def import_file(self, path: Path, start_line: int = 0) -> None:
            if path.name.endswith("Patient.ndjson"):
                lines = path.read_bytes().splitlines(keepends=True)
                path.write_bytes(b"".join(lines[:2]))  # commit the first two lines only
                super().import_file(path, start_line)
                path.write_bytes(b"".join(lines))
                raise KeyboardInterrupt
            super().import_file(path, start_line)

    with pytest.raises(KeyboardInterrupt):
        pull(
            base=base,
            since="",
            types=["Patient"],
            workdir=tmp_path,
            client=client,
            importer=Crashing(sender=base),
            say=lambda _t: None,
        )
    entry = next(iter(PullState.load(tmp_path / "state.json").files.values()))
    assert entry["lines"] == 2 and entry["downloaded"] and not entry["imported"]
    pull(
        base=base,
        since="",
        types=["Patient"],
        workdir=tmp_path,
        client=client,
        importer=Importer(sender=base),
        say=lambda _t: None,
    )
    assert Inbound.objects.filter(event="Patient").count() == 4
    assert Patient.objects.count() == 4


def test_missing_token_is_reported_with_the_servers_explanation(
    server: BulkServer, tmp_path: Path
) -> None:
    with pytest.raises(BulkError, match="401: a valid access token is required"):
        _pull(server, tmp_path, Sleeps(), token="")
    assert not PullState.load(tmp_path / "state.json").under_way


def test_failed_export_is_reported_and_forgotten_so_the_next_pull_starts_afresh(
    server: BulkServer, tmp_path: Path
) -> None:
    server.fail_status = 500
    with pytest.raises(BulkError, match="disk full"):
        _pull(server, tmp_path, Sleeps())
    assert not PullState.load(tmp_path / "state.json").under_way
    server.fail_status = 0
    _pull(server, tmp_path, Sleeps())
    assert list(server.jobs) == ["job1", "job2"]


def test_type_filter_is_sent_to_the_server(server: BulkServer, tmp_path: Path) -> None:
    _pull(server, tmp_path, Sleeps(), types=["Patient"])
    assert server.jobs["job1"].types == ["Patient"]
    assert set(Inbound.objects.values_list("event", flat=True)) == {"Patient"}


def test_retry_after_reads_seconds_and_http_dates() -> None:
    import datetime as dt

    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    assert retry_after("12") == 12.0
    assert retry_after("Mon, 23 Nov 2026 10:00:30 GMT", now) == 30.0
    assert retry_after("") == 1.0
    assert retry_after("99999") == 300.0
    assert json.loads(json.dumps(retry_after("garbage"))) == 1.0
