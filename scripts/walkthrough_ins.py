"""A French HIS's admission with a qualified INS, then an outside lab's result that names the
patient by that INS alone: the result must be on that patient's summary.

With the demo running (`make demo`) and its HL7 listener started beside it
(`.venv/bin/autarcie hl7 listen --data-dir var/demo --port 2599`), run:

    .venv/bin/python scripts/walkthrough_ins.py [--to 127.0.0.1:2599] [--unit 1070]

It sends a PAM France A01 (IPP and qualified INS, PID-32 VALI) for the nurse's unit, then the
ANS CI-SIS lab report kept in the tests (`tests/fixtures/hl7v2/ans_oru_cr_bio_ins_only.hl7`,
PID-3 holds only the INS) through `autarcie hl7 send`, logs in as `infirmiere`, searches the
patient, opens her summary, saves `var/walkthrough/ins-summary.png` and checks that the report
is there. Exit status 0 when it is. Sending again is harmless: the same messages are
acknowledged as duplicates and not applied twice.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright
from walkthrough import QUIET_FLAGS, log_in, read_accounts

ROOT = Path(__file__).resolve().parents[1]
ORU = ROOT / "tests" / "fixtures" / "hl7v2" / "ans_oru_cr_bio_ins_only.hl7"
INS = "279035121518989"  # the ANS example's test INS (OID 1.2.250.1.213.1.4.10)


def admission(unit: str) -> bytes:
    segments = [
        "MSH|^~\\&|SIMUL_GAM|CH-TEST|MIROIR|CH-TEST|20261207080000||ADT^A01^ADT_A01|WALKINS01|P|"
        "2.5^FRA^2.11|||||FRA|UNICODE UTF-8|FR||2.11^IHE_FRANCE-2.11-PAM",
        "EVN||20261207080000||||20261207080000",
        f"PID|1||IPP990001^^^CH-TEST&123456789&M^PI~{INS}^^^ASIP-SANTE-INS-NIR&"
        "1.2.250.1.213.1.4.10&ISO^INS||PAT-TROIS^DOMINIQUE^DOMINIQUE^^^^L||19790328|F|||"
        "28 AV DE BRETEUIL^^PARIS^^75007^FRA^H|||||||NDA990001^^^CH-TEST&123456789&M^AN"
        "||||||||||||||VALI",
        f"PV1|1|I|{unit}^850^1^CH-TEST&123456789&M^O||||||||||||||||VN990001^^^"
        "CH-TEST&123456789&M^VN|||||||||||||||||||||||||20261207080000",
        "ZBE|MVTWALKINS01^SIMUL_GAM^1.2.250.1.999999.1.2^ISO|20261207080000||INSERT|N||"
        f"^^^^^CH-TEST&123456789&M^UF^^^{unit}|^^^^^CH-TEST&123456789&M^UF^^^{unit}|HMS",
    ]
    return ("\r".join(segments) + "\r").encode()


def send(files: list[Path], to: str) -> None:
    command = [sys.executable, "-m", "autarcie.cli", "hl7", "send", *map(str, files), "--to", to]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip())
    if done.returncode != 0:
        raise SystemExit("the messages were not all acknowledged AA")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", default="127.0.0.1:2599", help="the HL7 listener")
    parser.add_argument("--unit", default="1070", help="the nurse's unit (the demo's Cardiologie)")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--accounts", type=Path, default=Path("var/demo/demo-accounts.txt"))
    parser.add_argument("--out", type=Path, default=Path("var/walkthrough"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    a01 = args.out / "a01-ins-qualifie.hl7"
    a01.write_bytes(admission(args.unit))
    send([a01, ORU], args.to)
    nurse = read_accounts(args.accounts)["infirmiere"]
    with sync_playwright() as playwright:
        chromium = shutil.which("chromium") or "chromium"
        browser = playwright.chromium.launch(executable_path=chromium, args=QUIET_FLAGS)
        context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-FR")
        page = context.new_page()
        log_in(page, args.base, nurse)
        page.goto(f"{args.base}/recherche/?q=PAT-TROIS")
        page.get_by_role("link", name="Ouvrir").first.click()
        page.wait_for_load_state()
        page.screenshot(path=str(args.out / "ins-summary.png"), full_page=True)
        text = page.inner_text("body")
        browser.close()
    found = "CR d'examens biologiques" in text and "IPP990001" in text
    print("the lab report is on the admitted patient's summary" if found else "FAILED: it is not")
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())
