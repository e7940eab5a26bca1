"""A Django database backend for SQLCipher-encrypted SQLite files."""
