"""Unit satellites end to end: two real instances, the main one served on a loopback port."""

from __future__ import annotations

import dataclasses
import http.client
import http.cookiejar
import http.server
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.resilience.conftest import PASSWORD, REPO, Instance, clean_env, one_line_error
from tests.resilience.satellite_seed import NURSE, NURSE_PASSWORD

pytestmark = pytest.mark.slow

QUIET = {
    "AUTARCIE_KITS_EVERY_MINUTES": "0",
    "AUTARCIE_SATELLITE_SYNC_MINUTES": "0",
    "AUTARCIE_LOG_LEVEL": "WARNING",
}


def _new_instance(root: Path) -> Instance:
    keys = root / "keys"
    env = clean_env(
        AUTARCIE_DB_KEY_FILE=str(keys / "db.key"),
        AUTARCIE_BACKUP_KEY_FILE=str(keys / "backup.key"),
        **QUIET,
    )
    root.mkdir(parents=True, exist_ok=True)
    pw = root / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    made = Instance(root, root / "data", env)
    done = made.run("init", "--data-dir", str(made.data), "--admin-password-file", str(pw))
    assert done.returncode == 0, done.stderr
    return made


def cli(inst: Instance, *args: str) -> subprocess.CompletedProcess[str]:
    return inst.run(*args[:2], "--data-dir", str(inst.data), *args[2:])


def seed(inst: Instance, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.resilience.satellite_seed", *args],
        capture_output=True,
        text=True,
        env={**inst.env, "AUTARCIE_DATA_DIR": str(inst.data)},
        cwd=REPO,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Browser:
    """A person's browser: cookies, the CSRF token of each form, nothing else."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode())

    def login(self, username: str, password: str) -> None:
        page = self.get("/connexion/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        form = {"csrfmiddlewaretoken": token.group(1), "username": username}
        data = urllib.parse.urlencode({**form, "password": password}).encode()
        with self.opener.open(self.base + "/connexion/", data=data, timeout=30) as response:
            assert "/connexion/" not in response.geturl(), "the login was refused"

    @staticmethod
    def first_link(page: str, prefix: str) -> str:
        found = re.search(rf'href="({re.escape(prefix)}[^"]+)"', page)
        assert found is not None, f"no link to {prefix}"
        return found.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    inst: Instance
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "autarcie.cli", "serve", "--data-dir", str(self.inst.data)),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
            ],
            env=self.inst.env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(400):
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stderr.read().decode() if self.proc.stderr else "")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)  # waiting for a real process to listen, not timing anything
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None


@dataclass
class Site:
    main: Instance
    server: Server
    sat: Instance

    def pair(self, name: str = "Cardio portable", *units: str) -> str:
        done = cli(
            self.main,
            "satellite",
            "pair",
            "--name",
            name,
            *[a for u in (units or ("2010",)) for a in ("--unit", u)],
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()[0]

    def enrol(self, code: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
        return cli(self.sat, "satellite", "enrol", "--main", url or self.server.url, "--code", code)

    def sync(self) -> subprocess.CompletedProcess[str]:
        return cli(self.sat, "satellite", "sync")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with ThreadPoolExecutor(2) as pool:  # two real instances, made side by side
        satellite = pool.submit(_new_instance, tmp_path / "satellite")
        main = _new_instance(tmp_path / "main")
        seed(main, "hospital")
        server = Server(main, free_port())
        server.start()
        sat = satellite.result()
    try:
        yield Site(main, server, sat)
    finally:
        server.stop()


@pytest.fixture
def enrolled(site: Site) -> Site:
    done = site.enrol(site.pair())
    assert done.returncode == 0, done.stderr
    synced = site.sync()
    assert synced.returncode == 0, synced.stderr
    return site


def test_enrolment_refuses_a_wrong_code_then_pairs_once(site: Site) -> None:
    code = site.pair()
    wrong = site.enrol("ABCD-EFGH-JKMN")
    one_line_error(wrong, "code d'appairage inconnu")
    assert site.enrol(code).returncode == 0
    again = _new_instance(site.sat.root.parent / "second")
    reused = cli(again, "satellite", "enrol", "--main", site.server.url, "--code", code)
    one_line_error(reused, "déjà utilisé")
    listed = cli(site.main, "satellite", "list")
    assert listed.stdout.count("Cardio portable") == 1
    assert "units=2010" in listed.stdout


def test_sync_brings_only_the_units_patients_then_only_changes(enrolled: Site) -> None:
    present, held = seed(enrolled.sat, "patients").splitlines()
    assert present.split() == ["FONTAINE", "LEGRAND", "MARTINEZ"]
    assert "ZIDANE" not in held and "OKONKWO" not in held
    quiet = enrolled.sync()
    assert quiet.returncode == 0, quiet.stderr
    assert "synced: 0 patient(s)" in quiet.stdout
    seed(enrolled.main, "admit", "5", "2010", "NGUYEN")
    seed(enrolled.main, "transfer", "3", "2020", "FONTAINE")
    later = enrolled.sync()
    assert later.returncode == 0, later.stderr
    assert "synced: 1 patient(s)" in later.stdout
    assert "1 gone" in later.stdout
    present, held = seed(enrolled.sat, "patients").splitlines()
    assert present.split() == ["LEGRAND", "MARTINEZ", "NGUYEN"]
    assert "FONTAINE" not in held


def test_serve_on_a_satellite_syncs_by_itself(enrolled: Site) -> None:
    """The schedule inside `serve` pulls at start, then every AUTARCIE_SATELLITE_SYNC_MINUTES."""
    seed(enrolled.main, "admit", "5", "2010", "NGUYEN")
    scheduled = dataclasses.replace(
        enrolled.sat, env={**enrolled.sat.env, "AUTARCIE_SATELLITE_SYNC_MINUTES": "5"}
    )
    served = Server(scheduled, free_port())
    served.start()
    try:
        for _ in range(60):  # waiting for a real process to sync, not timing anything
            present, _held = seed(enrolled.sat, "patients").splitlines()
            if "NGUYEN" in present.split():
                break
            time.sleep(0.1)
        assert "NGUYEN" in present.split()
    finally:
        served.stop()
    status = cli(enrolled.sat, "satellite", "status")
    assert status.returncode == 0, status.stderr
    assert "synchronisé il y a" in status.stdout


class _Tamperer(http.server.BaseHTTPRequestHandler):
    """A machine on the LAN between satellite and main: it flips one byte of snapshots."""

    port = 0
    tamper = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        conn = http.client.HTTPConnection("127.0.0.1", type(self).port, timeout=30)
        conn.request("POST", self.path, body, {"Content-Type": self.headers["Content-Type"]})
        response = conn.getresponse()
        answer = bytearray(response.read())
        kind = response.getheader("Content-Type") or ""
        conn.close()
        if type(self).tamper and self.path.endswith("/pull/"):
            answer[len(answer) // 2] ^= 0x01
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        return None


def test_a_tampered_snapshot_is_refused_and_nothing_is_applied(site: Site) -> None:
    _Tamperer.port = site.server.port
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Tamperer)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{proxy.server_address[1]}"
        assert site.enrol(site.pair(), url=url).returncode == 0
        _Tamperer.tamper = True
        refused = site.sync()
        one_line_error(refused, "snapshot refused")
        assert "not signed by the expected key" in refused.stderr
        assert seed(site.sat, "patients").strip() == ""
        _Tamperer.tamper = False
        assert site.sync().returncode == 0
        assert "MARTINEZ" in seed(site.sat, "patients")
    finally:
        _Tamperer.tamper = False
        proxy.shutdown()


def test_a_revoked_satellite_receives_nothing_more(enrolled: Site) -> None:
    revoked = cli(enrolled.main, "satellite", "revoke", "Cardio portable")
    assert revoked.returncode == 0, revoked.stderr
    seed(enrolled.main, "admit", "6", "2010", "ROUSSEAU")
    refused = enrolled.sync()
    one_line_error(refused, "révoqué")
    assert "ROUSSEAU" not in seed(enrolled.sat, "patients")
    status = cli(enrolled.sat, "satellite", "status")
    assert status.returncode == 1
    assert "RÉVOQUÉ" in status.stdout


def test_the_satellite_serves_and_prints_alone_when_the_main_is_stopped(
    enrolled: Site, tmp_path: Path
) -> None:
    enrolled.server.stop()
    down = enrolled.sync()
    one_line_error(down, "did not answer")
    served = Server(enrolled.sat, free_port())
    served.start()
    try:
        browser = Browser(served.url)
        browser.login(NURSE, NURSE_PASSWORD)
        census = browser.get("/unites/2010/")
        assert "MARTINEZ" in census
        assert "ZIDANE" not in census
        assert "Données du " in census and "satellite « Cardio portable »" in census
        assert "synchronisé il y a" in census
        summary = browser.get(browser.first_link(census, "/patients/"))
        assert "LEGRAND" in summary or "MARTINEZ" in summary or "FONTAINE" in summary
    finally:
        served.stop()
    out = tmp_path / "kits"
    built = cli(enrolled.sat, "kits", "build", "--unit", "2010", "--out", str(out))
    assert built.returncode == 0, built.stderr
    pdfs = sorted(out.rglob("*.pdf"))
    assert pdfs
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdfs[0]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "MARTINEZ" in text
    assert "ZIDANE" not in text
    assert "Données arrêtées au" in text


def test_care_recorded_on_the_satellite_flows_back_exactly_once(enrolled: Site) -> None:
    tempid = seed(enrolled.sat, "care").strip()
    pushed = cli(enrolled.sat, "satellite", "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed 3 care entr(ies)" in pushed.stdout  # identity, admission, note
    counts = seed(enrolled.main, "count", tempid).strip()
    assert counts.startswith("temps=1 notes=1 imported=3 satellite_journal=")
    assert int(counts.rsplit("=", 1)[1]) > 0
    seed(enrolled.sat, "forget-acks")  # the acknowledgement was lost: everything goes again
    again = cli(enrolled.sat, "satellite", "push")
    assert again.returncode == 0, again.stderr
    assert "pushed 3 care entr(ies)" in again.stdout
    assert enrolled.sync().returncode == 0
    assert seed(enrolled.main, "count", tempid).startswith("temps=1 notes=1 imported=3 ")
    verified = cli(enrolled.main, "journal", "verify")
    assert verified.returncode == 0, verified.stderr
