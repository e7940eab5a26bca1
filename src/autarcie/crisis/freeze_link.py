"""The crisis cell's one door into the mirror: freezing it when a real crisis is declared."""

from __future__ import annotations

from autarcie.core.journal import Actor


def freeze_mirror(*, actor: Actor, reason: str) -> None:
    """Freeze the mirror in the caller's transaction (never called for an exercise)."""
    from autarcie.mirror import actions as mirror_actions

    mirror_actions.freeze(actor=actor, reason=reason)
