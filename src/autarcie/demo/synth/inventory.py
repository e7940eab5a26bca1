"""The hospital's IT inventory for the crisis cell: apps, servers, accounts, dependencies."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

COLUMNS = (
    "kind",
    "id",
    "name",
    "category",
    "priority",
    "care_processes",
    "depends_on",
    "rto_hours",
    "rpo_hours",
    "owner",
    "vendor",
    "account_type",
    "privileged",
    "remote_access",
)
# (name, category, priority, care processes): restored first, in this order, after the base.
_CORE_APPS: tuple[tuple[str, str, int, str], ...] = (
    ("Annuaire Active Directory", "infrastructure", 0, ""),
    ("DNS / DHCP", "infrastructure", 0, ""),
    ("Virtualisation (hyperviseurs)", "infrastructure", 0, ""),
    ("Stockage SAN", "infrastructure", 0, ""),
    ("Sauvegardes", "infrastructure", 0, ""),
    ("Pare-feu et VPN", "infrastructure", 0, ""),
    ("Identité patient (GAM)", "clinical", 1, "admission;identitovigilance"),
    ("Dossier patient informatisé (DPI)", "clinical", 1, "dossier patient;prescription;soins"),
    ("Système d'information de laboratoire (SIL)", "clinical", 1, "biologie"),
    ("Logiciel des urgences", "clinical", 1, "urgences"),
    ("Circuit du médicament (pharmacie)", "clinical", 1, "prescription;pharmacie"),
    ("PACS / RIS imagerie", "clinical", 1, "imagerie"),
    ("Traçabilité transfusionnelle", "clinical", 1, "transfusion"),
    ("Bloc opératoire", "clinical", 2, "bloc"),
    ("Réanimation (logiciel de soins intensifs)", "clinical", 2, "réanimation"),
    ("Messagerie sécurisée de santé", "communication", 2, "coordination"),
    ("Messagerie", "communication", 2, ""),
    ("Téléphonie", "communication", 2, "urgences;coordination"),
    ("Gestion des lits", "clinical", 2, "admission;coordination"),
    ("Facturation / PMSI", "administrative", 3, "facturation"),
    ("Ressources humaines / paie", "administrative", 3, ""),
)
_FILLER_CATEGORIES = (
    ("clinical", 2, "soins"),
    ("clinical", 3, "consultation"),
    ("administrative", 3, ""),
    ("logistics", 3, "logistique"),
    ("technical", 3, ""),
    ("research", 4, ""),
)
_VENDORS = ("Éditeur A", "Éditeur B", "Éditeur C", "Éditeur D", "Éditeur E", "Éditeur F")
_OWNERS = ("DSI", "Direction des soins", "Pharmacie", "Laboratoire", "Imagerie", "DAF", "DRH")
_RTO = {0: (2, 0.25), 1: (4, 1), 2: (24, 4), 3: (72, 24), 4: (168, 24)}


@dataclass(frozen=True, slots=True)
class Item:
    """One inventory row: an application, a server or an account."""

    kind: str  # application, server, account
    ident: str
    name: str
    category: str
    priority: int
    care_processes: str
    depends_on: tuple[str, ...]
    owner: str
    vendor: str = ""
    account_type: str = ""
    privileged: bool = False
    remote_access: bool = False

    def row(self) -> list[str]:
        rto, rpo = _RTO[self.priority]
        return [
            self.kind,
            self.ident,
            self.name,
            self.category,
            str(self.priority),
            self.care_processes,
            ";".join(self.depends_on),
            f"{rto:g}",
            f"{rpo:g}",
            self.owner,
            self.vendor,
            self.account_type,
            "1" if self.privileged else "0",
            "1" if self.remote_access else "0",
        ]


def sizes(beds: int) -> tuple[int, int]:
    """(applications, servers): about 360 and 1,200 at 869 beds, proportional to beds."""
    return max(len(_CORE_APPS), round(360 * beds / 869)), max(30, round(1200 * beds / 869))


def build_inventory(seed: int, beds: int, *, with_cycle: bool = False) -> list[Item]:
    """Servers, then applications in restoration order, then accounts; acyclic unless asked.

    Every dependency points to a row listed earlier, so the file order is a valid restore
    order. `with_cycle=True` adds one back edge, for testing a planner's cycle detection.
    """
    rng = random.Random(f"{seed}:inventory")  # noqa: S311 (synthetic data, not secrets)
    app_count, server_count = sizes(beds)
    servers = [
        Item("server", f"SRV-{i:04d}", f"srv{i:04d}", "server", 0, "", (), "DSI")
        for i in range(1, server_count + 1)
    ]
    apps = list(_applications(rng, app_count, [s.ident for s in servers]))
    items = [*servers, *apps, *_accounts(rng, apps)]
    if with_cycle:
        first = apps[0]
        items[len(servers)] = replace(first, depends_on=(*first.depends_on, apps[-1].ident))
    return items


def _applications(rng: random.Random, count: int, servers: list[str]) -> Iterator[Item]:
    """Applications with their servers shared out; each depends on earlier rows only."""
    per_app = max(1, len(servers) // count)
    cursor = 0
    earlier: list[str] = []
    for index in range(count):
        if index < len(_CORE_APPS):
            name, category, priority, processes = _CORE_APPS[index]
        else:
            category, priority, processes = rng.choice(_FILLER_CATEGORIES)
            name = f"Application {category} {index + 1:03d}"
        share = per_app if index < count - 1 else len(servers) - cursor
        hosts = servers[cursor : cursor + share]
        cursor += share
        base = earlier[:6] if index >= 6 else []  # infrastructure comes first for everyone
        others = rng.sample(earlier[6:], min(len(earlier[6:]), rng.randint(0, 2)))
        ident = f"APP-{index + 1:04d}"
        yield Item(
            "application",
            ident,
            name,
            category,
            priority,
            processes,
            (*hosts, *base, *others),
            rng.choice(_OWNERS),
            vendor=rng.choice(_VENDORS) if category != "infrastructure" else "",
        )
        earlier.append(ident)


def _accounts(rng: random.Random, apps: list[Item]) -> Iterator[Item]:
    """Privileged, service, vendor tele-maintenance and VPN accounts."""
    number = 0

    def account(name: str, kind: str, target: str, privileged: bool, remote: bool) -> Item:
        nonlocal number
        number += 1
        return Item(
            "account",
            f"ACC-{number:04d}",
            name,
            "account",
            0,
            "",
            (target,),
            "DSI",
            account_type=kind,
            privileged=privileged,
            remote_access=remote,
        )

    directory, vpn = apps[0].ident, apps[5].ident
    for i in range(1, max(4, len(apps) // 30) + 1):
        yield account(f"adm-{i:02d}", "privileged", directory, True, False)
    for app in apps[6:]:
        if rng.random() < 0.5:
            yield account(f"svc-{app.ident.lower()}", "service", app.ident, False, False)
        if app.vendor and rng.random() < 0.15:
            yield account(f"tma-{app.ident.lower()}", "vendor", app.ident, True, True)
    for i in range(1, max(5, len(apps) // 6) + 1):
        yield account(f"vpn-{i:03d}", "vpn", vpn, False, True)


def inventory_csv(items: list[Item]) -> str:
    """The inventory as CSV text (columns in docs/formats/inventory.md)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(item.row() for item in items)
    return buffer.getvalue()
