"""What an MDM document message changes: one document row per document, its versions kept.

A replacement (T10, or OBX-11 C with TXA-13) and an edit land on the row of the document they
replace, so the summary shows only the newest text while every earlier one stays in the
append-only versions. A cancel (T11, or CI-SIS OBX-11 D) is a new version with status D: the
document leaves the summary and the FHIR API, and nothing is erased.
"""

from __future__ import annotations

from typing import Any

from autarcie.formats.codes import stored_system
from autarcie.mirror import records as r
from autarcie.mirror.clinical import put_clinical
from autarcie.mirror.hl7.documents import DocumentNotice
from autarcie.mirror.store import Store

_FIND = "SELECT rkey FROM mirror_document WHERE patient_id = %s AND number = %s ORDER BY id LIMIT 1"


def _row_of(store: Store, patient_id: int, number: str) -> str | None:
    """The key of the patient's document row now showing document ``number``."""
    if not number:
        return None
    store.cursor.execute(_FIND, [patient_id, number])
    found: Any = store.cursor.fetchone()
    return str(found[0]) if found else None


def document_key(number: str) -> str:
    """The key of a document first seen through MDM (a FHIR DocumentReference whose
    masterIdentifier is the same number, with one attachment, lands on it too)."""
    return f"document|{number}|1"


def apply_document(store: Store, patient_id: int, notice: DocumentNotice) -> None:
    # A cancel names the document itself; a replacement names its parent in TXA-13.
    names = (notice.number, notice.parent) if notice.cancels else (notice.parent, notice.number)
    key = next((k for n in names if (k := _row_of(store, patient_id, n))), None)
    key = key or document_key(notice.number)
    previous = store.latest_data("Document", key)
    # A status change or a cancel without content keeps the text already received.
    text = notice.text or str(previous.get("text", ""))
    title = notice.title if notice.text else str(previous.get("title", "") or notice.title)
    record = r.DocumentRecord(
        key=key,
        status=notice.status,
        type_code=notice.type.code[:64],
        type_system=stored_system(notice.type.system, notice.type.oid)[:200],
        number=notice.number[:200],
        type_label=notice.type.label[:200],
        title=title[:300],
        text=text,
        authored_at=notice.authored_at,
        confidential=notice.confidential,
    )
    put_clinical(store, patient_id, record)
