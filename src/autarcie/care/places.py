"""The rooms and beds a unit is known to have, and the check of a room and bed typed in a form.

The unit's list is the mirror's FHIR Locations (rooms and beds ``partOf`` the unit), with the
rooms and beds its stays were seen in. A unit the mirror has no Location for is not checked:
an HL7-only feed names rooms only as patients occupy them, and refusing a real room at night
would do more harm than the slip it catches (see docs/care.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autarcie.care.fields import CareInputError
from autarcie.mirror.models import Reference, Stay

_PREFIX = re.compile(r"^(?:chambre|ch\.?|box|salle|lit)\s*", re.IGNORECASE)
SHOWN = 12  # known rooms named in a refusal


def place_key(text: str) -> str:
    """ "Chambre 012", "ch 12" and "12" are one room; "Lit 12-1" is bed "1" of room 12."""
    key = _PREFIX.sub("", text.strip()).replace(" ", "").casefold()
    return key.lstrip("0") or key


def _bed_key(room: str, bed: str) -> str:
    key = place_key(bed)
    room_key = place_key(room)
    if room_key and key.startswith(f"{room_key}-"):
        key = key[len(room_key) + 1 :]
    return key.lstrip("0") or key


@dataclass
class UnitPlaces:
    """Room key -> bed keys, with the rooms' spelling for messages."""

    registered: bool = False  # the mirror has Locations for this unit
    beds: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, room: str, bed: str) -> None:
        if not room.strip():
            return
        key = place_key(room)
        self.labels.setdefault(key, _PREFIX.sub("", room.strip()))
        beds = self.beds.setdefault(key, set())
        if bed.strip():
            beds.add(_bed_key(room, bed))


def known_places(unit_code: str) -> UnitPlaces:
    places = UnitPlaces()
    locations = Reference.objects.filter(rtype="Location", data__unit=unit_code)
    for data in locations.values_list("data", flat=True):
        places.registered = True
        places.add(str(data.get("room", "")), str(data.get("bed", "")))
    if places.registered:
        stays = Stay.objects.filter(unit_code=unit_code).values_list("room", "bed").distinct()
        for room, bed in stays:
            places.add(room, bed)
    return places


def check_place(unit_code: str, room: str, bed: str) -> None:
    """Refuse a room, or a bed of a room, the unit is not known to have."""
    places = known_places(unit_code)
    if not places.registered or not places.beds:
        return
    if not room.strip():
        if bed.strip():
            raise CareInputError({"room": "Chambre : obligatoire quand un lit est indiqué."})
        return
    key = place_key(room)
    if key not in places.beds:
        names = sorted(places.labels.values(), key=lambda r: (len(r), r))
        listed = ", ".join(names[:SHOWN]) + (" …" if len(names) > SHOWN else "")
        raise CareInputError(
            {
                "room": f"Chambre « {room.strip()} » inconnue dans l'unité {unit_code} "
                f"(chambres connues : {listed}) ; corrigez le numéro de chambre."
            }
        )
    beds = places.beds[key]
    if bed.strip() and beds and _bed_key(room, bed) not in beds:
        listed = ", ".join(sorted(beds, key=lambda b: (len(b), b)))
        raise CareInputError(
            {
                "bed": f"Lit « {bed.strip()} » inconnu dans la chambre {room.strip()} "
                f"(lits connus : {listed}) ; corrigez le numéro de lit."
            }
        )
