"""Errors that say what and where; mapped to problem+json at the HTTP edge, one line in the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mitra.policy import Decision


class MitraError(Exception):
    """Base of the errors a person is meant to read."""

    status = 400
    title = "Bad request"


class InvalidInput(MitraError):
    status = 422
    title = "Invalid input"


class NotFound(MitraError):
    status = 404
    title = "Not found"


class Forbidden(MitraError):
    status = 403
    title = "Forbidden"


class Unauthorized(MitraError):
    status = 401
    title = "Unauthorized"


class Conflict(MitraError):
    status = 409
    title = "Conflict"


class TooManyAttempts(MitraError):
    status = 429
    title = "Too many attempts"


def require(decision: Decision) -> None:
    """Go on only if the policy engine allowed it; else :class:`Forbidden` with the engine's reason."""
    if not decision.allowed:
        raise Forbidden(decision.reason)
