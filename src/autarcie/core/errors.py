"""The exceptions Autarcie raises on purpose; the command line prints them as one line."""

import logging
import sys
import traceback


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


def log_failure(logger: logging.Logger, message: str, *args: object) -> None:
    """Log the exception being handled by its type and where it was raised, not its text.

    An exception's text can quote stored values (a database error quotes the key it refused),
    and the log must never hold patient data; the frames say where to look.
    """
    exc = sys.exc_info()[1]
    if exc is None:
        logger.error(message, *args)
        return
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(message + ": %s\n%s", *args, type(exc).__name__, frames.rstrip())
