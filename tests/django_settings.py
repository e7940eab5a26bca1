"""Settings for the test suite: a private data directory and key per test process."""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

_base = Path(tempfile.mkdtemp(prefix="autarcie-test-"))
atexit.register(shutil.rmtree, _base, ignore_errors=True)
os.environ["AUTARCIE_MODE"] = "test"
os.environ["AUTARCIE_DATA_DIR"] = str(_base / "var")
os.environ["AUTARCIE_DB_KEY_FILE"] = str(_base / "var.key")
# Playwright's sync API runs an event loop in the test thread; Django would refuse the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
(_base / "var").mkdir(mode=0o700)
_key = _base / "var.key"
_key.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
_key.chmod(0o600)

from autarcie.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only in tests
