"""Headless Debian Chromium driven by Playwright against a live server (never a download)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.factories import PASSWORD
from tests.wards import Ward, build_ward

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Without these, Chromium keeps trying to reach Google's services on a closed network.
_QUIET_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is missing: make test installs it when run as root")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=_QUIET_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 1024}, locale="fr-FR")
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture
def ward(transactional_db: None) -> Ward:
    return build_ward()


def log_in(page: Page, base: str, username: str) -> None:
    """Log in through the real form with the test password."""
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
