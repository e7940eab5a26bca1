"""The bytes an entry's hash covers, made around its sequence number, are exactly the entry's
fields as sorted, compact JSON (PostgreSQL fills the number in between them)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from autarcie.core.journal import _canonical
from autarcie.core.models import JournalEntry

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(min_value=1, max_value=10**15),
    at=st.datetimes(timezones=st.just(dt.UTC)),
    actor=st.text(),
    action=st.text(),
    target_type=st.text(),
    target_id=st.text(),
    details=st.dictionaries(st.text(), _json, max_size=4),
)
def test_canonical_bytes_are_the_sorted_compact_json_of_the_fields(
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any],
) -> None:
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details,
    }
    expected = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entry = JournalEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    assert _canonical(entry) == expected.encode()
