"""Render one unit's kit into a folder: pure (no Django), so it runs in a worker process."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autarcie.kits.content import UnitKit
from autarcie.kits.pdf.canvas import Frame, KitCanvas, Writer, register_fonts
from autarcie.kits.pdf.forms import blank_forms
from autarcie.kits.pdf.labels import blank_label, label_pages, patient_label
from autarcie.kits.pdf.sheets import census_sheet, mar_sheet, summary_sheet, vitals_sheet

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class RenderedFile:
    name: str
    pages: int
    bytes: int
    sha256: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "pages": self.pages, "bytes": self.bytes, "sha256": self.sha256}


def safe_code(unit_code: str) -> str:
    return _UNSAFE.sub("_", unit_code) or "unite"


def file_names(unit_code: str) -> tuple[str, str, str]:
    code = safe_code(unit_code)
    return f"kit-{code}.pdf", f"administration-72h-{code}.pdf", f"etiquettes-{code}.pdf"


def _frame(kit: UnitKit, title: str, compact: bool = False) -> Frame:
    return Frame(
        hospital=kit.hospital,
        unit=f"{kit.unit_code} {kit.unit_label}",
        title=title,
        generated_at=kit.generated_at,
        data_as_of=kit.data_as_of,
        head_seq=kit.head_seq,
        head_hash=kit.head_hash,
        compact=compact,
    )


def _rendered(path: Path, canvas: KitCanvas) -> RenderedFile:
    data = path.read_bytes()
    return RenderedFile(path.name, canvas.page_count, len(data), hashlib.sha256(data).hexdigest())


def write_main_kit(kit: UnitKit, path: Path) -> KitCanvas:
    canvas = KitCanvas(str(path), _frame(kit, "Kit papier"))
    w = Writer(canvas)
    census_sheet(w, kit)
    for patient in kit.patients:
        summary_sheet(w, patient)
        mar_sheet(w, patient, kit.generated_at, 24)
        vitals_sheet(w, patient, kit.generated_at)
    blank_forms(w, kit)
    canvas.showPage()
    canvas.save()
    return canvas


def write_grid_72h(kit: UnitKit, path: Path) -> KitCanvas:
    canvas = KitCanvas(str(path), _frame(kit, "Administration 72 h"))
    w = Writer(canvas)
    if not kit.patients:
        w.section(None)
        w.para("Aucun patient présent au moment de l'édition.")
    for patient in kit.patients:
        mar_sheet(w, patient, kit.generated_at, 72)
    canvas.showPage()
    canvas.save()
    return canvas


def write_labels(kit: UnitKit, path: Path) -> KitCanvas:
    canvas = KitCanvas(str(path), _frame(kit, "Étiquettes bracelet", compact=True))
    labels = [patient_label(p) for p in kit.patients]
    labels += [blank_label(t) for t in (*kit.admission_ids, *kit.passage_ids)]
    label_pages(canvas, labels)
    canvas.save()
    return canvas


Write = Callable[[UnitKit, Path], KitCanvas]
WRITERS: tuple[Write, Write, Write] = (write_main_kit, write_grid_72h, write_labels)


def render_kit(kit: UnitKit, folder: Path, font_dir: Path) -> list[RenderedFile]:
    """Write the unit's three PDF files into ``folder``; returns what was written."""
    register_fonts(font_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / name for name in file_names(kit.unit_code)]
    return [_rendered(path, write(kit, path)) for write, path in zip(WRITERS, paths, strict=True)]


def render_job(kit: UnitKit, folder: str, font_dir: str) -> list[RenderedFile]:
    """The worker's entry point: this module imports no Django, so a spawned worker can load it."""
    return render_kit(kit, Path(folder), Path(font_dir))
