"""A small FHIR Bulk Data server on loopback for the pull tests (threaded ``http.server``).

It follows the `$export` flow: kick-off answers 202 with ``Content-Location``; the status URL
answers 202 with ``X-Progress`` and ``Retry-After`` once, then 200 with the manifest; output
files are NDJSON; ``_since`` and ``_type`` filter; every request needs the Bearer token.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "test-token-123"


def outcome(text: str, code: str = "processing") -> bytes:
    issue = {"severity": "error", "code": code, "diagnostics": text}
    return json.dumps({"resourceType": "OperationOutcome", "issue": [issue]}).encode()


@dataclass
class Job:
    since: str
    types: list[str]
    polls: int = 0


@dataclass
class BulkServer:
    """Resources by type; each carries ``meta.lastUpdated`` for ``_since``."""

    resources: dict[str, list[dict[str, Any]]]
    transaction_time: str = "2026-11-23T10:00:00Z"
    retry_after: str = "5"
    jobs: dict[str, Job] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_once: set[str] = field(default_factory=set)  # file names answering 500 once
    fail_status: int = 0  # when set, the status URL answers this error
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self, "GET")

            def do_DELETE(self) -> None:
                server.handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/fhir"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def reply(
        self, handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str
    ) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        with self.lock:
            self.requests.append((method, url.path))
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.reply(handler, 401, outcome("a valid access token is required", "login"))
        elif url.path == "/fhir/$export":
            self.kick_off(handler, query)
        elif url.path.startswith("/fhir/status/"):
            self.status(handler, url.path.rsplit("/", 1)[1], method)
        elif url.path.startswith("/fhir/files/"):
            _, _, _, job, name = url.path.split("/")
            self.file(handler, job, name)
        else:
            self.reply(handler, 404, outcome("no such endpoint", "not-found"))

    def kick_off(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        if handler.headers.get("Prefer") != "respond-async":
            self.reply(handler, 400, outcome("Prefer: respond-async is required"))
            return
        if handler.headers.get("Accept") != "application/fhir+json":
            self.reply(handler, 400, outcome("Accept: application/fhir+json is required"))
            return
        job = f"job{len(self.jobs) + 1}"
        types = [t for t in query.get("_type", "").split(",") if t]
        self.jobs[job] = Job(query.get("_since", ""), types)
        self.reply(handler, 202, b"", Content_Location=f"/fhir/status/{job}")

    def status(self, handler: BaseHTTPRequestHandler, job_id: str, method: str) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            self.reply(handler, 404, outcome("unknown export", "not-found"))
            return
        if method == "DELETE":
            self.reply(handler, 202, b"")
            return
        if self.fail_status:
            self.reply(handler, self.fail_status, outcome("the export failed: disk full"))
            return
        job.polls += 1
        if job.polls == 1:
            self.reply(handler, 202, b"", X_Progress="50% done", Retry_After=self.retry_after)
            return
        base = f"http://127.0.0.1:{self.httpd.server_address[1]}/fhir"
        output = [
            {"type": kind, "url": f"{base}/files/{job_id}/{kind}.ndjson", "count": len(items)}
            for kind, items in self.selected(job).items()
        ]
        manifest = {
            "transactionTime": self.transaction_time,
            "request": f"{base}/$export",
            "requiresAccessToken": True,
            "output": output,
            "error": [],
        }
        self.reply(handler, 200, json.dumps(manifest).encode(), Content_Type="application/json")

    def selected(self, job: Job) -> dict[str, list[dict[str, Any]]]:
        chosen: dict[str, list[dict[str, Any]]] = {}
        for kind, items in self.resources.items():
            if job.types and kind not in job.types:
                continue
            fresh = [x for x in items if not job.since or x["meta"]["lastUpdated"] > job.since]
            if fresh:
                chosen[kind] = fresh
        return chosen

    def file(self, handler: BaseHTTPRequestHandler, job_id: str, name: str) -> None:
        with self.lock:
            failing = name in self.fail_once
            self.fail_once.discard(name)
        if failing:
            self.reply(handler, 500, outcome("storage unavailable"))
            return
        kind = name.split(".", maxsplit=1)[0]
        items = self.selected(self.jobs[job_id]).get(kind, [])
        body = "".join(json.dumps(x) + "\n" for x in items).encode()
        self.reply(handler, 200, body, Content_Type="application/fhir+ndjson")
