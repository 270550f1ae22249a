"""SIPRI arms transfers read a page at a time in SQL: filters, order, one row per deal, counts.

The register is large (tens of thousands of deals on a full import, each held by both nodes), so the
database filters, orders, merges the copies of one deal and cuts the page (``LIMIT``/``OFFSET``); Python
reads only the page's rows. The policy engine stays the only decider: the distinct markings the
transfers carry (a handful) are each put to :meth:`ObjectStore.decide_view`, and the query keeps only the
rows whose marking was allowed.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import JSON, ColumnElement, and_, case, cast, false, func, literal, or_, select, tuple_, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CTE

from mitra.core.objects import ObjectStore, StixObject
from mitra.core.paging import MAX_LIMIT, Page
from mitra.core.records import MARKING_COLUMNS
from mitra.foundation.errors import InvalidInput
from mitra.pillars.defence.models import ArmsTransferView
from mitra.pillars.defence.types import ARMS_TRANSFER
from mitra.policy import Actor

MAX_PER_PAGE = MAX_LIMIT  # as every list of the node
Order = Literal["year", "-year"]
ORDERS: tuple[Order, ...] = ("year", "-year")

# The columns that make up a row's marking: what the policy engine decides a view on.
_MARKING = MARKING_COLUMNS


@dataclass(frozen=True)
class TransferFilter:
    """What a person narrows the register to; every field optional."""

    recipient: str | None = None
    supplier: str | None = None
    weapon_type: str | None = None  # SIPRI's "weapon description": "fighter aircraft", "APC", ...
    year_from: int | None = None
    year_to: int | None = None
    text: str | None = None  # in the designation, the description or the comments

    def problems(self) -> list[str]:
        found = []
        for name, value in (("year_from", self.year_from), ("year_to", self.year_to)):
            if value is not None and not 1900 <= value <= 2100:
                found.append(f"{name}: {value} is not a year between 1900 and 2100")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            found.append(f"year_to: {self.year_to} is before year_from {self.year_from}")
        return found


@dataclass(frozen=True)
class TransferPage:
    """One page of deals, where it starts (0-based offset) and how many deals match in all."""

    rows: list[ArmsTransferView]
    offset: int
    total: int
    per_page: int

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when nothing matches)."""
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)

    @property
    def number(self) -> int:
        return self.offset // self.per_page + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class TransferChoices:
    """The values the filters offer, from the deals this person may see."""

    recipients: list[str]
    suppliers: list[str]
    weapon_types: list[str]
    years: tuple[int, int] | None


def _fields(session: Session) -> tuple[Any, Any]:
    """Text and integer readers of a top-level field of the stored JSON, in this database's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        body: Any = cast(StixObject.body, JSONB)
    else:
        body = type_coerce(StixObject.body, JSON)

    def text(name: str) -> Any:
        return body[name].as_string()

    def integer(name: str) -> Any:
        return body[name].as_integer()

    return text, integer


def _allowed_markings(session: Session, *, store: ObjectStore, actor: Actor) -> ColumnElement[bool]:
    """A condition true exactly for the transfers whose marking the policy lets ``actor`` see."""
    held = session.execute(
        select(*_MARKING).where(StixObject.type == ARMS_TRANSFER.name, StixObject.is_latest.is_(True)).distinct()
    ).all()
    allowed = []
    for values in held:
        probe = StixObject(**{column.key: value for column, value in zip(_MARKING, values, strict=True)})
        if store.decide_view(probe, actor).allowed:
            allowed.append(and_(*(column == value for column, value in zip(_MARKING, values, strict=True))))
    return or_(*allowed) if allowed else false()


def _deals(session: Session, *, store: ObjectStore, actor: Actor, where: TransferFilter) -> CTE:
    """Each deal once, filtered: the n-th copy of a deal from each nation is one row, this node's copy standing
    for it and ``held_by`` naming the nations (as :func:`service.one_per_deal` does in Python)."""
    text, integer = _fields(session)
    fields = {
        "recipient": text("recipient"),
        "supplier": text("supplier"),
        "year": integer("year_of_order"),
        "number": integer("number_ordered"),
        "designation": text("weapon_designation"),
        "description": text("weapon_description"),
        "comments": text("comments"),
    }
    deal = list(fields.values())
    query = select(
        StixObject.seq,
        StixObject.id,
        StixObject.originator_nation.label("nation"),
        *(value.label(name) for name, value in fields.items()),
        func.row_number()
        .over(partition_by=[*deal, StixObject.originator_nation], order_by=StixObject.id)
        .label("copy"),
    ).where(
        StixObject.type == ARMS_TRANSFER.name,
        StixObject.is_latest.is_(True),
        StixObject.revoked.is_(False),
        _allowed_markings(session, store=store, actor=actor),
    )
    if where.recipient:
        query = query.where(func.lower(fields["recipient"]) == where.recipient.lower())
    if where.supplier:
        query = query.where(func.lower(fields["supplier"]) == where.supplier.lower())
    if where.weapon_type:
        query = query.where(func.lower(fields["description"]) == where.weapon_type.lower())
    if where.year_from is not None:
        query = query.where(fields["year"] >= where.year_from)
    if where.year_to is not None:
        query = query.where(fields["year"] <= where.year_to)
    if where.text:
        needle = where.text.lower()
        searched = (fields["designation"], fields["description"], fields["comments"])
        query = query.where(
            or_(*(func.lower(func.coalesce(f, "")).contains(needle, autoescape=True) for f in searched))
        )
    copies = query.cte("copies")
    window = [*(copies.c[name] for name in fields), copies.c.copy]
    mine = case((copies.c.nation == store.nation, 0), else_=1)
    nations = (
        func.string_agg(copies.c.nation, literal(" "))
        if session.get_bind().dialect.name == "postgresql"
        else func.group_concat(copies.c.nation, " ")
    )
    ranked = select(
        copies,
        func.row_number().over(partition_by=window, order_by=[mine, copies.c.nation]).label("pick"),
        nations.over(partition_by=window).label("held_by"),
    ).cte("ranked")
    return ranked


def _ordered(ranked: CTE, order: Order) -> list[Any]:
    year = ranked.c.year
    unknown_last = case((year.is_(None), 1), else_=0)
    by_year = year.desc() if order == "-year" else year.asc()
    return [unknown_last, by_year, ranked.c.recipient, ranked.c.supplier, ranked.c.designation, ranked.c.id]


def page_transfers(
    session: Session,
    *,
    store: ObjectStore,
    actor: Actor,
    where: TransferFilter,
    order: Order = "year",
    offset: int = 0,
    per_page: int = 50,
) -> TransferPage:
    """The deals of one page, in ``order`` (by year of order; unknown years last), and how many match."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"per_page: {per_page} is not between 1 and {MAX_PER_PAGE}")
    if offset < 0:
        raise InvalidInput(f"page: offset {offset} is before the first row")
    if order not in ORDERS:
        raise InvalidInput(f"sort: {order!r} is not one of {', '.join(ORDERS)}")
    if problems := where.problems():
        raise InvalidInput("; ".join(problems))
    ranked = _deals(session, store=store, actor=actor, where=where)
    total = session.scalar(select(func.count()).select_from(ranked).where(ranked.c.pick == 1)) or 0
    picked = session.execute(
        select(ranked.c.seq, ranked.c.held_by)
        .where(ranked.c.pick == 1)
        .order_by(*_ordered(ranked, order))
        .limit(per_page)
        .offset(offset)
    ).all()
    rows = _views(session, store=store, picked=[(p.seq, p.held_by) for p in picked])
    return TransferPage(rows=rows, offset=offset, total=int(total), per_page=per_page)


def _views(session: Session, *, store: ObjectStore, picked: list[tuple[int, str]]) -> list[ArmsTransferView]:
    """The page's rows read in full (only theirs), in the page's order, each naming the nations holding it."""
    wanted = [seq for seq, _ in picked]
    by_seq = {row.seq: row for row in session.scalars(select(StixObject).where(StixObject.seq.in_(wanted)))}
    rows = []
    for seq, held_by in picked:
        nations = sorted(set(str(held_by).split()), key=lambda n: (n != store.nation, n))
        rows.append(replace(ArmsTransferView.of(by_seq[seq]), held_by=tuple(nations)))
    return rows


_UNKNOWN_YEAR = 9999  # sorts after every year of order (1900-2100)


def _read_after(cursor: str) -> tuple[int, str, str, str, str]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        value = None
    if (
        not isinstance(value, list)
        or len(value) != 5
        or not isinstance(value[0], int)
        or not all(isinstance(v, str) for v in value[1:])
    ):
        raise InvalidInput(f"cursor: {cursor[:40]!r} is not a cursor from a previous page of transfers")
    return (value[0], value[1], value[2], value[3], value[4])


def _write_after(key: tuple[int, str, str, str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode("utf-8")).decode("ascii")


def transfers_after(
    session: Session, *, store: ObjectStore, actor: Actor, where: TransferFilter, cursor: str | None, limit: int
) -> Page[ArmsTransferView]:
    """The ``limit`` deals after ``cursor`` by year of order (unknown years last), for the REST list: keyset
    paging in SQL, so a deal added meanwhile shifts nothing and a page reads only its own rows."""
    if not 1 <= limit <= MAX_PER_PAGE:
        raise InvalidInput(f"limit: {limit} is not between 1 and {MAX_PER_PAGE}")
    if problems := where.problems():
        raise InvalidInput("; ".join(problems))
    ranked = _deals(session, store=store, actor=actor, where=where)
    key = (
        func.coalesce(ranked.c.year, _UNKNOWN_YEAR),
        func.coalesce(ranked.c.recipient, ""),
        func.coalesce(ranked.c.supplier, ""),
        func.coalesce(ranked.c.designation, ""),
        ranked.c.id,
    )
    query = select(ranked.c.seq, ranked.c.held_by, *(k.label(f"k{i}") for i, k in enumerate(key)))
    query = query.where(ranked.c.pick == 1)
    if cursor:
        query = query.where(tuple_(*key) > tuple_(*_read_after(cursor)))
    found = session.execute(query.order_by(*key).limit(limit + 1)).all()
    shown = found[:limit]
    rows = _views(session, store=store, picked=[(r.seq, r.held_by) for r in shown])
    more = len(found) > limit
    last = shown[-1] if shown else None
    after = _write_after((int(last.k0), str(last.k1), str(last.k2), str(last.k3), str(last.k4))) if last else None
    return Page(rows, after if more else None)


def transfer_choices(session: Session, *, store: ObjectStore, actor: Actor) -> TransferChoices:
    """The recipients, suppliers, weapon types and span of years among the deals ``actor`` may see."""
    ranked = _deals(session, store=store, actor=actor, where=TransferFilter())

    def distinct(column: Any) -> list[str]:
        found = session.scalars(select(column).where(column.is_not(None), column != "").distinct())
        return sorted({str(v) for v in found}, key=str.lower)

    low, high = session.execute(select(func.min(ranked.c.year), func.max(ranked.c.year))).one()
    return TransferChoices(
        recipients=distinct(ranked.c.recipient),
        suppliers=distinct(ranked.c.supplier),
        weapon_types=distinct(ranked.c.description),
        years=(int(low), int(high)) if low is not None and high is not None else None,
    )
