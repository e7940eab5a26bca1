"""'Données arrêtées au …': when the mirror last received something it applied."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from autarcie.mirror.models import Inbound, InboundState, MirrorState


def data_as_of() -> dt.datetime | None:
    """Receipt time of the newest applied input; the freeze instant caps it."""
    newest: dt.datetime | None = Inbound.objects.filter(state=InboundState.APPLIED).aggregate(
        newest=Max("received_at")
    )["newest"]
    state = MirrorState.objects.filter(pk=1, frozen=True).first()
    if state is not None and state.frozen_at is not None and newest is not None:
        return min(newest, state.frozen_at)
    return newest
