"""The intelligence pillar's logic: creating and editing, listing, relationship graphs, release checks, imports.

Every function takes the caller's session and actor and never commits; reads go through the
object store (and so through policy), writes through ``store.create/new_version/release`` or
``store.import_objects``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core.access import permit
from mitra.core.objects import StixObject
from mitra.core.paging import Page
from mitra.core.stix import HandlingInput, iter_bundle, tlp_of, to_policy_handling
from mitra.foundation.canonical import canonical_json
from mitra.foundation.errors import Forbidden, InvalidInput, NotFound
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import format_timestamp, next_modified, now_utc, parse_timestamp
from mitra.pillars.intel import csv_import, misp
from mitra.pillars.intel.models import PAGE_TYPES, Graph, Link, ListFilters
from mitra.pillars.intel.warninglists import WarninglistHit, WarninglistIndex, node_warninglists
from mitra.policy import TLP_LEVELS, Action, Actor, narrows

if TYPE_CHECKING:
    from mitra.node import Node


def create_object(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    obj: dict[str, Any],
    handling: HandlingInput,
    confirm_hits: bool = False,
) -> StixObject:
    """Create; released as it is made, an indicator on a warninglist needs ``confirm_hits`` (the store asks)."""
    if obj.get("type") not in PAGE_TYPES:
        raise InvalidInput(f"type: {obj.get('type')!r} is not an intelligence object type")
    return node.store.create(session, obj=obj, handling=handling, actor=actor, confirm_cautions=confirm_hits)


def edit_object(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    object_id: str,
    changes: dict[str, Any],
    handling: HandlingInput | None = None,
) -> StixObject:
    """A new version; a changed marking may only narrow (widening is a release officer's release)."""
    current = node.store.get(session, object_id=object_id, actor=actor)
    if handling is not None:
        old = current.marking()
        handling = replace(handling, originator_nation=old.originator_nation, originator_agency=old.originator_agency)
        decision = narrows(
            to_policy_handling(old, held_by=node.nation, revoked=False, withdrawn=False),
            to_policy_handling(handling, held_by=node.nation, revoked=False, withdrawn=False),
        )
        if not decision.allowed:
            raise Forbidden(f"marking: {decision.reason}")
    # A change to None removes that property in the new version (see cleared_fields).
    return node.store.new_version(
        session,
        object_id=object_id,
        changes={k: v for k, v in changes.items() if k != "type"},
        actor=actor,
        handling=handling,
    )


# ----- listing and the relationship graph ---------------------------------------------------


def list_objects(
    session: Session, node: Node, *, actor: Actor, filters: ListFilters, cursor: int | None = None, limit: int = 50
) -> Page[StixObject]:
    """Latest versions the actor may see, newest first, within the time window on ``modified``."""
    return node.store.search(
        session,
        actor=actor,
        types=filters.types or tuple(PAGE_TYPES),
        text=filters.text,
        tlp=filters.tlp,
        originator=filters.originator,
        modified_since=filters.since,
        modified_until=filters.until,
        after_seq=cursor,
        limit=limit,
    )


def _visible(session: Session, node: Node, actor: Actor, object_id: str) -> StixObject | None:
    try:
        row = node.store.latest_row(session, object_id)
    except NotFound:
        return None
    return row if node.store.decide_view(row, actor).allowed else None


def relationship_graph(session: Session, node: Node, *, actor: Actor, row: StixObject) -> Graph:
    """Relationships and sightings from and to the object, reports naming it; each shown only if visible."""
    graph = Graph()
    obj = row.as_stix()
    quoted = json.dumps(row.id)
    candidates = session.scalars(
        select(StixObject).where(
            StixObject.is_latest.is_(True),
            StixObject.type.in_(["relationship", "sighting", "report", "grouping"]),
            StixObject.body.contains(quoted, autoescape=True),
        )
    )
    for candidate in candidates:
        if candidate.id == row.id:
            continue
        if not node.store.decide_view(candidate, actor).allowed:
            graph.withheld += 1
            continue
        body = candidate.as_stix()
        if candidate.type == "relationship":
            outgoing = body.get("source_ref") == row.id
            other_id = str(body.get("target_ref") if outgoing else body.get("source_ref"))
            kind = str(body.get("relationship_type", "related-to"))
        elif candidate.type == "sighting":
            outgoing = False
            other_id, kind = candidate.id, "sighted"
        else:
            if row.id not in (body.get("object_refs") or []):
                continue
            outgoing, other_id, kind = False, candidate.id, "named in"
        other = candidate if other_id == candidate.id else _visible(session, node, actor, other_id)
        if other is None and other_id != candidate.id:
            held = is_held(session, other_id)
            if held:
                graph.withheld += 1
                continue
        link = Link(candidate if candidate.type == "relationship" else None, kind, other, other_id)
        (graph.outgoing if outgoing else graph.incoming).append(link)
    if row.type == "sighting" and isinstance(obj.get("sighting_of_ref"), str):
        _add_ref(session, node, actor, graph, "sighting of", str(obj["sighting_of_ref"]))
    for ref in obj.get("object_refs") or []:
        _add_ref(session, node, actor, graph, "names", str(ref))
    if row.type == "relationship":
        _add_ref(session, node, actor, graph, "source", str(obj.get("source_ref")))
        _add_ref(session, node, actor, graph, "target", str(obj.get("target_ref")))
    return graph


def is_held(session: Session, object_id: str) -> bool:
    """Whether any version of ``object_id`` is stored here, whoever may see it."""
    return session.scalar(select(StixObject.seq).where(StixObject.id == object_id).limit(1)) is not None


def _add_ref(session: Session, node: Node, actor: Actor, graph: Graph, kind: str, object_id: str) -> None:
    other = _visible(session, node, actor, object_id)
    if other is None and is_held(session, object_id):
        graph.withheld += 1
        return
    graph.outgoing.append(Link(None, kind, other, object_id))


# ----- warninglists and release -------------------------------------------------------------


def warninglist_hits(index: WarninglistIndex, row: StixObject) -> list[WarninglistHit]:
    return index.check_object(row.as_stix())


def release_object(
    session: Session, node: Node, *, actor: Actor, object_id: str, to: str, confirm_hits: bool
) -> StixObject:
    """Release to a partner; an indicator on a warninglist needs ``confirm_hits`` (the store's cautions)."""
    return node.store.release(session, object_id=object_id, to=to, actor=actor, confirm_cautions=confirm_hits)


def warninglist_cautions(node: Node, obj: dict[str, Any]) -> list[str]:
    """The store's cautions against releasing ``obj``: each value of an indicator on a MISP warninglist."""
    hits = node_warninglists(node.settings.data_dir).check_object(obj)
    return [f"{h.value} is on the warninglist “{h.list_name}”" for h in hits]


# ----- imports ------------------------------------------------------------------------------


def _content(obj: Mapping[str, Any], default_tlp: str) -> str:
    ignored = {"modified", "created", "extensions", "object_marking_refs", "spec_version", "valid_from"}
    kept = {k: v for k, v in obj.items() if k not in ignored}
    kept["__tlp"] = tlp_of(obj) or default_tlp
    return canonical_json(kept)  # as stored: 1.0 and 1 are one number


def settle_versions(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    objects: list[dict[str, Any]],
    timeless: set[str],
    default_tlp: str,
    outcome: ImportReport,
) -> list[dict[str, Any]]:
    """Give derived objects their versions against what the node holds.

    An object whose content equals the held latest version gets that version's ``modified``
    (the store then skips it); a changed object without a source timestamp gets a new
    ``modified``; a changed one whose timestamp is not newer is skipped as stale.
    """
    settled: list[dict[str, Any]] = []
    for offered in objects:
        try:
            held = node.store.latest_row(session, offered["id"])
        except NotFound:
            if offered["id"] in timeless:
                stamp = format_timestamp(now_utc())
                offered = offered | {"modified": max(stamp, offered["created"])}  # noqa: PLW2901 - a fresh copy
            settled.append(offered)
            continue
        if held.originator_nation != node.nation or not node.store.decide_view(held, actor).allowed:
            settled.append(offered)  # the store refuses to version it, and says why
            continue
        body = held.as_stix()
        obj = offered | {"created": body["created"]}
        if "valid_from" in obj and "valid_from" in body and obj["id"] in timeless:
            obj["valid_from"] = body["valid_from"]
        if _content(obj, default_tlp) == _content(body, held.tlp):
            settled.append(obj | {"modified": body["modified"]})
            continue
        if obj["id"] in timeless:
            settled.append(obj | {"modified": format_timestamp(next_modified(held.modified))})
        elif parse_timestamp(obj["modified"], where=obj["id"]) <= held.modified:
            outcome.read += 1
            outcome.reject("not newer than the version held")
        else:
            settled.append(obj)
    return settled


def _default_handling(node: Node, actor: Actor, tlp: str | None) -> HandlingInput:
    return HandlingInput(
        tlp=tlp or node.settings.default_tlp,
        originator_nation=actor.nation,
        originator_agency=actor.agency or "",
    )


def store_import(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    objects: list[dict[str, Any]],
    tlp: str | None,
    where: str,
    outcome: ImportReport,
    on_progress: Callable[[int], None] | None,
    as_published: bool = False,
) -> ImportReport:
    """Store objects through ``store.import_objects``, adding its counts to ``outcome``; ``as_published``
    for a STIX bundle (another producer's objects kept as published), not for objects converted here."""
    report = node.store.import_objects(
        session,
        objects,
        actor=actor,
        default_handling=_default_handling(node, actor, tlp),
        where=where,
        on_progress=on_progress,
        as_published=as_published,
    )
    outcome.merge(report)
    return outcome


def import_stix(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    document: Any,
    where: str,
    tlp: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """A STIX 2.1 bundle, all or nothing."""
    permit(actor, Action.IMPORT, nation=node.nation)
    objects = list(iter_bundle(document, where=where))
    if not objects:
        raise InvalidInput(f"{where}: the bundle has no objects")
    outcome = ImportReport(source="stix", unit="object")
    return store_import(
        session,
        node,
        actor=actor,
        objects=objects,
        tlp=tlp,
        where=where,
        outcome=outcome,
        on_progress=on_progress,
        as_published=True,
    )


def import_misp(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    document: Any,
    where: str,
    max_attributes: int = misp.MAX_ATTRIBUTES,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """A MISP event: report, indicators and galaxy objects, versioned against what is held."""
    permit(actor, Action.IMPORT, nation=node.nation)
    conversion = misp.parse_misp(document, where=where, max_attributes=max_attributes)
    outcome = ImportReport(source="misp", unit="object", report_id=conversion.report_id)
    for reason, count in conversion.skipped.items():
        outcome.read += count
        outcome.reject(reason, count=count)
    tlp = node.settings.default_tlp
    objects = settle_versions(
        session,
        node,
        actor=actor,
        objects=conversion.objects,
        timeless=conversion.timeless,
        default_tlp=tlp,
        outcome=outcome,
    )
    return store_import(
        session, node, actor=actor, objects=objects, tlp=tlp, where=where, outcome=outcome, on_progress=on_progress
    )


def import_csv(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    text: str,
    where: str,
    tlp: str | None = None,
    skip_bad: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """A CSV or plain list of indicators; any bad line refuses the whole file unless ``skip_bad``."""
    permit(actor, Action.IMPORT, nation=node.nation)
    if tlp is not None and tlp not in TLP_LEVELS:
        raise InvalidInput(f"tlp: {tlp!r} is not a TLP 2.0 level")
    parsed = csv_import.parse_indicator_list(text)
    if parsed.errors and not skip_bad:
        shown = "; ".join(str(e) for e in parsed.errors[:10])
        more = f" (and {len(parsed.errors) - 10} more)" if len(parsed.errors) > 10 else ""
        raise InvalidInput(f"{where}: {len(parsed.errors)} bad line(s), nothing imported: {shown}{more}")
    outcome = ImportReport(source="csv", unit="line")
    for error in parsed.errors:
        outcome.read += 1
        if error.duplicate:
            outcome.duplicate(error.reason, error.line)
        else:
            outcome.reject(error.reason, error.line)
    if not parsed.rows:
        bad = (
            f" ({len(parsed.errors)} bad line(s): {'; '.join(str(e) for e in parsed.errors[:3])})"
            if parsed.errors
            else ""
        )
        raise InvalidInput(f"{where}: no indicators in the file{bad}")
    stamp = format_timestamp(now_utc())
    objects = csv_import.indicators_from_rows(parsed.rows, nation=node.nation, stamp=stamp)
    level = tlp or node.settings.default_tlp
    settled = settle_versions(
        session,
        node,
        actor=actor,
        objects=objects,
        timeless={o["id"] for o in objects},
        default_tlp=level,
        outcome=outcome,
    )
    return store_import(
        session, node, actor=actor, objects=settled, tlp=level, where=where, outcome=outcome, on_progress=on_progress
    )


def export_misp_event(session: Session, node: Node, *, actor: Actor, report_id: str) -> dict[str, Any]:
    """A report (and the objects it names that the actor may see) as a MISP event."""
    row = node.store.get(session, object_id=report_id, actor=actor)
    if row.type != "report":
        raise InvalidInput(f"{report_id}: only a report exports as a MISP event")
    report = row.as_held()  # a foreign report or indicator is tagged with the TLP it is held under here
    members = []
    for ref in report.get("object_refs") or []:
        member = _visible(session, node, actor, str(ref))
        if member is not None:
            members.append(member.as_held())
    return misp.export_misp(report, members)
