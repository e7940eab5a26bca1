"""`autarcie serve` as an operator starts it: HTTPS with HSTS, plain HTTP only on loopback."""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.test_cli import PASSWORD, _env, run

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def instance(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD, encoding="utf-8")
    env = _env(AUTARCIE_DB_KEY_FILE=str(tmp_path / "db.key"))
    done = run(
        "init", "--data-dir", str(tmp_path / "data"), "--admin-password-file", str(pw), env=env
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "data", env


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server died")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # waiting for a real process to listen, not timing anything
    raise AssertionError("the server did not start")


@pytest.fixture
def https_server(instance: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[int]:
    data, env = instance
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autarcie.cli",
            "serve",
            "--data-dir",
            str(data),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_https_serves_login_with_hsts_and_secure_cookies(https_server: int) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", https_server, context=context, timeout=30)
    conn.request("GET", "/connexion/")
    response = conn.getresponse()
    body = response.read().decode()
    assert response.status == 200
    assert "Connexion" in body
    assert "max-age=31536000" in (response.getheader("Strict-Transport-Security") or "")
    cookies = response.getheader("Set-Cookie") or ""
    assert "Secure" in cookies
    assert "Connexion non chiffrée" not in body


def test_plain_http_off_loopback_is_refused(instance: tuple[Path, dict[str, str]]) -> None:
    data, env = instance
    done = run("serve", "--data-dir", str(data), "--bind", "0.0.0.0:8123", env=env)
    assert done.returncode == 2
    assert "plain HTTP on 0.0.0.0 would expose patient data" in done.stderr


def test_half_a_tls_configuration_is_refused(
    instance: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data, env = instance
    done = run("serve", "--data-dir", str(data), "--tls-cert", str(tmp_path / "c.pem"), env=env)
    assert done.returncode == 2
    assert "give both --tls-cert and --tls-key" in done.stderr
