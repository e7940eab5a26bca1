"""The sealed stream: what goes in comes out, and any change, cut or wrong key is refused."""

from __future__ import annotations

import io
import os

import pytest

from autarcie.resilience import sealed
from autarcie.resilience.sealed import BackupDamaged, SealingWriter, UnsealingReader, WrongBackupKey

KEY = bytes(range(32))


def seal(plain: bytes, key: bytes = KEY) -> bytes:
    sink = io.BytesIO()
    writer = SealingWriter(sink, key)
    for start in range(0, len(plain), 70_000):
        writer.write(plain[start : start + 70_000])
    writer.close()
    return sink.getvalue()


def unseal(blob: bytes, key: bytes = KEY) -> bytes:
    reader = UnsealingReader(io.BytesIO(blob), key)
    out = reader.read()
    reader.drain()
    return out


PLAIN = os.urandom(sealed.CHUNK * 2 + 12_345)


def test_sealed_stream_round_trips_across_chunks() -> None:
    blob = seal(PLAIN)
    assert unseal(blob) == PLAIN
    assert PLAIN[:64] not in blob


def test_small_reads_return_the_same_bytes() -> None:
    reader = UnsealingReader(io.BytesIO(seal(PLAIN)), KEY)
    parts = []
    while block := reader.read(10_240):
        parts.append(block)
    assert b"".join(parts) == PLAIN


def test_empty_stream_round_trips() -> None:
    assert unseal(seal(b"")) == b""


def test_wrong_key_is_named_as_such() -> None:
    with pytest.raises(WrongBackupKey, match="wrong backup key"):
        unseal(seal(b"hello"), key=bytes(32))


@pytest.mark.parametrize("offset", [0, 20, 30, sealed.HEADER_SIZE + 2, -1, -200])
def test_any_changed_byte_is_detected(offset: int) -> None:
    blob = bytearray(seal(PLAIN))
    blob[offset] ^= 0x01
    with pytest.raises(sealed.BackupError):
        unseal(bytes(blob))


def test_truncation_at_a_chunk_boundary_is_detected() -> None:
    blob = seal(PLAIN)
    record = 5 + sealed.CHUNK + sealed.TAG
    with pytest.raises(BackupDamaged, match="truncated"):
        unseal(blob[: sealed.HEADER_SIZE + record])


def test_reordered_chunks_are_detected() -> None:
    blob = seal(PLAIN)
    head, record = sealed.HEADER_SIZE, 5 + sealed.CHUNK + sealed.TAG
    first, second = blob[head : head + record], blob[head + record : head + 2 * record]
    swapped = blob[:head] + second + first + blob[head + 2 * record :]
    with pytest.raises(BackupDamaged, match="altered"):
        unseal(swapped)


def test_trailing_bytes_after_the_final_chunk_are_detected() -> None:
    with pytest.raises(BackupDamaged, match="after its final chunk"):
        unseal(seal(b"hello") + b"x")


def test_a_file_that_is_not_a_backup_says_so() -> None:
    with pytest.raises(BackupDamaged, match="not an Autarcie backup"):
        unseal(b"SQLite format 3\x00" + bytes(100))
