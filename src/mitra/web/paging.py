"""The REST edge of ``core.paging``: every list endpoint takes ``cursor`` and ``limit`` and answers a ``PageRead``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from mitra.core.paging import Key, page_by_key
from mitra.core.schemas import PageRead

T = TypeVar("T")
DEFAULT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageQuery:
    cursor: str | None
    limit: int


def _page_query(
    cursor: Annotated[str | None, Query(max_length=400, description="`next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Items on the page")] = DEFAULT_LIMIT,
) -> PageQuery:
    return PageQuery(cursor or None, limit)


# A list endpoint's paging: ``def things(request: Request, actor: ActorDep, paging: Paging) -> PageRead[Thing]``.
Paging = Annotated[PageQuery, Depends(_page_query)]


def page_of(items: Iterable[T], *, key: Callable[[T], Key], paging: PageQuery) -> PageRead[T]:
    """The page of ``items`` (complete and filtered, in any order) that ``paging`` asks for, in ``key`` order."""
    page = page_by_key(items, key=key, cursor=paging.cursor, limit=paging.limit)
    return PageRead[T](items=page.items, next=page.next)
