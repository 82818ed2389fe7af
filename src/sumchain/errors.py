"""Exceptions that cross package boundaries.

Each carries a one-line, user-facing message: the command line prints it as is.
"""


class SumchainError(Exception):
    """Base class for every error sumchain raises on purpose."""


class Rejected(SumchainError):
    """A contract call was refused; its message is the reason. A refused call changes no state."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ConfigError(SumchainError, ValueError):
    """A configuration key, type or value is not allowed; the message names the key."""


class DataError(SumchainError, ValueError):
    """A dataset could not be loaded or is malformed; the message says what and where."""


class OutputError(SumchainError, ValueError):
    """An output path cannot be written (a file where a folder is needed, no permission, ...)."""
