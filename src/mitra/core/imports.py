"""Importing a whole file: every object validated first, then stored all or nothing; a release if it widens."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record
from mitra.core import releases as release_rules
from mitra.core import versioning
from mitra.core.access import permit
from mitra.core.records import SOURCE_IMPORT, Provenance, StixObject, _actor_label, _chunks
from mitra.core.stix import (
    HandlingInput,
    apply_handling,
    carries_handling,
    read_handling,
    tlp_of,
    validate_object,
)
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import parse_timestamp
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
    as_published: bool = False,
) -> ImportReport:
    """Validate every object, then store them all in the caller's transaction.

    ``as_published``: the objects are another producer's, as it published them (a STIX bundle given to
    ``mitra import`` or ``POST /bundles``): one that carries no Mitra handling is kept byte for byte under
    its (id, modified) and this node's handling of it lives in the store's marking columns only. Without
    it, the objects are the node's own (an importer converted MISP, CSV, ASAM records into them) and carry
    their handling inside, as everything the node produces does.

    Nothing is stored unless every object is valid: the first problem raises
    :class:`InvalidInput` naming the object's position and id. Making an object releasable is
    a release (the policy's ``Release``), as on every path. ``audit_detail`` adds what the
    importer knows of its source (a format, rows it could not read) to the import's audit entry.
    """
    permit(actor, Action.IMPORT, nation=store.nation)
    prepared: list[dict[str, Any]] = []
    handlings: list[HandlingInput] = []
    for index, obj in enumerate(objects):
        validate_object(obj, store.registry, where=f"{where} object {index + 1}")
        handling = import_handling(obj, default_handling, where=f"{where} object {index + 1}")
        # A Mitra node's object carries its handling; another producer's is kept as published, byte for
        # byte under its (id, modified), and this node's handling of it lives in the marking columns.
        prepared.append(obj if as_published and not carries_handling(obj) else apply_handling(obj, handling))
        handlings.append(handling)
        if on_progress is not None and index % 500 == 499:
            on_progress(500)
    if on_progress is not None:
        on_progress(len(prepared) % 500)
    report = ImportReport(source=where, unit="object", read=len(prepared))
    seen: dict[tuple[str, str], int] = {}
    kept: list[_Offered] = []
    for position, (obj, handling) in enumerate(zip(prepared, handlings, strict=True), start=1):
        key = (obj["id"], obj.get("modified") or obj["created"])
        if key in seen:
            report.duplicate(f"the same version as object {seen[key]}", position)
            continue
        seen[key] = position
        kept.append(_Offered(position, obj, handling))
    latest = _latest_rows(session, {o.obj["id"] for o in kept})
    kept = versionable(store, kept, latest, actor=actor, report=report)
    for o in kept:
        held = latest.get(o.obj["id"])
        if held is not None and held.is_foreign and held.marking() != o.handling and _same_version(held, o.obj):
            report.note(
                "held already under another marking (an import does not re-mark; change the marking)", o.position
            )
    kept = held_back(store, kept, latest, report=report)
    releases = import_releases(store, kept, latest, actor=actor, where=where)
    # Markings before the import of our own objects it versions: a narrowing is told to the partners, as on every path.
    before = {
        o.obj["id"]: latest[o.obj["id"]].handling(held_by=store.nation)
        for o in kept
        if o.obj["id"] in latest and latest[o.obj["id"]].originator_nation == store.nation
    }
    refused: set[str] = set()
    for chunk in _chunks(kept, 2000):
        results = store.store_versions(
            session,
            [o.obj for o in chunk],
            provenance=Provenance(source=SOURCE_IMPORT),
            audit_actor=_actor_label(actor),
            handlings=[o.handling for o in chunk],
        )
        for offered, result in zip(chunk, results, strict=True):
            if result.outcome == "refused":
                report.reject(result.reason, offered.position)
                refused.add(result.object_id)
            else:
                report.count(result.outcome)
        if on_progress is not None:
            on_progress(len(chunk))
    release_rules.record_releases(store, session, actor, [r for r in releases if r[0] not in refused])
    if store.on_narrowed is not None and before:
        after = _latest_rows(session, set(before))
        for object_id, marking in before.items():
            now = after[object_id].handling(held_by=store.nation)
            if now != marking:
                store.on_narrowed(
                    session, object_id, marking, now, f"marking narrowed by the import of {PurePath(where).name}"
                )
    record(
        session,
        AuditEvent(
            _actor_label(actor),
            "import",
            None,
            {
                "file": where,
                "read": report.read,
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": report.skipped,
            }
            | dict(audit_detail or {}),
        ),
    )
    return report


@dataclass(frozen=True)
class _Offered:
    """One object of the input, at its position (from 1), with the handling it will be stored under."""

    position: int
    obj: dict[str, Any]
    handling: HandlingInput


def _same_version(row: StixObject, obj: Mapping[str, Any]) -> bool:
    return row.modified == parse_timestamp(obj.get("modified") or obj["created"], where=str(obj["id"]))


def _latest_rows(session: Session, ids: set[str]) -> dict[str, StixObject]:
    latest: dict[str, StixObject] = {}
    for chunk in _chunks(sorted(ids), 500):
        query = select(StixObject).where(StixObject.id.in_(chunk), StixObject.is_latest.is_(True))
        latest |= {row.id: row for row in session.scalars(query)}
    return latest


def held_back(
    store: ObjectStore, offered: Sequence[_Offered], latest: Mapping[str, StixObject], *, report: ImportReport
) -> list[_Offered]:
    """An import releases nothing the pillars caution against (no one confirmed it): such an object is stored
    without the new nations, and the report says so and why; a person releases it on its page, confirming."""
    kept = []
    for o in offered:
        held = latest.get(o.obj["id"])
        already = held.releasable_to.split() if held is not None else []
        fresh = release_rules.newly_released(store, o.handling, already=already)
        cautions = store.cautions_of(o.obj) if fresh else []
        if cautions:
            report.note(
                f"not released to {', '.join(fresh)}: {'; '.join(cautions[:3])} (release it on its page, confirming)",
                o.position,
            )
            narrower = tuple(n for n in o.handling.releasable_to if n not in fresh)
            kept.append(replace(o, handling=replace(o.handling, releasable_to=narrower)))
        else:
            kept.append(o)
    return kept


def import_releases(
    store: ObjectStore,
    offered: Sequence[_Offered],
    latest: Mapping[str, StixObject],
    *,
    actor: Actor,
    where: str,
) -> list[tuple[str, tuple[str, ...]]]:
    """Objects an import makes releasable to a partner they were not releasable to: each is a release."""
    releases = []
    for o in offered:
        if not o.handling.releasable_to:
            continue
        held = latest.get(o.obj["id"])
        already = held.releasable_to.split() if held is not None else []
        fresh = release_rules.require_release(
            store, actor, o.handling, already=already, where=f"{where}: {o.obj['id']}"
        )
        if fresh:
            releases.append((o.obj["id"], fresh))
    return releases


def versionable(
    store: ObjectStore,
    offered: Sequence[_Offered],
    latest: Mapping[str, StixObject],
    *,
    actor: Actor,
    report: ImportReport,
) -> list[_Offered]:
    """Leave out, as rejected, versions of objects held already that this import may not version.

    Nobody versions an object held under a marking they may not see (and learns nothing of it); only its
    originator versions an object (the store's rule, ``versioning.not_the_originator``).
    """
    kept: list[_Offered] = []
    for o in offered:
        held = latest.get(o.obj["id"])
        reason = None
        if held is not None and not store.decide_view(held, actor).allowed:
            reason = "held already under a marking you may not see"
        elif held is not None:  # the store refuses it too; left out here so it is not counted as a release
            reason = versioning.not_the_originator([held.originator_nation], o.handling)
        if reason is None:
            kept.append(o)
        else:
            report.reject(reason, o.position)
    return kept


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
