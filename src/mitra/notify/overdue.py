"""The daily check for dialogue milestones past their due date and not met, told to the commitment's owners.

It reads the stored commitments and progress updates by type through the store's rows (the dialogue pillar is
above this layer and is not imported); the status rule is the register's (``pillars.dialogue.service``): the
latest report of each side wins, two sides reporting differently is a conflict, and a milestone is overdue when
its due date has passed and it is neither met nor in conflict. Idempotent: a notice's key is the commitment,
the milestone and its due date, so a second run the same day, or the next day, adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core import catalogue, notices
from mitra.core.notices import Notice
from mitra.core.objects import StixObject
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import parse_date
from mitra.node import Node
from mitra.policy import View, decide

# The dialogue pillar's progress update type (``pillars.dialogue.types.UPDATE``), by name.
PROGRESS_UPDATE = "x-mitra-progress-update"
_DONE = ("met", "conflict")


def _latest(session: Session, type_name: str) -> Iterator[StixObject]:
    yield from session.scalars(
        select(StixObject).where(
            StixObject.type == type_name,
            StixObject.is_latest.is_(True),
            StixObject.revoked.is_(False),
            StixObject.withdrawn.is_(False),
        )
    )


def _reported(session: Session) -> dict[tuple[str, str], dict[str, tuple[str, str]]]:
    """(commitment, milestone) -> nation -> (date, status) of that side's latest report."""
    found: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
    for row in _latest(session, PROGRESS_UPDATE):
        body = row.as_stix()
        key, status = body.get("milestone_key"), body.get("milestone_status")
        if not (isinstance(key, str) and isinstance(status, str)):
            continue
        sides = found.setdefault((str(body.get("commitment_ref")), key), {})
        nation, when = str(body.get("nation")), str(body.get("date"))
        if nation not in sides or sides[nation][0] <= when:
            sides[nation] = (when, status)
    return found


def _status(milestone: dict[str, Any], sides: dict[str, tuple[str, str]]) -> str:
    reported = {status for _, status in sides.values()}
    if len(reported) > 1:
        return "conflict"
    return reported.pop() if reported else str(milestone.get("status", "scheduled"))


def check_overdue(node: Node, *, today: date) -> int:
    """Post an "overdue" notice for each milestone past due; how many notices were added.

    Worked out in a read transaction; the node's write lock is taken only if someone is still to be told.
    """
    with node.db.read() as session:
        due = list(_overdue_posts(session, node, today))
        due = [p for p in due if _untold(session, p)]
    if not due:
        return 0
    with node.db.write() as session:
        return sum(notices.post(session, **p) for p in due)


def _untold(session: Session, post: dict[str, Any]) -> bool:
    told = set(session.scalars(select(Notice.username).where(Notice.key == post["key"])))
    return bool(set(post["recipients"]) - told)


def _overdue_posts(session: Session, node: Node, today: date) -> Iterator[dict[str, Any]]:
    reported = _reported(session)
    people = notices.people(session, node.nation)
    for row in _latest(session, catalogue.COMMITMENT):
        body = row.as_stix()
        owners = body.get("owners") or {}
        owner = owners.get(node.nation) if isinstance(owners, dict) else None
        if owner is None and row.originator_nation == node.nation:
            owner = row.originator_agency
        handling = row.handling(held_by=node.nation)
        told = [a.username for a in people if a.username and a.agency == owner and decide(a, handling, View()).allowed]
        if not told:
            continue
        for milestone in body.get("milestones") or []:
            post = _milestone_post(row, body, milestone, reported, told, today)
            if post is not None:
                yield post


def _milestone_post(
    row: StixObject,
    body: dict[str, Any],
    milestone: dict[str, Any],
    reported: dict[tuple[str, str], dict[str, tuple[str, str]]],
    told: list[str],
    today: date,
) -> dict[str, Any] | None:
    raw = milestone.get("due_date")
    if not raw:
        return None
    try:
        due = parse_date(raw, where="due_date")
    except InvalidInput:  # the store validated it; a stored value that no longer parses is not overdue by guess
        return None
    key = str(milestone.get("key"))
    status = _status(milestone, reported.get((row.id, key), {}))
    if due >= today or status in _DONE:
        return None
    title = milestone.get("title") or key
    name = body.get("name") or row.id
    return {
        "kind": "overdue",
        "recipients": told,
        "object_id": row.id,
        "subject": f"Milestone “{title}” of “{name}” is overdue",
        "link": f"/objects/{row.id}",
        "detail": {"due_date": due.isoformat(), "days_overdue": str((today - due).days), "status": status},
        "key": f"overdue:{row.id}:{key}:{due.isoformat()}",
    }
