"""FHIR Bulk Data ``$export`` client: kick-off, poll, download, import; resumable.

The state of a pull lives in a small JSON file in the data directory (``fhir-pull/state.json``):
the status URL of the export under way, the manifest once received, and per output file
whether it was downloaded and how many of its lines were committed. A second run after a
crash continues from there; a finished pull keeps only ``transactionTime`` for the next
``--since auto``. The only outbound connection is the one the administrator names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from autarcie.core.errors import AutarcieError

ACCEPT = "application/fhir+json"
MAX_WAIT = 300.0  # seconds; a server asking for more is polled at this pace anyway
TIMEOUT = 60.0
Sleep = Callable[[float], None]
Say = Callable[[str], None]


class BulkError(AutarcieError):
    """The server refused or failed the export; the message carries its explanation."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


@dataclass
class PullState:
    """What a pull has done so far; saved after every step."""

    base: str = ""
    status_url: str = ""
    since: str = ""
    manifest: dict[str, Any] | None = None
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_transaction_time: str = ""

    @classmethod
    def load(cls, path: Path) -> PullState:
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BulkError(f"{path} is unreadable ({exc}); remove it to start afresh") from exc
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = path.with_suffix(".tmp")
        fresh.write_text(json.dumps(self.__dict__, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(fresh, path)  # atomic: a crash leaves the old state or the new one

    @property
    def under_way(self) -> bool:
        return bool(self.status_url)


def _outcome_text(body: bytes) -> str:
    """The diagnostics of an OperationOutcome, else the start of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip()
    issues = data.get("issue") if isinstance(data, dict) else None
    if isinstance(issues, list):
        texts = [
            str(i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code"))
            for i in issues
            if isinstance(i, dict)
        ]
        return "; ".join(texts)
    return json.dumps(data)[:200]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class BulkClient:
    """HTTP side of the flow; `sleep` is injectable so tests never wait for real."""

    def __init__(self, base: str, token: str = "", sleep: Sleep = time.sleep) -> None:
        self.base = base.rstrip("/")
        self.token = token
        self.sleep = sleep

    def _request(self, url: str, headers: dict[str, str], method: str = "GET") -> Response:
        if not url.startswith(("http://", "https://")):
            raise BulkError(f"refusing a non-HTTP URL: {url[:80]}")
        if self.token:
            headers = {**headers, "Authorization": f"Bearer {self.token}"}
        request = urllib.request.Request(url, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:  # noqa: S310
                return Response(reply.status, dict(reply.headers.items()), reply.read())
        except urllib.error.HTTPError as exc:
            body = exc.read()
            raise BulkError(
                f"{method} {_short(url)} answered {exc.code}: {_outcome_text(body) or exc.reason}",
                exc.code,
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise BulkError(f"{method} {_short(url)} failed: {exc}") from exc

    def kick_off(self, since: str, types: list[str]) -> str:
        query: dict[str, str] = {}
        if since:
            query["_since"] = since
        if types:
            query["_type"] = ",".join(types)
        url = f"{self.base}/$export" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        reply = self._request(url, {"Accept": ACCEPT, "Prefer": "respond-async"})
        location = _header(reply.headers, "Content-Location")
        if reply.status != 202 or not location:
            raise BulkError(f"kick-off answered {reply.status} without a Content-Location")
        return urllib.parse.urljoin(url, location)

    def poll(self, status_url: str, say: Say) -> dict[str, Any]:
        """Poll until the manifest is ready, honouring Retry-After."""
        while True:
            reply = self._request(status_url, {"Accept": "application/json"})
            if reply.status == 200:
                try:
                    manifest = json.loads(reply.body)
                except ValueError as exc:
                    raise BulkError("the export manifest is not JSON") from exc
                if not isinstance(manifest, dict) or "output" not in manifest:
                    raise BulkError("the export manifest has no output list")
                return manifest
            progress = _header(reply.headers, "X-Progress")
            wait = retry_after(_header(reply.headers, "Retry-After"))
            say(f"export in progress{': ' + progress if progress else ''}; next poll in {wait:g} s")
            self.sleep(wait)

    def download(self, url: str, target: Path) -> None:
        """Stream one output file to disk; the name appears only when complete."""
        if not url.startswith(("http://", "https://")):
            raise BulkError(f"refusing a non-HTTP URL: {url[:80]}")
        headers = {"Accept": "application/fhir+ndjson"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, headers=headers)  # noqa: S310
        part = target.with_name(target.name + ".part")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as reply, part.open("wb") as out:  # noqa: S310
                while chunk := reply.read(1 << 20):
                    out.write(chunk)
        except urllib.error.HTTPError as exc:
            raise BulkError(
                f"GET {_short(url)} answered {exc.code}: {_outcome_text(exc.read()) or exc.reason}",
                exc.code,
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise BulkError(f"GET {_short(url)} failed: {exc}") from exc
        os.replace(part, target)

    def delete(self, status_url: str) -> None:
        """Tell the server the files were fetched (it may clean up); a failure is harmless."""
        # The files are ours already; the server's clean-up is its own business.
        with contextlib.suppress(BulkError):
            self._request(status_url, {"Accept": ACCEPT}, method="DELETE")


def _header(headers: dict[str, str], name: str) -> str:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), "")


def _short(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def retry_after(value: str, now: dt.datetime | None = None) -> float:
    """Seconds to wait: a number of seconds or an HTTP date; 1 s when absent or unreadable."""
    value = value.strip()
    if not value:
        return 1.0
    if value.isdigit():
        return min(float(value), MAX_WAIT)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    moment = now or dt.datetime.now(dt.UTC)
    return max(0.0, min((when - moment).total_seconds(), MAX_WAIT))


class FileImporter(Protocol):
    """What a pull needs of the importer (``fhir_import.Importer``)."""

    committed: Callable[[Path, int], None] | None

    def import_file(self, path: Path, start_line: int = 0) -> None: ...


TYPE_FIRST = ("Organization", "Location", "Practitioner", "Patient", "Encounter")


def _ordered(files: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    def rank(entry: tuple[str, dict[str, Any]]) -> tuple[int, str]:
        kind = str(entry[1]["type"])
        return (TYPE_FIRST.index(kind) if kind in TYPE_FIRST else len(TYPE_FIRST)), entry[0]

    return sorted(files.items(), key=rank)


def _start(state: PullState, base: str, since: str, types: list[str], client: BulkClient) -> None:
    state.base, state.since, state.manifest, state.files = base, since, None, {}
    state.status_url = client.kick_off(since, types)


def _take_manifest(state: PullState, manifest: dict[str, Any], say: Say) -> None:
    state.manifest = {k: manifest.get(k) for k in ("transactionTime", "requiresAccessToken")}
    outputs = [o for o in manifest.get("output") or [] if isinstance(o, dict) and o.get("url")]
    state.files = {
        str(o["url"]): {
            "type": str(o.get("type") or "Unknown"),
            "name": f"{n:04d}-{o.get('type') or 'Unknown'}.ndjson",
            "downloaded": False,
            "lines": 0,
            "imported": False,
        }
        for n, o in enumerate(outputs)
    }
    errors = manifest.get("error") or []
    if errors:
        say(f"the server reported {len(errors)} error file(s) for this export; see its logs")


@dataclass
class PullResult:
    transaction_time: str
    files: int
    resumed: bool


def pull(
    *,
    base: str,
    since: str,
    types: list[str],
    workdir: Path,
    client: BulkClient,
    importer: FileImporter,
    say: Say,
) -> PullResult:
    """Run (or resume) one export; ``since`` is ``auto``, an instant, or empty for everything."""
    state_path = workdir / "state.json"
    state = PullState.load(state_path)
    resumed = state.under_way
    if resumed and state.base != base.rstrip("/"):
        raise BulkError(
            f"a pull from {state.base} is under way in {workdir}; finish it or remove state.json"
        )
    if not resumed:
        chosen = state.last_transaction_time if since == "auto" else since
        _start(state, base.rstrip("/"), chosen, types, client)
        state.save(state_path)
        say("export requested" + (f" (changes since {chosen})" if chosen else " (everything)"))
    else:
        say("resuming the export under way")
    if state.manifest is None:
        try:
            manifest = client.poll(state.status_url, say)
        except BulkError as exc:
            if exc.http_status is not None:  # the export itself failed: start afresh next time
                state.status_url = ""
                state.save(state_path)
            raise
        _take_manifest(state, manifest, say)
        state.save(state_path)
    _fetch_and_import(state, state_path, workdir, client, importer, say)
    done = str(state.manifest.get("transactionTime") or "") if state.manifest else ""
    status_url, count = state.status_url, len(state.files)
    state.last_transaction_time = done or state.last_transaction_time
    state.status_url, state.manifest, state.files = "", None, {}
    state.save(state_path)
    client.delete(status_url)
    return PullResult(done, count, resumed)


def _fetch_and_import(
    state: PullState,
    state_path: Path,
    workdir: Path,
    client: BulkClient,
    importer: FileImporter,
    say: Say,
) -> None:
    for url, entry in _ordered(state.files):
        target = workdir / str(entry["name"])
        if not entry["downloaded"]:
            client.download(url, target)
            entry["downloaded"] = True
            state.save(state_path)
        if entry["imported"]:
            continue

        def committed(_path: Path, line: int, entry: dict[str, Any] = entry) -> None:
            entry["lines"] = line
            state.save(state_path)

        importer.committed = committed
        say(f"importing {entry['type']} ({entry['name']})")
        importer.import_file(target, int(entry["lines"]))
        entry["imported"] = True
        state.save(state_path)
        # The NDJSON holds patient data in clear; the encrypted store now has it.
        target.unlink(missing_ok=True)
