"""The security core: users, roles, units, authentication, the journal, keys, the clock."""
