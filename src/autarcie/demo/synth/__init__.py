"""Deterministic synthetic French hospital written as the HL7 v2, FHIR and CSV feeds of a HIS."""

from autarcie.demo.synth.generate import GenerationSummary, generate, reference_now, simulate
from autarcie.demo.synth.hospital import Hospital, Practitioner, Room, Unit, build_hospital
from autarcie.demo.synth.inventory import build_inventory

__all__ = [
    "GenerationSummary",
    "Hospital",
    "Practitioner",
    "Room",
    "Unit",
    "build_hospital",
    "build_inventory",
    "generate",
    "reference_now",
    "simulate",
]
