"""Reading many: latest versions through policy, newest first by ``seq``, every filter before the page is cut."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mitra.core.paging import Page, read_cursor, write_cursor
from mitra.core.records import (
    SOURCE_PARTNER,
    StixObject,
)
from mitra.policy import Actor, View, decide

if TYPE_CHECKING:
    from datetime import datetime

    from mitra.core.objects import ObjectStore


def search(
    store: ObjectStore,
    session: Session,
    *,
    actor: Actor,
    types: Sequence[str] = (),
    exclude_types: Sequence[str] = (),
    text: str | None = None,
    tlp: str | None = None,
    originator: str | None = None,
    received: bool | None = None,
    modified_since: datetime | None = None,
    modified_until: datetime | None = None,
    after_seq: int | None = None,
    limit: int = 50,
) -> Page[StixObject]:
    """Latest versions visible to ``actor``, newest first; the page and the next cursor.

    Every filter, the time window on ``modified`` included, is part of the query, so a page is cut only after
    filtering: walking the cursors returns each matching object exactly once.
    """
    limit = max(1, min(limit, 1000))
    query = select(StixObject).where(StixObject.is_latest.is_(True))
    if types:
        query = query.where(StixObject.type.in_(list(types)))
    if exclude_types:
        query = query.where(StixObject.type.not_in(list(exclude_types)))
    if tlp:
        query = query.where(StixObject.tlp == tlp)
    if originator:
        query = query.where(StixObject.originator_nation == originator)
    if received is True:
        query = query.where(StixObject.source == SOURCE_PARTNER)
    elif received is False:
        query = query.where(StixObject.source != SOURCE_PARTNER)
    if text:
        query = query.where(StixObject.search_text.contains(text.lower(), autoescape=True))
    if modified_since is not None:
        query = query.where(StixObject.modified >= modified_since)
    if modified_until is not None:
        query = query.where(StixObject.modified <= modified_until)
    page: list[StixObject] = []
    cursor = after_seq
    scanned_last: int | None = None
    while len(page) < limit:
        batch_query = query.order_by(StixObject.seq.desc()).limit(limit * 4)
        if cursor is not None:
            batch_query = batch_query.where(StixObject.seq < cursor)
        batch = list(session.scalars(batch_query))
        if not batch:
            return Page(page, None)
        for row in batch:
            scanned_last = row.seq
            if store.decide_view(row, actor).allowed:
                page.append(row)
                if len(page) == limit:
                    break
        cursor = scanned_last
    return Page(page, write_cursor(scanned_last))


def iter_visible(
    store: ObjectStore, session: Session, *, actor: Actor, types: Sequence[str], with_revoked: bool = False
) -> Iterator[StixObject]:
    """Every latest version of ``types`` that ``actor`` may see, newest first, paging :meth:`search`.

    Revoked objects are left out unless ``with_revoked`` (a writer reconciling its own objects needs them).
    """
    cursor: int | None = None
    while True:
        rows, nxt = search(store, session, actor=actor, types=types, after_seq=cursor, limit=1000)
        yield from (row for row in rows if with_revoked or not row.revoked)
        cursor = read_cursor(nxt)
        if cursor is None or not rows:
            return


def changed_since(
    store: ObjectStore, session: Session, *, actor: Actor, types: Sequence[str], seq: int, limit: int = 500
) -> Changes:
    """Latest versions of ``types`` stored after ``seq`` (oldest first) that ``actor`` may see; the ids of those
    revoked or withdrawn since, which ``actor`` could see before (so a live view takes them down, told no more
    than the id); and the seq to ask from next time, counting what was not shown too, so nothing is read twice."""
    rows = list(
        session.scalars(
            select(StixObject)
            .where(StixObject.seq > seq, StixObject.type.in_(list(types)), StixObject.is_latest.is_(True))
            .order_by(StixObject.seq)
            .limit(max(1, limit))
        )
    )
    changes = Changes([], [], rows[-1].seq if rows else seq)
    for row in rows:
        if store.decide_view(row, actor).allowed:
            changes.visible.append(row)
            continue
        handling = row.handling(held_by=store.nation)
        if handling.revoked or handling.withdrawn:
            before = replace(handling, revoked=False, withdrawn=False)
            if decide(actor, before, View()).allowed:
                changes.gone.append(row.id)
    return changes


@dataclass
class Changes:
    visible: list[StixObject]
    gone: list[str]  # ids
    last_seq: int


def newest_seq(session: Session) -> int:
    """The seq of the newest version stored (0 when none): where a live view starts."""
    return int(session.scalar(select(func.max(StixObject.seq))) or 0)


def counts_by_type(store: ObjectStore, session: Session, *, actor: Actor) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in session.scalars(select(StixObject).where(StixObject.is_latest.is_(True))):
        if store.decide_view(row, actor).allowed:
            counts[row.type] = counts.get(row.type, 0) + 1
    return counts
