"""The read-only FHIR R4 API over the read model (``/fhir/``), with bearer tokens."""
