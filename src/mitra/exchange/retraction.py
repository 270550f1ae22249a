"""Narrowing a marking: a new version, and a retraction notice to each partner that loses access."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput, to_policy_handling
from mitra.exchange.models import Partner
from mitra.exchange.partners import partner_actor
from mitra.exchange.types import ACKNOWLEDGEMENT, RETRACTION
from mitra.foundation.errors import Forbidden
from mitra.node import Node
from mitra.policy import Actor, Export, Handling, decide, narrows


def partners_losing(session: Session, before: Handling, now: Handling) -> list[str]:
    """The partners the policy let receive an object under ``before`` and no longer does under ``now``."""
    losing = []
    for partner in session.scalars(select(Partner.nation).order_by(Partner.nation)):
        account = partner_actor(partner)
        if decide(account, before, Export()).allowed and not decide(account, now, Export()).allowed:
            losing.append(partner)
    return losing


def retract_narrowed(
    session: Session, node: Node, object_id: str, before: Handling, now: Handling, reason: str
) -> list[str]:
    """The store's narrowing hook (``bootstrap``): each partner that loses the object gets a retraction."""
    notified = partners_losing(session, before, now)
    for partner in notified:
        _retract(session, node, object_id, partner, reason)
    return notified


def change_marking(
    session: Session, *, node: Node, object_id: str, handling: HandlingInput, actor: Actor, reason: str
) -> tuple[StixObject, list[str]]:
    """Write a stricter marking (refused if it widens); partners that could receive it and now cannot are told."""
    latest = node.store.latest_row(session, object_id)
    old = latest.handling(held_by=node.nation)
    new = to_policy_handling(handling, held_by=node.nation, revoked=False, withdrawn=False)
    verdict = narrows(old, new)
    if not verdict.allowed:
        raise Forbidden(verdict.reason)
    notified = partners_losing(session, old, new)
    row = node.store.new_version(
        session, object_id=object_id, changes={}, actor=actor, handling=handling, audit_action="narrow", reason=reason
    )
    return row, notified


_REASON_LENGTH = int(RETRACTION.schema["properties"]["reason"]["maxLength"])


def _retract(session: Session, node: Node, object_id: str, partner: str, reason: str) -> None:
    # A narrowing is never refused for the length of its explanation: a long one is cut, and says so.
    said = reason if len(reason) <= _REASON_LENGTH else reason[: _REASON_LENGTH - 1] + "…"
    node.record_own(
        session,
        {"type": RETRACTION.name, "object_ref": object_id, "reason": said},
        releasable_to=(partner,),
        audit_action="retract",
    )


def acknowledgements(session: Session, object_id: str) -> list[dict[str, object]]:
    """What partners acknowledged about ``object_id`` (revocation applied, withdrawal applied)."""
    acks = []
    for row in session.scalars(
        select(StixObject).where(StixObject.type == ACKNOWLEDGEMENT.name).order_by(StixObject.seq)
    ):
        body = row.as_stix()
        if body.get("object_ref") == object_id:
            acks.append(
                {
                    "from": row.received_from or row.originator_nation,
                    "applied": body.get("applied"),
                    "applied_at": body.get("applied_at"),
                }
            )
    return acks
