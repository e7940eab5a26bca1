"""The satellite envelope: sealed to the recipient (X25519 + AES-256-GCM), signed by the sender.

Every message between a main instance and a satellite, both ways, is one envelope::

    MAGIC (16) | kind (1) | link id (16) | ephemeral X25519 public key (32) | nonce (12)
    | AES-256-GCM ciphertext of the zlib-compressed JSON body | Ed25519 signature (64)

The AES key comes from an ephemeral X25519 exchange with the recipient's box key (HKDF-SHA256),
so only the recipient can read it; the header is the associated data, so a changed kind or link
id is detected; the Ed25519 signature over everything before it proves the sender. The signature
is checked before anything is decrypted: a tampered envelope is refused as a whole.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from autarcie.core.errors import AutarcieError

MAGIC = b"AUTARCIE-SAT-V1\n"
_HEADER = struct.Struct(">16sB16s32s12s")
SIGNATURE = 64
MAX_PLAIN = 512 * 1024 * 1024

PULL, SNAPSHOT, PUSH, PUSH_ACK = 1, 2, 3, 4
KINDS = {PULL: "pull", SNAPSHOT: "snapshot", PUSH: "push", PUSH_ACK: "push acknowledgement"}
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud, typed by hand


class SatelliteError(AutarcieError):
    """A satellite exchange failed: enrolment refused, main unreachable, revoked."""


class EnvelopeRefused(SatelliteError):
    """An envelope was altered, signed by another key, or is not meant for us."""


@dataclass(frozen=True)
class KeyPair:
    """A signing key (Ed25519) and a box key (X25519), as hex of their raw 32 bytes."""

    sign_private: str
    box_private: str

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(
            sign_private=_raw_private(Ed25519PrivateKey.generate()),
            box_private=_raw_private(X25519PrivateKey.generate()),
        )

    @property
    def sign_public(self) -> str:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(self.sign_private))
        return _raw_public(key.public_key())

    @property
    def box_public(self) -> str:
        key = X25519PrivateKey.from_private_bytes(bytes.fromhex(self.box_private))
        return _raw_public(key.public_key())


def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    ).hex()


def _raw_public(key: Ed25519PublicKey | X25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def fingerprint(public_hex: str) -> str:
    """Eight hex digits naming a public key, to compare on two screens."""
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:8]


def _aes_key(shared: bytes, header: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=header, info=b"autarcie satellite v1")
    return hkdf.derive(shared)


def encode_body(body: dict[str, Any]) -> bytes:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return zlib.compress(text.encode(), 6)


def decode_body(data: bytes) -> dict[str, Any]:
    decompressor = zlib.decompressobj()
    plain = decompressor.decompress(data, MAX_PLAIN)
    if decompressor.unconsumed_tail:
        raise EnvelopeRefused("the message is larger than any snapshot may be")
    value = json.loads(plain)
    if not isinstance(value, dict):
        raise EnvelopeRefused("the message does not hold a JSON object")
    return value


def seal(
    body: dict[str, Any], *, kind: int, link_id: str, recipient_box: str, sender_sign: str
) -> bytes:
    """Encrypt ``body`` for the holder of ``recipient_box``; sign it with ``sender_sign``."""
    ephemeral = X25519PrivateKey.generate()
    recipient = X25519PublicKey.from_public_bytes(bytes.fromhex(recipient_box))
    header = _HEADER.pack(
        MAGIC,
        kind,
        bytes.fromhex(link_id),
        bytes.fromhex(_raw_public(ephemeral.public_key())),
        os.urandom(12),
    )
    key = _aes_key(ephemeral.exchange(recipient), header)
    sealed = header + AESGCM(key).encrypt(header[-12:], encode_body(body), header)
    signer = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sender_sign))
    return sealed + signer.sign(sealed)


def link_of(envelope: bytes) -> tuple[int, str]:
    """(kind, link id) from the clear header: which keys to check the envelope with."""
    if len(envelope) < _HEADER.size + SIGNATURE or not envelope.startswith(MAGIC):
        raise EnvelopeRefused("this is not a satellite message (or its header is damaged)")
    _magic, kind, link, _eph, _nonce = _HEADER.unpack(envelope[: _HEADER.size])
    return int(kind), bytes(link).hex()


def open_envelope(
    envelope: bytes, *, kind: int, link_id: str, recipient_box: str, sender_sign: str
) -> dict[str, Any]:
    """Check the signature, the kind and the link id, then decrypt; EnvelopeRefused if not."""
    got_kind, got_link = link_of(envelope)
    sealed, signature = envelope[:-SIGNATURE], envelope[-SIGNATURE:]
    verifier = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sender_sign))
    try:
        verifier.verify(signature, sealed)
    except InvalidSignature as exc:
        raise EnvelopeRefused(
            f"the {KINDS.get(kind, 'message')} is not signed by the expected key: "
            "it was altered on the way or comes from someone else"
        ) from exc
    if got_kind != kind or not hmac.compare_digest(got_link, link_id):
        raise EnvelopeRefused(f"this is not a {KINDS.get(kind, 'message')} for this link")
    header = sealed[: _HEADER.size]
    ephemeral = X25519PublicKey.from_public_bytes(header[33:65])
    private = X25519PrivateKey.from_private_bytes(bytes.fromhex(recipient_box))
    key = _aes_key(private.exchange(ephemeral), header)
    try:
        plain = AESGCM(key).decrypt(header[-12:], sealed[_HEADER.size :], header)
    except InvalidTag as exc:
        raise EnvelopeRefused("the message cannot be decrypted with this satellite's key") from exc
    return decode_body(plain)


# --- One-time pairing codes: shown once, stored hashed, proving the enrolment answer. ---


def new_code() -> str:
    """Twelve characters (about 59 bits) in three groups, e.g. ``K7QM-2XHD-9RTB``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(b"autarcie pairing\n" + normalise_code(code).encode()).hexdigest()


def canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def enrolment_proof(code: str, answer: dict[str, Any], request: dict[str, Any]) -> str:
    """HMAC of the main's answer and the satellite's keys under the code: only a holder of
    the code (the main instance that showed it) can write it."""
    key = normalise_code(code).encode()
    message = canonical({"answer": answer, "request": request})
    return hmac.new(key, message, hashlib.sha256).hexdigest()
