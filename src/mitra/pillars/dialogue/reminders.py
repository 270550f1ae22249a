"""The dialogue's part of the daily check: milestones past due and neither met nor in conflict, for their owners.

The register decides (``service.load_register`` as the person, so through policy): the latest report of each side
wins, two sides reporting differently is a conflict, and a milestone is overdue when its due date has passed and
it is neither met nor in conflict. The owner is the agency the commitment names for this nation, or, where it
names none, the originating agency of a commitment made here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from mitra.core.access import may
from mitra.foundation.errors import InvalidInput
from mitra.foundation.words import N_, Said
from mitra.node import Reminder
from mitra.pillars.dialogue.service import CommitmentState, load_register
from mitra.policy import Action, Actor

_OVERDUE = N_("Milestone “%(milestone)s” of “%(commitment)s” is overdue")

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.node import Node


def overdue_milestones(session: Session, node: Node, actor: Actor, today: date) -> Iterator[Reminder]:
    """Each overdue milestone of a commitment ``actor``'s agency owns and may see."""
    if actor.agency is None or not may(actor, Action.READ_DATA, nation=node.nation):
        return
    register = load_register(session, node, actor, today=today)
    for state in register.commitments:
        if _owner(session, node, state) != actor.agency:
            continue
        for milestone in state.milestones:
            if not milestone.overdue:
                continue
            try:
                due = next(m for m in state.commitment.milestones if m.key == milestone.key).due()
            except InvalidInput:  # the store validated it; a stored value that no longer parses is not guessed at
                continue
            if due is None:
                continue
            commitment = state.commitment
            name = _name(session, node, commitment.id)
            words = Said(_OVERDUE, {"milestone": milestone.title, "commitment": name})
            yield Reminder(
                key=f"overdue:{commitment.id}:{milestone.key}:{due.isoformat()}",
                object_id=commitment.id,
                subject=words.english(),
                words=words,
                link=f"/objects/{commitment.id}",
                detail={
                    "due_date": due.isoformat(),
                    "days_overdue": str((today - due).days),
                    "status": milestone.status,
                },
            )


def _owner(session: Session, node: Node, state: CommitmentState) -> str | None:
    owner = state.commitment.owners.get(node.nation)
    if owner is None and state.commitment.originator == node.nation:
        owner = node.store.latest_row(session, state.commitment.id).originator_agency
    return owner


def _name(session: Session, node: Node, object_id: str) -> str:
    name = node.store.latest_row(session, object_id).as_stix().get("name")
    return str(name) if name else object_id
