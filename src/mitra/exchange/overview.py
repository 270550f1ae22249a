"""What this node shares with each partner, what it withholds and why, and what it refused."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core.objects import SOURCE_PARTNER, StixObject
from mitra.exchange.models import Partner, Refusal, SyncState
from mitra.exchange.types import EXCHANGE_TYPES
from mitra.node import Node
from mitra.policy import Actor, Export, Role, decide

PLUMBING_TYPES = (*(t.name for t in EXCHANGE_TYPES), "extension-definition", "marking-definition")


@dataclass(frozen=True)
class Outgoing:
    row: StixObject
    released: bool
    reason: str


@dataclass(frozen=True)
class PartnerOverview:
    partner: Partner
    state: SyncState | None
    outgoing: list[Outgoing]
    refused: list[Refusal]

    @property
    def released(self) -> list[Outgoing]:
        return [o for o in self.outgoing if o.released]

    @property
    def withheld(self) -> list[Outgoing]:
        return [o for o in self.outgoing if not o.released]


def overview(session: Session, node: Node, *, viewer: Actor, limit: int = 40) -> list[PartnerOverview]:
    """Per partner: this node's latest objects the viewer may see, each with the policy's verdict."""
    local = [
        row
        for row in session.scalars(
            select(StixObject)
            .where(
                StixObject.is_latest.is_(True),
                StixObject.source != SOURCE_PARTNER,
                StixObject.type.not_in(PLUMBING_TYPES),
            )
            .order_by(StixObject.seq.desc())
            .limit(limit * 4)
        )
        if node.store.decide_view(row, viewer).allowed
    ][:limit]
    result = []
    for partner in session.scalars(select(Partner).order_by(Partner.nation)):
        as_partner = Actor(nation=partner.nation, agency=None, username=None, roles=frozenset({Role.PARTNER}))
        outgoing = []
        for row in local:
            decision = decide(as_partner, row.handling(held_by=node.nation), Export())
            outgoing.append(Outgoing(row, decision.allowed, decision.reason))
        refused = list(
            session.scalars(
                select(Refusal).where(Refusal.partner == partner.nation).order_by(Refusal.id.desc()).limit(limit)
            )
        )
        result.append(PartnerOverview(partner, session.get(SyncState, partner.nation), outgoing, refused))
    return result
