"""Views over the audit chain: who acted (a person, the node itself, a partner), filters, pages and CSV rows.

Reading only: nothing here writes an entry. Who acted is read from the actor as it is spelled in the chain
(:func:`actor_kind`), by one rule that runs both in Python and as SQL, so a filtered page and a row agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEntry
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp


class ActorKind(StrEnum):
    PERSON = "person"
    SYSTEM = "system"
    PARTNER = "partner"


class Who(StrEnum):
    """Whose acts a view shows: everyone's, people's, or the machines' (the node itself and its partners)."""

    ALL = "all"
    PEOPLE = "people"
    MACHINES = "machines"


# A password sign-in is a person's, whatever name was typed (the actor of these entries is that name as typed).
SIGN_IN_ACTIONS = ("login", "login_failed", "login_blocked")

# How actors are spelled in the chain, and what each spelling is; the first rule that matches decides.
# Patterns are SQL LIKE patterns over the lower-cased actor (``%`` any run, ``_`` one character):
#   asha                      a bare name: a program (system, pairing, demo), unless it signs in (above)
#   partner:MYS               a partner's node, over TAXII
#   cli, cli:root             someone at the node's console (an operating-system login)
#   IND:system, IND:system:seed   the node itself
#   MYS:-:partner-mys         another node's account (partner accounts have no agency)
#   IND:NSCS:asha             a person of an agency (usernames hold no ':')
#   IND:NSCS:cli:root         a person at the console, acting for an agency
#   IND:NSCS:demo:loader      a program acting for an agency (a pseudo-user with ':' in its name)
_RULES: tuple[tuple[ActorKind, tuple[str, ...], tuple[str, ...]], ...] = (
    # (kind, any of these patterns, and none of these)
    (ActorKind.PARTNER, ("partner:%",), ()),
    (ActorKind.PERSON, ("cli", "cli:%"), ()),
    (ActorKind.SYSTEM, (), ("%:%",)),
    (ActorKind.SYSTEM, ("___:system", "___:system:%"), ()),
    (ActorKind.PARTNER, ("___:-:%",), ()),
    (ActorKind.SYSTEM, ("%:%:%:%",), ("%:%:cli:%",)),
)
_LOWER_ASCII = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _like(pattern: str) -> re.Pattern[str]:
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


_COMPILED = tuple(
    (kind, tuple(_like(p) for p in anyof), tuple(_like(p) for p in noneof)) for kind, anyof, noneof in _RULES
)


def actor_kind(actor: str, action: str) -> ActorKind:
    """Whether an entry is a person's act, the node's own, or a partner's (see ``_RULES`` for the spellings)."""
    if action in SIGN_IN_ACTIONS:
        return ActorKind.PERSON
    lowered = actor.translate(_LOWER_ASCII)  # as SQLite's lower(): ASCII letters only
    for kind, anyof, noneof in _COMPILED:
        if (not anyof or any(p.fullmatch(lowered) for p in anyof)) and not any(p.fullmatch(lowered) for p in noneof):
            return kind
    return ActorKind.PERSON


def actor_kind_column() -> ColumnElement[str]:
    """:func:`actor_kind` as a SQL expression over the entry's columns."""
    lowered = func.lower(AuditEntry.actor)
    whens: list[tuple[ColumnElement[bool], str]] = [(AuditEntry.action.in_(SIGN_IN_ACTIONS), ActorKind.PERSON.value)]
    for kind, anyof, noneof in _RULES:
        matches = or_(*(lowered.like(p) for p in anyof)) if anyof else true()
        excluded = or_(*(lowered.like(p) for p in noneof)) if noneof else false()
        whens.append((and_(matches, not_(excluded)), kind.value))
    return case(*whens, else_=ActorKind.PERSON.value)


_ACTION = re.compile(r"^[a-z_]{1,40}$")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_NATION = re.compile(r"^[A-Z]{3}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def _moment(text: str, *, where: str) -> tuple[datetime, timedelta]:
    """A UTC moment written as a day, a minute or a second, and how long that is (for an inclusive end)."""
    for pattern, span in ((_DAY, timedelta(days=1)), (_MINUTE, timedelta(minutes=1)), (_SECOND, timedelta(seconds=1))):
        if pattern.match(text):
            try:
                return datetime.fromisoformat(text).replace(tzinfo=UTC), span
            except ValueError:
                break
    raise InvalidInput(f"{where}: {text!r} is not a UTC day or time (2025-01-07, or 2025-01-07T10:30)")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries a view shows; every field left empty shows all."""

    who: Who = Who.ALL
    actor: str | None = None  # part of the actor, any case ("asha" finds IND:NSCS:asha and asha's sign-ins)
    action: str | None = None
    object: str | None = None  # an object id, or a type (every object of it)
    partner: str | None = None  # a nation: what its node did here, and what was released to it
    since: str | None = None  # inclusive, UTC: a day or a time
    until: str | None = None  # inclusive, UTC: to the end of the day, minute or second written

    @classmethod
    def parse(
        cls,
        *,
        who: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        object: str | None = None,  # the filter's name on the page and in the query string
        partner: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> AuditFilter:
        """A filter from a query string's values (empty is absent); a bad value names its field."""
        who, actor, action = (who or "").strip(), (actor or "").strip(), (action or "").strip()
        obj, partner = (object or "").strip(), (partner or "").strip().upper()
        since, until = (since or "").strip(), (until or "").strip()
        if who and who not in {w.value for w in Who}:
            raise InvalidInput(f"who: {who!r} is not one of all, people, machines")
        if len(actor) > 200:
            raise InvalidInput("actor: at most 200 characters")
        if action and not _ACTION.match(action):
            raise InvalidInput(f"action: {action[:50]!r} is not an action name")
        if obj and (len(obj) > 120 or ("--" not in obj and not _TYPE.match(obj))):
            raise InvalidInput(f"object: {obj[:50]!r} is neither an object id nor a type")
        if partner and not _NATION.match(partner):
            raise InvalidInput(f"partner: {partner[:10]!r} is not a nation code (MYS)")
        for name, value in (("since", since), ("until", until)):
            if value:
                _moment(value, where=name)
        return cls(
            Who(who or "all"), actor or None, action or None, obj or None, partner or None, since or None, until or None
        )

    @property
    def is_empty(self) -> bool:
        return self == AuditFilter()

    def query_items(self) -> list[tuple[str, str]]:
        """The filter as query-string pairs (for links to the next page and to the CSV)."""
        items = [("who", self.who.value)] if self.who is not Who.ALL else []
        for name in ("actor", "action", "object", "partner", "since", "until"):
            value = getattr(self, name)
            if value:
                items.append((name, value))
        return items

    def clause(self) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.who is Who.PEOPLE:
            conditions.append(actor_kind_column() == ActorKind.PERSON.value)
        elif self.who is Who.MACHINES:
            conditions.append(actor_kind_column() != ActorKind.PERSON.value)
        if self.actor:
            conditions.append(AuditEntry.actor.icontains(self.actor, autoescape=True))
        if self.action:
            conditions.append(AuditEntry.action == self.action)
        if self.object:
            if "--" in self.object:
                conditions.append(AuditEntry.object_id == self.object)
            else:
                conditions.append(AuditEntry.object_id.startswith(f"{self.object}--", autoescape=True))
        if self.partner:
            conditions.append(
                or_(
                    AuditEntry.actor == f"partner:{self.partner}",
                    AuditEntry.actor.startswith(f"{self.partner}:-:"),
                    and_(AuditEntry.action == "release", AuditEntry.detail.contains(f'"to": "{self.partner}"')),
                )
            )
        if self.since:
            start, _ = _moment(self.since, where="since")
            conditions.append(AuditEntry.at >= format_timestamp(start))
        if self.until:
            end, span = _moment(self.until, where="until")
            conditions.append(AuditEntry.at < format_timestamp(end + span))
        return and_(true(), *conditions)


@dataclass(frozen=True, slots=True)
class AuditPage:
    """Entries newest first, and the cursor of the next (older) page: ``None`` at the oldest."""

    entries: list[AuditEntry]
    next: str | None


def read_before(text: str | None) -> int | None:
    """A page cursor from a query string (the ``seq`` the next page starts below)."""
    if not text:
        return None
    if not text.isdigit() or len(text) > 19:
        raise InvalidInput(f"before: {text[:30]!r} is not a cursor from a previous page (a whole number)")
    return int(text)


def _filtered(flt: AuditFilter) -> Select[AuditEntry]:
    return select(AuditEntry).where(flt.clause())


def search(session: Session, flt: AuditFilter, *, before: int | None = None, limit: int = 50) -> AuditPage:
    """One page of the entries ``flt`` lets through, newest first, below ``before`` (keyset on ``seq``)."""
    query = _filtered(flt)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit + 1)))
    if len(rows) > limit:
        return AuditPage(rows[:limit], str(rows[limit - 1].seq))
    return AuditPage(rows, None)


def count(session: Session, flt: AuditFilter) -> int:
    """How many entries ``flt`` lets through."""
    return int(session.scalar(select(func.count()).select_from(AuditEntry).where(flt.clause())) or 0)


def actions(session: Session) -> list[str]:
    """The actions the chain holds, for a filter's choices."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def batch_after(session: Session, flt: AuditFilter, *, after: int, upto: int, limit: int = 2000) -> list[AuditEntry]:
    """Entries ``flt`` lets through with ``after < seq <= upto``, oldest first: a batch of an export."""
    query = _filtered(flt).where(AuditEntry.seq > after, AuditEntry.seq <= upto)
    return list(session.scalars(query.order_by(AuditEntry.seq).limit(limit)))


# ----- CSV ----------------------------------------------------------------------------

CSV_COLUMNS = ("seq", "at", "actor", "kind", "action", "object_id", "detail", "prev_hash", "hash")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """A text a spreadsheet will not run: one starting as a formula gets a leading apostrophe (OWASP's advice).

    Only a name typed at a failed sign-in can start so; every other value is the node's own spelling.
    """
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def csv_row(entry: AuditEntry) -> list[str]:
    """One entry as a CSV row in ``CSV_COLUMNS`` order: as stored (the hashes let a reader re-verify), plus its kind."""
    return [
        str(entry.seq),
        entry.at,
        _cell(entry.actor),
        actor_kind(entry.actor, entry.action).value,
        entry.action,
        _cell(entry.object_id or ""),
        entry.detail,
        entry.prev_hash,
        entry.hash,
    ]


# ----- words for people ---------------------------------------------------------------


def N_(message: str) -> str:  # noqa: N802 — gettext's name, which the catalogues' extraction looks for
    """Mark a label for the catalogues; the page translates it where it shows it (this layer knows no language)."""
    return message


ACTION_LABELS: Mapping[str, str] = {
    "login": N_("Signed in"),
    "login_failed": N_("Sign-in refused"),
    "login_blocked": N_("Sign-in blocked (too many failures)"),
    "user_add": N_("Added a user"),
    "token_create": N_("Created an API token"),
    "create": N_("Created"),
    "update": N_("New version"),
    "import": N_("Imported"),
    "release": N_("Released"),
    "revoke": N_("Revoked"),
    "narrow": N_("Narrowed the marking"),
    "retract": N_("Sent a retraction"),
    "view_red": N_("Viewed a RED object"),
    "export": N_("Served to a partner"),
    "export_audit": N_("Downloaded the audit log"),
    "receive": N_("Received from a partner"),
    "receive_mark": N_("Partner re-marked an object"),
    "refuse": N_("Refused from a partner"),
    "sync_page": N_("Pulled a page from a partner"),
    "sync_failed": N_("Pull from a partner failed"),
    "publish_head": N_("Published the audit head"),
    "apply_withdrawn": N_("Applied a partner's withdrawal"),
    "apply_revoked": N_("Applied a partner's revocation"),
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


def actor_label(actor: str, action: str, *, nations: Mapping[str, str] | None = None) -> str:
    """Who acted, as a person would say it: 'asha (NSCS)', 'Malaysia's node', 'this node'."""
    names = nations or {}
    kind = actor_kind(actor, action)
    parts = actor.split(":")
    if kind is ActorKind.PARTNER:
        nation = parts[1] if actor.startswith("partner:") else parts[0]
        return f"{names.get(nation, nation)}'s node"
    if kind is ActorKind.SYSTEM:
        if len(parts) == 1:
            return {"system": N_("this node"), "pairing": N_("pairing"), "demo": N_("the demo")}.get(actor, actor)
        if len(parts) >= 2 and parts[1] == "system":
            return N_("this node (seed data)") if parts[2:] == ["seed"] else N_("this node")
        return f"{':'.join(parts[2:]).replace(':', ' ')} ({parts[1]})"
    if actor == "cli" or actor.startswith("cli:"):
        return f"{actor[4:] or 'someone'} at the console"
    if len(parts) >= 3:
        username = ":".join(parts[2:])
        if username.startswith("cli:"):
            return f"{username[4:]} at the console ({parts[1]})"
        return f"{username} ({parts[1]})"
    return actor


def _plural(count: Any, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def detail_summary(action: str, detail_text: str, *, limit: int = 160) -> str:
    """An entry's details in a line: the few that say what happened, any others as 'key: value'."""
    try:
        detail = json.loads(detail_text)
    except ValueError:
        return detail_text[:limit]
    if not isinstance(detail, dict):
        return str(detail)[:limit]
    said: list[str] = []
    rest = dict(detail)
    if action == "export" and "objects" in rest:
        said.append(_plural(rest.pop("objects"), "object"))
        rest.pop("versions", None)
        rest.pop("first_seq", None)
        rest.pop("last_seq", None)
    if action == "sync_page":
        said.append(f"{rest.pop('received', 0)} received, {rest.pop('refused', 0)} refused")
        said.append(f"{rest.pop('already_held', 0)} held already")
        rest.pop("cursor", None)
    if "modified" in rest:  # a version stored or re-marked: the store's own bookkeeping (seq, source) is left out
        said.append(f"version {when_label(str(rest.pop('modified')))}")
        for key in ("seq", "was_seq", "source"):
            rest.pop(key, None)
    if "tlp" in rest:
        said.append(f"TLP:{str(rest.pop('tlp')).upper()}")
    if "to" in rest:
        said.append(f"to {rest.pop('to')}")
    if "address" in rest:
        said.append(f"from {rest.pop('address')}")
    if "reason" in rest:
        said.append(str(rest.pop("reason")))
    if "error" in rest:
        said.append(str(rest.pop("error")))
    for key, value in rest.items():
        if isinstance(value, list | dict):
            said.append(f"{key}: {_plural(len(value), 'item')}")
        else:
            said.append(f"{key}: {value}")
    text = "; ".join(said)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def object_label(object_id: str) -> str:
    """An object id short enough for a column: its type and the start of its UUID ('indicator--1f2e3d4c…')."""
    kind, sep, rest = object_id.partition("--")
    return f"{kind}--{rest[:8]}…" if sep and len(rest) > 8 else object_id


def when_label(at: str) -> str:
    """A stored time as a person reads it: '2025-01-07 10:30:05 UTC'."""
    if len(at) >= 19 and at[10] == "T":
        return f"{at[:10]} {at[11:19]} UTC"
    return at
