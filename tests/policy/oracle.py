"""Reference oracle for the policy rules: requirement tables, independent of decide.py.

Each ``*_allowed`` function lists every requirement of its rule set as a named row and
allows only when all rows hold. The order of rows is irrelevant: the oracle answers only
*whether* an action is allowed, never *why*, so it can be compared with any
implementation of the rules regardless of the order in which that implementation checks.

Recipient grammar (from the rules): ``"NAT:AGENCY"`` names an agency and
``"NAT:AGENCY:user"`` names a person, every part non-empty. Any other string is malformed
and names nobody: no viewer matches it, and it gives no nation for export or release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mitra.policy import Action, Actor, Handling

KNOWN_TLP: frozenset[str] = frozenset({"clear", "green", "amber", "amber+strict", "red"})

AUTHORIZE_TABLE: dict[str, frozenset[str]] = {
    "create": frozenset({"analyst", "release_officer", "admin"}),
    "update": frozenset({"analyst", "release_officer", "admin"}),
    "import": frozenset({"analyst", "admin"}),
    "manage_users": frozenset({"admin"}),
    "read_audit": frozenset({"admin"}),
    "sync": frozenset({"admin", "release_officer"}),
    "read_data": frozenset({"viewer", "analyst", "release_officer", "admin"}),
    "ingest": frozenset({"analyst", "admin"}),
}

_RECIPIENT = re.compile(r"(?P<nation>[^:]+):(?P<agency>[^:]+)(?::(?P<user>[^:]+))?")


def _role_names(actor: Actor) -> frozenset[str]:
    return frozenset(str(role) for role in actor.roles)


def recipient_nation(recipient: str) -> str | None:
    """The nation a well-formed recipient belongs to; ``None`` for a malformed one."""
    match = _RECIPIENT.fullmatch(recipient)
    return match["nation"] if match else None


def names_person(recipient: str, actor: Actor) -> bool:
    """Does ``recipient`` name ``actor`` (as an agency or as a person)?"""
    match = _RECIPIENT.fullmatch(recipient)
    if match is None:
        return False
    if match["nation"] != actor.nation or match["agency"] != actor.agency:
        return False
    return match["user"] is None or match["user"] == actor.username


def names_nation(recipients: Iterable[str], nation: str) -> bool:
    """Does some well-formed recipient belong to ``nation``?"""
    return nation in {recipient_nation(recipient) for recipient in recipients}


def _originating_agency(actor: Actor, marking: Handling) -> bool:
    return (actor.nation, actor.agency) == (marking.originator_nation, marking.originator_agency)


def _copy_received(marking: Handling) -> bool:
    return marking.originator_nation != marking.held_by


def view_allowed(actor: Actor, marking: Handling) -> bool:
    """May a person on the node read an object with this marking?"""
    roles = _role_names(actor)
    origin = _originating_agency(actor, marking)
    tlp = str(marking.tlp)
    requirements = {
        "known marking": tlp in KNOWN_TLP,
        "not a partner account": "partner" not in roles,
        "viewer belongs to the node's nation": actor.nation == marking.held_by,
        "not withdrawn": not marking.withdrawn,
        "own object, or received and releasable here": (
            not _copy_received(marking) or marking.held_by in marking.releasable_to
        ),
        "not revoked, unless originating agency or admin": (not marking.revoked or origin or "admin" in roles),
        "amber+strict only for the originating agency": tlp != "amber+strict" or origin,
        "red only for the originating agency or a named recipient": (
            tlp != "red" or origin or any(names_person(r, actor) for r in marking.red_recipients)
        ),
    }
    return all(requirements.values())


def export_allowed(actor: Actor, marking: Handling) -> bool:
    """May the object leave this node for the partner node that ``actor`` stands for?"""
    roles = _role_names(actor)
    destination = actor.nation
    tlp = str(marking.tlp)
    requirements = {
        "known marking": tlp in KNOWN_TLP,
        "actor is a partner node account": "partner" in roles,
        "destination is not this node": destination != marking.held_by,
        "not withdrawn": not marking.withdrawn,
        "destination is not the originator": destination != marking.originator_nation,
        "no re-export of a received ORCON copy": not (_copy_received(marking) and marking.orcon),
        "releasable to the destination": destination in marking.releasable_to,
        "amber+strict never exported": tlp != "amber+strict",
        "red only to a nation with a named recipient": (
            tlp != "red" or names_nation(marking.red_recipients, destination)
        ),
    }
    return all(requirements.values())


def release_allowed(actor: Actor, marking: Handling, to: str) -> bool:
    """May this person make the object releasable to nation ``to``?"""
    roles = _role_names(actor)
    tlp = str(marking.tlp)
    requirements = {
        "known marking": tlp in KNOWN_TLP,
        "actor is a release officer": "release_officer" in roles,
        "release officer of the node's nation": actor.nation == marking.held_by,
        "release goes to another nation": to != marking.held_by,
        "own object, not a received copy": not _copy_received(marking),
        "release officer of the originating agency": actor.agency == marking.originator_agency,
        "not revoked": not marking.revoked,
        "not withdrawn": not marking.withdrawn,
        "amber+strict never released": tlp != "amber+strict",
        "red needs a named recipient in the target nation": (tlp != "red" or names_nation(marking.red_recipients, to)),
    }
    return all(requirements.values())


def request_allowed(actor: Actor, marking: Handling, to: str) -> bool:
    """May this person ask a release officer to make the object releasable to nation ``to``?"""
    roles = _role_names(actor)
    tlp = str(marking.tlp)
    requirements = {
        "known marking": tlp in KNOWN_TLP,
        "not a partner account": "partner" not in roles,
        "a role that writes objects": bool(roles & {"analyst", "release_officer", "admin"}),
        "a person of the node's nation": actor.nation == marking.held_by,
        "release goes to another nation": to != marking.held_by,
        "own object, not a received copy": not _copy_received(marking),
        "a person of the originating agency": actor.agency == marking.originator_agency,
        "not revoked": not marking.revoked,
        "not withdrawn": not marking.withdrawn,
        "amber+strict never released": tlp != "amber+strict",
        "red needs a named recipient in the target nation": (tlp != "red" or names_nation(marking.red_recipients, to)),
    }
    return all(requirements.values())


def authorize_allowed(actor: Actor, action: Action, node_nation: str) -> bool:
    """May ``actor`` perform ``action`` on the node of ``node_nation``?"""
    roles = _role_names(actor)
    return "partner" not in roles and actor.nation == node_nation and bool(roles & AUTHORIZE_TABLE[str(action)])
