"""One page type and one cursor for every list: newest first by the node's commit sequence.

A cursor is the ``seq`` of the last row a page *looked at*, so the next page starts exactly after it: every filter
is applied before the page is cut (in the query, or while scanning), never after, so no row is skipped.
"""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

from mitra.foundation.errors import InvalidInput

T = TypeVar("T")


class Page(NamedTuple, Generic[T]):
    """The rows of one page and the cursor of the next (``None`` at the end)."""

    items: list[T]
    next: int | None


def read_cursor(text: str | None, *, where: str = "cursor") -> int | None:
    """A cursor from a query string: absent is the first page; anything but a whole number is an error."""
    if text is None or text == "":
        return None
    if not text.isdigit() or len(text) > 19:
        raise InvalidInput(f"{where}: {text!r} is not a cursor from a previous page (a whole number)")
    return int(text)


def write_cursor(cursor: int | None) -> str | None:
    return None if cursor is None else str(cursor)
