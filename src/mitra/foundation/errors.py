"""Errors that say what and where; mapped to problem+json at the HTTP edge, one line in the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from mitra.foundation.words import Said
    from mitra.policy import Decision


class MitraError(Exception):
    """Base of the errors a person is meant to read.

    ``str(error)`` is the message in English (logs, the CLI, problem JSON); ``said``, when the raiser gave it, is
    the same message as words to be said in the reader's language (``foundation.words``), which the error page
    shows instead.
    """

    status = 400
    title = "Bad request"
    said: Said | None = None

    def __init__(self, *args: object, said: Said | None = None) -> None:
        super().__init__(*args)
        if said is not None:
            self.said = said

    @classmethod
    def saying(cls, said: Said) -> Self:
        """The error whose English message is ``said``'s, to be worded for its reader."""
        return cls(said.english(), said=said)


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
        from mitra.foundation.words import said_of  # words imports the policy: only when refused

        raise Forbidden(decision.reason, said=said_of(decision))
