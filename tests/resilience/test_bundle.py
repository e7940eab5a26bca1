"""`make bundle`: install offline, upgrade (backup first, migrate), roll back (data restored)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from sqlcipher3 import dbapi2 as sqlcipher

from autarcie import __version__
from tests.resilience.conftest import PASSWORD, REPO, Instance, clean_env

# Building fetches the locked wheels from the configured index: slow, and once per session.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

NEW = f"{__version__}+rehearsal"
# No registry for the installs: no index, an address that answers nothing, no find-links.
OFFLINE = {
    "PIP_NO_INDEX": "1",
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_EXTRA_INDEX_URL": "",
    "PIP_FIND_LINKS": "",
}


def _build(out: Path, version: str, **pip: str) -> Path:
    env = clean_env(BUNDLE_OUT=str(out), BUNDLE_VERSION=version, PYTHON=sys.executable, **pip)
    done = subprocess.run(
        ["bash", "scripts/bundle.sh"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    archive = out / f"autarcie-{version}-bundle.tar.gz"
    checked = subprocess.run(
        ["sha256sum", "-c", archive.name + ".sha256"], cwd=out, capture_output=True, check=False
    )
    assert checked.returncode == 0
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert f"autarcie-{version}/install.sh" in names
        assert f"autarcie-{version}/INSTALL.txt" in names
        assert f"autarcie-{version}/SHA256SUMS" in names
        assert any(n.startswith(f"autarcie-{version}/wheels/django-") for n in names)
        tar.extractall(out, filter="data")
    return out / f"autarcie-{version}"


@pytest.fixture(scope="session")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("bundles")
    old = _build(out, __version__)
    # The newer bundle takes the same locked wheels from the first one (hashes checked again).
    return old, _build(out, NEW, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(old / "wheels"))


class Site:
    """An installation prefix and one instance, driven as an operator drives them."""

    def __init__(self, root: Path) -> None:
        self.prefix = root / "opt"
        self.usb = root / "usb"
        self.instance = Instance(
            root,
            root / "srv",
            clean_env(
                AUTARCIE_DB_KEY_FILE=str(root / "keys" / "db.key"),
                AUTARCIE_BACKUP_KEY_FILE=str(root / "keys" / "backup.key"),
                AUTARCIE_LOG_LEVEL="WARNING",
            ),
        )

    def install(self, bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(bundle / "install.sh"), "--prefix", str(self.prefix), *args],
            env={**self.instance.env, **OFFLINE},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def autarcie(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.prefix / "current" / "bin" / "autarcie"), *args],
            env=self.instance.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def current(self) -> str:
        return (self.prefix / "current").readlink().name

    def controls(self) -> list[str]:
        conn = sqlcipher.connect(str(self.instance.data / "autarcie.db"))
        try:
            conn.execute(f"PRAGMA key = \"x'{self.instance.db_key.read_text().strip()}'\"")
            return [r[0] for r in conn.execute("SELECT control_id FROM mirror_inbound ORDER BY 1")]
        finally:
            conn.close()


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_bundle_installs_offline_upgrades_with_a_backup_and_rolls_back(
    bundles: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = bundles
    site = Site(tmp_path)
    _ok(site.install(old))
    assert site.current() == __version__
    assert _ok(site.autarcie("--version")).strip() == f"autarcie {__version__}"
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    _ok(
        site.autarcie(
            "init", "--data-dir", str(site.instance.data), "--admin-password-file", str(pw)
        )
    )
    site.instance.write(3)
    check = site.autarcie("check", "--data-dir", str(site.instance.data))
    assert check.returncode == 1, check.stderr  # no backup yet: it asks for a person
    assert "backup: no backup was ever made" in check.stdout

    # A bundle whose files do not match its checksums changes nothing.
    notes = new / "INSTALL.txt"
    original = notes.read_bytes()
    notes.write_bytes(original + b"tampered\n")
    try:
        refused = site.install(
            new, "--upgrade", "--data-dir", str(site.instance.data), "--backup-dir", str(site.usb)
        )
    finally:
        notes.write_bytes(original)
    assert refused.returncode != 0
    assert "checksums do not match" in refused.stderr
    assert site.current() == __version__
    assert not site.usb.exists() or not any(site.usb.iterdir())

    upgraded = _ok(
        site.install(
            new, "--upgrade", "--data-dir", str(site.instance.data), "--backup-dir", str(site.usb)
        )
    )
    assert f"upgraded {__version__} -> {NEW}" in upgraded
    assert site.current() == NEW
    assert _ok(site.autarcie("--version")).strip() == f"autarcie {NEW}"
    assert (site.prefix / "versions" / __version__ / "bin" / "autarcie").exists()
    backups = sorted(site.usb.iterdir())
    assert len(backups) == 1 and backups[0].name.startswith(f"pre-upgrade-{__version__}-to-")
    _ok(site.autarcie("journal", "verify", "--data-dir", str(site.instance.data)))
    site.instance.write(2, first=4)  # recorded after the upgrade: not in the pre-upgrade backup
    assert site.controls() == ["W0000001", "W0000002", "W0000003", "W0000004", "W0000005"]

    rolled = _ok(site.install(new, "--rollback"))
    assert f"rolled back to {__version__}" in rolled
    assert site.current() == __version__
    assert _ok(site.autarcie("--version")).strip() == f"autarcie {__version__}"
    assert "journal OK" in _ok(
        site.autarcie("journal", "verify", "--data-dir", str(site.instance.data))
    )
    assert site.controls() == ["W0000001", "W0000002", "W0000003"]
    kept = list(tmp_path.glob("srv.before-rollback-*"))
    assert len(kept) == 1 and (kept[0] / "autarcie.db").exists()

    again = site.install(new, "--rollback")
    assert again.returncode != 0
    assert "no upgrade to roll back" in again.stderr
