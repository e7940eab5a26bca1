"""Walk each role's main path on a running demo in headless Chromium, as its users would.

Run `make demo` in one terminal, then in another:

    .venv/bin/python scripts/walkthrough.py [--base http://127.0.0.1:8000] \
        [--accounts var/demo/demo-accounts.txt] [--out var/walkthrough] [--width 1024]

Each role logs in through the real form (second factor included), follows its main path by
clicking what a person would click, and every page is saved as a full-page PNG in --out, named
`<role>-<step>.png`. For every page the script also checks what a reviewer would look for at a
glance: no horizontal scrolling, no English error page, and on patient pages the identity band
with allergies and "données au". The nurse's path ends by downloading her unit's paper kit and
turning its blank forms into PNG pages (pdftoppm) and text (pdftotext).

Exit status 0 when every step was reached and every check held; 1 otherwise, with one line per
failed check. The screenshots are the point: look at them.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
from playwright.sync_api import Browser, Page, sync_playwright

QUIET_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_ENGLISH_ERRORS = ("Not Found", "Server Error", "Forbidden", "CSRF verification failed")


@dataclass
class Account:
    username: str
    password: str
    totp_uri: str = ""


@dataclass
class Walk:
    out: Path
    width: int
    data_dir: Path = Path("var/demo")
    unit: str = ""  # the first unit whose census was opened (its kit is read)
    failures: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)

    def fail(self, role: str, step: str, why: str) -> None:
        self.failures.append(f"{role} / {step}: {why}")

    def look(self, page: Page, role: str, step: str, *, patient: bool = False) -> None:
        """Screenshot the page and run the checks a reviewer makes at a glance."""
        path = self.out / f"{role}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            self.fail(role, step, f"défilement horizontal de {overflow} px à {self.width} px")
        text = page.inner_text("body")
        for english in _ENGLISH_ERRORS:
            if english in text:
                self.fail(role, step, f"message anglais affiché : {english!r}")
        if patient:
            lowered = text.lower()
            if "allergi" not in lowered:
                self.fail(role, step, "aucune mention des allergies sur un écran patient")
            if "données" not in lowered:
                self.fail(role, step, "pas de « données au … » sur un écran patient")


def read_accounts(path: Path) -> dict[str, Account]:
    """Parse demo-accounts.txt: `  name password [roles; scope]`, then an optional TOTP line."""
    accounts: dict[str, Account] = {}
    last: Account | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        totp = re.search(r"(otpauth://\S+)", line)
        if totp and last is not None:
            last.totp_uri = totp.group(1)
            continue
        match = re.match(r"^\s+(\S+)\s+(\S+)\s+\[", line)
        if match:
            last = Account(match.group(1), match.group(2))
            accounts[last.username] = last
    return accounts


def log_in(page: Page, base: str, account: Account) -> None:
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill(account.username)
    page.get_by_label("Mot de passe").fill(account.password)
    page.get_by_role("button", name="Se connecter").click()
    if account.totp_uri:
        secret = parse_qs(urlparse(account.totp_uri).query)["secret"][0]
        page.locator("input[type=text], input[inputmode=numeric]").first.fill(
            pyotp.TOTP(secret).now()
        )
        page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()


def click(page: Page, target: str) -> bool:
    """Follow the first link matching ``css:SELECTOR``, else the first link or button whose
    text matches the pattern, as a person would."""
    if target.startswith("css:"):
        found = page.locator(target[4:])
    else:
        found = page.get_by_role("link", name=re.compile(target))
        if found.count() == 0:
            found = page.get_by_role("button", name=re.compile(target))
    if found.count() == 0:
        return False
    found.first.click()
    page.wait_for_load_state()
    return True


# (step name, "/url" or "css:selector" or link text pattern, is it a patient page?)
Steps = list[tuple[str, str, bool]]

# Each role's main path: what its users open first on the worst night.
PATHS: dict[str, Steps] = {
    "infirmiere": [
        ("accueil", "/", False),
        ("census", "css:main a[href^='/unites/']", False),
        ("resume", "css:table.census a[href^='/patients/']", True),
        ("grille-patient", "css:a[href$='/administrations/']", True),
        ("retour-resume", r"Retour au dossier", True),
        ("dossier-soins", r"Enregistrer un soin", True),
        ("administration", "css:a[href$='/saisie/administration/']", True),
        ("kits", "/kits/", False),
    ],
    "medecin": [("accueil", "/", False), ("recherche", "/recherche/?q=ma", False)],
    "urgentiste": [
        ("accueil", "/", False),
        ("census", "css:main a[href^='/unites/']", False),
        ("urgences", "css:a[href$='/urgences/']", False),
    ],
    "secretaire": [
        ("accueil", "/", False),
        ("soins", "/soins/", False),
        ("unite", "css:main a[href^='/soins/unites/']", False),
        ("admission", "css:a[href$='/admission/']", False),
    ],
    "pharmacien": [
        ("accueil", "/", False),
        ("soins", "/soins/", False),
        ("stock", r"Pharmacie \(PUI\)", False),
    ],
    "directeur": [("accueil", "/", False), ("cellule", "/crise/", False)],
    "cellule": [("accueil", "/", False), ("cellule", "/crise/", False)],
    "rssi": [
        ("accueil", "/", False),
        ("flux", r"^Flux$", False),
        ("quarantaine", r"Messages retenus et quarantaine", False),
        ("journal", r"Vérifier le journal", False),
        ("sante", "/health/", False),
    ],
    "auditeur": [("accueil", "/", False), ("audit", r"^Audit$", False)],
    "admin": [("accueil", "/", False), ("utilisateurs", r"Utilisateurs", False)],
}


def walk_role(browser: Browser, base: str, account: Account, walk: Walk) -> None:
    context = browser.new_context(viewport={"width": walk.width, "height": 768}, locale="fr-FR")
    context.set_default_timeout(15_000)
    page = context.new_page()
    role = account.username
    try:
        log_in(page, base, account)
        for step, target, patient in PATHS.get(role, [("accueil", "/", False)]):
            if target.startswith("/"):
                page.goto(base + target)
            elif not click(page, target):
                walk.fail(role, step, f"aucun lien ou bouton « {target} » sur {page.url}")
                break
            walk.look(page, role, step, patient=patient)
            opened = re.search(r"/unites/([^/]+)/$", page.url)
            if opened and not walk.unit:
                walk.unit = opened.group(1)
        if role == "infirmiere":
            read_kit(page, base, walk)
    finally:
        context.close()


def poppler(tool: str, *args: str) -> str:
    """Run one of poppler-utils' commands on a file this script wrote; return what it printed."""
    executable = shutil.which(tool)
    if executable is None:
        raise SystemExit(f"{tool} is missing: apt-get install poppler-utils")
    done = subprocess.run([executable, *args], capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


def read_kit(page: Page, base: str, walk: Walk) -> None:
    """Download the newest unit kit from /kits/ and turn its blank forms into PNG pages."""
    links = page.locator("a[href$='.pdf']")
    pdf = walk.out / "kit.pdf"
    if links.count():
        with page.expect_download() as download:
            links.first.click()
        download.value.save_as(str(pdf))
    elif walk.unit:
        # No kit printed yet by the schedule: build the unit's kit as the command line does.
        built = walk.out / "kits"
        command = [sys.executable, "-m", "autarcie.cli", "kits", "build", "--unit", walk.unit]
        command += ["--out", str(built), "--data-dir", str(walk.data_dir)]
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603
        shutil.copy(sorted(built.rglob("kit-*.pdf"))[-1], pdf)
    else:
        walk.fail("infirmiere", "kit", "aucun kit sur /kits/ et aucune unité ouverte")
        return
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    for number, content in enumerate(text.split("\f"), start=1):
        if "formulaire vierge" in content.lower():
            stem = walk.out / f"kit-page-{number:03d}"
            page_no = str(number)
            poppler(
                "pdftoppm", "-png", "-r", "60", "-f", page_no, "-l", page_no, str(pdf), str(stem)
            )
            walk.shots.extend(sorted(walk.out.glob(f"{stem.name}*.png")))
            if re.search(r"\bIPP\s*:?\s*\d", content):
                walk.fail("infirmiere", f"kit page {number}", "un formulaire vierge porte un IPP")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--accounts", type=Path, default=Path("var/demo/demo-accounts.txt"))
    parser.add_argument("--out", type=Path, default=Path("var/walkthrough"))
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--data-dir", type=Path, default=Path("var/demo"))
    parser.add_argument("--role", action="append", help="only these accounts (repeatable)")
    args = parser.parse_args(argv)
    accounts = read_accounts(args.accounts)
    args.out.mkdir(parents=True, exist_ok=True)
    walk = Walk(out=args.out, width=args.width, data_dir=args.data_dir)
    executable = shutil.which("chromium")
    if executable is None:
        print("Debian's chromium is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=QUIET_FLAGS)
        for name in args.role or list(PATHS):
            if name not in accounts:
                walk.fail(name, "connexion", "compte absent de la liste des comptes de démo")
                continue
            walk_role(browser, args.base, accounts[name], walk)
        browser.close()
    print(f"{len(walk.shots)} screenshots in {args.out}")
    for failure in walk.failures:
        print(f"FAILED {failure}")
    return 1 if walk.failures else 0


if __name__ == "__main__":
    sys.exit(main())
