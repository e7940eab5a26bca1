"""Pure tests of the mirror (no database)."""
