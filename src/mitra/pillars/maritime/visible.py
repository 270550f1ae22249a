"""Paging through every latest object of some types that a viewer may see, through the policy engine."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from mitra.core.objects import StixObject
from mitra.policy import Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.core.node import Node


def visible_rows(
    session: Session, node: Node, actor: Actor, types: Sequence[str], *, with_revoked: bool = False
) -> Iterator[StixObject]:
    """Latest versions of ``types`` that ``actor`` may see, newest first (``node.store.search`` pages).

    Revoked objects are left out unless ``with_revoked`` (a writer reconciling its own objects needs them).
    """
    cursor: int | None = None
    while True:
        rows, cursor = node.store.search(session, actor=actor, types=types, after_seq=cursor, limit=1000)
        yield from (row for row in rows if with_revoked or not row.revoked)
        if cursor is None or not rows:
            return
