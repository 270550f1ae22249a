"""What this node shares with each partner, what it withholds and why, what it received, retracted and refused.

Counted over the whole store, never a sample: the latest versions are counted in SQL, grouped by their marking
columns (and type). One group is one handling, so the policy engine decides each group once and its verdict
holds for every row in it: the engine stays the only decider of what leaves for a partner (``Export``, as the
partner's feed asks it, ``TaxiiService._serves``) and of what the person asking may see (``View``). A person is
told only of rows they may see: every count and every list here leaves out the groups ``View`` refuses them.
Lists are cut from the same groups (the rows of the chosen handlings, newest first), so "N of M" is exact.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session, defer

from mitra.audit.service import AuditEntry
from mitra.core.access import may
from mitra.core.objects import StixObject
from mitra.core.records import MARKING_COLUMNS, Recipient
from mitra.core.stix import HandlingInput, to_policy_handling
from mitra.exchange.models import Partner, Refusal, SyncState
from mitra.exchange.partners import partner_actor
from mitra.exchange.types import ACKNOWLEDGEMENT, AUDIT_HEAD, AUDIT_WITNESS, EXCHANGE_TYPES, RETRACTION
from mitra.exchange.witness import WitnessCheck, check_witnesses
from mitra.foundation.errors import NotFound
from mitra.foundation.timestamps import parse_timestamp
from mitra.node import Node
from mitra.policy import Action, Actor, Decision, Export, Handling, View, decide

# The exchange's own traffic and the type catalogue: counted apart (retractions, witnesses), never as content.
PLUMBING_TYPES = (*(t.name for t in EXCHANGE_TYPES), "extension-definition", "marking-definition")

# The columns a version's handling is made of (``StixObject.marking`` and its state), and its type.
_GROUP_COLUMNS = (StixObject.type, *MARKING_COLUMNS)

GroupKey = tuple[str, str, str, str, str, bool, str, bool, bool]


@dataclass(frozen=True)
class Group:
    """The latest versions of one type under one handling, and how many there are."""

    key: GroupKey
    count: int

    @property
    def type(self) -> str:
        return self.key[0]

    @property
    def revoked(self) -> bool:
        return self.key[7]

    def handling(self, *, held_by: str) -> Handling:
        _, tlp, nation, agency, releasable, orcon, red, revoked, withdrawn = self.key
        marking = HandlingInput(
            tlp=tlp,
            originator_nation=nation,
            originator_agency=agency,
            releasable_to=tuple(releasable.split()),
            orcon=orcon,
            red_recipients=tuple(json.loads(red)),
        )
        return to_policy_handling(marking, held_by=held_by, revoked=revoked, withdrawn=withdrawn)


def sees_withheld(node: Node, viewer: Actor) -> bool:
    """Whether ``viewer`` is shown what is withheld from partners, and what partners sent that was refused.

    Those who run the exchange (release officers and admins, who may sync) decide on releases; the rest see what
    went and what came. Either way only rows the viewer may see are shown or counted.
    """
    return may(viewer, Action.SYNC, nation=node.nation)


def _outgoing(partner: str) -> list[ColumnElement[bool]]:
    # What the partner's feed could carry: latest versions it did not originate (``TaxiiService._candidates``).
    return [
        StixObject.is_latest.is_(True),
        StixObject.originator_nation != partner,
        StixObject.type.not_in(PLUMBING_TYPES),
    ]


def _incoming(partner: str) -> list[ColumnElement[bool]]:
    return [
        StixObject.is_latest.is_(True),
        StixObject.received_from == partner,
        StixObject.type.not_in(PLUMBING_TYPES),
    ]


def groups(session: Session, where: Sequence[ColumnElement[bool]]) -> list[Group]:
    """The latest versions matching ``where``, counted per type and handling (one SQL ``GROUP BY``)."""
    query = select(*_GROUP_COLUMNS, func.count()).where(*where).group_by(*_GROUP_COLUMNS)
    # The row is the key columns in _GROUP_COLUMNS order, then the count: typed as a plain tuple by SQLAlchemy.
    return [Group(tuple(row[:-1]), int(row[-1])) for row in session.execute(query)]  # type: ignore[arg-type]


@dataclass(frozen=True)
class Verdict:
    """One group, with the policy's answers for the partner (``Export``) and for the person asking (``View``)."""

    group: Group
    export: Decision
    visible: bool


def _verdicts(node: Node, partner: str, viewer: Actor, found: list[Group]) -> list[Verdict]:
    to = partner_actor(partner)
    out = []
    for group in found:
        handling = group.handling(held_by=node.nation)
        out.append(Verdict(group, decide(to, handling, Export()), decide(viewer, handling, View()).allowed))
    return out


@dataclass(frozen=True)
class ReasonCount:
    """Objects withheld from a partner for one reason of the policy's, in all and per type."""

    reason: str
    count: int
    types: tuple[tuple[str, int], ...]
    decision: Decision | None = None  # the policy's answer behind ``reason``, for a page to word it in its language


def _by_reason(verdicts: list[Verdict]) -> tuple[ReasonCount, ...]:
    tally: dict[str, dict[str, int]] = {}
    decisions: dict[str, Decision] = {}
    for v in verdicts:
        per_type = tally.setdefault(v.export.reason, {})
        decisions.setdefault(v.export.reason, v.export)
        per_type[v.group.type] = per_type.get(v.group.type, 0) + v.group.count
    counted = [
        ReasonCount(
            reason,
            sum(types.values()),
            tuple(sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))),
            decisions[reason],
        )
        for reason, types in tally.items()
    ]
    return tuple(sorted(counted, key=lambda r: (-r.count, r.reason)))


@dataclass(frozen=True)
class LinkHealth:
    """How the link with a partner stands, both ways."""

    state: SyncState | None
    # The partner's pull from us: when it last took a page of objects, and how many released since wait for it.
    partner_took_at: datetime | None
    waiting: int

    @property
    def last_pull(self) -> datetime | None:
        return self.state.last_success_at if self.state else None

    @property
    def last_error(self) -> str | None:
        return self.state.last_error if self.state else None


@dataclass(frozen=True)
class HeadMark:
    """An audit head (its chain entry) as published or countersigned, and when this node got or wrote it."""

    seq: int
    at: datetime | None


@dataclass(frozen=True)
class WitnessState:
    """Audit witnessing with one partner: our head and its countersignature, the partner's head and ours of it."""

    our_head: HeadMark | None
    countersigned: HeadMark | None
    check: WitnessCheck | None
    their_head: HeadMark | None
    we_countersigned: HeadMark | None


@dataclass(frozen=True)
class PartnerSummary:
    partner: Partner
    released: int
    revocations: int
    received: int
    withheld: tuple[ReasonCount, ...] | None  # None: not shown to this person (``sees_withheld``)
    retractions: int
    acknowledged: int
    refused: int | None
    health: LinkHealth
    witness: WitnessState

    @property
    def withheld_total(self) -> int | None:
        return None if self.withheld is None else sum(r.count for r in self.withheld)

    @property
    def name(self) -> str:
        return self.partner.name


def summarise(
    session: Session, node: Node, partner: Partner, *, viewer: Actor, checks: list[WitnessCheck] | None = None
) -> PartnerSummary:
    """Every count of the exchange with ``partner``, over the whole store, as ``viewer`` may know them."""
    nation = partner.nation
    outgoing = [v for v in _verdicts(node, nation, viewer, groups(session, _outgoing(nation))) if v.visible]
    released = sum(v.group.count for v in outgoing if v.export.allowed and not v.group.revoked)
    revocations = sum(v.group.count for v in outgoing if v.export.allowed and v.group.revoked)
    withheld = _by_reason([v for v in outgoing if not v.export.allowed]) if sees_withheld(node, viewer) else None
    received = sum(g.count for g in groups(session, _incoming(nation)) if _may_view(node, viewer, g))
    sent = retractions(session, node, nation, viewer=viewer)
    refused = (
        session.scalar(select(func.count()).select_from(Refusal).where(Refusal.partner == nation))
        if sees_withheld(node, viewer)
        else None
    )
    if checks is None:
        checks = check_witnesses(session, node)
    return PartnerSummary(
        partner=partner,
        released=released,
        revocations=revocations,
        received=received,
        withheld=withheld,
        retractions=len(sent),
        acknowledged=sum(1 for r in sent if r.acknowledged),
        refused=refused,
        health=_health(session, node, nation, viewer),
        witness=_witness(session, node, nation, next((c for c in checks if c.partner == nation), None)),
    )


def overview(session: Session, node: Node, *, viewer: Actor) -> list[PartnerSummary]:
    """Per partner, in nation order: :func:`summarise`."""
    checks = check_witnesses(session, node)
    return [
        summarise(session, node, partner, viewer=viewer, checks=checks)
        for partner in session.scalars(select(Partner).order_by(Partner.nation))
    ]


def partner_of(session: Session, nation: str) -> Partner:
    partner = session.get(Partner, nation.upper()) if len(nation) == 3 and nation.isalpha() else None
    if partner is None:
        raise NotFound(f"{nation[:10]!r} is not a partner of this node")
    return partner


def _may_view(node: Node, viewer: Actor, group: Group) -> bool:
    return decide(viewer, group.handling(held_by=node.nation), View()).allowed


def _health(session: Session, node: Node, partner: str, viewer: Actor) -> LinkHealth:
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "export", AuditEntry.actor == f"partner:{partner}")
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    took_at, after = None, None
    if entry is not None:
        took_at = parse_timestamp(entry.at, where="audit entry")
        detail = json.loads(entry.detail)
        after = detail.get("last_seq") if isinstance(detail, dict) else None
    where = _outgoing(partner)
    if isinstance(after, int):
        where.append(StixObject.seq > after)
    waiting = sum(
        v.group.count for v in _verdicts(node, partner, viewer, groups(session, where)) if v.visible and v.export
    )
    return LinkHealth(session.get(SyncState, partner), took_at, waiting)


def _latest_of_type(session: Session, type_name: str, *, received_from: str | None) -> list[StixObject]:
    source = StixObject.received_from.is_(None) if received_from is None else StixObject.received_from == received_from
    return list(
        session.scalars(
            select(StixObject)
            .where(StixObject.type == type_name, StixObject.is_latest.is_(True), source)
            .order_by(StixObject.seq.desc())
            .limit(20)
        )
    )


def _mark(row: StixObject | None) -> HeadMark | None:
    if row is None:
        return None
    seq = row.as_stix().get("seq")
    return HeadMark(seq, row.received_at or row.date_added) if isinstance(seq, int) else None


def _witness(session: Session, node: Node, partner: str, check: WitnessCheck | None) -> WitnessState:
    ours = _latest_of_type(session, AUDIT_HEAD.name, received_from=None)
    theirs = _latest_of_type(session, AUDIT_HEAD.name, received_from=partner)
    signed_by_them = _latest_of_type(session, AUDIT_WITNESS.name, received_from=partner)
    signed_by_us = _latest_of_type(session, AUDIT_WITNESS.name, received_from=None)
    return WitnessState(
        our_head=_mark(next(iter(ours), None)),
        countersigned=_mark(next((r for r in signed_by_them if _witnessed(r) == node.nation), None)),
        check=check,
        their_head=_mark(next(iter(theirs), None)),
        we_countersigned=_mark(next((r for r in signed_by_us if _witnessed(r) == partner), None)),
    )


def _witnessed(row: StixObject) -> Any:
    return row.as_stix().get("witnessed_nation")


# ----- lists ---------------------------------------------------------------------------------------------------


PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    """One page of a list, newest first: its rows, how many match in all, where the page starts, what follows."""

    rows: list[StixObject]
    total: int
    first: int = 1  # the position of rows[0] among all that match (1-based)
    next_before: int | None = None  # the ``before`` of the next page

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


def _listing(
    session: Session, where: list[ColumnElement[bool]], chosen: list[Group], *, before: int | None, limit: int
) -> Listing:
    total = sum(g.count for g in chosen)
    if not chosen:
        return Listing([], 0)
    where = [*where, tuple_(*_GROUP_COLUMNS).in_([g.key for g in chosen])]
    shown_before = 0
    query = select(StixObject).options(defer(StixObject.search_text)).where(*where)
    if before is not None:
        shown_before = (
            session.scalar(select(func.count()).select_from(StixObject).where(*where, StixObject.seq >= before)) or 0
        )
        query = query.where(StixObject.seq < before)
    rows = list(session.scalars(query.order_by(StixObject.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Listing(rows, total, shown_before + 1, rows[-1].seq if more and rows else None)


def released_rows(
    session: Session, node: Node, partner: str, *, viewer: Actor, before: int | None = None, limit: int = PAGE_SIZE
) -> Listing:
    """The objects the policy releases to ``partner`` (revocations apart) that ``viewer`` may see."""
    where = _outgoing(partner)
    chosen = [
        v.group
        for v in _verdicts(node, partner, viewer, groups(session, where))
        if v.visible and v.export.allowed and not v.group.revoked
    ]
    return _listing(session, where, chosen, before=before, limit=limit)


def withheld_rows(
    session: Session,
    node: Node,
    partner: str,
    *,
    viewer: Actor,
    reason: str | None = None,
    type_name: str | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> Listing:
    """The objects withheld from ``partner`` (for one reason of the policy's, one type) that ``viewer`` may see."""
    if not sees_withheld(node, viewer):
        return Listing([], 0)
    where = _outgoing(partner)
    chosen = [
        v.group
        for v in _verdicts(node, partner, viewer, groups(session, where))
        if v.visible
        and not v.export.allowed
        and (reason is None or v.export.reason == reason)
        and (type_name is None or v.group.type == type_name)
    ]
    return _listing(session, where, chosen, before=before, limit=limit)


def reason_of(node: Node, partner: str, row: StixObject) -> str:
    """The policy's reason for what it does with ``row`` (a latest version) for ``partner``."""
    return decision_of(node, partner, row).reason


def decision_of(node: Node, partner: str, row: StixObject) -> Decision:
    """The policy's answer for ``row`` (a latest version) and ``partner``: a page words its reason."""
    return decide(partner_actor(partner), row.handling(held_by=node.nation), Export())


def received_rows(
    session: Session, node: Node, partner: str, *, viewer: Actor, before: int | None = None, limit: int = PAGE_SIZE
) -> Listing:
    """The objects received from ``partner`` that ``viewer`` may see, newest first."""
    where = _incoming(partner)
    chosen = [g for g in groups(session, where) if _may_view(node, viewer, g)]
    return _listing(session, where, chosen, before=before, limit=limit)


@dataclass(frozen=True)
class Acknowledgement:
    applied: str
    applied_at: str


@dataclass(frozen=True)
class SentRetraction:
    """A withdrawal sent to a partner (a narrowing's retraction, or a revoked version) and its acknowledgement."""

    notice: StixObject
    object_id: str
    kind: str  # "narrowed" or "revoked"
    reason: str
    acknowledgements: list[Acknowledgement] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return bool(self.acknowledgements)


def retractions(session: Session, node: Node, partner: str, *, viewer: Actor) -> list[SentRetraction]:
    """Every withdrawal sent to ``partner`` that ``viewer`` may know of, newest first, with the partner's answer.

    A retraction names the object it withdraws: it is listed only if the viewer may see that object too.
    """
    acks: dict[str, list[Acknowledgement]] = {}
    for row in session.scalars(
        select(StixObject).where(StixObject.type == ACKNOWLEDGEMENT.name, StixObject.received_from == partner)
    ):
        body = row.as_stix()
        notice = body.get("notice_ref") or body.get("object_ref")
        acks.setdefault(str(notice), []).append(
            Acknowledgement(str(body.get("applied", "")), str(body.get("applied_at", "")))
        )
    notices = list(
        session.scalars(
            select(StixObject)
            .join(Recipient, Recipient.seq == StixObject.seq)
            .where(
                Recipient.nation == partner,
                StixObject.type == RETRACTION.name,
                StixObject.received_from.is_(None),
                StixObject.is_latest.is_(True),
            )
        )
    )
    refs = {str(n.as_stix().get("object_ref")) for n in notices}
    targets = {
        row.id: row
        for row in session.scalars(select(StixObject).where(StixObject.id.in_(refs), StixObject.is_latest.is_(True)))
    }
    sent = []
    to = partner_actor(partner)
    for notice in notices:
        body = notice.as_stix()
        target = targets.get(str(body.get("object_ref")))
        if not decide(viewer, notice.handling(held_by=node.nation), View()).allowed or target is None:
            continue
        if not node.store.decide_view(target, viewer).allowed:
            continue
        sent.append(SentRetraction(notice, target.id, "narrowed", str(body.get("reason", "")), acks.get(notice.id, [])))
    revoked = [
        v.group
        for v in _verdicts(node, partner, viewer, groups(session, _outgoing(partner)))
        if v.visible and v.export.allowed and v.group.revoked
    ]
    if revoked:
        where = [*_outgoing(partner), tuple_(*_GROUP_COLUMNS).in_([g.key for g in revoked])]
        for row in session.scalars(select(StixObject).options(defer(StixObject.search_text)).where(*where)):
            if decide(to, row.handling(held_by=node.nation), Export()).allowed:
                sent.append(SentRetraction(row, row.id, "revoked", "revoked by the originator", acks.get(row.id, [])))
    return sorted(sent, key=lambda r: -r.notice.seq)


def refusals(
    session: Session, partner: str, *, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Refusal], int, int, int | None]:
    """A page of what ``partner`` sent that this node refused, newest first: rows, total, first position, next."""
    where = [Refusal.partner == partner]
    total = session.scalar(select(func.count()).select_from(Refusal).where(*where)) or 0
    query = select(Refusal).where(*where)
    shown_before = 0
    if before is not None:
        shown_before = (
            session.scalar(select(func.count()).select_from(Refusal).where(*where, Refusal.id >= before)) or 0
        )
        query = query.where(Refusal.id < before)
    rows = list(session.scalars(query.order_by(Refusal.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, total, shown_before + 1, rows[-1].id if more and rows else None
