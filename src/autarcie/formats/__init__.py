"""Pure readers, writers and display rules of exchange formats: no database, no Django."""
