"""``decide`` and ``authorize``: every access question, answered with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from mitra.policy.markings import TLP_LEVELS, Handling, Role, Tlp
from mitra.policy.reasons import worded


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: a person of a nation's agency, or a partner node's account (role PARTNER)."""

    nation: str
    agency: str | None
    username: str | None
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def is_partner(self) -> bool:
        return Role.PARTNER in self.roles


@dataclass(frozen=True, slots=True)
class View:
    """A person on this node reads the object."""


@dataclass(frozen=True, slots=True)
class Export:
    """The object leaves this node for the partner node the actor stands for."""


@dataclass(frozen=True, slots=True)
class Release:
    """A release officer makes the object releasable to nation ``to``."""

    to: str


@dataclass(frozen=True, slots=True)
class RequestRelease:
    """A person of the originating agency asks a release officer to make the object releasable to ``to``."""

    to: str


Purpose = View | Export | Release | RequestRelease


@dataclass(frozen=True, slots=True)
class Decision:
    """An answer with its reason: ``reason`` in English (logs, audit), ``code`` and ``params`` for a page to say
    it in the person's language (``policy.reasons.REASONS[code]`` is the English, with ``params`` put in)."""

    allowed: bool
    reason: str
    code: str = ""
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __bool__(self) -> bool:
        return self.allowed


def _deny(code: str, **params: str) -> Decision:
    return Decision(False, worded(code, params), code, params)


def _allow(code: str, **params: str) -> Decision:
    return Decision(True, worded(code, params), code, params)


def _tlp(marking: Handling) -> str:
    return f"TLP:{Tlp(marking.tlp).value.upper()}"


def _recipient_parts(recipient: str) -> tuple[str, ...] | None:
    """``NATION:AGENCY`` or ``NATION:AGENCY:user`` with no empty part; anything else names nobody."""
    parts = tuple(recipient.split(":"))
    return parts if len(parts) in (2, 3) and all(parts) else None


def _recipient_matches(recipient: str, actor: Actor) -> bool:
    parts = _recipient_parts(recipient)
    if parts is None:
        return False
    if len(parts) == 2:
        return parts == (actor.nation, actor.agency)
    return parts == (actor.nation, actor.agency, actor.username)


def _names_nation(recipients: frozenset[str], nation: str) -> bool:
    """Does a well-formed recipient belong to ``nation``?"""
    return any((parts := _recipient_parts(r)) is not None and parts[0] == nation for r in recipients)


def _is_originator_agency(actor: Actor, marking: Handling) -> bool:
    return actor.nation == marking.originator_nation and actor.agency == marking.originator_agency


def decide(actor: Actor, marking: Handling, purpose: Purpose) -> Decision:
    """May ``actor`` do ``purpose`` with an object marked ``marking``? Always says why."""
    if marking.tlp not in TLP_LEVELS:
        return _deny("unknown_marking", tlp=repr(marking.tlp))
    if isinstance(purpose, View):
        return _decide_view(actor, marking)
    if isinstance(purpose, Export):
        return _decide_export(actor, marking)
    if isinstance(purpose, RequestRelease):
        return _decide_request(actor, marking, purpose.to)
    return _decide_release(actor, marking, purpose.to)


def _decide_view(actor: Actor, marking: Handling) -> Decision:
    tlp = Tlp(marking.tlp)
    if actor.is_partner:
        return _deny("partner_reads_taxii")
    if actor.nation != marking.held_by:
        return _deny("other_nation_viewer", nation=actor.nation, node=marking.held_by)
    if marking.withdrawn:
        return _deny("withdrawn_record")
    if marking.received and marking.held_by not in marking.releasable_to:
        return _deny("received_not_releasable", node=marking.held_by)
    if marking.revoked and not (_is_originator_agency(actor, marking) or Role.ADMIN in actor.roles):
        return _deny("revoked_hidden")
    if tlp is Tlp.AMBER_STRICT and not _is_originator_agency(actor, marking):
        return _deny("amber_strict_only", originator=f"{marking.originator_nation}:{marking.originator_agency}")
    if tlp is Tlp.RED:
        if _is_originator_agency(actor, marking):
            return _allow("red_originating_agency")
        if any(_recipient_matches(r, actor) for r in marking.red_recipients):
            return _allow("red_named_recipient")
        return _deny("red_not_named")
    return _allow("visible_within", tlp=_tlp(marking), node=marking.held_by)


def _decide_export(actor: Actor, marking: Handling) -> Decision:
    tlp = Tlp(marking.tlp)
    destination = actor.nation
    if not actor.is_partner:
        return _deny("exports_to_partners_only")
    if destination == marking.held_by:
        return _deny("own_nation", nation=destination)
    if marking.withdrawn:
        return _deny("withdrawn")
    if destination == marking.originator_nation:
        return _deny("originated_there", nation=destination)
    if marking.received and marking.orcon:
        return _deny("orcon", originator=marking.originator_nation)
    if destination not in marking.releasable_to:
        return _deny("not_releasable", nation=destination)
    if tlp is Tlp.AMBER_STRICT:
        return _deny("amber_strict_stays")
    if tlp is Tlp.RED and not _names_nation(marking.red_recipients, destination):
        return _deny("red_no_recipient_in", nation=destination)
    if marking.revoked:
        return _allow("revoked_sent", nation=destination)
    return _allow("exported", tlp=_tlp(marking), nation=destination)


def _decide_release(actor: Actor, marking: Handling, to: str) -> Decision:
    if Role.RELEASE_OFFICER not in actor.roles:
        return _deny("release_needs_officer")
    refusal = _release_terms(actor, marking, to, asking=False)
    if refusal is not None:
        return refusal
    return _allow("officer_releases", agency=str(actor.agency), tlp=_tlp(marking), nation=to)


_REQUESTERS = frozenset({Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN})


def _decide_request(actor: Actor, marking: Handling, to: str) -> Decision:
    """May ``actor`` ask for a release to ``to``? What a release officer could approve, asked by its agency."""
    if actor.is_partner:
        return _deny("partner_no_requests")
    if not actor.roles & _REQUESTERS:
        return _deny("request_needs_writer")
    refusal = _release_terms(actor, marking, to, asking=True)
    if refusal is not None:
        return refusal
    return _allow("agency_asks", agency=str(actor.agency), tlp=_tlp(marking), nation=to)


def _release_terms(actor: Actor, marking: Handling, to: str, *, asking: bool) -> Decision | None:
    """What makes an object not releasable to ``to`` by ``actor``'s hand (or, ``asking``, request), whatever the
    role; None if nothing does."""
    tlp = Tlp(marking.tlp)
    if actor.nation != marking.held_by:
        return _deny("request_other_node" if asking else "release_other_node", node=marking.held_by)
    if to == marking.held_by:
        return _deny("own_nation", nation=to)
    if marking.received:
        return _deny("received_originator_releases", originator=marking.originator_nation)
    if actor.agency != marking.originator_agency:
        return _deny("request_other_agency" if asking else "release_other_agency", agency=marking.originator_agency)
    if marking.revoked or marking.withdrawn:
        return _deny("revoked_not_released")
    if tlp is Tlp.AMBER_STRICT:
        return _deny("amber_strict_stays")
    if tlp is Tlp.RED and not _names_nation(marking.red_recipients, to):
        return _deny("red_name_recipient_first", nation=to)
    return None


def hides_existence(marking: Handling) -> bool:
    """Whether someone refused a view must not even learn that the object exists (its id answers "no object").

    RED and AMBER+STRICT are for named people or one organisation: a refusal that names the marking would
    tell anyone else what is held and how tightly. An unknown marking is hidden too.
    """
    return Tlp(marking.tlp) in (Tlp.RED, Tlp.AMBER_STRICT) if marking.tlp in TLP_LEVELS else True


def named_in_lists(marking: Handling) -> bool:
    """Whether a list may show the object's name beside a link to it, to a viewer who may see it.

    A TLP:RED object is named only on its own page, where reading it is audited; a list that cites it
    (the evidence of a commitment) says that it is there and links to it.
    """
    return Tlp(marking.tlp) is not Tlp.RED if marking.tlp in TLP_LEVELS else False


class Action(StrEnum):
    """Things done on a node that are not reads of one object."""

    CREATE = "create"
    UPDATE = "update"
    IMPORT = "import"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    SYNC = "sync"
    READ_DATA = "read_data"  # a pillar's local measurements and analytics (AIS positions, trade flows)
    INGEST = "ingest"  # bulk measurements into a pillar's analytics store (AIS, trade files)


_ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.CREATE: frozenset({Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN}),
    Action.UPDATE: frozenset({Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN}),
    Action.IMPORT: frozenset({Role.ANALYST, Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.READ_AUDIT: frozenset({Role.ADMIN}),
    Action.SYNC: frozenset({Role.ADMIN, Role.RELEASE_OFFICER}),
    Action.READ_DATA: frozenset({Role.VIEWER, Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN}),
    Action.INGEST: frozenset({Role.ANALYST, Role.ADMIN}),
}


def authorize(actor: Actor, action: Action, *, node_nation: str) -> Decision:
    """May ``actor`` perform ``action`` on the node of ``node_nation``?"""
    if actor.is_partner:
        return _deny("partner_cannot", action=action.value)
    if actor.nation != node_nation:
        return _deny("other_nation_account", nation=actor.nation, node=node_nation)
    allowed = _ACTION_ROLES[action]
    if actor.roles & allowed:
        return _allow("allowed_by_role", action=action.value)
    needed = ", ".join(sorted(role.value for role in allowed))
    return _deny("needs_role", action=action.value, roles=needed)


_TLP_ORDER = {Tlp.CLEAR: 0, Tlp.GREEN: 1, Tlp.AMBER: 2, Tlp.AMBER_STRICT: 3, Tlp.RED: 4}


def narrows(old: Handling, new: Handling) -> Decision:
    """Is ``new`` the same as or stricter than ``old`` in every respect? (Widening is a release.)"""
    if old.tlp not in TLP_LEVELS or new.tlp not in TLP_LEVELS:
        return _deny("unknown_marking_compare")
    if (new.originator_nation, new.originator_agency) != (old.originator_nation, old.originator_agency):
        return _deny("originator_fixed")
    if _TLP_ORDER[Tlp(new.tlp)] < _TLP_ORDER[Tlp(old.tlp)]:
        return _deny("looser", new=f"TLP:{new.tlp.upper()}", old=f"TLP:{old.tlp.upper()}")
    if not new.releasable_to <= old.releasable_to:
        added = ", ".join(sorted(new.releasable_to - old.releasable_to))
        return _deny("adding_is_release", nations=added)
    if old.orcon and not new.orcon:
        return _deny("lifting_orcon")
    if (old.revoked and not new.revoked) or (old.withdrawn and not new.withdrawn):
        return _deny("not_brought_back")
    if Tlp(new.tlp) is Tlp.RED:
        return _narrows_to_red(old, new)
    return _allow("same_or_stricter")


def _narrows_to_red(old: Handling, new: Handling) -> Decision:
    """Naming TLP:RED recipients narrows only if each of them could already see the object."""
    old_tlp = Tlp(old.tlp)
    for recipient in sorted(new.red_recipients):
        parts = _recipient_parts(recipient)
        if parts is None:
            continue  # names nobody, so widens nothing
        if old_tlp is Tlp.RED:
            allowed = recipient in old.red_recipients
        elif old_tlp is Tlp.AMBER_STRICT:
            allowed = parts[:2] == (old.originator_nation, old.originator_agency)
        else:
            allowed = parts[0] == old.originator_nation or parts[0] in old.releasable_to
        if not allowed:
            return _deny("red_recipient_widens", recipient=recipient)
    return _allow("same_or_stricter")
