"""The mirror's freeze state."""

from __future__ import annotations

from autarcie.mirror.models import MirrorState


def current() -> MirrorState:
    state = MirrorState.objects.filter(pk=1).first()
    return state if state is not None else MirrorState(pk=1, frozen=False)


def is_frozen() -> bool:
    return MirrorState.objects.filter(pk=1, frozen=True).exists()
