"""Making an object releasable to a nation is a release on every path: the policy's ``Release`` decides it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record_many
from mitra.core.records import (
    _actor_label,
)
from mitra.core.stix import HandlingInput, to_policy_handling
from mitra.foundation.errors import Forbidden
from mitra.policy import Actor, Release, decide

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
