"""Shamir secret sharing over GF(256), and the paper form of a share (pure functions).

Each byte of the secret is the constant term of a random polynomial of degree ``threshold-1``;
share ``x`` holds the polynomial's value at ``x``. Fewer than ``threshold`` shares are
consistent with every possible secret, so one share found in a safe reveals nothing.

The paper form, for the director's safe::

    D-1a2b3c4d-2/3 8f41 0c9e ... 77d2 C:5e01a9c3

kind (``D`` database key, ``B`` backup key), the id of the key it belongs to (so shares of an
old and a new key are never mixed), share number / count, 32 bytes as 16 groups of 4 hex
digits, and a checksum that catches a misread or miscopied group.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autarcie.core.errors import AutarcieError

# Multiplication by 3 generates GF(256)* under the AES polynomial x^8 + x^4 + x^3 + x + 1.
_EXP = [0] * 510
_LOG = [0] * 256


def _build_tables() -> None:
    value = 1
    for power in range(255):
        _EXP[power] = value
        _LOG[value] = power
        doubled = value << 1
        if doubled & 0x100:
            doubled ^= 0x11B
        value ^= doubled
    for power in range(255, 510):
        _EXP[power] = _EXP[power - 255]


_build_tables()


class ShareError(AutarcieError):
    """A share is malformed, damaged, or does not belong with the others."""


def gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def gf_div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(256)")
    if a == 0:
        return 0
    return _EXP[_LOG[a] - _LOG[b] + 255]


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    result = 0
    for coefficient in reversed(coefficients):
        result = gf_mul(result, x) ^ coefficient
    return result


def split(
    secret: bytes,
    *,
    threshold: int = 2,
    count: int = 3,
    random_byte: Callable[[], int] = lambda: secrets.randbelow(256),
) -> list[tuple[int, bytes]]:
    """``count`` shares ``(x, y)`` of which any ``threshold`` rebuild ``secret``."""
    if not 2 <= threshold <= count <= 255:
        raise ValueError("need 2 <= threshold <= count <= 255")
    shares: list[bytearray] = [bytearray() for _ in range(count)]
    for byte in secret:
        coefficients = [byte] + [random_byte() for _ in range(threshold - 1)]
        for index in range(count):
            shares[index].append(_evaluate(coefficients, index + 1))
    return [(index + 1, bytes(share)) for index, share in enumerate(shares)]


def combine(shares: Sequence[tuple[int, bytes]]) -> bytes:
    """Lagrange interpolation at 0; the caller checks that it holds enough distinct shares."""
    xs = [x for x, _ in shares]
    if len(set(xs)) != len(xs) or 0 in xs:
        raise ShareError("the shares must have distinct, non-zero numbers")
    lengths = {len(y) for _, y in shares}
    if len(lengths) != 1:
        raise ShareError("the shares have different lengths: they are not from the same key")
    out = bytearray()
    for position in range(lengths.pop()):
        value = 0
        for i, (xi, yi) in enumerate(shares):
            basis = 1
            for j, (xj, _) in enumerate(shares):
                if i != j:
                    basis = gf_mul(basis, gf_div(xj, xj ^ xi))
            value ^= gf_mul(yi[position], basis)
        out.append(value)
    return bytes(out)


@dataclass(frozen=True)
class PaperShare:
    kind: str  # "D" database key, "B" backup key
    key_id: str  # 8 hex digits
    number: int
    count: int
    threshold: int
    data: bytes

    def checksum(self) -> str:
        body = f"{self.kind}|{self.key_id}|{self.number}|{self.count}|{self.threshold}|"
        return hashlib.sha256(body.encode("ascii") + self.data).hexdigest()[:8]

    def text(self) -> str:
        digits = self.data.hex()
        groups = " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
        head = f"{self.kind}-{self.key_id}-{self.number}/{self.count}"
        return f"{head} {groups} C:{self.checksum()}"


def fingerprint(key: bytes) -> str:
    """Eight hex digits naming a key on paper; a hash of a random key reveals nothing of it."""
    return hashlib.sha256(b"autarcie key fingerprint\n" + key).hexdigest()[:8]


def paper_shares(key: bytes, *, kind: str, threshold: int = 2, count: int = 3) -> list[PaperShare]:
    kid = fingerprint(key)
    return [
        PaperShare(kind, kid, x, count, threshold, y)
        for x, y in split(key, threshold=threshold, count=count)
    ]


_HEAD = re.compile(r"^([db])-([0-9a-f]{8})-(\d{1,3})/(\d{1,3})$")
_CHECK = re.compile(r"^c:([0-9a-f]{8})$")
_SHAPE = "a share must look like 'D-1a2b3c4d-1/3 8f41 … C:5e01a9c3' (copy it as printed)"


def parse_share(text: str, *, threshold: int = 2) -> PaperShare:
    """Read a share as typed back from paper: case and spacing between groups ignored."""
    tokens = text.lower().split()
    if len(tokens) < 3:
        raise ShareError(_SHAPE)
    head, check = _HEAD.match(tokens[0]), _CHECK.match(tokens[-1])
    digits = "".join(tokens[1:-1]).replace("-", "")
    if head is None or check is None or not re.fullmatch(r"(?:[0-9a-f]{2})+", digits):
        raise ShareError(_SHAPE)
    kind, kid, number, count = head.groups()
    share = PaperShare(kind.upper(), kid, int(number), int(count), threshold, bytes.fromhex(digits))
    if share.checksum() != check.group(1):
        raise ShareError(
            f"share {share.number} does not match its checksum: a group was misread or miscopied"
        )
    return share


def recover(shares: Sequence[PaperShare]) -> tuple[str, bytes]:
    """The key kind and the key, from at least ``threshold`` shares of the same key."""
    if not shares:
        raise ShareError("give the shares to combine")
    first = shares[0]
    if any((s.kind, s.key_id) != (first.kind, first.key_id) for s in shares):
        raise ShareError("these shares belong to different keys (compare the key id after D-/B-)")
    if len({s.number for s in shares}) < first.threshold:
        raise ShareError(f"{first.threshold} different shares are needed")
    key = combine([(s.number, s.data) for s in shares])
    if fingerprint(key) != first.key_id:
        raise ShareError("the shares do not rebuild the key they name: one of them is wrong")
    return first.kind, key
