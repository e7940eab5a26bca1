"""Property: whatever an NDJSON line holds, it is either mapped or refused with a reason.

Mutations of the fixture lines (byte flips, truncations, bad UTF-8, deleted, duplicated and
renamed keys, values of the wrong type, huge strings, NaN, NUL and unpaired surrogates, deep
nesting) go through the pure layer — ``parse_line`` then ``map_resource`` — in four tests of
2,500 examples each: 10,000 lines in all. A smaller deterministic set goes through the real
import into the database, where every line must end applied or quarantined with a reason.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autarcie.mirror.fhir_files import TYPE_ORDER
from autarcie.mirror.fhir_import import import_paths
from autarcie.mirror.fhir_map import (
    AliasOp,
    MappingError,
    Options,
    StoreOnly,
    Unresolved,
    map_resource,
    parse_line,
)
from autarcie.mirror.models import Inbound, InboundState
from autarcie.mirror.store import as_dict, to_json
from tests.mirror_fhir.conftest import FR_CORE, SAMPLE


def _seed_lines() -> list[bytes]:
    lines: list[bytes] = []
    for path in sorted(FR_CORE.iterdir()):
        lines += [x for x in path.read_bytes().splitlines() if x.strip()]
    for path in sorted(SAMPLE.glob("*.ndjson.gz")):
        if not path.name.startswith("log"):  # a few of each type, the shorter ones (speed)
            found = gzip.decompress(path.read_bytes()).splitlines()
            lines += [x for x in found if len(x) < 4000][:3]

    def rank(line: bytes) -> int:
        rtype = json.loads(line)["resourceType"]
        return TYPE_ORDER.index(rtype) if rtype in TYPE_ORDER else len(TYPE_ORDER)

    return sorted(lines, key=rank)


SEEDS = _seed_lines()


def _aliases() -> dict[str, str]:
    """What the seeds, mapped in import order, let references resolve to."""
    known: dict[str, str] = {}
    for line in SEEDS:
        mapped = map_resource(json.loads(line), known.get, Options())
        if isinstance(mapped, list):
            known.update((op.ref, op.value) for op in mapped if isinstance(op, AliasOp))
    return known


ALIASES = _aliases()

# -- mutations, driven by a Random so that Hypothesis and a plain loop share them ------------

_DELIMITERS = b'{}[]":,\\ 0123456789eE.-+tfnul'
_BAD_UTF8 = (b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\xc0\xaf")
_WRONG: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**30,
    10**400,
    "",
    "x",
    "\u0000",
    "\ud800",
    "a\tb",
    "A" * 200_000,
    "2026-13-45T99:99:99Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-14:00",
    "Patient/",
    "Patient?identifier=|",
    "Encounter/enc-1",
    [],
    {},
    [1, "a", None],
    {"reference": 7},
    {"coding": "LOINC"},
    float("nan"),
    float("inf"),
]


def _wrong(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(_WRONG))  # a fresh copy: mutations edit it in place


def byte_mutation(seed: bytes, rng: random.Random) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        action = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if action == 0 and data:
            data[min(at, len(data) - 1)] = rng.choice(_DELIMITERS)
        elif action == 1 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif action == 2:
            del data[at:]
        elif action == 3:
            data[at:at] = rng.choice(_BAD_UTF8)
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


def _nodes(value: Any) -> list[dict[str, Any] | list[Any]]:
    found: list[dict[str, Any] | list[Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            found.append(node)
            stack += node.values() if isinstance(node, dict) else node
    return found


def _dump(resource: Any, rng: random.Random) -> bytes:
    return json.dumps(resource, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


def key_mutation(seed: bytes, rng: random.Random) -> bytes:
    """Delete, rename or duplicate keys (a duplicate is written into the text itself)."""
    resource = json.loads(seed)
    duplicates: list[str] = []
    for _ in range(rng.randint(1, 4)):
        objects = [n for n in _nodes(resource) if isinstance(n, dict) and n]
        if not objects:
            break
        node = rng.choice(objects)
        key = rng.choice(list(node))
        action = rng.randrange(3)
        if action == 0:
            del node[key]
        elif action == 1:
            node[key + rng.choice(["_", "X", ""])] = node.pop(key)
        else:
            duplicates.append(json.dumps({key: _wrong(rng)})[1:-1])
    text = _dump(resource, rng)
    for extra in duplicates:
        at = text.find(b"{", rng.randrange(len(text)))
        at = text.find(b"{") if at < 0 else at
        text = text[: at + 1] + extra.encode("utf-8", "surrogatepass") + b"," + text[at + 1 :]
    return text


def type_mutation(seed: bytes, rng: random.Random) -> bytes:
    """Values of the wrong type or shape, huge strings, NaN, NUL, surrogates, deep nesting."""
    resource = json.loads(seed)
    for _ in range(rng.randint(1, 4)):
        node = rng.choice(_nodes(resource))
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
            if key != "resourceType" or rng.random() < 0.1:
                node[key] = _wrong(rng)
        elif isinstance(node, list) and node:
            node[rng.randrange(len(node))] = _wrong(rng)
    if rng.random() < 0.05:  # nesting, written as text: too deep for json.dumps itself
        resource["extension"] = "DEEP"
        levels = rng.choice([50, 101, 3000])
        deep = b"[" * levels + b'"bottom"' + b"]" * levels
        return _dump(resource, rng).replace(b'"DEEP"', deep)
    return _dump(resource, rng)


def random_resource(seed: bytes, rng: random.Random) -> bytes:
    """A valid resourceType and id with random fields named like FHIR's."""
    rtype = json.loads(seed)["resourceType"]
    names = ["subject", "patient", "code", "status", "identifier", "period", "partOf",
             "valueQuantity", "effectiveDateTime", "name", "extension", "component",
             "location", "content", "presentedForm", "dosageInstruction", "class"]  # fmt: skip
    resource: dict[str, Any] = {"resourceType": rtype, "id": f"r{rng.randrange(99)}"}
    for name in rng.sample(names, rng.randint(1, 8)):
        resource[name] = _wrong(rng) if rng.random() < 0.8 else [{"reference": "Patient/pat-qual"}]
    return _dump(resource, rng)


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    byte_mutation,
    key_mutation,
    type_mutation,
    random_resource,
]


def _mutated(mutation: Callable[[bytes, random.Random], bytes]) -> st.SearchStrategy[bytes]:
    # One integer seeds the Random: every example is reproducible from its draw.
    return st.builds(mutation, st.sampled_from(SEEDS), st.integers(0, 2**32 - 1).map(random.Random))


def mapped_or_refused(raw: bytes) -> str:
    """Map one line as the importer does; the outcome, or AssertionError on a crash."""
    resource, reason = parse_line(raw)
    if resource is None:
        assert reason
        return f"refused: {reason}"
    try:
        mapped = map_resource(resource, ALIASES.get, Options())
    except MappingError as exc:
        assert str(exc)
        return f"refused: {exc}"
    if isinstance(mapped, Unresolved):
        assert mapped.reason
        return f"waiting: {mapped.reason}"
    if isinstance(mapped, StoreOnly):
        to_json(resource).encode("utf-8")
        return "stored"
    for op in mapped:
        record = getattr(op, "record", None) or getattr(op, "movement", None)
        if record is not None:
            to_json(as_dict(record)).encode("utf-8")  # what the store writes must encode
    return "projected"


FUZZ = settings(
    max_examples=2500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(_mutated(byte_mutation))
def test_byte_flips_and_cuts_are_mapped_or_refused_with_a_reason(raw: bytes) -> None:
    mapped_or_refused(raw)


@FUZZ
@given(_mutated(key_mutation))
def test_deleted_renamed_and_duplicated_keys_are_mapped_or_refused(raw: bytes) -> None:
    mapped_or_refused(raw)


@FUZZ
@given(_mutated(type_mutation))
def test_values_of_the_wrong_type_are_mapped_or_refused(raw: bytes) -> None:
    mapped_or_refused(raw)


@FUZZ
@given(_mutated(random_resource))
def test_random_fields_under_a_real_resource_type_are_mapped_or_refused(raw: bytes) -> None:
    mapped_or_refused(raw)


def test_known_hostile_lines_are_refused_with_their_reason() -> None:
    assert parse_line(b'{"resourceType":"Patient","id":"a\\u0000"}')[1].startswith("a string")
    assert "surrogate" in parse_line(b'{"resourceType":"Patient","id":"\\ud800"}')[1]
    assert parse_line(b'{"resourceType":"Patient","id":"\xff"}')[1] == "not valid UTF-8"
    assert parse_line(b'{"resourceType":"Patient","x":NaN}')[1] == "not valid JSON"
    assert parse_line(b'{"resourceType":"Patient","x":1e400}')[1] == "not valid JSON"
    deep = b'{"resourceType":"Patient","x":' + b"[" * 150 + b"]" * 150 + b"}"
    assert "nested deeper" in parse_line(deep)[1]
    emoji = b'{"resourceType":"Patient","id":"\\ud83d\\ude00"}'
    assert parse_line(emoji) == ({"resourceType": "Patient", "id": "\U0001f600"}, "")


def _line(resource: dict[str, Any]) -> bytes:
    return json.dumps(resource).encode()


def test_values_the_fuzzer_found_hard_are_mapped_or_refused() -> None:
    observation = json.loads(next(x for x in SEEDS if b'"obs-1"' in x))
    observation["valueQuantity"]["value"] = 10**400  # an integer beyond a double
    assert mapped_or_refused(_line(observation)) == "projected"
    observation["effectiveDateTime"] = "0001-01-01T00:00:00+01:00"  # before year 1 in UTC
    assert mapped_or_refused(_line(observation)) == "refused: invalid dateTime"
    venue = json.loads(next(x for x in SEEDS if b'"enc-1"' in x))
    assert mapped_or_refused(_line({**venue, "id": "enc\t1"})).startswith("refused: an Enc")
    assert "longer than" in mapped_or_refused(_line({**venue, "id": "e" * 201}))


@pytest.mark.django_db
def test_mutated_lines_through_the_database_are_applied_or_quarantined(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    lines = [SEEDS[i] for i in range(len(SEEDS))]  # the seeds themselves, so much applies
    for n in range(600):
        mutation = MUTATIONS[n % len(MUTATIONS)]
        lines.append(mutation(rng.choice(SEEDS), rng).replace(b"\n", b" ").replace(b"\r", b" "))
    path = tmp_path / "Fuzz.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = import_paths([path], batch_lines=250)
    rows = list(Inbound.objects.values_list("state", "reason", "error_location"))
    blank = sum(1 for line in lines if not line.strip())
    assert len(rows) == len(lines) - blank == summary.total("read")
    states = {state for state, _, _ in rows}
    assert states <= {InboundState.APPLIED, InboundState.QUARANTINED}
    assert InboundState.APPLIED in states and InboundState.QUARANTINED in states
    for state, reason, where in rows:
        if state == InboundState.QUARANTINED:
            assert reason and where.startswith("line ")
        assert not reason.startswith("internal error"), reason
