"""Making an object releasable to a nation is a release on every path: the policy's ``Release`` decides it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record_many
from mitra.core import requests
from mitra.core.records import (
    _actor_label,
)
from mitra.core.stix import HandlingInput, to_policy_handling
from mitra.foundation.errors import Conflict, Forbidden
from mitra.policy import Actor, Release, RequestRelease, decide

if TYPE_CHECKING:
    from mitra.core.objects import ObjectStore


def require_release(
    store: ObjectStore, actor: Actor, handling: HandlingInput, *, already: Sequence[str], where: str
) -> tuple[str, ...]:
    """The nations ``handling`` newly makes an object releasable to; each must pass the policy's release.

    Making an object releasable to a partner is a release, whatever the path (create, a new
    version, an import): a release officer's act, decided by the policy engine.
    """
    fresh = newly_released(store, handling, already=already)
    if fresh:
        marking = to_policy_handling(handling, held_by=store.nation, revoked=False, withdrawn=False)
        for nation in fresh:
            decision = decide(actor, marking, Release(to=nation))
            if not decision.allowed:
                raise Forbidden(f"{where}: releasable to {nation} is a release: {decision.reason}")
    return fresh


@dataclass(frozen=True, slots=True)
class Sorted:
    """A person's marking sorted by the policy: what is stored, what is released now, what is asked for."""

    handling: HandlingInput
    released: tuple[str, ...]
    requested: tuple[str, ...]


def release_or_request(
    store: ObjectStore, actor: Actor, handling: HandlingInput, *, already: Sequence[str], where: str
) -> Sorted:
    """Each nation ``handling`` newly makes the object releasable to is released, or asked for, or refused.

    A release officer's tick is a release (the policy's ``Release``). Someone who may not release but may
    ask (``RequestRelease``: an analyst of the originating agency) gets the object stored without that
    nation and a release request opened: never a refusal that loses their work. Anyone else is refused
    with the release's reason.
    """
    fresh = newly_released(store, handling, already=already)
    released: list[str] = []
    requested: list[str] = []
    if fresh:
        marking = to_policy_handling(handling, held_by=store.nation, revoked=False, withdrawn=False)
        for nation in fresh:
            decision = decide(actor, marking, Release(to=nation))
            if decision.allowed:
                released.append(nation)
            elif (asking := decide(actor, marking, RequestRelease(to=nation))).allowed:
                requested.append(nation)
            else:
                why = decision.reason if asking.reason == decision.reason else f"{decision.reason}; {asking.reason}"
                raise Forbidden(f"{where}: releasable to {nation} is a release: {why}")
    if requested:
        handling = replace(handling, releasable_to=tuple(n for n in handling.releasable_to if n not in requested))
    return Sorted(handling, tuple(released), tuple(requested))


class CautionsToConfirm(Conflict):
    """A release that a pillar asks the person to confirm first (an indicator on a warninglist, say)."""

    def __init__(self, where: str, to: Sequence[str], cautions: Sequence[str]) -> None:
        self.cautions = tuple(cautions)
        shown = "; ".join(cautions[:5]) + (f"; and {len(cautions) - 5} more" if len(cautions) > 5 else "")
        super().__init__(f"{where}: releasing it to {', '.join(to)} needs confirming first: {shown}")


def check_cautions(
    store: ObjectStore, obj: dict[str, Any], released: Sequence[str], *, confirmed: bool, where: str
) -> None:
    """Refuse a release the pillars caution against unless the person confirmed it (on every path to a release)."""
    if not released or confirmed:
        return
    said = store.cautions_of(obj)
    if said:
        raise CautionsToConfirm(where, released, said)


REQUESTED = "mitra.release_requests"  # on a session: the requests its writes opened (``requests.Opened``)


def open_requests(session: Session, actor: Actor, object_id: str, nations: Sequence[str]) -> None:
    """Open the requests for ``nations`` and note them on the session, for the door to tell the person."""
    if nations:
        session.info.setdefault(REQUESTED, []).extend(requests.open_requests(session, actor, object_id, nations))


def opened_in(session: Session) -> list[requests.Opened]:
    """The release requests this session's writes opened (a page or the API says so to the person)."""
    opened: list[requests.Opened] = session.info.get(REQUESTED, [])
    return list(opened)


def newly_released(store: ObjectStore, handling: HandlingInput, *, already: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(set(handling.releasable_to) - set(already) - {store.nation}))


def record_releases(
    store: ObjectStore,
    session: Session,
    actor: Actor,
    released: Sequence[tuple[str, Sequence[str]]],
    *,
    rule: str | None = None,
) -> None:
    detail: dict[str, str] = {"rule": rule} if rule else {}
    record_many(
        session,
        [
            AuditEvent(_actor_label(actor), "release", object_id, {"to": nation, **detail})
            for object_id, nations in released
            for nation in nations
        ],
    )
    requests.close_released(session, actor, released)
