"""Mirror commands: freeze, unfreeze, mirror as-of|held|quarantine|purge.

``autarcie check`` lives in ``autarcie.resilience``; it prints ``mirror.health.report()``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]
PARIS = ZoneInfo("Europe/Paris")
ACTOR = "system:cli"


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    freeze = sub.add_parser("freeze", help="stop applying feed input (it is still kept)")
    add_data_dir(freeze)
    freeze.add_argument("--reason", required=True, help="why (goes in the journal)")
    freeze.set_defaults(handler=cmd_freeze)
    unfreeze = sub.add_parser("unfreeze", help="apply feed input again")
    add_data_dir(unfreeze)
    unfreeze.add_argument("--reason", default="", help="why (goes in the journal)")
    unfreeze.set_defaults(handler=cmd_unfreeze)

    mirror = sub.add_parser("mirror", help="the mirror's past states, held input, quarantine")
    msub = mirror.add_subparsers(dest="verb", metavar="VERB", required=True)
    asof = msub.add_parser("as-of", help="print the census as the mirror had it at an instant")
    add_data_dir(asof)
    asof.add_argument("instant", help="e.g. 2024-04-16T14:02 (Europe/Paris unless an offset)")
    asof.add_argument("--unit", help="one unit code")
    asof.set_defaults(handler=cmd_as_of)
    held = msub.add_parser("held", help="list, apply or discard input held while frozen")
    add_data_dir(held)
    held.add_argument("action", choices=["list", "apply", "discard"])
    held.add_argument("--id", type=int, action="append", help="inbound id (repeatable)")
    held.add_argument("--reason", default="", help="required to discard")
    held.set_defaults(handler=cmd_held)
    quarantine = msub.add_parser("quarantine", help="list, reprocess or discard bad input")
    add_data_dir(quarantine)
    quarantine.add_argument("action", choices=["list", "reprocess", "discard"])
    quarantine.add_argument("--id", type=int, action="append", help="inbound id (repeatable)")
    quarantine.add_argument("--reason", default="", help="required to discard")
    quarantine.set_defaults(handler=cmd_quarantine)
    purge = msub.add_parser("purge", help="delete old non-current versions (journaled)")
    add_data_dir(purge)
    purge.add_argument("--older-than-days", type=int, required=True)
    purge.set_defaults(handler=cmd_purge)


def _setup(args: argparse.Namespace) -> None:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)


def parse_instant(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigurationError(f"{text!r} is not an instant like 2024-04-16T14:02") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=PARIS)).astimezone(dt.UTC)


def cmd_freeze(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.mirror import actions

    state = actions.freeze(actor=ACTOR, reason=args.reason)
    print(f"mirror frozen since {state.frozen_at}: feed input is kept and held, not applied")
    return 0


def cmd_unfreeze(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.mirror import actions
    from autarcie.mirror.models import Inbound

    actions.unfreeze(actor=ACTOR, reason=args.reason)
    held = Inbound.objects.filter(state="held").count()
    print(f"mirror live; {held} held message(s) wait: 'autarcie mirror held apply|discard'")
    return 0


def cmd_as_of(args: argparse.Namespace) -> int:
    moment = parse_instant(args.instant)
    _setup(args)
    from autarcie.mirror.asof import census_as_of

    lines = census_as_of(moment, args.unit)
    local = moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    print(f"Census as received by {local} (Europe/Paris): {len(lines)} present patient(s)")
    for line in lines:
        p = line.patient
        name = f"{p.get('used_family') or p.get('birth_family', '')} {p.get('given', '')}"
        print(
            f"{line.unit_code:<8} {line.room:>5} {line.bed:>3}  {p.get('ipp', ''):<12} "
            f"{name.strip():<40} {line.status}"
        )
    return 0


def _list_inbound(state: str) -> int:
    from autarcie.mirror.models import Inbound

    rows = Inbound.objects.filter(state=state).order_by("received_at")
    for row in rows.iterator():
        print(
            f"{row.pk:>8}  {row.received_at:%Y-%m-%d %H:%M:%S}  {row.feed:<4} "
            f"{row.sender:<30} {row.event:<10} {row.reason}"
        )
    count = rows.count()
    print(f"{count} {state} message(s)", file=sys.stderr)
    return 0


def cmd_held(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.mirror import actions

    if args.action == "list":
        return _list_inbound("held")
    if args.action == "apply":
        counts = actions.apply_held(actor=ACTOR, ids=args.id)
        print(f"applied {counts['applied']}, quarantined {counts['quarantined']}")
        return 0
    if not args.id:
        raise ConfigurationError("name the messages to discard with --id")
    done = actions.discard(actor=ACTOR, ids=args.id, reason=args.reason, states=["held"])
    print(f"discarded {done} held message(s)")
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.mirror import actions

    if args.action == "list":
        return _list_inbound("quarantined")
    if not args.id:
        raise ConfigurationError(f"name the messages to {args.action} with --id")
    if args.action == "reprocess":
        for inbound_id in args.id:
            print(f"{inbound_id}: {actions.reprocess(actor=ACTOR, inbound_id=inbound_id)}")
        return 0
    done = actions.discard(actor=ACTOR, ids=args.id, reason=args.reason, states=["quarantined"])
    print(f"discarded {done} quarantined message(s)")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.mirror import actions

    done = actions.purge_versions(actor=ACTOR, older_than=dt.timedelta(days=args.older_than_days))
    print(f"purged {done} old version(s)")
    return 0
