"""Domain errors. Services raise these; app/api/errors.py maps each to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose; the message is for people."""


class NotFoundError(DomainError, LookupError):
    """The thing asked for does not exist (404)."""


class InvalidInputError(DomainError, ValueError):
    """Input breaks a rule; ``field`` names the offending field (422)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class InvalidFieldsError(DomainError, ValueError):
    """Several fields are wrong at once; ``problems`` is a list of (field, message) (422)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


class ConflictError(DomainError):
    """The request clashes with stored state, e.g. a taken username (409)."""


class AuthenticationError(DomainError):
    """No valid credentials (401)."""


class PermissionDeniedError(DomainError):
    """Valid credentials, but this role or scope may not do this (403)."""


class TooManyAttemptsError(DomainError):
    """Throttled; retry after ``retry_after_s`` seconds (429)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)
