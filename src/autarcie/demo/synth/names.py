"""Seeded pools of French names, streets and communes, drawn once from Faker `fr_FR`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker


@dataclass(frozen=True, slots=True)
class Commune:
    """A real French commune: name, a postcode and its INSEE code (public, official)."""

    name: str
    postcode: str
    insee: str


# Real INSEE commune codes (COG), so birthplaces are plausible; Corsica uses 2A/2B.
COMMUNES: tuple[Commune, ...] = tuple(
    Commune(name, postcode, insee)
    for name, postcode, insee in (
        ("PARIS", "75011", "75056"),
        ("MARSEILLE", "13005", "13055"),
        ("LYON", "69003", "69123"),
        ("TOULOUSE", "31000", "31555"),
        ("NICE", "06000", "06088"),
        ("NANTES", "44000", "44109"),
        ("STRASBOURG", "67000", "67482"),
        ("MONTPELLIER", "34000", "34172"),
        ("BORDEAUX", "33000", "33063"),
        ("LILLE", "59000", "59350"),
        ("RENNES", "35000", "35238"),
        ("CESSON-SEVIGNE", "35510", "35051"),
        ("REIMS", "51100", "51454"),
        ("LE HAVRE", "76600", "76351"),
        ("SAINT-ETIENNE", "42000", "42218"),
        ("TOULON", "83000", "83137"),
        ("GRENOBLE", "38000", "38185"),
        ("DIJON", "21000", "21231"),
        ("ANGERS", "49000", "49007"),
        ("NIMES", "30000", "30189"),
        ("VILLEURBANNE", "69100", "69266"),
        ("CLERMONT-FERRAND", "63000", "63113"),
        ("LE MANS", "72000", "72181"),
        ("AIX-EN-PROVENCE", "13090", "13001"),
        ("BREST", "29200", "29019"),
        ("TOURS", "37000", "37261"),
        ("AMIENS", "80000", "80021"),
        ("LIMOGES", "87000", "87085"),
        ("PERPIGNAN", "66000", "66136"),
        ("METZ", "57000", "57463"),
        ("BESANCON", "25000", "25056"),
        ("ORLEANS", "45000", "45234"),
        ("ROUEN", "76000", "76540"),
        ("CAEN", "14000", "14118"),
        ("NANCY", "54000", "54395"),
        ("POITIERS", "86000", "86194"),
        ("PAU", "64000", "64445"),
        ("LA ROCHELLE", "17000", "17300"),
        ("AJACCIO", "20000", "2A004"),
        ("BASTIA", "20200", "2B033"),
    )
)

# Birth abroad: INSEE country codes (99 + country), as NIRs and PID-11 BDL carry them.
FOREIGN_BIRTHPLACES: tuple[Commune, ...] = (
    Commune("MAROC", "", "99350"),
    Commune("ALGERIE", "", "99352"),
    Commune("PORTUGAL", "", "99139"),
    Commune("ITALIE", "", "99127"),
    Commune("TUNISIE", "", "99351"),
)


@dataclass(frozen=True, slots=True)
class NamePools:
    """Name and street pools drawn once, so a million patients cost no Faker call each."""

    families: tuple[str, ...]
    given_f: tuple[str, ...]
    given_m: tuple[str, ...]
    streets: tuple[str, ...]
    communes: tuple[Commune, ...]

    @classmethod
    def build(cls, seed: int, size: int = 600) -> NamePools:
        """Pools for `seed`; Faker is seeded per instance, never globally."""
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        return cls(
            families=_unique(lambda: fake.last_name().upper(), size),
            given_f=_unique(fake.first_name_female, size // 2),
            given_m=_unique(fake.first_name_male, size // 2),
            streets=tuple(fake.street_address().replace("\n", " ") for _ in range(size * 2)),
            communes=COMMUNES,
        )


def _unique(draw: Callable[[], str], size: int) -> tuple[str, ...]:
    """Up to `size` distinct values, in the order Faker produced them."""
    seen: dict[str, None] = {}
    for _ in range(size * 4):
        seen.setdefault(str(draw()), None)
        if len(seen) >= size:
            break
    return tuple(seen)
