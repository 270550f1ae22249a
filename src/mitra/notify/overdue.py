"""The daily check: what each pillar says is due (``Pillar.reminders``), told to each person it names, once.

Each pillar answers as the person (so through policy) — the dialogue's overdue milestones for the commitment's
owning agency, say — and this layer only posts: a notice's key is the reminder's, so a second run the same day,
or the next day, adds nothing. The pillars are above this layer; it reaches them only through the node.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core import notices
from mitra.core.notices import Notice
from mitra.node import Node, Reminder


def check_overdue(node: Node, *, today: date) -> int:
    """Post an "overdue" notice for each reminder due; how many notices were added.

    Worked out in a read transaction; the node's write lock is taken only if someone is still to be told.
    """
    with node.db.read() as session:
        due = _due(session, node, today)
        posts = [(reminder, sorted(set(names) - _told(session, reminder.key))) for reminder, names in due.values()]
        posts = [(reminder, names) for reminder, names in posts if names]
    if not posts:
        return 0
    with node.db.write() as session:
        return sum(
            notices.post(
                session,
                kind="overdue",
                recipients=names,
                object_id=reminder.object_id,
                subject=reminder.subject,
                words=reminder.words,
                link=reminder.link,
                detail=reminder.detail,
                key=reminder.key,
            )
            for reminder, names in posts
        )


def _due(session: Session, node: Node, today: date) -> dict[str, tuple[Reminder, list[str]]]:
    """Reminder key -> (the reminder, the people it is for)."""
    found: dict[str, tuple[Reminder, list[str]]] = {}
    for person in notices.people(session, node.nation):
        if not person.username:
            continue
        for pillar in node.pillars:
            if pillar.reminders is None:
                continue
            for reminder in pillar.reminders(session, node, person, today):
                found.setdefault(reminder.key, (reminder, []))[1].append(person.username)
    return found


def _told(session: Session, key: str) -> set[str]:
    return set(session.scalars(select(Notice.username).where(Notice.key == key)))
