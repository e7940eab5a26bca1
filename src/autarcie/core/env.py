"""Typed readers of environment variables that fail loudly on a bad value."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    env = os.environ if environ is None else environ
    value = env.get(name)
    if value is None:
        file_name = env.get(f"{name}_FILE")
        if file_name:
            try:
                value = Path(file_name).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE={file_name} cannot be read: {exc.strerror}"
                ) from exc
    return value


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_optional(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = _raw(name, environ)
    return value or None


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from exc
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum {minimum}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum {maximum}")
    return number


def env_choice(
    name: str, default: str, choices: Sequence[str], environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    value = value.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def env_choices(
    name: str, default: str, choices: Sequence[str], environ: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """A comma-separated list of values from ``choices`` (an empty value gives none)."""
    value = _raw(name, environ)
    items = [v.strip().lower() for v in (default if value is None else value).split(",")]
    wrong = [v for v in items if v and v not in choices]
    if wrong:
        raise ImproperlyConfigured(
            f"{name}: {', '.join(wrong)} unknown; each value must be one of: {', '.join(choices)}"
        )
    return tuple(v for v in items if v)


def env_path(name: str, default: str, environ: Mapping[str, str] | None = None) -> Path:
    value = env_str(name, default, environ).strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is empty")
    return Path(value).expanduser().absolute()
