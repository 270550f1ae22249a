"""Release requests: a person who may not release asks, a release officer decides, the requester is told.

Making an object releasable to a partner is a release officer's act (the policy's ``Release``). Someone
who writes objects but may not release them (an analyst) and ticks "releasable to the partner" is asking
for a release (the policy's ``RequestRelease``): the object is saved without that nation and a request is
opened. It never answers Forbidden and never loses what was typed. A release officer approves (the store's
``release``, decided by the policy as every release is) or refuses with a reason. A request closes by
itself when the object is released to that nation by any path, or when it is revoked.

The store's one path (``ObjectStore.create``/``new_version``) opens requests; nothing else does, so every
door (REST, pages, CLI, imports) behaves alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from mitra.audit.service import AuditEvent, record_many
from mitra.core.records import StixObject
from mitra.foundation.db import Base, UtcDateTime
from mitra.foundation.errors import Conflict, InvalidInput, NotFound, require
from mitra.foundation.timestamps import now_utc
from mitra.foundation.words import N_, Said
from mitra.policy import Actor, Release, decide

if TYPE_CHECKING:
    from mitra.core.objects import ObjectStore

PENDING = "pending"
APPROVED = "approved"
REFUSED = "refused"
CLOSED = "closed"  # the object was revoked, or its requester withdrew the request
STATUSES = (PENDING, APPROVED, REFUSED, CLOSED)
REASON_LIMIT = 2000


class ReleaseRequest(Base):
    """One person's request that one object be made releasable to one nation."""

    __tablename__ = "release_requests"
    __table_args__ = (Index("ix_release_requests_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[str] = mapped_column(String(120), index=True)
    nation: Mapped[str] = mapped_column(String(3))
    requested_by: Mapped[str] = mapped_column(String(64), index=True)  # the requester's username
    requester_agency: Mapped[str | None] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True, slots=True)
class Opened:
    """What the store did with a nation the person asked to share with but may not release to."""

    object_id: str
    nation: str
    request_id: int


def _label(actor: Actor) -> str:
    return actor.username or f"{actor.nation}:{actor.agency or '-'}"


def open_requests(
    session: Session, actor: Actor, object_id: str, nations: Sequence[str], *, note: str | None = None
) -> list[Opened]:
    """Open a pending request per nation (one already pending for the same object and nation is kept)."""
    opened: list[Opened] = []
    events: list[AuditEvent] = []
    for nation in sorted(set(nations)):
        held = session.scalar(
            select(ReleaseRequest).where(
                ReleaseRequest.object_id == object_id,
                ReleaseRequest.nation == nation,
                ReleaseRequest.status == PENDING,
            )
        )
        if held is None:
            held = ReleaseRequest(
                object_id=object_id,
                nation=nation,
                requested_by=_label(actor),
                requester_agency=actor.agency,
                requested_at=now_utc(),
                note=note,
                status=PENDING,
            )
            session.add(held)
            session.flush()
            events.append(AuditEvent(_label(actor), "release_requested", object_id, {"to": nation}))
            _tell_officers(session, held)
        opened.append(Opened(object_id, nation, held.id))
    if events:
        record_many(session, events)
    return opened


# Who is told: the originating agency's release officers of a new request, the requester of its outcome. A
# notice names the object only to someone the policy lets see it, when it is shown (``core.notices``).
def _tell_officers(session: Session, row: ReleaseRequest) -> None:
    from mitra.core import notices  # notices reads the store, which opens requests: imported when used
    from mitra.policy import Role

    notices.post(
        session,
        kind="release_requested",
        recipients=notices.people_with_role(session, Role.RELEASE_OFFICER, agency=row.requester_agency),
        object_id=row.object_id,
        words=Said(
            N_("%(person)s asks to release an object to %(nation)s"), {"person": row.requested_by, "nation": row.nation}
        ),
        link="/releases",
        detail={"to": row.nation, "requested_by": row.requested_by},
        key=f"release-request:{row.id}:opened",
    )


# A decision's words for the requester's notice: (without a reason, with one), by the request's outcome.
_OUTCOMES: dict[str, tuple[str, str]] = {
    APPROVED: (
        N_("Your request to release to %(nation)s was approved by %(person)s"),
        N_("Your request to release to %(nation)s was approved by %(person)s"),
    ),
    REFUSED: (
        N_("Your request to release to %(nation)s was refused by %(person)s"),
        N_("Your request to release to %(nation)s was refused by %(person)s: %(reason)s"),
    ),
    CLOSED: (
        N_("Your request to release to %(nation)s was closed by %(person)s"),
        N_("Your request to release to %(nation)s was closed by %(person)s: %(reason)s"),
    ),
}


def _tell_requester(session: Session, row: ReleaseRequest) -> None:
    from mitra.core import notices

    if row.status == CLOSED and row.decided_by == row.requested_by:
        return  # they withdrew it themselves
    kind = "release_approved" if row.status == APPROVED else "release_refused"
    because = bool(row.reason) and row.status != APPROVED
    message = _OUTCOMES[row.status][1 if because else 0]
    values = {"nation": row.nation, "person": row.decided_by or ""} | ({"reason": row.reason or ""} if because else {})
    notices.post(
        session,
        kind=kind,
        recipients=[row.requested_by],
        object_id=row.object_id,
        words=Said(message, values),
        link="/releases?view=mine",
        detail={"to": row.nation, "decided_by": row.decided_by or ""} | ({"reason": row.reason} if row.reason else {}),
        key=f"release-request:{row.id}:{row.status}",
    )


def close_released(session: Session, actor: Actor, released: Sequence[tuple[str, Sequence[str]]]) -> list[int]:
    """Pending requests answered by a release, on whatever path it was made: approved by its releaser."""
    closed: list[int] = []
    wanted = [(object_id, nations) for object_id, nations in released if nations]
    if not wanted or session.scalar(select(ReleaseRequest.id).where(ReleaseRequest.status == PENDING).limit(1)) is None:
        return closed  # an import releasing thousands asks once, not once per object
    for object_id, nations in wanted:
        rows = session.scalars(
            select(ReleaseRequest).where(
                ReleaseRequest.object_id == object_id,
                ReleaseRequest.nation.in_(list(nations)),
                ReleaseRequest.status == PENDING,
            )
        )
        for row in rows:
            _decide(session, row, APPROVED, actor, reason=None)
            closed.append(row.id)
    return closed


def close_revoked(session: Session, actor: Actor, object_id: str) -> list[int]:
    """A revoked object is released to nobody: its pending requests close, saying why."""
    rows = list(
        session.scalars(
            select(ReleaseRequest).where(ReleaseRequest.object_id == object_id, ReleaseRequest.status == PENDING)
        )
    )
    for row in rows:
        _decide(session, row, CLOSED, actor, reason="the object was revoked")
    return [row.id for row in rows]


def _decide(session: Session, row: ReleaseRequest, status: str, actor: Actor, *, reason: str | None) -> None:
    row.status = status
    row.decided_by = _label(actor)
    row.decided_at = now_utc()
    row.reason = reason
    _tell_requester(session, row)


def get(session: Session, request_id: int) -> ReleaseRequest:
    if not 1 <= request_id <= 2**31 - 1:  # no such number is ever given; the database is not asked
        raise NotFound(f"release request {request_id}: no such request")
    row = session.get(ReleaseRequest, request_id)
    if row is None:
        raise NotFound(f"release request {request_id}: no such request")
    return row


def _pending(row: ReleaseRequest) -> None:
    if row.status != PENDING:
        raise Conflict(f"release request {row.id} is {row.status} already ({row.decided_by or 'nobody'})")


def may_decide(store: ObjectStore, session: Session, row: ReleaseRequest, actor: Actor) -> bool:
    """Whether ``actor`` may approve or refuse this request: exactly who may make the release (the policy)."""
    latest = store.latest_row(session, row.object_id)
    return decide(actor, latest.handling(held_by=store.nation), Release(to=row.nation)).allowed


def approve(
    store: ObjectStore, session: Session, request_id: int, actor: Actor, *, confirm_cautions: bool = False
) -> StixObject:
    """Release the object to the requested nation, as ``actor`` (the policy decides, as for every release;
    what the pillars caution against needs ``confirm_cautions``, as on every path to a release)."""
    row = get(session, request_id)
    _pending(row)
    latest = store.latest_row(session, row.object_id)
    # Only who may make the release approves it (else the store would take their approval for one more request).
    require(decide(actor, latest.handling(held_by=store.nation), Release(to=row.nation)))
    if row.nation in latest.releasable_to:
        _decide(session, row, APPROVED, actor, reason="releasable already")
        return latest
    release = store.release(
        session, object_id=row.object_id, to=row.nation, actor=actor, confirm_cautions=confirm_cautions
    )
    return release  # the release closed ``row``


def refuse(store: ObjectStore, session: Session, request_id: int, actor: Actor, *, reason: str) -> ReleaseRequest:
    """Refuse with a reason the requester reads; only someone who could have released it refuses it."""
    row = get(session, request_id)
    _pending(row)
    text = reason.strip()
    if not text:
        raise InvalidInput("reason: say why the release is refused (the requester reads it)")
    if len(text) > REASON_LIMIT:
        raise InvalidInput(f"reason: {len(text):,} characters; at most {REASON_LIMIT:,}")
    latest = store.latest_row(session, row.object_id)
    require(decide(actor, latest.handling(held_by=store.nation), Release(to=row.nation)))
    _decide(session, row, REFUSED, actor, reason=text)
    record_many(session, [AuditEvent(_label(actor), "release_refused", row.object_id, {"to": row.nation})])
    return row


def withdraw(session: Session, request_id: int, actor: Actor) -> ReleaseRequest:
    """The requester takes their own request back."""
    row = get(session, request_id)
    _pending(row)
    if row.requested_by != _label(actor):
        raise NotFound(f"release request {request_id}: no such request of yours")
    _decide(session, row, CLOSED, actor, reason="withdrawn by the requester")
    return row


def for_object(session: Session, object_id: str) -> list[ReleaseRequest]:
    return list(
        session.scalars(
            select(ReleaseRequest).where(ReleaseRequest.object_id == object_id).order_by(ReleaseRequest.id.desc())
        )
    )


def pending(session: Session) -> list[ReleaseRequest]:
    """Every pending request, oldest first (a node has tens, not millions: a person answers each)."""
    return list(
        session.scalars(select(ReleaseRequest).where(ReleaseRequest.status == PENDING).order_by(ReleaseRequest.id))
    )


def queue(store: ObjectStore, session: Session, actor: Actor) -> list[ReleaseRequest]:
    """The pending requests ``actor`` may decide, oldest first: the release officer's queue.

    One query reads each pending request beside its object's latest marking; the policy decides each.
    """
    rows = session.execute(
        select(ReleaseRequest, StixObject)
        .join(StixObject, (StixObject.id == ReleaseRequest.object_id) & StixObject.is_latest.is_not(False))
        .where(ReleaseRequest.status == PENDING)
        .order_by(ReleaseRequest.id)
    )
    return [
        request
        for request, obj in rows
        if decide(actor, obj.handling(held_by=store.nation), Release(to=request.nation)).allowed
    ]


def mine(session: Session, actor: Actor, *, offset: int = 0, limit: int = 50) -> tuple[list[ReleaseRequest], int]:
    """The requester's own requests, newest first, a page at a time, with the total."""
    who = ReleaseRequest.requested_by == _label(actor)
    total = session.scalar(select(func.count()).select_from(ReleaseRequest).where(who)) or 0
    rows = session.scalars(
        select(ReleaseRequest).where(who).order_by(ReleaseRequest.id.desc()).offset(offset).limit(limit)
    )
    return list(rows), total
