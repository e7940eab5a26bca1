"""The RPU (Résumé de Passage aux Urgences) format: model, rules, writer, reader and checks."""

from autarcie.recovery.rpu.check import (
    RpuReport,
    check_file,
    format_report,
    validate_xsd,
)
from autarcie.recovery.rpu.errors import RpuFormatError, RpuValueError
from autarcie.recovery.rpu.model import (
    HOME_ORIENTATIONS,
    HOSPITAL_ORIENTATIONS,
    Ccmu,
    CodeTable,
    Destination,
    EntryMode,
    ExitMode,
    Orientation,
    Provenance,
    RpuFile,
    RpuPassage,
    Sex,
    Transport,
    TransportCare,
)
from autarcie.recovery.rpu.motifs import MOTIFS, Motif, motif_choices
from autarcie.recovery.rpu.reader import extra_text, read_rpu_file
from autarcie.recovery.rpu.rules import (
    RpuIssue,
    Severity,
    check_finess,
    check_header,
    check_in_file,
    check_passage,
    finess_key_is_valid,
)
from autarcie.recovery.rpu.writer import daily_files, rpu_file_name, write_rpu_file

__all__ = [
    "HOME_ORIENTATIONS",
    "HOSPITAL_ORIENTATIONS",
    "MOTIFS",
    "Ccmu",
    "CodeTable",
    "Destination",
    "EntryMode",
    "ExitMode",
    "Motif",
    "Orientation",
    "Provenance",
    "RpuFile",
    "RpuFormatError",
    "RpuIssue",
    "RpuPassage",
    "RpuReport",
    "RpuValueError",
    "Severity",
    "Sex",
    "Transport",
    "TransportCare",
    "check_file",
    "check_finess",
    "check_header",
    "check_in_file",
    "check_passage",
    "daily_files",
    "extra_text",
    "finess_key_is_valid",
    "format_report",
    "motif_choices",
    "read_rpu_file",
    "rpu_file_name",
    "validate_xsd",
    "write_rpu_file",
]
