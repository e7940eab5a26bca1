"""The exceptions Autarcie raises on purpose; the command line prints them as one line."""


class AutarcieError(Exception):
    """An error a person can act on. Its message says what happened and what to do."""


class ConfigurationError(AutarcieError):
    """A setting, a file or an option is wrong."""


class DatabaseKeyError(ConfigurationError):
    """The database key is missing or does not open the database."""


class JournalError(AutarcieError):
    """The journal could not be written or does not verify."""


class AccessDenied(AutarcieError):
    """The acting user may not do this."""
