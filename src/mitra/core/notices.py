"""Notices: one row per person told something (an in-app inbox), and ``post``, the one call every producer makes.

A notice stores the kind and the object it is about, never a judgement of who may read that object: whether
the person sees the object's name and link is decided when the notice is shown or sent (``present``), through
the store's policy check, so a narrowing made after the notice was posted hides it too.

Its subject is kept as words to be said (``words``: a ``foundation.words.Said``, its English msgid and values),
worded when shown (in the reader's language, by the web) or sent (in the recipient's, by ``mitra.notify``); the
English ``subject`` is kept beside it, and a notice stored with a subject only (before 0010, or posted with plain
text) shows that subject as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, Session, load_only, mapped_column

from mitra.core.identity import User
from mitra.core.objects import ObjectStore, StixObject
from mitra.core.records import MARKING_COLUMNS
from mitra.foundation.db import Base, UtcDateTime
from mitra.foundation.errors import InvalidInput, NotFound
from mitra.foundation.timestamps import now_utc
from mitra.foundation.words import N_, Said, Translator
from mitra.policy import Actor, Handling, Role, View, decide

# What a notice can be about, with the words a person reads for each (msgids: translated where shown).
KINDS: dict[str, str] = {
    "received": N_("received from a partner"),
    "retracted": N_("retracted by a partner"),
    "narrowed": N_("narrowed by a partner"),
    "release_requested": N_("waiting for release"),
    "release_approved": N_("release approved"),
    "release_refused": N_("release refused"),
    "overdue": N_("overdue"),
    "alert": N_("maritime alert"),
}

# The names of the details producers give (``post(detail=...)``), as a person reads them; a key not listed is
# an object type (the counts of a "received" notice) or a producer's own, shown in words made from the key.
DETAIL_LABELS: dict[str, str] = {
    "to": N_("To"),
    "requested_by": N_("Requested by"),
    "decided_by": N_("Decided by"),
    "reason": N_("Reason"),
    "due_date": N_("Due date"),
    "days_overdue": N_("Days overdue"),
    "status": N_("Status"),
}

# One object, or a count: two messages (as the templates say "1 notice" and "%(total)s notices").
_RECEIVED_ONE = N_("1 object received from %(partner)s")
_RECEIVED = N_("%(count)s objects received from %(partner)s")
_HIDDEN = N_("An object you cannot see was %(what)s")

# Ways a person can be told; the inbox is one, and the one a person gets unless they choose otherwise.
CHANNELS = ("in_app", "email", "webhook")


class Notice(Base):
    """One thing one person is told."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("username", "key", name="uq_notices_username_key"),
        Index("ix_notices_username_id", "username", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))  # in English; what is shown when ``words`` is None
    words: Mapped[str | None] = mapped_column(Text)  # the subject to be worded: ``Said.to_json``, as JSON
    link: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    key: Mapped[str | None] = mapped_column(String(200))
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    @property
    def details(self) -> dict[str, str]:
        value: dict[str, str] = json.loads(self.detail)
        return value

    @property
    def said(self) -> Said | None:
        """The subject as words to be said in the reader's language (None: only the stored English subject)."""
        return Said.from_json(json.loads(self.words)) if self.words else None


class NoticePreference(Base):
    """How one person wants to be told of one kind (no row: in the inbox only)."""

    __tablename__ = "notice_preferences"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook: Mapped[bool] = mapped_column(Boolean, default=False)


class NoticeAddress(Base):
    """The e-mail address a person gave for notices (kept here: ``users`` is identity's)."""

    __tablename__ = "notice_addresses"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))


class NoticeDelivery(Base):
    """One notice to be sent by one channel (e-mail, or one webhook endpoint), with its retry state."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (Index("ix_notice_deliveries_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class DeliveryAttempt(Base):
    """One try of a delivery: when, and the status code or the error."""

    __tablename__ = "notice_delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notice_deliveries.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class WebhookEndpoint(Base):
    """An admin's webhook: where to POST notices of the listed kinds, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    kinds: Mapped[str] = mapped_column(String(500))  # space-joined kinds
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def kind_set(self) -> frozenset[str]:
        return frozenset(self.kinds.split())


@dataclass(frozen=True, slots=True)
class Channels:
    in_app: bool
    email: bool
    webhook: bool


def preferences(session: Session, username: str) -> dict[str, Channels]:
    """Every kind's channels for ``username`` (the inbox only where nothing was chosen)."""
    rows = {p.kind: p for p in session.scalars(select(NoticePreference).where(NoticePreference.username == username))}
    return {
        kind: Channels(row.in_app, row.email, row.webhook) if (row := rows.get(kind)) else Channels(True, False, False)
        for kind in KINDS
    }


def post(
    session: Session,
    *,
    kind: str,
    recipients: Iterable[str],
    object_id: str | None,
    subject: str | None = None,
    words: Said | None = None,
    link: str | None = None,
    detail: Mapping[str, str] | None = None,
    key: str | None = None,
) -> int:
    """One notice per recipient username (inactive or unknown users skipped); `key` makes it idempotent
    (a second post with the same key to the same person adds nothing). Returns how many were added.

    The subject is ``words`` (a marked message and its values, worded for each reader in their language) or,
    for a producer that has only English, a plain ``subject`` shown as it is; given both, ``subject`` is the
    English kept beside the words. The caller's transaction holds the notices and their pending deliveries; the
    deliverer sends after commit.
    """
    if kind not in KINDS:
        raise InvalidInput(f"kind: {kind!r} is not a notice kind ({', '.join(KINDS)})")
    if subject is None and words is None:
        raise InvalidInput(f"a {kind!r} notice needs a subject: give words (a Said) or a plain subject")
    english = subject if subject is not None else words.english() if words is not None else ""
    stored_words = json.dumps(words.to_json(), sort_keys=True, ensure_ascii=False) if words is not None else None
    names = sorted(set(recipients))
    if not names:
        return 0
    active = set(session.scalars(select(User.username).where(User.username.in_(names), User.active.is_(True))))
    if key is not None:
        active -= set(session.scalars(select(Notice.username).where(Notice.key == key, Notice.username.in_(active))))
    if not active:
        return 0
    endpoints = [
        e for e in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active)) if kind in e.kind_set
    ]
    now = now_utc()
    body = json.dumps(dict(detail or {}), sort_keys=True)
    for username in sorted(active):
        channels = preferences(session, username)[kind]
        notice = Notice(
            username=username,
            kind=kind,
            object_id=object_id,
            subject=english[:300],
            words=stored_words,
            link=link,
            detail=body,
            key=key,
            in_app=channels.in_app,
            created_at=now,
            read_at=None,
        )
        session.add(notice)
        session.flush()
        if channels.email and session.get(NoticeAddress, username) is not None:
            session.add(NoticeDelivery(notice_id=notice.id, channel="email", state="pending", attempts=0, due_at=now))
        if channels.webhook:
            for endpoint in endpoints:
                session.add(
                    NoticeDelivery(
                        notice_id=notice.id,
                        channel="webhook",
                        endpoint_id=endpoint.id,
                        state="pending",
                        attempts=0,
                        due_at=now,
                    )
                )
    session.flush()
    return len(active)


def people_with_role(session: Session, role: Role, *, agency: str | None = None) -> list[str]:
    """Usernames of the active people holding ``role`` (of ``agency`` if given), sorted."""
    query = select(User).where(User.active.is_(True))
    if agency is not None:
        query = query.where(User.agency == agency)
    return sorted(u.username for u in session.scalars(query) if role in u.role_set)


def people(session: Session, nation: str) -> list[Actor]:
    """The node's active people (partner accounts are not people), as the policy sees them."""
    users = session.scalars(select(User).where(User.active.is_(True), User.nation == nation).order_by(User.username))
    return [actor for user in users if not (actor := user.actor()).is_partner]


def people_who_may_see(session: Session, nation: str, handling: Handling) -> list[str]:
    """Usernames of the people the policy lets see an object of ``handling``."""
    return [a.username for a in people(session, nation) if a.username and decide(a, handling, View()).allowed]


_MARKING_COLUMNS = (StixObject.type, *MARKING_COLUMNS)
_CHUNK = 900


def post_received(session: Session, store: ObjectStore, *, partner: str, seqs: Sequence[int]) -> int:
    """Tell each person what of the versions ``seqs`` (just received from ``partner``) they may see: counts by type.

    One notice per person for a pull, never one per object: while a person's "received" notice from ``partner`` is
    unread and not yet sent by e-mail or webhook, later pages add to its counts. Nothing is posted to a person who
    may see none of it, and nothing at all for an empty batch. Returns how many people were newly told.
    """
    if not seqs:
        return 0
    by_marking: dict[tuple[str, Handling], int] = {}
    for start in range(0, len(seqs), _CHUNK):
        rows = session.scalars(
            select(StixObject)
            .options(load_only(*_MARKING_COLUMNS))
            .where(StixObject.seq.in_(seqs[start : start + _CHUNK]))
        )
        for row in rows:
            pair = (row.type, row.handling(held_by=store.nation))
            by_marking[pair] = by_marking.get(pair, 0) + 1
    added = 0
    for actor in people(session, store.nation):
        counts: dict[str, int] = {}
        for (type_name, handling), count in by_marking.items():
            if decide(actor, handling, View()).allowed:
                counts[type_name] = counts.get(type_name, 0) + count
        if counts and actor.username:
            added += _add_received(session, actor.username, partner, counts)
    return added


def _add_received(session: Session, username: str, partner: str, counts: dict[str, int]) -> int:
    open_notice = session.scalar(
        select(Notice)
        .where(
            Notice.username == username,
            Notice.kind == "received",
            Notice.read_at.is_(None),
            Notice.key.like(f"received:{partner}:%"),
        )
        .order_by(Notice.id.desc())
        .limit(1)
    )
    if open_notice is not None and not _sent_anywhere(session, open_notice.id):
        total = {k: int(v) for k, v in open_notice.details.items()}
        for type_name, count in counts.items():
            total[type_name] = total.get(type_name, 0) + count
        open_notice.detail = json.dumps({k: str(v) for k, v in total.items()}, sort_keys=True)
        said = _received_subject(partner, total)
        open_notice.subject = said.english()[:300]
        open_notice.words = json.dumps(said.to_json(), sort_keys=True, ensure_ascii=False)
        return 0
    return post(
        session,
        kind="received",
        recipients=[username],
        object_id=None,
        words=_received_subject(partner, counts),
        link=f"/objects?originator={partner}",
        detail={k: str(v) for k, v in counts.items()},
        key=f"received:{partner}:{now_utc().isoformat()}",
    )


def _sent_anywhere(session: Session, notice_id: int) -> bool:
    return (
        session.scalar(
            select(NoticeDelivery.id).where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.attempts > 0).limit(1)
        )
        is not None
    )


def _received_subject(partner: str, counts: Mapping[str, int]) -> Said:
    total = sum(counts.values())
    return (
        Said(_RECEIVED_ONE, {"partner": partner}) if total == 1 else Said(_RECEIVED, {"partner": partner}, count=total)
    )


# ----- reading, for the inbox and for whatever sends a notice ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeView:
    """A notice as one person may read it: the object's name and link only if the policy lets them see it."""

    id: int
    kind: str
    kind_label: str
    subject: str  # in English (or as stored, for a notice from before its words were kept)
    link: str | None
    detail: dict[str, str]
    created_at: datetime
    read: bool
    hidden: bool
    words: Said | None = None  # the subject to be worded in the reader's language; None: ``subject`` as it is

    def worded(self, translator: Translator, number: Callable[[int], str] = str) -> str:
        """The subject in ``translator``'s language (the stored English subject where no words were kept)."""
        return self.words.say(translator, number) if self.words is not None else self.subject

    def detail_label(self, key: str) -> Said | None:
        """A detail's name to be worded (None for a key with no words of its own: an object type, say)."""
        label = DETAIL_LABELS.get(key)
        return Said(label) if label is not None else None


def present(session: Session, store: ObjectStore, notice: Notice, user: User) -> NoticeView:
    """What ``user`` may read of ``notice``, decided now by the policy (the object may have narrowed since)."""
    label = KINDS.get(notice.kind, notice.kind)
    hidden = False
    if notice.object_id is not None:
        try:
            row = store.latest_row(session, notice.object_id)
        except NotFound:
            hidden = True
        else:
            hidden = not store.decide_view(row, user.actor()).allowed
    if hidden:
        said = Said(_HIDDEN, {"what": Said(label)})
        return NoticeView(
            notice.id,
            notice.kind,
            label,
            said.english(),
            None,
            {},
            notice.created_at,
            notice.read_at is not None,
            True,
            said,
        )
    return NoticeView(
        notice.id,
        notice.kind,
        label,
        notice.subject,
        notice.link,
        notice.details,
        notice.created_at,
        notice.read_at is not None,
        False,
        notice.said,
    )


def unread_count(session: Session, username: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notice)
            .where(Notice.username == username, Notice.in_app.is_(True), Notice.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, *, username: str, notice_id: int | None = None) -> int:
    """Mark one of ``username``'s notices read (or all of them); how many changed. Another's notice is not found."""
    query = update(Notice).where(Notice.username == username, Notice.read_at.is_(None))
    if notice_id is not None:
        if session.scalar(select(Notice.id).where(Notice.id == notice_id, Notice.username == username)) is None:
            raise NotFound(f"no notice {notice_id}")
        query = query.where(Notice.id == notice_id)
    result = session.execute(query.values(read_at=now_utc()))
    return int(result.rowcount)  # type: ignore[attr-defined]
