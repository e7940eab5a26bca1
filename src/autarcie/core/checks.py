"""System checks: configuration errors are reported before the server starts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


def _inside(path: Any, folder: Any) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


@register()
def check_database_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DB_ENGINE != "sqlite":
        return []
    messages: list[CheckMessage] = []
    key_file = settings.DB_KEY_FILE
    if key_file is None:
        return [
            Error(
                "No database key file is configured.",
                hint="Set AUTARCIE_DB_KEY_FILE to a file outside the data directory.",
                id="autarcie.E001",
            )
        ]
    if _inside(key_file, settings.DATA_DIR):
        entry = Error if settings.MODE == "production" else Warning
        messages.append(
            entry(
                f"The database key file {key_file} is inside the data directory: "
                "a copy of the folder would carry its own key.",
                hint="Keep the key on another volume (AUTARCIE_DB_KEY_FILE).",
                id="autarcie.E002",
            )
        )
    if key_file.exists() and key_file.stat().st_mode & 0o077:
        messages.append(
            Error(
                f"The database key file {key_file} is readable by other users.",
                hint=f"chmod 600 {key_file}",
                id="autarcie.E003",
            )
        )
    return messages


@register()
def check_mode(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.MODE == "production" and not (settings.DATA_DIR / "secret_key").exists():
        return [
            Error(
                "The instance is not initialised (no secret key in the data directory).",
                hint="Run: autarcie init --data-dir DIR",
                id="autarcie.E004",
            )
        ]
    return []
