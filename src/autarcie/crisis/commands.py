"""Crisis commands: plan an inventory offline, poll SMS replies, remind clock owners."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    crisis = sub.add_parser("crisis", help="crisis cell: restoration plan, SMS replies, reminders")
    csub = crisis.add_subparsers(dest="verb", metavar="VERB", required=True)
    plan = csub.add_parser("plan", help="validate an inventory CSV and print its restoration waves")
    plan.add_argument("inventory", type=Path, help="inventory.csv (see docs/formats/inventory.md)")
    plan.add_argument("--items", action="store_true", help="list every item with its reason")
    plan.set_defaults(handler=cmd_plan)
    poll = csub.add_parser("poll", help="read SMS replies to alerts from the configured gateway")
    add_data_dir(poll)
    poll.set_defaults(handler=cmd_poll)
    remind = csub.add_parser("remind", help="remind owners of legal clocks due within 6 hours")
    add_data_dir(remind)
    remind.set_defaults(handler=cmd_remind)
    directory = csub.add_parser("directory", help="print the staff call directory as a PDF")
    add_data_dir(directory)
    directory.add_argument("--out", type=Path, required=True, help="PDF file to write")
    directory.set_defaults(handler=cmd_directory)
    inbox = csub.add_parser(
        "inbox", help="collect SMS replies and send clock reminders until stopped (in serve)"
    )
    add_data_dir(inbox)
    inbox.add_argument(
        "--stop-with-parent", action="store_true", help="stop when standard input closes"
    )
    inbox.set_defaults(handler=cmd_inbox)


def cmd_plan(args: argparse.Namespace) -> int:
    """Runs without Django or a database: usable on any laptop during the crisis."""
    from autarcie.crisis import restoration

    try:
        text = args.inventory.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {args.inventory}: {exc}") from exc
    started = time.perf_counter()
    inventory = restoration.read_inventory(text)
    for problem in inventory.problems:
        print(f"{problem.severity}: line {problem.line}: {problem.message}")
    if inventory.errors:
        print(
            f"inventory rejected: {len(inventory.errors)} error(s), "
            f"{len(inventory.warnings)} warning(s)"
        )
        return 1
    placements = restoration.compute_waves(inventory)
    elapsed = time.perf_counter() - started
    kinds = Counter(row.kind for row in inventory.rows)
    by_wave: dict[int, list[restoration.Placement]] = {}
    for p in placements:
        by_wave.setdefault(p.wave, []).append(p)
    names = {row.ident: row.name for row in inventory.rows}
    for wave, members in sorted(by_wave.items()):
        apps = [m for m in members if m.ident.startswith("APP") or not m.ident.startswith("SRV")]
        print(
            f"wave {wave}: {len(members)} items, priority {members[0].priority}"
            f" ({restoration.PRIORITY_LABELS[members[0].priority]})"
        )
        listed = members if args.items else apps[:5]
        for m in listed:
            print(f"  {m.ident} {names[m.ident]} — {m.reason}")
        if not args.items and len(apps) > 5:
            print(f"  … and {len(apps) - 5} more applications")
    print(
        f"planned {len(placements)} items ({kinds['application']} applications, "
        f"{kinds['server']} servers, "
        f"{kinds['account']} accounts to rotate) in {len(by_wave)} waves; "
        f"{len(inventory.warnings)} warning(s); {elapsed * 1000:.0f} ms"
    )
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django
    from autarcie.core.commands import _resolve_data_dir

    setup_django(_resolve_data_dir(args))
    from autarcie.crisis import inbound

    result = inbound.poll_replies()
    print(f"{result['matched']} replies recorded, {result['unmatched']} not matched")
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django
    from autarcie.core.commands import _resolve_data_dir

    setup_django(_resolve_data_dir(args))
    from autarcie.crisis import alert_actions

    print(f"{alert_actions.send_clock_reminders()} reminder(s) sent")
    return 0


def cmd_inbox(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django
    from autarcie.core.commands import _resolve_data_dir

    setup_django(_resolve_data_dir(args))
    from autarcie.crisis import inbox

    inbox.serve_inbox(stop_with_parent=args.stop_with_parent)
    return 0


def cmd_directory(args: argparse.Namespace) -> int:
    from autarcie.cli import setup_django
    from autarcie.core.commands import _resolve_data_dir

    setup_django(_resolve_data_dir(args))
    from autarcie.crisis import alert_actions

    args.out.write_bytes(alert_actions.directory_pdf(actor="system:cli"))
    print(f"call directory written to {args.out}")
    return 0
