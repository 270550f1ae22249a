"""Importing a whole file: every object validated first, then stored all or nothing; a release if it widens."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record
from mitra.core import releases as release_rules
from mitra.core.access import permit
from mitra.core.records import (
    SOURCE_IMPORT,
    ImportReport,
    Provenance,
    StixObject,
    StoreResult,
    _actor_label,
    _chunks,
)
from mitra.core.stix import HandlingInput, apply_handling, read_handling, tlp_of, validate_object
from mitra.foundation.errors import InvalidInput
from mitra.policy import Action, Actor

if TYPE_CHECKING:
    from mitra.core.objects import ObjectStore


def import_objects(
    store: ObjectStore,
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
    permit(actor, Action.IMPORT, nation=store.nation)
    prepared: list[dict[str, Any]] = []
    handlings: list[HandlingInput] = []
    for index, obj in enumerate(objects):
        validate_object(obj, store.registry, where=f"{where} object {index}")
        handling = import_handling(obj, default_handling, where=f"{where} object {index}")
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
    unique, unique_handlings = versionable(store, session, unique, unique_handlings, actor=actor, report=report)
    releases = import_releases(store, session, unique, unique_handlings, actor=actor, where=where)
    for chunk_objs, chunk_handlings in zip(_chunks(unique, 2000), _chunks(unique_handlings, 2000), strict=True):
        for result in store.store_versions(
            session,
            chunk_objs,
            provenance=Provenance(source=SOURCE_IMPORT),
            audit_actor=_actor_label(actor),
            handlings=chunk_handlings,
        ):
            report.count(result)
        if on_progress is not None:
            on_progress(len(chunk_objs))
    release_rules.record_releases(store, session, actor, releases)
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


def import_releases(
    store: ObjectStore,
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
        fresh = release_rules.require_release(store, actor, handling, already=already, where=f"{where}: {object_id}")
        if fresh:
            releases.append((object_id, fresh))
    return releases


def versionable(
    store: ObjectStore,
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
        if held is not None and not store.decide_view(held, actor).allowed:
            reason = "held already under a marking you may not see"
        elif held is not None and held.originator_nation != handling.originator_nation:
            reason = f"held from {held.originator_nation}; only the originator versions it"
        if reason is None:
            kept.append(obj)
            kept_handlings.append(handling)
        else:
            report.count(StoreResult(obj["id"], obj.get("modified") or obj["created"], "skipped", reason))
    return kept, kept_handlings


def import_handling(obj: dict[str, Any], default: HandlingInput, *, where: str) -> HandlingInput:
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
