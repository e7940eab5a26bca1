"""Key commands: keys rotate [--backup-key], keys escrow [--backup-key], keys recover."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autarcie.core.errors import ConfigurationError

AddDataDir = Callable[[argparse.ArgumentParser], None]
ACTOR = "system:cli"


def register(sub: Any, add_data_dir: AddDataDir) -> None:
    keys = sub.add_parser("keys", help="rotate, escrow and recover the instance's keys")
    ksub = keys.add_subparsers(dest="verb", metavar="VERB", required=True)
    rotate = ksub.add_parser("rotate", help="re-key the database (stop serve first)")
    add_data_dir(rotate)
    rotate.add_argument(
        "--backup-key", action="store_true", help="also replace the backup key (old one retired)"
    )
    rotate.set_defaults(handler=cmd_keys_rotate)
    escrow = ksub.add_parser("escrow", help="print the key as 3 paper shares, any 2 restore it")
    add_data_dir(escrow)
    escrow.add_argument("--backup-key", action="store_true", help="the backup key instead")
    escrow.set_defaults(handler=cmd_keys_escrow)
    recover = ksub.add_parser("recover", help="rebuild a key file from two paper shares")
    add_data_dir(recover)  # unused: recovery needs no instance, only the shares
    recover.add_argument("shares", nargs=2, metavar="SHARE", help="a share as printed (quoted)")
    recover.add_argument("--out", type=Path, required=True, help="the key file to write")
    recover.set_defaults(handler=cmd_keys_recover)


def _setup(args: argparse.Namespace) -> None:
    from autarcie.cli import setup_django

    setup_django(args.data_dir)


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    _setup(args)
    import datetime as dt

    from django.conf import settings
    from django.db import connections

    from autarcie.core import clock, keys
    from autarcie.resilience import actions, keyfiles
    from autarcie.resilience.backup import database_path
    from autarcie.resilience.shamir import fingerprint

    if settings.DB_ENGINE != "sqlite" and not args.backup_key:
        raise ConfigurationError(
            "PostgreSQL's data is protected by its volume's encryption: rotate that with "
            "the volume's own tools (use --backup-key for the backup key)"
        )
    with keyfiles.rotation_lock(settings.DATA_DIR):
        if settings.DB_ENGINE == "sqlite":
            key_file = settings.DB_KEY_FILE
            if key_file is None:
                raise ConfigurationError("set AUTARCIE_DB_KEY_FILE to the key file")
            connections.close_all()
            keyfiles.rotate_database_key(database_path(), key_file)
            new_id = fingerprint(bytes.fromhex(keys.read_key_file(key_file)))
            actions.record_key_rotated(actor=ACTOR, kind="database", key_id=new_id)
            print(f"database re-keyed; new key {new_id} in {key_file}; the old key opens nothing")
            print("print new escrow shares: autarcie keys escrow (the old shares are void)")
        if args.backup_key:
            path = settings.BACKUP_KEY_FILE
            if path is None:
                raise ConfigurationError("set AUTARCIE_BACKUP_KEY_FILE to the backup key file")
            retired = keyfiles.rotate_backup_key(path, clock.now().astimezone(dt.UTC).date())
            new_id = fingerprint(keyfiles.read_backup_key(path))
            actions.record_key_rotated(actor=ACTOR, kind="backup", key_id=new_id)
            print(f"backup key replaced ({new_id}); the old key is kept as {retired}:")
            print("  backups made before now open only with it; keep it as long as they exist")
    return 0


def _sheet(kind_name: str, shares: list[Any], hospital: str, printed: str) -> list[str]:
    lines = [
        f"Autarcie — séquestre de la clé {kind_name} — {hospital}",
        f"Imprimé le {printed}. Deux parts sur trois suffisent à reconstituer la clé ;",
        "une part seule ne révèle rien. Conserver chaque part dans un coffre différent.",
        "",
    ]
    for share in shares:
        text = share.text()
        head, _, rest = text.partition(" ")
        groups, _, check = rest.rpartition(" ")
        words = groups.split()
        lines.append(f"Part {share.number} sur {share.count} :")
        lines.append(f"  {head}")
        lines += [f"  {' '.join(words[i : i + 8])}" for i in range(0, len(words), 8)]
        lines += [f"  {check}", ""]
    lines.append('Reconstituer : autarcie keys recover "<part>" "<part>" --out FICHIER')
    return lines


def cmd_keys_escrow(args: argparse.Namespace) -> int:
    _setup(args)
    from django.conf import settings

    from autarcie.core import clock, keys
    from autarcie.resilience import actions
    from autarcie.resilience.keyfiles import read_backup_key
    from autarcie.resilience.shamir import paper_shares

    if args.backup_key:
        kind, name, key = "B", "des sauvegardes", read_backup_key(settings.BACKUP_KEY_FILE)
    else:
        if settings.DB_ENGINE != "sqlite":
            raise ConfigurationError("PostgreSQL has no database key file: use --backup-key")
        kind, name = "D", "de la base"
        key = bytes.fromhex(keys.read_key_file(settings.DB_KEY_FILE))
    shares = paper_shares(key, kind=kind)
    printed = clock.now().strftime("%d/%m/%Y %H:%M UTC")
    print("\n".join(_sheet(name, shares, settings.HOSPITAL_NAME, printed)))
    actions.record_key_escrowed(
        actor=ACTOR,
        kind="backup" if args.backup_key else "database",
        key_id=shares[0].key_id,
        shares=len(shares),
    )
    return 0


def cmd_keys_recover(args: argparse.Namespace) -> int:
    from autarcie.resilience.keyfiles import write_new_key
    from autarcie.resilience.shamir import parse_share, recover

    kind, key = recover([parse_share(text) for text in args.shares])
    write_new_key(args.out, key.hex())
    what = "database" if kind == "D" else "backup"
    print(f"{what} key rebuilt into {args.out} (mode 0600)")
    return 0
