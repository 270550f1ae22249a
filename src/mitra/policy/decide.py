"""``decide`` and ``authorize``: every access question, answered with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mitra.policy.markings import TLP_LEVELS, Handling, Role, Tlp


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
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _deny(reason: str) -> Decision:
    return Decision(False, reason)


def _allow(reason: str) -> Decision:
    return Decision(True, reason)


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
        return _deny(f"unknown marking {marking.tlp!r}: denied by default")
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
        return _deny("partner nodes read only through their TAXII collection")
    if actor.nation != marking.held_by:
        return _deny(f"viewer's nation {actor.nation} is not this node's nation {marking.held_by}")
    if marking.withdrawn:
        return _deny("withdrawn by the originator; kept only as a record")
    if marking.received and marking.held_by not in marking.releasable_to:
        return _deny(f"received, but not releasable to {marking.held_by}")
    if marking.revoked and not (_is_originator_agency(actor, marking) or Role.ADMIN in actor.roles):
        return _deny("revoked by the originator; only its agency and admins see it")
    if tlp is Tlp.AMBER_STRICT and not _is_originator_agency(actor, marking):
        return _deny(f"TLP:AMBER+STRICT: only {marking.originator_nation}:{marking.originator_agency}")
    if tlp is Tlp.RED:
        if _is_originator_agency(actor, marking):
            return _allow("TLP:RED: viewer is in the originating agency")
        if any(_recipient_matches(r, actor) for r in marking.red_recipients):
            return _allow("TLP:RED: viewer is a named recipient")
        return _deny("TLP:RED: named recipients only, and the viewer is not named")
    return _allow(f"TLP:{tlp.value.upper()}: visible within {marking.held_by}")


def _decide_export(actor: Actor, marking: Handling) -> Decision:
    tlp = Tlp(marking.tlp)
    destination = actor.nation
    if not actor.is_partner:
        return _deny("only a partner node's account receives exports")
    if destination == marking.held_by:
        return _deny(f"{destination} is this node's own nation")
    if marking.withdrawn:
        return _deny("withdrawn by the originator")
    if destination == marking.originator_nation:
        return _deny(f"{destination} originated it and holds it already")
    if marking.received and marking.orcon:
        return _deny(f"originator control: {marking.originator_nation}'s object is never passed on")
    if destination not in marking.releasable_to:
        return _deny(f"not releasable to {destination}")
    if tlp is Tlp.AMBER_STRICT:
        return _deny("TLP:AMBER+STRICT never leaves the originating organisation")
    if tlp is Tlp.RED and not _names_nation(marking.red_recipients, destination):
        return _deny(f"TLP:RED: no named recipient in {destination}")
    if marking.revoked:
        return _allow(f"revoked version: sent so that {destination} applies the revocation")
    return _allow(f"TLP:{tlp.value.upper()}, releasable to {destination}")


def _decide_release(actor: Actor, marking: Handling, to: str) -> Decision:
    if Role.RELEASE_OFFICER not in actor.roles:
        return _deny("release needs the release officer role")
    refusal = _release_terms(actor, marking, to, who="release officers", here="release", it="release it")
    if refusal is not None:
        return refusal
    return _allow(f"release officer of {actor.agency} releases TLP:{Tlp(marking.tlp).value.upper()} to {to}")


_REQUESTERS = frozenset({Role.ANALYST, Role.RELEASE_OFFICER, Role.ADMIN})


def _decide_request(actor: Actor, marking: Handling, to: str) -> Decision:
    """May ``actor`` ask for a release to ``to``? What a release officer could approve, asked by its agency."""
    if actor.is_partner:
        return _deny("partner accounts do not ask for releases")
    if not actor.roles & _REQUESTERS:
        return _deny("asking for a release needs a role that writes objects (analyst, release officer, admin)")
    refusal = _release_terms(actor, marking, to, who="people", here="ask for releases", it="ask for its release")
    if refusal is not None:
        return refusal
    return _allow(f"{actor.agency} asks its release officers to release TLP:{Tlp(marking.tlp).value.upper()} to {to}")


def _release_terms(actor: Actor, marking: Handling, to: str, *, who: str, here: str, it: str) -> Decision | None:
    """What makes an object not releasable to ``to`` by ``actor``'s hand (or request), whatever the role; None if
    nothing does. ``who``/``here``/``it`` word the refusals for a release or for a request."""
    tlp = Tlp(marking.tlp)
    if actor.nation != marking.held_by:
        return _deny(f"only {marking.held_by}'s {who} {here} from this node")
    if to == marking.held_by:
        return _deny(f"{to} is this node's own nation")
    if marking.received:
        return _deny(f"received from {marking.originator_nation}: only the originator releases it")
    if actor.agency != marking.originator_agency:
        return _deny(f"only {marking.originator_agency}'s {who} {it}")
    if marking.revoked or marking.withdrawn:
        return _deny("revoked or withdrawn objects are not released")
    if tlp is Tlp.AMBER_STRICT:
        return _deny("TLP:AMBER+STRICT never leaves the originating organisation")
    if tlp is Tlp.RED and not _names_nation(marking.red_recipients, to):
        return _deny(f"TLP:RED: name a recipient in {to} first")
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
        return _deny(f"partner accounts cannot {action.value}")
    if actor.nation != node_nation:
        return _deny(f"{actor.nation} accounts cannot act on {node_nation}'s node")
    allowed = _ACTION_ROLES[action]
    if actor.roles & allowed:
        return _allow(f"{action.value} allowed by role")
    needed = ", ".join(sorted(role.value for role in allowed))
    return _deny(f"{action.value} needs one of the roles: {needed}")


_TLP_ORDER = {Tlp.CLEAR: 0, Tlp.GREEN: 1, Tlp.AMBER: 2, Tlp.AMBER_STRICT: 3, Tlp.RED: 4}


def narrows(old: Handling, new: Handling) -> Decision:
    """Is ``new`` the same as or stricter than ``old`` in every respect? (Widening is a release.)"""
    if old.tlp not in TLP_LEVELS or new.tlp not in TLP_LEVELS:
        return _deny("unknown marking: cannot compare")
    if (new.originator_nation, new.originator_agency) != (old.originator_nation, old.originator_agency):
        return _deny("the originator of an object does not change")
    if _TLP_ORDER[Tlp(new.tlp)] < _TLP_ORDER[Tlp(old.tlp)]:
        return _deny(f"TLP:{new.tlp.upper()} is looser than TLP:{old.tlp.upper()}")
    if not new.releasable_to <= old.releasable_to:
        added = ", ".join(sorted(new.releasable_to - old.releasable_to))
        return _deny(f"adding {added} to releasable_to is a release, for a release officer")
    if old.orcon and not new.orcon:
        return _deny("lifting originator control widens sharing")
    if (old.revoked and not new.revoked) or (old.withdrawn and not new.withdrawn):
        return _deny("a revoked or withdrawn object is not brought back by a marking change")
    if Tlp(new.tlp) is Tlp.RED:
        return _narrows_to_red(old, new)
    return _allow("the new marking is the same or stricter")


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
            return _deny(f"naming {recipient} as a TLP:RED recipient widens sharing")
    return _allow("the new marking is the same or stricter")
