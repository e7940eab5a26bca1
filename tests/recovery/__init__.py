"""Tests of the recovery exports: RPU format, and later FHIR, HL7 and bed availability."""
