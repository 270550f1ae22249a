"""The STIX object store: every version kept, JSON beside indexed columns, reads through policy.

Each stored version gets the node's next sequence number (``seq``), assigned under the node
lock, so ``seq`` order is commit order; sync cursors and TAXII ``next`` tokens rest on it.
The handling of an object is that of its *latest* version: narrowing a marking narrows
every earlier version too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    String,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from mitra.audit.service import AuditEvent, record, record_many
from mitra.core.access import permit
from mitra.core.paging import Page, read_cursor, write_cursor
from mitra.core.stix import (
    HandlingInput,
    TypeRegistry,
    apply_handling,
    new_id,
    read_handling,
    tlp_of,
    to_policy_handling,
    validate_object,
)
from mitra.foundation.canonical import canonical_json
from mitra.foundation.db import Base, NodeState, UtcDateTime, lock_node
from mitra.foundation.errors import Conflict, Forbidden, InvalidInput, NotFound, require
from mitra.foundation.timestamps import format_timestamp, next_modified, now_utc, parse_timestamp
from mitra.policy import Action, Actor, Decision, Handling, Release, View, decide

SOURCE_LOCAL = "local"
WROTE_OBJECTS = "mitra.wrote_objects"  # set on a session that stored versions; read after commit
SOURCE_IMPORT = "import"
SOURCE_PARTNER = "partner"


class StixObject(Base):
    """One version of one STIX object."""

    __tablename__ = "stix_objects"
    __table_args__ = (
        UniqueConstraint("id", "modified", name="uq_stix_objects_id_modified"),
        # Paging walks ``seq`` in order; these let it do so without sorting, filtered or not.
        Index("ix_stix_objects_latest_seq", "is_latest", "seq"),
        Index("ix_stix_objects_latest_type_seq", "is_latest", "type", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(120), index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    modified: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    originator_nation: Mapped[str] = mapped_column(String(3), index=True)
    originator_agency: Mapped[str] = mapped_column(String(32))
    tlp: Mapped[str] = mapped_column(String(40), index=True)
    releasable_to: Mapped[str] = mapped_column(String(200))
    orcon: Mapped[bool] = mapped_column(Boolean, default=True)
    red_recipients: Mapped[str] = mapped_column(Text, default="[]")
    date_added: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    source: Mapped[str] = mapped_column(String(16))
    received_from: Mapped[str | None] = mapped_column(String(3))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    signature: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)

    @property
    def releasable(self) -> tuple[str, ...]:
        return tuple(self.releasable_to.split())

    def as_stix(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value

    def handling(self, *, held_by: str, latest: StixObject | None = None) -> Handling:
        """Policy handling of this version: the latest version's marking, this version's state."""
        basis = latest or self
        return to_policy_handling(
            HandlingInput(
                tlp=basis.tlp,
                originator_nation=basis.originator_nation,
                originator_agency=basis.originator_agency,
                releasable_to=basis.releasable,
                orcon=basis.orcon,
                red_recipients=tuple(json.loads(basis.red_recipients)),
            ),
            held_by=held_by,
            revoked=basis.revoked,
            withdrawn=basis.withdrawn,
        )


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a stored version came from."""

    source: str = SOURCE_LOCAL
    received_from: str | None = None
    received_at: datetime | None = None
    signature: str | None = None


def _search_text(obj: dict[str, Any]) -> str:
    parts: list[str] = []
    for key in ("name", "description", "pattern", "value", "x_mitre_shortname"):
        value = obj.get(key)
        if isinstance(value, str):
            parts.append(value[:2000])
    for key in ("aliases", "labels", "x_mitre_aliases"):
        value = obj.get(key)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
    for ref in obj.get("external_references", ()) or ():
        if isinstance(ref, dict) and "external_id" in ref:
            parts.append(str(ref["external_id"]))
    return " ".join(parts).lower()


@dataclass
class StoreResult:
    """What happened to one version offered to the store."""

    object_id: str
    modified: str
    outcome: str  # "added", "updated", "skipped"
    reason: str = ""
    seq: int | None = None  # the stored row's sequence number, when stored


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    def count(self, result: StoreResult) -> None:
        if result.outcome == "added":
            self.added += 1
        elif result.outcome == "updated":
            self.updated += 1
        else:
            self.skipped += 1
            self.skipped_reasons[result.reason] = self.skipped_reasons.get(result.reason, 0) + 1


class ObjectStore:
    """Service over the object store; takes the caller's session, never commits."""

    def __init__(self, *, nation: str, registry: TypeRegistry) -> None:
        self.nation = nation
        self.registry = registry

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
    ) -> list[StoreResult]:
        """Store already-validated versions in one go, skipping (id, modified) already held.

        The node lock must be held. One audit entry per stored version, in this transaction.
        New rows go in with one multi-row INSERT (the ORM's per-instance cost dominated big
        imports); a result's ``seq`` finds the stored row.
        """
        state = session.get(NodeState, 1) or lock_node(session)
        ids = {obj["id"] for obj in objects}
        held: dict[str, list[StixObject]] = {}
        for chunk in _chunks(sorted(ids), 500):
            for row in session.scalars(select(StixObject).where(StixObject.id.in_(chunk))):
                held.setdefault(row.id, []).append(row)
        fresh: dict[str, list[dict[str, Any]]] = {}  # versions of this call, by id
        now = now_utc()
        results: list[StoreResult] = []
        events: list[AuditEvent] = []
        new_rows: list[dict[str, Any]] = []
        for index, obj in enumerate(objects):
            modified_text = obj.get("modified") or obj["created"]
            modified = parse_timestamp(modified_text, where=obj["id"])
            stored = held.get(obj["id"], [])
            added = fresh.setdefault(obj["id"], [])
            if any(v.modified == modified for v in stored) or any(v["modified"] == modified for v in added):
                results.append(StoreResult(obj["id"], modified_text, "skipped", "version already stored"))
                continue
            handling = handlings[index] if handlings else read_handling(obj, where=obj["id"])
            latest_modified = max([v.modified for v in stored] + [v["modified"] for v in added], default=None)
            is_latest = latest_modified is None or modified > latest_modified
            if is_latest:  # whichever version was latest, stored or added in this call, is no longer
                for row in stored:
                    row.is_latest = False
                for earlier in added:
                    earlier["is_latest"] = False
            state.object_seq += 1
            values = {
                "seq": state.object_seq,
                "id": obj["id"],
                "type": obj["type"],
                "created": parse_timestamp(obj["created"], where=obj["id"]),
                "modified": modified,
                "revoked": bool(obj.get("revoked", False)),
                "is_latest": is_latest,
                "withdrawn": False,
                "originator_nation": handling.originator_nation,
                "originator_agency": handling.originator_agency,
                "tlp": handling.tlp,
                "releasable_to": " ".join(sorted(set(handling.releasable_to))),
                "orcon": handling.orcon,
                "red_recipients": json.dumps(sorted(set(handling.red_recipients))),
                "date_added": now,
                "source": provenance.source,
                "received_from": provenance.received_from,
                "received_at": provenance.received_at,
                "signature": signatures[index] if signatures else provenance.signature,
                "name": str(obj["name"])[:300] if isinstance(obj.get("name"), str) else None,
                "search_text": _search_text(obj),
                "body": canonical_json(obj, where=obj["id"]),  # what a signature covers: the export signs it as stored
            }
            added.append(values)
            new_rows.append(values)
            outcome = "added" if latest_modified is None else "updated"
            results.append(StoreResult(obj["id"], modified_text, outcome, seq=values["seq"]))
            action = audit_action or ("create" if outcome == "added" else "update")
            events.append(
                AuditEvent(
                    audit_actor,
                    action,
                    obj["id"],
                    {
                        "modified": modified_text,
                        "seq": values["seq"],
                        "tlp": handling.tlp,
                        "source": provenance.source,
                    },
                )
            )
        session.flush()  # earlier versions lose is_latest before their successors arrive
        for chunk in _chunks(new_rows, 2000):
            session.execute(insert(StixObject), list(chunk))
        if new_rows:
            session.info[WROTE_OBJECTS] = True
        if events:
            record_many(session, events, at=now)
        return results

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
    ) -> StixObject:
        """Create a new object from a person's input: id and timestamps are the node's.

        Making it releasable to a partner is a release (a release officer's act) unless
        ``release_rule`` names the partnership's standing rule that sends it, as a sighting
        goes back to the originator of the indicator it is about; either way it is audited.
        """
        permit(actor, Action.CREATE, nation=self.nation)
        if handling.originator_nation != self.nation or handling.originator_agency != actor.agency:
            raise Forbidden("a new object's originator is the creating person's own agency")
        obj = dict(obj)
        type_name = obj.get("type")
        if not isinstance(type_name, str):
            raise InvalidInput("type: missing")
        stamp = format_timestamp(now_utc())
        obj.setdefault("spec_version", "2.1")
        obj.setdefault("id", new_id(type_name))
        obj.setdefault("created", stamp)
        obj.setdefault("modified", obj["created"])
        if session.scalar(select(StixObject.seq).where(StixObject.id == obj["id"]).limit(1)):
            raise Conflict(f"{obj['id']} exists already; post a new version instead")
        if release_rule is None:
            released = self._require_release(actor, handling, already=(), where=obj["id"])
        else:
            released = self._newly_released(handling, already=())
        obj = apply_handling(obj, handling)
        validate_object(obj, self.registry, where="object")
        result = self.store_versions(session, [obj], provenance=Provenance(), audit_actor=_actor_label(actor))[0]
        self._record_releases(session, actor, [(obj["id"], released)], rule=release_rule)
        return self.stored_row(session, result)

    def new_version(
        self,
        session: Session,
        *,
        object_id: str,
        changes: dict[str, Any],
        actor: Actor,
        handling: HandlingInput | None = None,
        audit_action: str = "update",
    ) -> StixObject:
        """Write a new version of a locally originated object with ``changes`` applied."""
        permit(actor, Action.UPDATE, nation=self.nation)
        latest = self.latest_row(session, object_id)
        require(decide(actor, latest.handling(held_by=self.nation), View()))
        if latest.originator_nation != self.nation:
            raise Forbidden(f"{object_id} was originated by {latest.originator_nation}; only it versions it")
        if latest.revoked:
            raise Conflict(f"{object_id} is revoked; a revoked object gets no new versions")
        for key in ("id", "type", "created", "spec_version"):
            if key in changes and changes[key] != latest.as_stix().get(key):
                raise InvalidInput(f"{key}: cannot change between versions")
        # A change to None removes the property (STIX has no nulls): an event that reopens loses its end.
        obj = {key: value for key, value in (latest.as_stix() | changes).items() if value is not None}
        obj["modified"] = format_timestamp(next_modified(latest.modified))
        current = read_handling(latest.as_stix(), where=object_id)
        if handling is not None:
            self._require_release(actor, handling, already=current.releasable_to, where=object_id)
        obj = apply_handling(obj, handling or current)
        validate_object(obj, self.registry, where="object")
        result = self.store_versions(
            session,
            [obj],
            provenance=Provenance(),
            audit_actor=_actor_label(actor),
            audit_action=audit_action,
        )[0]
        return self.stored_row(session, result)

    def _require_release(
        self, actor: Actor, handling: HandlingInput, *, already: Sequence[str], where: str
    ) -> tuple[str, ...]:
        """The nations ``handling`` newly makes an object releasable to; each must pass the policy's release.

        Making an object releasable to a partner is a release, whatever the path (create, a new
        version, an import): a release officer's act, decided by the policy engine.
        """
        fresh = self._newly_released(handling, already=already)
        if fresh:
            marking = to_policy_handling(handling, held_by=self.nation, revoked=False, withdrawn=False)
            for nation in fresh:
                decision = decide(actor, marking, Release(to=nation))
                if not decision.allowed:
                    raise Forbidden(f"{where}: releasable to {nation} is a release: {decision.reason}")
        return fresh

    def _newly_released(self, handling: HandlingInput, *, already: Sequence[str]) -> tuple[str, ...]:
        return tuple(sorted(set(handling.releasable_to) - set(already) - {self.nation}))

    def _record_releases(
        self,
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

    def release(self, session: Session, *, object_id: str, to: str, actor: Actor) -> StixObject:
        """A release officer makes an object releasable to nation ``to``: a new, audited version.

        The policy's ``Release`` is asked where every widening is, in :meth:`new_version`.
        """
        latest = self.latest_row(session, object_id)
        current = read_handling(latest.as_stix(), where=object_id)
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
    ) -> ImportReport:
        """Validate every object, then store them all in the caller's transaction.

        Nothing is stored unless every object is valid: the first problem raises
        :class:`InvalidInput` naming the object's position and id. Making an object releasable is
        a release (the policy's ``Release``), as on every path. ``audit_detail`` adds what the
        importer knows of its source (a format, rows it could not read) to the import's audit entry.
        """
        permit(actor, Action.IMPORT, nation=self.nation)
        prepared: list[dict[str, Any]] = []
        handlings: list[HandlingInput] = []
        for index, obj in enumerate(objects):
            validate_object(obj, self.registry, where=f"{where} object {index}")
            handling = _import_handling(obj, default_handling, where=f"{where} object {index}")
            prepared.append(apply_handling(obj, handling))
            handlings.append(handling)
            if on_progress is not None and index % 500 == 499:
                on_progress(500)
        if on_progress is not None:
            on_progress(len(prepared) % 500)
        report = ImportReport()
        seen: set[tuple[str, str]] = set()
        unique: list[dict[str, Any]] = []
        unique_handlings: list[HandlingInput] = []
        for obj, handling in zip(prepared, handlings, strict=True):
            key = (obj["id"], obj.get("modified") or obj["created"])
            if key in seen:
                report.count(StoreResult(key[0], key[1], "skipped", "duplicate within the file"))
                continue
            seen.add(key)
            unique.append(obj)
            unique_handlings.append(handling)
        unique, unique_handlings = self._versionable(session, unique, unique_handlings, actor=actor, report=report)
        releases = self._import_releases(session, unique, unique_handlings, actor=actor, where=where)
        for chunk_objs, chunk_handlings in zip(_chunks(unique, 2000), _chunks(unique_handlings, 2000), strict=True):
            for result in self.store_versions(
                session,
                chunk_objs,
                provenance=Provenance(source=SOURCE_IMPORT),
                audit_actor=_actor_label(actor),
                handlings=chunk_handlings,
            ):
                report.count(result)
            if on_progress is not None:
                on_progress(len(chunk_objs))
        self._record_releases(session, actor, releases)
        record(
            session,
            AuditEvent(
                _actor_label(actor),
                "import",
                None,
                {"file": where, "added": report.added, "updated": report.updated, "skipped": report.skipped}
                | dict(audit_detail or {}),
            ),
        )
        return report

    def _import_releases(
        self,
        session: Session,
        objects: Sequence[dict[str, Any]],
        handlings: Sequence[HandlingInput],
        *,
        actor: Actor,
        where: str,
    ) -> list[tuple[str, tuple[str, ...]]]:
        """Objects an import makes releasable to a partner they were not releasable to: each is a release."""
        ours = [(o["id"], h) for o, h in zip(objects, handlings, strict=True) if h.releasable_to]
        if not ours:
            return []
        held: dict[str, str] = {}
        for chunk in _chunks([object_id for object_id, _ in ours], 2000):
            query = select(StixObject.id, StixObject.releasable_to).where(
                StixObject.id.in_(chunk), StixObject.is_latest.is_(True)
            )
            held.update((str(object_id), str(releasable)) for object_id, releasable in session.execute(query))
        releases = []
        for object_id, handling in ours:
            already = held.get(object_id, "").split()
            fresh = self._require_release(actor, handling, already=already, where=f"{where}: {object_id}")
            if fresh:
                releases.append((object_id, fresh))
        return releases

    def _versionable(
        self,
        session: Session,
        objects: list[dict[str, Any]],
        handlings: list[HandlingInput],
        *,
        actor: Actor,
        report: ImportReport,
    ) -> tuple[list[dict[str, Any]], list[HandlingInput]]:
        """Leave out versions of objects held already that this import may not version.

        Only an object's originator versions it (a partner's object stays the partner's), and
        nobody versions an object held under a marking they may not see.
        """
        latest: dict[str, StixObject] = {}
        for chunk in _chunks(sorted({o["id"] for o in objects}), 500):
            query = select(StixObject).where(StixObject.id.in_(chunk), StixObject.is_latest.is_(True))
            latest |= {row.id: row for row in session.scalars(query)}
        kept: list[dict[str, Any]] = []
        kept_handlings: list[HandlingInput] = []
        for obj, handling in zip(objects, handlings, strict=True):
            held = latest.get(obj["id"])
            reason = None
            if held is not None and not self.decide_view(held, actor).allowed:
                reason = "held already under a marking you may not see"
            elif held is not None and held.originator_nation != handling.originator_nation:
                reason = f"held from {held.originator_nation}; only the originator versions it"
            if reason is None:
                kept.append(obj)
                kept_handlings.append(handling)
            else:
                report.count(StoreResult(obj["id"], obj.get("modified") or obj["created"], "skipped", reason))
        return kept, kept_handlings

    # ----- reading -------------------------------------------------------------------

    def latest_row(self, session: Session, object_id: str) -> StixObject:
        row = session.scalar(select(StixObject).where(StixObject.id == object_id, StixObject.is_latest.is_(True)))
        if row is None:
            raise NotFound(f"no object {object_id}")
        return row

    def decide_view(self, row: StixObject, actor: Actor, latest: StixObject | None = None) -> Decision:
        return decide(actor, row.handling(held_by=self.nation, latest=latest), View())

    def get(self, session: Session, *, object_id: str, actor: Actor, modified: str | None = None) -> StixObject:
        """One version (latest by default) if policy lets ``actor`` see it; RED views are audited."""
        latest = self.latest_row(session, object_id)
        decision = self.decide_view(latest, actor)
        if not decision.allowed:
            raise (NotFound(f"no object {object_id}") if _hide_existence(latest) else Forbidden(decision.reason))
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
        latest = self.latest_row(session, object_id)
        decision = self.decide_view(latest, actor)
        if not decision.allowed:
            raise Forbidden(decision.reason)
        return self._versions(session, object_id)

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
        """Latest versions visible to ``actor``, newest first; the page and the next cursor.

        Every filter, the time window on ``modified`` included, is part of the query, so a page is cut only after
        filtering: walking the cursors returns each matching object exactly once.
        """
        limit = max(1, min(limit, 1000))
        query = select(StixObject).where(StixObject.is_latest.is_(True))
        if types:
            query = query.where(StixObject.type.in_(list(types)))
        if exclude_types:
            query = query.where(StixObject.type.not_in(list(exclude_types)))
        if tlp:
            query = query.where(StixObject.tlp == tlp)
        if originator:
            query = query.where(StixObject.originator_nation == originator)
        if received is True:
            query = query.where(StixObject.source == SOURCE_PARTNER)
        elif received is False:
            query = query.where(StixObject.source != SOURCE_PARTNER)
        if text:
            query = query.where(StixObject.search_text.contains(text.lower(), autoescape=True))
        if modified_since is not None:
            query = query.where(StixObject.modified >= modified_since)
        if modified_until is not None:
            query = query.where(StixObject.modified <= modified_until)
        page: list[StixObject] = []
        cursor = after_seq
        scanned_last: int | None = None
        while len(page) < limit:
            batch_query = query.order_by(StixObject.seq.desc()).limit(limit * 4)
            if cursor is not None:
                batch_query = batch_query.where(StixObject.seq < cursor)
            batch = list(session.scalars(batch_query))
            if not batch:
                return Page(page, None)
            for row in batch:
                scanned_last = row.seq
                if self.decide_view(row, actor).allowed:
                    page.append(row)
                    if len(page) == limit:
                        break
            cursor = scanned_last
        return Page(page, write_cursor(scanned_last))

    def iter_visible(
        self, session: Session, *, actor: Actor, types: Sequence[str], with_revoked: bool = False
    ) -> Iterator[StixObject]:
        """Every latest version of ``types`` that ``actor`` may see, newest first, paging :meth:`search`.

        Revoked objects are left out unless ``with_revoked`` (a writer reconciling its own objects needs them).
        """
        cursor: int | None = None
        while True:
            rows, nxt = self.search(session, actor=actor, types=types, after_seq=cursor, limit=1000)
            yield from (row for row in rows if with_revoked or not row.revoked)
            cursor = read_cursor(nxt)
            if cursor is None or not rows:
                return

    def counts_by_type(self, session: Session, *, actor: Actor) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in session.scalars(select(StixObject).where(StixObject.is_latest.is_(True))):
            if self.decide_view(row, actor).allowed:
                counts[row.type] = counts.get(row.type, 0) + 1
        return counts


def _import_handling(obj: dict[str, Any], default: HandlingInput, *, where: str) -> HandlingInput:
    """Imported objects keep a handling they carry; else get the importer's, with their own TLP."""
    try:
        return read_handling(obj, where=where)
    except InvalidInput:
        pass
    tlp = tlp_of(obj) or default.tlp
    return HandlingInput(
        tlp=tlp,
        originator_nation=default.originator_nation,
        originator_agency=default.originator_agency,
        releasable_to=default.releasable_to,
        orcon=default.orcon,
        red_recipients=default.red_recipients,
    )


def _hide_existence(row: StixObject) -> bool:
    """RED and AMBER+STRICT objects are not even admitted to exist to those who may not see them."""
    return row.tlp in ("red", "amber+strict")


def _actor_label(actor: Actor) -> str:
    return f"{actor.nation}:{actor.agency or '-'}:{actor.username or '-'}"


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def actor_label(actor: Actor) -> str:
    return _actor_label(actor)


__all__ = [
    "ImportReport",
    "ObjectStore",
    "Provenance",
    "StixObject",
    "StoreResult",
    "actor_label",
]
