"""The temporary-identifier pool: ``T`` + site code + sequence + check letter.

Identifiers are handed out in blocks, in advance, to units, printed kits, workstations and
satellites; a block is allocated once under a lock, so no two holders can ever issue the same
identifier, even offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from autarcie.core import clock
from autarcie.core.errors import AutarcieError
from autarcie.core.journal import Action, Actor, record
from autarcie.core.models import TempIdBlock, TempIdSequence

CHECK_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"  # 23 letters: mod 23 catches one wrong digit or swap
SEQUENCE_DIGITS = 7
MAX_BLOCK = 10_000
HOLDER_TYPES = ("unit", "kit", "workstation", "satellite")
# On a satellite, the ranges the main instance delegated to it are kept as blocks of this type.
DELEGATED = "satellite"
_PATTERN = re.compile(r"^T(\d{2})(\d{7})([A-Z])$")


def check_letter(site: str, sequence: int) -> str:
    return CHECK_LETTERS[int(f"{site}{sequence:0{SEQUENCE_DIGITS}d}") % 23]


def format_tempid(site: str, sequence: int) -> str:
    if not (site.isdigit() and len(site) == 2):
        raise AutarcieError(f"the site code must be two digits, not {site!r}")
    return f"T{site}{sequence:0{SEQUENCE_DIGITS}d}{check_letter(site, sequence)}"


def is_valid(value: str) -> bool:
    """True for a well-formed identifier whose check letter matches."""
    match = _PATTERN.match(value.strip().upper())
    if match is None:
        return False
    site, sequence, letter = match.groups()
    return check_letter(site, int(sequence)) == letter


@dataclass(frozen=True)
class Block:
    pk: int
    site: str
    first: int
    last: int
    holder_type: str
    holder_id: str

    def identifiers(self) -> list[str]:
        return [format_tempid(self.site, n) for n in range(self.first, self.last + 1)]


def allocate_block(*, actor: Actor, holder_type: str, holder_id: str, size: int) -> Block:
    """Reserve ``size`` consecutive identifiers for one holder, journaled."""
    if holder_type not in HOLDER_TYPES:
        raise AutarcieError(f"unknown holder type {holder_type!r}")
    if not 1 <= size <= MAX_BLOCK:
        raise AutarcieError(f"a block holds 1 to {MAX_BLOCK} identifiers")
    site = settings.SITE_CODE
    with transaction.atomic():
        sequence, _ = TempIdSequence.objects.select_for_update().get_or_create(
            site=site, defaults={"next_value": 1}
        )
        first = sequence.next_value
        last = first + size - 1
        if sequence.ceiling is not None and last > sequence.ceiling:
            first, last = _next_delegated_range(sequence, size)
        if last >= 10**SEQUENCE_DIGITS:
            raise AutarcieError("the temporary-identifier pool of this site is exhausted")
        sequence.next_value = last + 1
        sequence.save(update_fields=["next_value", "ceiling"])
        block = TempIdBlock.objects.create(
            site=site,
            first=first,
            last=last,
            holder_type=holder_type,
            holder_id=holder_id,
            allocated_at=clock.now(),
        )
        record(
            Action.TEMPIDS_ALLOCATED,
            actor=actor,
            target_type="tempid_block",
            target_id=block.pk,
            details={
                "holder": f"{holder_type}:{holder_id}",
                "first": format_tempid(site, first),
                "last": format_tempid(site, last),
                "size": size,
            },
        )
    return Block(block.pk, site, first, last, holder_type, holder_id)


def _next_delegated_range(sequence: TempIdSequence, size: int) -> tuple[int, int]:
    """Move to the next range delegated to this instance; what is left of the current one is
    too small for ``size`` and is never issued (another instance may issue nothing of it)."""
    following = TempIdBlock.objects.filter(
        site=sequence.site, holder_type=DELEGATED, first__gt=sequence.ceiling
    ).order_by("first")
    for delegated in following:
        if delegated.last - delegated.first + 1 >= size:
            sequence.ceiling = delegated.last
            return delegated.first, delegated.first + size - 1
    raise AutarcieError(
        "no delegated temporary identifiers left on this instance: synchronise with the main "
        "instance to receive a new range, or use the identifiers printed on the paper forms"
    )


def delegated_left(site: str) -> int | None:
    """Identifiers this instance may still issue from delegated ranges (None: not delegated)."""
    sequence = TempIdSequence.objects.filter(site=site).first()
    if sequence is None or sequence.ceiling is None:
        return None
    left = max(0, sequence.ceiling - sequence.next_value + 1)
    for delegated in TempIdBlock.objects.filter(
        site=site, holder_type=DELEGATED, first__gt=sequence.ceiling
    ):
        left += delegated.last - delegated.first + 1
    return left


def receive_delegated_range(
    *, actor: Actor, site: str, first: int, last: int, holder_id: str
) -> bool:
    """Keep a range another instance delegated to this one; True when it is new. The first
    range received becomes the one in use; later ones wait until it is used up."""
    if site != settings.SITE_CODE:
        raise AutarcieError(f"a range of site {site} cannot be used on site {settings.SITE_CODE}")
    if not 1 <= first <= last < 10**SEQUENCE_DIGITS or last - first + 1 > MAX_BLOCK:
        raise AutarcieError("the delegated range is not a valid block of identifiers")
    with transaction.atomic():
        sequence, _ = TempIdSequence.objects.select_for_update().get_or_create(
            site=site, defaults={"next_value": first, "ceiling": last}
        )
        if TempIdBlock.objects.filter(
            site=site, holder_type=DELEGATED, first=first, last=last
        ).exists():
            return False
        TempIdBlock.objects.create(
            site=site,
            first=first,
            last=last,
            holder_type=DELEGATED,
            holder_id=holder_id,
            allocated_at=clock.now(),
        )
        if sequence.ceiling is None:
            sequence.next_value, sequence.ceiling = first, last
            sequence.save(update_fields=["next_value", "ceiling"])
        record(
            Action.TEMPIDS_RECEIVED,
            actor=actor,
            target_type="tempid_block",
            target_id=f"{site}:{first}-{last}",
            details={
                "from": holder_id,
                "first": format_tempid(site, first),
                "last": format_tempid(site, last),
            },
        )
    return True


def block_of(value: str) -> TempIdBlock | None:
    """The block an identifier was handed out in, if any."""
    match = _PATTERN.match(value.strip().upper())
    if match is None or not is_valid(value):
        return None
    site, sequence = match.group(1), int(match.group(2))
    return TempIdBlock.objects.filter(site=site, first__lte=sequence, last__gte=sequence).first()
