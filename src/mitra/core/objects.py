"""The STIX object store: every version kept, JSON beside indexed columns, reads through policy.

Each stored version gets the node's next sequence number (``seq``), assigned under the node
lock, so ``seq`` order is commit order; sync cursors and TAXII ``next`` tokens rest on it.
The handling of an object is that of its *latest* version: narrowing a marking narrows
every earlier version too.

``ObjectStore`` is the one path every door takes (REST, pages, CLI, imports, partner receive): one
object's create, new version, release, revoke and read live here; the rest is split by responsibility
into ``versioning`` (storing versions), ``releases`` (widening is a release), ``imports`` (a whole
file) and ``search`` (many objects through policy), each called from here. Rows: ``records``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record
from mitra.core import imports, releases, requests, search, versioning
from mitra.core.access import permit
from mitra.core.paging import Page
from mitra.core.records import (
    SOURCE_IMPORT,
    SOURCE_LOCAL,
    SOURCE_PARTNER,
    WROTE_OBJECTS,
    Provenance,
    Recipient,
    StixObject,
    StoreResult,
    _actor_label,
    actor_label,
)
from mitra.core.search import Changes
from mitra.core.stix import (
    HandlingInput,
    TypeRegistry,
    apply_handling,
    new_id,
    validate_object,
)
from mitra.foundation.errors import Conflict, Forbidden, InvalidInput, MitraError, NotFound
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import format_timestamp, next_modified, now_utc, parse_timestamp
from mitra.foundation.words import said_of
from mitra.policy import Action, Actor, Decision, Handling, View, authorize, decide, hides_existence

# The store's rows and results are named from here too (``mitra.core.objects.StixObject``).
__all__ = [
    "SOURCE_IMPORT",
    "SOURCE_LOCAL",
    "SOURCE_PARTNER",
    "WROTE_OBJECTS",
    "ImportReport",
    "ObjectStore",
    "Provenance",
    "Recipient",
    "StixObject",
    "StoreResult",
    "actor_label",
]


# What the node does when a new version narrows who may receive an object: (session, object id, the marking
# before, the marking now, why) -> the partners told. The composition root passes the exchange's retraction.
NarrowingHook = Callable[[Session, str, Handling, Handling, str], list[str]]

# What the pillars ask a person to confirm before an object is released (an indicator's value on a MISP
# warninglist, say): the object's body -> the cautions, in words; none means nothing to confirm.
Cautions = Callable[[dict[str, Any]], list[str]]


class ObjectStore:
    """Service over the object store; takes the caller's session, never commits."""

    def __init__(
        self,
        *,
        nation: str,
        registry: TypeRegistry,
        on_narrowed: NarrowingHook | None = None,
        cautions: Cautions | None = None,
    ) -> None:
        self.nation = nation
        self.registry = registry
        self.on_narrowed = on_narrowed
        self._cautions = cautions

    def cautions_of(self, obj: dict[str, Any]) -> list[str]:
        """What a person is to confirm before ``obj`` is released (a page shows them beside the release)."""
        return self._cautions(obj) if self._cautions is not None else []

    # ----- writing -------------------------------------------------------------------

    def store_versions(
        self,
        session: Session,
        objects: Sequence[dict[str, Any]],
        *,
        provenance: Provenance,
        audit_actor: str,
        audit_action: str | None = None,
        handlings: Sequence[HandlingInput] | None = None,
        signatures: Sequence[str | None] | None = None,
        bodies: Sequence[str] | None = None,
    ) -> list[StoreResult]:
        """Store already-validated versions in one go, skipping (id, modified) already held."""
        return versioning.store_versions(
            self,
            session,
            objects,
            provenance=provenance,
            audit_actor=audit_actor,
            audit_action=audit_action,
            handlings=handlings,
            signatures=signatures,
            bodies=bodies,
        )

    def stored_row(self, session: Session, result: StoreResult) -> StixObject:
        """The row a store result added or updated."""
        if result.seq is None:
            raise Conflict(f"{result.object_id} {result.modified}: {result.reason or 'not stored'}")
        row = session.get(StixObject, result.seq)
        assert row is not None
        return row

    def create(
        self,
        session: Session,
        *,
        obj: dict[str, Any],
        handling: HandlingInput,
        actor: Actor,
        release_rule: str | None = None,
        confirm_cautions: bool = False,
    ) -> StixObject:
        """Create a new object from a person's input: id and timestamps are the node's.

        Making it releasable to a partner is a release (a release officer's act) unless
        ``release_rule`` names the partnership's standing rule that sends it, as a sighting
        goes back to the originator of the indicator it is about; either way it is audited.
        A release the pillars caution against (:meth:`cautions_of`) needs ``confirm_cautions``.
        """
        return self.create_many(
            session,
            items=[(obj, handling)],
            actor=actor,
            release_rule=release_rule,
            confirm_cautions=confirm_cautions,
        )[0]

    def create_many(
        self,
        session: Session,
        *,
        items: Sequence[tuple[dict[str, Any], HandlingInput]],
        actor: Actor,
        release_rule: str | None = None,
        confirm_cautions: bool = False,
    ) -> list[StixObject]:
        """:meth:`create` for many objects at once (each checked as it would be alone; any refusal refuses all),
        stored in one go: what a live feed's detection stores many of at a time."""
        permit(actor, Action.CREATE, nation=self.nation)
        stamp = format_timestamp(now_utc())
        checked: list[dict[str, Any]] = []
        released_by_id: list[tuple[str, Sequence[str]]] = []
        requested_by_id: list[tuple[str, tuple[str, ...]]] = []
        for given, marking in items:
            handling = marking
            if handling.originator_nation != self.nation or handling.originator_agency != actor.agency:
                raise Forbidden("a new object's originator is the creating person's own agency")
            obj = dict(given)
            type_name = obj.get("type")
            if not isinstance(type_name, str):
                raise InvalidInput("type: missing")
            obj.setdefault("spec_version", "2.1")
            obj.setdefault("id", new_id(type_name))
            obj.setdefault("created", stamp)
            obj.setdefault("modified", obj["created"])
            requested: tuple[str, ...] = ()
            if release_rule is None:
                sorted_ = releases.release_or_request(self, actor, handling, already=(), where=obj["id"])
                handling, released, requested = sorted_.handling, sorted_.released, sorted_.requested
            else:
                released = self._newly_released(handling, already=())
            releases.check_cautions(self, obj, released, confirmed=confirm_cautions, where=obj["id"])
            obj = apply_handling(obj, handling)
            validate_object(obj, self.registry, where="object")
            checked.append(obj)
            released_by_id.append((obj["id"], released))
            requested_by_id.append((obj["id"], requested))
        ids = [obj["id"] for obj in checked]
        if len(set(ids)) != len(ids):
            raise Conflict(f"{next(i for i in ids if ids.count(i) > 1)} is given twice")
        for chunk in range(0, len(ids), 500):
            held = session.scalar(select(StixObject.id).where(StixObject.id.in_(ids[chunk : chunk + 500])).limit(1))
            if held:
                raise Conflict(f"{held} exists already; post a new version instead")
        results = self.store_versions(session, checked, provenance=Provenance(), audit_actor=_actor_label(actor))
        self._record_releases(session, actor, released_by_id, rule=release_rule)
        for object_id, requested in requested_by_id:
            releases.open_requests(session, actor, object_id, requested)
        return [self.stored_row(session, result) for result in results]

    def new_version(
        self,
        session: Session,
        *,
        object_id: str,
        changes: dict[str, Any],
        actor: Actor,
        handling: HandlingInput | None = None,
        audit_action: str = "update",
        reason: str | None = None,
        confirm_cautions: bool = False,
    ) -> StixObject:
        """Write a new version of a locally originated object with ``changes`` applied.

        A changed marking that no longer lets a partner receive the object is a narrowing, on every path (REST,
        pages, CLI): the node's narrowing hook tells each such partner (the exchange writes a retraction).
        """
        permit(actor, Action.UPDATE, nation=self.nation)
        latest = self._readable(session, object_id, actor)  # a hidden object is not admitted to exist here either
        what = None if not changes else "revoke it" if "revoked" in changes else "change its content"
        refusal = self.version_refusal(latest, actor, what=what)
        if refusal is not None:
            raise refusal
        if latest.is_foreign:
            return self._remark(
                session,
                latest,
                handling=handling,
                actor=actor,
                audit_action=audit_action,
                reason=reason,
                confirm_cautions=confirm_cautions,
            )
        for key in ("id", "type", "created", "spec_version"):
            if key in changes and changes[key] != latest.as_stix().get(key):
                raise InvalidInput(f"{key}: cannot change between versions")
        # A change to None removes the property (STIX has no nulls): an event that reopens loses its end.
        obj = {key: value for key, value in (latest.as_stix() | changes).items() if value is not None}
        obj["modified"] = format_timestamp(next_modified(latest.modified))
        current = latest.marking()
        released: tuple[str, ...] = ()
        requested: tuple[str, ...] = ()
        if handling is not None:  # a new marking's terms; the originator is the object's, whoever versions it
            handling = replace(
                handling, originator_nation=current.originator_nation, originator_agency=current.originator_agency
            )
            sorted_ = releases.release_or_request(self, actor, handling, already=current.releasable_to, where=object_id)
            handling, released, requested = sorted_.handling, sorted_.released, sorted_.requested
            if not changes and handling == current:  # only asked for a release: nothing to version yet
                releases.open_requests(session, actor, object_id, requested)
                return latest
        releases.check_cautions(self, obj, released, confirmed=confirm_cautions, where=object_id)
        obj = apply_handling(obj, handling or current)
        validate_object(obj, self.registry, where="object")
        before = latest.handling(held_by=self.nation)
        result = self.store_versions(
            session,
            [obj],
            provenance=Provenance(),
            audit_actor=_actor_label(actor),
            audit_action=audit_action,
        )[0]
        row = self.stored_row(session, result)
        if released:
            requests.close_released(session, actor, [(object_id, released)])
        releases.open_requests(session, actor, object_id, requested)
        if changes.get("revoked"):
            requests.close_revoked(session, actor, object_id)
        if handling is not None:
            self._tell_narrowing(session, object_id, before, row, actor=actor, reason=reason)
        return row

    def version_refusal(self, row: StixObject, actor: Actor, *, what: str | None = None) -> MitraError | None:
        """Why ``actor`` may not write a new version of ``row`` here, or None: the store's own conditions.

        ``what``: "change its content" or "revoke it"; None for a new marking only. ``new_version`` raises
        what this returns; a page asks it whether to offer an edit, a revocation or a narrowing, so what it
        shows and what the store does cannot differ.
        """
        decision = authorize(actor, Action.UPDATE, node_nation=self.nation)
        if not decision.allowed:
            return Forbidden(decision.reason, said=said_of(decision))
        if row.originator_nation != self.nation:
            return Forbidden(f"{row.id} was originated by {row.originator_nation}; only it versions it")
        if row.revoked:
            return Conflict(f"{row.id} is revoked; a revoked object gets no new versions")
        if what is not None and row.is_foreign:
            return Conflict(
                f"{row.id} is another producer's object, kept as published: only its producer may {what}; "
                "this node may change its marking (and withdraw it from partners by narrowing it)"
            )
        return None

    def _tell_narrowing(
        self, session: Session, object_id: str, before: Handling, now: StixObject, *, actor: Actor, reason: str | None
    ) -> None:
        """A changed marking that no longer lets a partner receive the object: the node's hook tells each."""
        after = now.handling(held_by=self.nation)
        if self.on_narrowed is not None and before != after:
            self.on_narrowed(session, object_id, before, after, reason or f"marking narrowed by {_actor_label(actor)}")

    def _remark(
        self,
        session: Session,
        latest: StixObject,
        *,
        handling: HandlingInput | None,
        actor: Actor,
        audit_action: str,
        reason: str | None,
        confirm_cautions: bool = False,
    ) -> StixObject:
        """Change this node's marking of another producer's object, which keeps its (id, modified) and body.

        The node may not write a version of an object it did not produce (a partner deduplicating on
        (id, modified) could not tell two texts apart), so only the marking columns change; the row takes
        the node's next ``seq``, so partners pulling from their cursor see it again with its new handling.
        A narrowing is told to the partners that lose it, as for the node's own objects.
        """
        object_id = latest.id
        if handling is None:
            return latest
        current = latest.marking()
        handling = replace(
            handling, originator_nation=current.originator_nation, originator_agency=current.originator_agency
        )
        if handling == current:
            return latest
        sorted_ = releases.release_or_request(self, actor, handling, already=current.releasable_to, where=object_id)
        handling = sorted_.handling
        releases.check_cautions(self, latest.as_stix(), sorted_.released, confirmed=confirm_cautions, where=object_id)
        releases.open_requests(session, actor, object_id, sorted_.requested)
        if handling == current:
            return latest
        before = latest.handling(held_by=self.nation)
        versioning.remark_row(session, latest, handling, audit_actor=_actor_label(actor), audit_action=audit_action)
        if sorted_.released:
            requests.close_released(session, actor, [(object_id, sorted_.released)])
        self._tell_narrowing(session, object_id, before, latest, actor=actor, reason=reason)
        return latest

    def _newly_released(self, handling: HandlingInput, *, already: Sequence[str]) -> tuple[str, ...]:
        return releases.newly_released(self, handling, already=already)

    def _record_releases(
        self,
        session: Session,
        actor: Actor,
        released: Sequence[tuple[str, Sequence[str]]],
        *,
        rule: str | None = None,
    ) -> None:
        return releases.record_releases(self, session, actor, released, rule=rule)

    def release(
        self, session: Session, *, object_id: str, to: str, actor: Actor, confirm_cautions: bool = False
    ) -> StixObject:
        """A release officer makes an object releasable to nation ``to``: a new, audited version.

        The policy's ``Release`` is asked where every widening is, in :meth:`new_version`; so are the cautions.
        """
        latest = self._readable(session, object_id, actor)
        current = latest.marking()
        if to in current.releasable_to:
            raise Conflict(f"{object_id} is releasable to {to} already")
        widened = HandlingInput(
            tlp=current.tlp,
            originator_nation=current.originator_nation,
            originator_agency=current.originator_agency,
            releasable_to=tuple(sorted({*current.releasable_to, to})),
            orcon=current.orcon,
            red_recipients=current.red_recipients,
        )
        return self.new_version(
            session,
            object_id=object_id,
            changes={},
            actor=actor,
            handling=widened,
            audit_action="release",
            confirm_cautions=confirm_cautions,
        )

    def revoke(self, session: Session, *, object_id: str, actor: Actor) -> StixObject:
        return self.new_version(
            session,
            object_id=object_id,
            changes={"revoked": True},
            actor=actor,
            audit_action="revoke",
        )

    def import_objects(
        self,
        session: Session,
        objects: Iterable[Any],
        *,
        actor: Actor,
        default_handling: HandlingInput,
        where: str,
        on_progress: Callable[[int], None] | None = None,
        audit_detail: Mapping[str, Any] | None = None,
        as_published: bool = False,
    ) -> ImportReport:
        """Validate every object, then store them all in the caller's transaction (see ``imports``)."""
        return imports.import_objects(
            self,
            session,
            objects,
            actor=actor,
            default_handling=default_handling,
            where=where,
            on_progress=on_progress,
            audit_detail=audit_detail,
            as_published=as_published,
        )

    # ----- reading -------------------------------------------------------------------

    def latest_row(self, session: Session, object_id: str) -> StixObject:
        row = session.scalar(select(StixObject).where(StixObject.id == object_id, StixObject.is_latest.is_(True)))
        if row is None:
            raise NotFound(f"no object {object_id}")
        return row

    def latest_rows(self, session: Session, object_ids: Iterable[str]) -> dict[str, StixObject]:
        """:meth:`latest_row` of each of ``object_ids`` held here, by id (those not held are not in it)."""
        wanted = sorted(set(object_ids))
        out: dict[str, StixObject] = {}
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            query = select(StixObject).where(StixObject.id.in_(chunk), StixObject.is_latest.is_(True))
            out.update((row.id, row) for row in session.scalars(query))
        return out

    def decide_view(self, row: StixObject, actor: Actor, latest: StixObject | None = None) -> Decision:
        return decide(actor, row.handling(held_by=self.nation, latest=latest), View())

    def get(self, session: Session, *, object_id: str, actor: Actor, modified: str | None = None) -> StixObject:
        """One version (latest by default) if policy lets ``actor`` see it; RED views are audited."""
        latest = self._readable(session, object_id, actor)
        row = latest
        if modified is not None:
            wanted = parse_timestamp(modified, where="modified")
            row = next((v for v in self._versions(session, object_id) if v.modified == wanted), None)  # type: ignore[assignment]
            if row is None:
                raise NotFound(f"{object_id} has no version {modified}")
        if latest.tlp == "red":
            record(
                session,
                AuditEvent(
                    _actor_label(actor),
                    "view_red",
                    object_id,
                    {"modified": format_timestamp(row.modified)},
                ),
            )
        return row

    def versions(self, session: Session, *, object_id: str, actor: Actor) -> list[StixObject]:
        """Every version, oldest first, if policy lets ``actor`` see the object (refused as :meth:`get` refuses)."""
        latest = self._readable(session, object_id, actor)
        rows = self._versions(session, object_id)
        if latest.tlp == "red":
            record(session, AuditEvent(_actor_label(actor), "view_red", object_id, {"versions": len(rows)}))
        return rows

    def _readable(self, session: Session, object_id: str, actor: Actor) -> StixObject:
        """The latest row, if ``actor`` may see it; a hidden object is not admitted to exist on any route."""
        latest = self.latest_row(session, object_id)
        marking = latest.handling(held_by=self.nation)
        decision = decide(actor, marking, View())
        if not decision.allowed:
            if hides_existence(marking):
                raise NotFound(f"no object {object_id}")
            raise Forbidden(decision.reason, said=said_of(decision))
        return latest

    def _versions(self, session: Session, object_id: str) -> list[StixObject]:
        return list(session.scalars(select(StixObject).where(StixObject.id == object_id).order_by(StixObject.modified)))

    def search(
        self,
        session: Session,
        *,
        actor: Actor,
        types: Sequence[str] = (),
        exclude_types: Sequence[str] = (),
        text: str | None = None,
        tlp: str | None = None,
        originator: str | None = None,
        received: bool | None = None,
        modified_since: datetime | None = None,
        modified_until: datetime | None = None,
        after_seq: int | None = None,
        limit: int = 50,
    ) -> Page[StixObject]:
        """Latest versions visible to ``actor``, newest first; the page and the next cursor."""
        return search.search(
            self,
            session,
            actor=actor,
            types=types,
            exclude_types=exclude_types,
            text=text,
            tlp=tlp,
            originator=originator,
            received=received,
            modified_since=modified_since,
            modified_until=modified_until,
            after_seq=after_seq,
            limit=limit,
        )

    def iter_visible(
        self, session: Session, *, actor: Actor, types: Sequence[str], with_revoked: bool = False
    ) -> Iterator[StixObject]:
        """Every latest version of ``types`` that ``actor`` may see, newest first, paging :meth:`search`."""
        return search.iter_visible(self, session, actor=actor, types=types, with_revoked=with_revoked)

    def changed_since(
        self, session: Session, *, actor: Actor, types: Sequence[str], seq: int, limit: int = 500
    ) -> Changes:
        """What ``actor`` may see of ``types`` stored after ``seq``, oldest first; what it saw that is now gone."""
        return search.changed_since(self, session, actor=actor, types=types, seq=seq, limit=limit)

    def newest_seq(self, session: Session) -> int:
        return search.newest_seq(session)

    def counts_by_type(self, session: Session, *, actor: Actor) -> dict[str, int]:
        return search.counts_by_type(self, session, actor=actor)
