"""Commands ``unit create|edit|list``: the hospital's units on an instance made by ``init``.

Without units, ``createuser --unit`` has nothing to name; the demo makes its own, a real
instance makes them here (or on the admin page ``/admin/unites/``), each change journaled.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]
ACTOR = "system:cli"


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    from autarcie.core.roles import UnitKind

    kinds = ", ".join(k.value for k in UnitKind)
    unit = sub.add_parser("unit", help="create, edit or list the hospital's units (UF)")
    usub = unit.add_subparsers(dest="verb", metavar="VERB", required=True)
    create = usub.add_parser("create", help="create a unit")
    add_data_dir(create)
    create.add_argument("code", help="the unit's code (UF), e.g. CARDIO; never changes")
    create.add_argument("--label", required=True, help="its name, e.g. 'Cardiologie'")
    create.add_argument("--kind", default="other", help=f"one of: {kinds} (default other)")
    create.add_argument("--pole", default="", help="the pôle it belongs to")
    create.add_argument("--beds", type=int, default=0, help="number of beds (default 0)")
    create.set_defaults(handler=cmd_unit_create)

    edit = usub.add_parser("edit", help="change a unit's label, kind, pôle or beds")
    add_data_dir(edit)
    edit.add_argument("code")
    edit.add_argument("--label")
    edit.add_argument("--kind", help=f"one of: {kinds}")
    edit.add_argument("--pole")
    edit.add_argument("--beds", type=int)
    edit.set_defaults(handler=cmd_unit_edit)

    listing = usub.add_parser("list", help="list the units")
    add_data_dir(listing)
    listing.set_defaults(handler=cmd_unit_list)


def _setup(args: argparse.Namespace) -> None:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)


def _kind(name: str | None) -> Any:
    from autarcie.core.roles import UnitKind

    if name is None:
        return None
    try:
        return UnitKind(name)
    except ValueError:
        kinds = ", ".join(k.value for k in UnitKind)
        raise ConfigurationError(f"unknown unit kind {name!r} (kinds: {kinds})") from None


def cmd_unit_create(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.core import actions

    unit = actions.create_unit(
        actor=ACTOR,
        code=args.code,
        label=args.label,
        kind=_kind(args.kind),
        pole=args.pole,
        beds=args.beds,
    )
    print(f"created unit {unit.code} ({unit.label})")
    return 0


def cmd_unit_edit(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.core import actions
    from autarcie.core.models import Unit

    unit = Unit.objects.filter(code=args.code).first()
    if unit is None:
        raise ConfigurationError(f"no unit {args.code!r}: see 'autarcie unit list'")
    changed = actions.edit_unit(
        actor=ACTOR,
        unit=unit,
        label=args.label,
        kind=_kind(args.kind),
        pole=args.pole,
        beds=args.beds,
    )
    print(f"unit {unit.code}: " + (f"changed {', '.join(changed)}" if changed else "unchanged"))
    return 0


def cmd_unit_list(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.core.models import Unit

    units = list(Unit.objects.order_by("code"))
    for unit in units:
        print(f"{unit.code:<20} {unit.kind:<16} {unit.beds:>4} beds  {unit.label}  {unit.pole}")
    print(f"{len(units)} units")
    return 0
