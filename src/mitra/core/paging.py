"""One page type and one cursor for every list: ``Page(items, next)``, ``next`` an opaque cursor string.

A cursor names the last row a page *looked at*, so the next page starts exactly after it, and every filter
is applied before the page is cut (in the query, or while scanning), never after, so no row is skipped:

- the object store pages newest first by the node's commit sequence (the cursor is that ``seq``);
- a pillar's list in its own order (incidents by when they occurred, organisations by name) pages by
  that order's key with :func:`page_by_key` (keyset paging: a row added meanwhile shifts nothing).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from typing import Generic, NamedTuple, TypeVar

from mitra.foundation.errors import InvalidInput

T = TypeVar("T")
Key = tuple[str | int | float, ...]
MAX_LIMIT = 5000


class Page(NamedTuple, Generic[T]):
    """The rows of one page and the cursor of the next (``None`` at the end)."""

    items: list[T]
    next: str | None


def read_cursor(text: str | None, *, where: str = "cursor") -> int | None:
    """A store cursor from a query string: absent is the first page; anything but a whole number is an error."""
    if text is None or text == "":
        return None
    if not text.isdigit() or len(text) > 19:
        raise InvalidInput(f"{where}: {text!r} is not a cursor from a previous page (a whole number)")
    return int(text)


def write_cursor(cursor: int | None) -> str | None:
    return None if cursor is None else str(cursor)


def _encode_key(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode("utf-8")).decode("ascii")


def _decode_key(text: str, *, where: str) -> Key:
    try:
        value = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise InvalidInput(f"{where}: {text[:40]!r} is not a cursor from a previous page of this list")
    return tuple(value)


def page_by_key(
    items: Iterable[T], *, key: Callable[[T], Key], cursor: str | None, limit: int, where: str = "cursor"
) -> Page[T]:
    """The ``limit`` items after the cursor in ``key`` order (unique keys: end each with the object id)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: {limit} is not between 1 and {MAX_LIMIT}")
    after = _decode_key(cursor, where=where) if cursor else None
    ordered = sorted(((key(item), item) for item in items), key=lambda pair: pair[0])
    if after is not None:
        try:
            ordered = [pair for pair in ordered if pair[0] > after]
        except TypeError:
            raise InvalidInput(f"{where}: not a cursor from a previous page of this list") from None
    shown = ordered[:limit]
    more = len(ordered) > limit
    return Page([item for _, item in shown], _encode_key(shown[-1][0]) if more else None)
