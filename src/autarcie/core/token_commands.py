"""``autarcie token create USERNAME`` and ``autarcie token revoke ID``: FHIR API bearer tokens."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    token = sub.add_parser("token", help="create or revoke a FHIR API bearer token")
    tsub = token.add_subparsers(dest="verb", metavar="VERB", required=True)
    create = tsub.add_parser("create", help="create a token for a user and print it once")
    add_data_dir(create)
    create.add_argument("username")
    create.add_argument("--name", default="", help="what the token is for (shown in lists)")
    create.add_argument("--days", type=int, default=90, help="lifetime in days (default 90)")
    create.set_defaults(handler=cmd_token_create)
    revoke = tsub.add_parser("revoke", help="revoke a token by its number")
    add_data_dir(revoke)
    revoke.add_argument("token_id", metavar="ID", type=int)
    revoke.set_defaults(handler=cmd_token_revoke)


def _setup(args: argparse.Namespace) -> None:
    from autarcie.cli import setup_django
    from autarcie.core.commands import _resolve_data_dir

    setup_django(_resolve_data_dir(args))


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.core.models import User
    from autarcie.core.tokens import create_token

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise ConfigurationError(f"no user named {args.username!r}")
    issued = create_token(actor="system:cli", user=user, name=args.name, days=args.days)
    expires = issued.token.expires_at.date().isoformat()
    print(f"token {issued.token.pk} for {user.username}, valid until {expires}:")
    print(issued.secret)
    print("it is shown only once: keep it now (revoke with 'autarcie token revoke ID')")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    _setup(args)
    from autarcie.core.models import ApiToken
    from autarcie.core.tokens import revoke_token

    token = ApiToken.objects.filter(pk=args.token_id).first()
    if token is None:
        raise ConfigurationError(f"no token number {args.token_id}")
    revoke_token(actor="system:cli", token=token)
    print(f"token {token.pk} revoked")
    return 0
