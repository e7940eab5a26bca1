"""Satellite commands: pair, list, revoke (main instance); enrol, sync, push, status (satellite)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AddDataDir = Callable[[argparse.ArgumentParser], None]
ACTOR = "system:cli"


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    sat = sub.add_parser("satellite", help="unit satellites: pair, enrol, sync, push, revoke")
    verbs = sat.add_subparsers(dest="verb", metavar="VERB", required=True)
    pair = verbs.add_parser("pair", help="(main) print a one-time enrolment code for a satellite")
    add_data_dir(pair)
    pair.add_argument("--name", required=True, help="the satellite's name (e.g. 'Réa portable')")
    pair.add_argument("--unit", action="append", required=True, help="a unit code (repeatable)")
    pair.add_argument("--tempids", type=int, default=1000, help="identifiers to delegate")
    pair.set_defaults(handler=cmd_pair)
    listing = verbs.add_parser("list", help="(main) the enrolled satellites")
    add_data_dir(listing)
    listing.set_defaults(handler=cmd_list)
    revoke = verbs.add_parser("revoke", help="(main) send nothing more to a satellite")
    add_data_dir(revoke)
    revoke.add_argument("satellite", help="its name or identifier")
    revoke.set_defaults(handler=cmd_revoke)
    enrol = verbs.add_parser("enrol", help="(satellite) pair this instance with the main one")
    add_data_dir(enrol)
    enrol.add_argument("--main", required=True, metavar="URL", help="the main instance's URL")
    enrol.add_argument("--code", required=True, help="the code shown on the main instance")
    enrol.add_argument("--ca-file", type=Path, help="CA certificate of the main's HTTPS")
    enrol.set_defaults(handler=cmd_enrol)
    sync = verbs.add_parser("sync", help="(satellite) pull the units' data, then push care")
    add_data_dir(sync)
    sync.set_defaults(handler=cmd_sync)
    push = verbs.add_parser("push", help="(satellite) send care recorded here to the main")
    add_data_dir(push)
    push.set_defaults(handler=cmd_push)
    status = verbs.add_parser("status", help="(satellite) how old the data is, what is pending")
    add_data_dir(status)
    status.set_defaults(handler=cmd_status)
    schedule = verbs.add_parser("schedule", help="(satellite) sync on schedule (serve starts it)")
    add_data_dir(schedule)
    schedule.add_argument("--stop-with-parent", action="store_true", help=argparse.SUPPRESS)
    schedule.set_defaults(handler=cmd_schedule)


def _setup(args: argparse.Namespace) -> None:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)


def cmd_pair(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.satellite_actions import CODE_MINUTES, create_pairing

    made = create_pairing(actor=ACTOR, name=args.name, units=args.unit, tempids_count=args.tempids)
    print(made.code)
    print(
        f"one-time code for satellite {made.pairing.name!r} ({', '.join(made.pairing.units)}), "
        f"valid {CODE_MINUTES} min: on the satellite, autarcie satellite enrol --main URL "
        "--code CODE",
        file=sys.stderr,
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.models import Satellite
    from autarcie.resilience.satellite_crypto import fingerprint

    for s in Satellite.objects.all():
        state = f"revoked {s.revoked_at:%Y-%m-%d %H:%M}" if s.revoked_at else "active"
        last = f"{s.last_pull_at:%Y-%m-%d %H:%M} UTC" if s.last_pull_at else "never"
        print(
            f"{s.uid} {s.name!r} units={','.join(s.units)} key={fingerprint(s.sign_public)} "
            f"{state}, last pull {last}"
        )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.satellite_actions import find, revoke

    satellite = revoke(actor=ACTOR, satellite=find(args.satellite))
    print(f"satellite {satellite.name!r} revoked: it receives nothing more")
    return 0


def cmd_enrol(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.satellite_client import enrol
    from autarcie.resilience.satellite_crypto import fingerprint

    ca = str(args.ca_file.expanduser().absolute()) if args.ca_file else ""
    link = enrol(main_url=args.main, code=args.code, ca_file=ca)
    print(
        f"enrolled as satellite {link.name!r} for {', '.join(link.units)}; main key "
        f"{fingerprint(link.main_sign_public)}; {link.tempid_last - link.tempid_first + 1} "
        "temporary identifiers delegated. Next: autarcie satellite sync"
    )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.satellite_client import sync

    report = sync()
    a = report.applied
    print(
        f"synced: {a.patients} patient(s) and {a.temps} temporary identit(ies) updated, "
        f"{a.removed} gone, {a.users} user(s); {report.pushed} care entr(ies) pushed; "
        f"{report.bytes / 1000:.0f} kB in {report.seconds:.2f} s"
    )
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.satellite_client import push
    from autarcie.resilience.satellite_link import current_link

    started = time.perf_counter()
    sent = push(current_link())
    print(f"pushed {sent} care entr(ies) and the journal in {time.perf_counter() - started:.2f} s")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.satellite_context import banner
    from autarcie.resilience.satellite_link import current_link, tempids_left

    link = current_link()
    print(banner(link))
    print(f"main: {link.main_url}; units: {', '.join(link.units)}")
    print(f"temporary identifiers left: {tempids_left(link)}")
    if link.last_error:
        print(f"last problem: {link.last_error}")
    return 1 if link.revoked else 0


def cmd_schedule(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.resilience.satellite_scheduler import serve_scheduler

    serve_scheduler(stop_with_parent=args.stop_with_parent)
    return 0
