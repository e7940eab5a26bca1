"""The sealed stream: AES-256-GCM in authenticated chunks, so no byte can change unnoticed.

Layout: a 41-byte header (magic, format, key id, salt), then records of ``flag (1) | length
(4) | ciphertext+tag``. Each file gets its own key, derived from the backup key and the random
salt (HKDF-SHA256), so the chunk counter can serve as the nonce without ever repeating under
one key. The associated data of every chunk is the header, the chunk index and the final flag:
a changed header, a reordered, dropped or duplicated chunk, a truncated file and trailing bytes
are all detected. The key id (a hash of the backup key) tells a wrong key from a damaged file.
"""

from __future__ import annotations

import hashlib
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from autarcie.core.errors import AutarcieError

MAGIC = b"AUTARCIE-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20
TAG = 16
_HEADER = struct.Struct(">16sB8s16s")
_RECORD = struct.Struct(">BI")
HEADER_SIZE = _HEADER.size


class BackupError(AutarcieError):
    """A backup cannot be written, read or restored."""


class WrongBackupKey(BackupError):
    """The archive was sealed under another backup key."""


class BackupDamaged(BackupError):
    """The archive was truncated, reordered or modified."""


def key_id(key: bytes) -> bytes:
    """Eight bytes naming a key without revealing it; its first 8 hex digits are the key's
    printed fingerprint (``keys rotate``, ``keys escrow``, the journal)."""
    return hashlib.sha256(b"autarcie key fingerprint\n" + key).digest()[:8]


def _file_cipher(key: bytes, salt: bytes) -> AESGCM:
    if len(key) != 32:
        raise BackupError("the backup key must be 256 bits (64 hex digits)")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"autarcie backup v1")
    return AESGCM(hkdf.derive(key))


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if final else 0)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


class SealingWriter:
    """A write-only file object: plaintext in, sealed chunks out to ``sink``."""

    def __init__(self, sink: BinaryIO, key: bytes) -> None:
        salt = os.urandom(16)
        self._header = _HEADER.pack(MAGIC, FORMAT, key_id(key), salt)
        self._cipher = _file_cipher(key, salt)
        self._sink = sink
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        self.plain_bytes = 0
        sink.write(self._header)

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed sealed stream")
        self._buffer += data
        self.plain_bytes += len(data)
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, final: bool) -> None:
        sealed = self._cipher.encrypt(
            _nonce(self._index), plain, _aad(self._header, self._index, final)
        )
        self._sink.write(_RECORD.pack(1 if final else 0, len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        """Seal what is left as the final chunk; without it a reader reports truncation."""
        if not self._closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True

    def flush(self) -> None:
        """Nothing to do: only whole chunks ever reach the sink."""


def read_header(source: BinaryIO, key: bytes) -> bytes:
    header = source.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        raise BackupDamaged("this file is not an Autarcie backup (or its header is damaged)")
    _magic, version, kid, _salt = _HEADER.unpack(header)
    if version != FORMAT:
        raise BackupError(f"backup format {version} is not supported by this version")
    if kid != key_id(key):
        raise WrongBackupKey(
            f"wrong backup key: this backup was sealed under key {kid.hex()[:8]}, "
            f"the key given is {key_id(key).hex()[:8]} (a retired key may open it)"
        )
    return header


class UnsealingReader:
    """A read-only file object over a sealed stream; raises BackupDamaged on any alteration."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        self._header = read_header(source, key)
        self._cipher = _file_cipher(key, _HEADER.unpack(self._header)[3])
        self._source = source
        self._buffer = b""
        self._pos = 0
        self._index = 0
        self._done = False
        self.sealed_bytes = HEADER_SIZE

    def _next_chunk(self) -> None:
        record = self._source.read(_RECORD.size)
        if len(record) < _RECORD.size:
            raise BackupDamaged(f"the backup is truncated (chunk {self._index} is missing)")
        flag, length = _RECORD.unpack(record)
        if flag not in (0, 1) or not TAG <= length <= CHUNK + TAG:
            raise BackupDamaged(f"the backup is damaged at chunk {self._index}")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise BackupDamaged(f"the backup is truncated inside chunk {self._index}")
        final = flag == 1
        try:
            plain = self._cipher.decrypt(
                _nonce(self._index), sealed, _aad(self._header, self._index, final)
            )
        except InvalidTag as exc:
            raise BackupDamaged(
                f"the backup has been altered or damaged at chunk {self._index}"
            ) from exc
        self.sealed_bytes += _RECORD.size + length
        self._index += 1
        if final:
            if self._source.read(1):
                raise BackupDamaged("the backup has unexpected bytes after its final chunk")
            self._done = True
        self._buffer, self._pos = plain, 0

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size
        while wanted != 0:
            if self._pos >= len(self._buffer):
                if self._done:
                    break
                self._buffer, self._pos = b"", 0
                self._next_chunk()
                continue
            end = len(self._buffer) if wanted < 0 else min(len(self._buffer), self._pos + wanted)
            parts.append(self._buffer[self._pos : end])
            if wanted > 0:
                wanted -= end - self._pos
            self._pos = end
        return b"".join(parts)

    def drain(self) -> None:
        """Read to the end, so the final chunk and trailing bytes are checked."""
        while not self._done:
            self._next_chunk()
        self._buffer, self._pos = b"", 0
