"""The errors the RPU format layer raises on purpose."""

from __future__ import annotations

from autarcie.core.errors import AutarcieError


class RpuFormatError(AutarcieError):
    """The bytes are not an RPU file we can read; the message says why, in French."""


class RpuValueError(RpuFormatError):
    """One item holds a value that cannot be read (a date that is not JJ/MM/AAAA...)."""

    def __init__(self, element: str, value: str, expected: str, passage: int | None) -> None:
        self.element = element
        self.value = value
        self.passage = passage
        self.detail = f"valeur « {value} » illisible, attendu {expected}"
        where = f"passage {passage}, " if passage is not None else ""
        super().__init__(f"{where}{element} : {self.detail}")
