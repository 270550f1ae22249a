"""The India-Malaysia view: threat actors and campaigns that target either country, and who shared what.

The list comes from ``india-malaysia-actors.derived.json`` (ATT&CK groups and campaigns whose
description names India or Malaysia, and MISP galaxy actors with those victims). Importing it
stores the ATT&CK objects (exact, from the ATT&CK bundle when given; else a placeholder dated
2000-01-01 that a later ATT&CK import supersedes), a threat actor per galaxy cluster, and one
report labelled ``india-malaysia-targeting`` naming them all. The view reads those reports.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core.objects import StixObject
from mitra.core.stix import TLP_MARKING_IDS
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.pillars.intel.service import is_held, settle_versions, store_import
from mitra.policy import Actor

if TYPE_CHECKING:
    from mitra.node import Node

LABEL = "india-malaysia-targeting"
PLACEHOLDER_TIME = "2000-01-01T00:00:00.000Z"
LIST_TIME = "2025-01-07T00:00:00.000Z"
_TERMS = {"india": "IND", "indian": "IND", "malaysia": "MYS", "malaysian": "MYS"}
_COUNTRY = {"IN": "IND", "MY": "MYS"}
_GALAXY_NAMESPACE = uuid.UUID("9d8e3b0a-7c4f-5a1e-b2d6-0f3e8a9c4b21")


@dataclass(frozen=True)
class Target:
    """One actor or campaign on the list, and which of the two countries it concerns and how."""

    object_id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    targets: tuple[str, ...]  # nations named as victims
    based_in: tuple[str, ...]  # nations the galaxy gives as the actor's country
    note: str
    source: str  # "ATT&CK G0121" or "MISP galaxy"


def read_targets(document: Any, *, where: str) -> list[Target]:
    """The entries of the derived file; :class:`InvalidInput` when it is not that file."""
    if not isinstance(document, dict) or not isinstance(document.get("attack"), list):
        raise InvalidInput(f"{where}: expected the India–Malaysia actors file (an object with 'attack')")
    targets: list[Target] = []
    try:
        for entry in document["attack"]:
            nations = sorted({_TERMS[t.lower()] for t in entry.get("terms", []) if t.lower() in _TERMS})
            targets.append(
                Target(
                    object_id=str(entry["stix_id"]),
                    type=str(entry["type"]),
                    name=str(entry["name"]),
                    aliases=tuple(str(a) for a in entry.get("aliases", [])),
                    targets=tuple(nations),
                    based_in=(),
                    note=str(entry.get("snippet", "")),
                    source=f"ATT&CK {entry.get('attack_id', '')}".strip(),
                )
            )
        for entry in document.get("misp_galaxy", []):
            victims = sorted({_TERMS[v.lower()] for v in entry.get("victims_matched", []) if v.lower() in _TERMS})
            country = _COUNTRY.get(str(entry.get("country", "")))
            targets.append(
                Target(
                    object_id=f"threat-actor--{uuid.UUID(str(entry['uuid']))}",
                    type="threat-actor",
                    name=str(entry["value"]),
                    aliases=tuple(str(a) for a in entry.get("synonyms", [])),
                    targets=tuple(victims),
                    based_in=(country,) if country else (),
                    note=f"suspected state sponsor: {entry.get('suspected_state_sponsor') or 'unknown'}",
                    source="MISP galaxy",
                )
            )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"{where}: malformed entry ({type(exc).__name__}: {exc})") from None
    return targets


def _attack_objects(path: Path, wanted: set[str]) -> dict[str, dict[str, Any]]:
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: cannot read the ATT&CK bundle: {exc}") from None
    objects = bundle.get("objects", []) if isinstance(bundle, dict) else []
    return {o["id"]: o for o in objects if isinstance(o, dict) and o.get("id") in wanted}


def _stub(target: Target) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": target.type,
        "spec_version": "2.1",
        "id": target.object_id,
        "created": PLACEHOLDER_TIME,
        "modified": PLACEHOLDER_TIME,
        "name": target.name,
        "aliases": list(target.aliases) or [target.name],
        "object_marking_refs": [TLP_MARKING_IDS["clear"]],
    }
    if target.note:
        obj["description"] = target.note
    if target.type == "threat-actor":
        obj["x_misp_galaxy_cluster"] = {
            "galaxy": "threat-actor",
            "tag_name": f'misp-galaxy:threat-actor="{target.name}"',
        }
    return obj


def import_targets(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    document: Any,
    where: str,
    attack_path: Path | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Store the listed actors and campaigns and the report naming them; idempotent."""
    targets = read_targets(document, where=where)
    exact = _attack_objects(attack_path, {t.object_id for t in targets}) if attack_path else {}
    objects: list[dict[str, Any]] = []
    timeless: set[str] = set()
    for target in targets:
        if target.object_id in exact:
            objects.append(exact[target.object_id])
            continue
        if target.type != "threat-actor" and is_held(session, target.object_id):
            continue  # ATT&CK's own object (or an earlier placeholder) is there already
        objects.append(_stub(target))
    report_id = node.seed_id("report", "india-malaysia-actors")
    stamp = LIST_TIME  # the list's own date; its versions get their time when the content changes
    objects.append(
        {
            "type": "report",
            "spec_version": "2.1",
            "id": report_id,
            "created": stamp,
            "modified": stamp,
            "name": "Threat actors and campaigns that target India or Malaysia",
            "description": str(document.get("_note", "")),
            "published": stamp,
            "report_types": ["threat-actor"],
            "labels": [LABEL],
            "object_refs": [t.object_id for t in targets],
            "x_mitra_targets": {
                t.object_id: {
                    "targets": list(t.targets),
                    "based_in": list(t.based_in),
                    "source": t.source,
                    "note": t.note,
                }
                for t in targets
            },
            "object_marking_refs": [TLP_MARKING_IDS["clear"]],
        }
    )
    timeless.add(report_id)
    outcome = ImportReport(source="india-malaysia", unit="object", report_id=report_id)
    settled = settle_versions(
        session, node, actor=actor, objects=objects, timeless=timeless, default_tlp="clear", outcome=outcome
    )
    return store_import(
        session, node, actor=actor, objects=settled, tlp="clear", where=where, outcome=outcome, on_progress=on_progress
    )


_LINKING_TYPES = ("relationship", "sighting", "report", "grouping", "note")


def _linked_ids(session: Session, targets: set[str]) -> dict[str, set[tuple[str, str | None]]]:
    """For each target, (id, via) of objects linking to it (via None) and of the other ends of its
    relationships (via the relationship's id: counted only if that relationship may be seen).

    One pass over the latest linking objects, reading only their JSON (ATT&CK alone has 20,000 relationships).
    """
    linked: dict[str, set[tuple[str, str | None]]] = {target: set() for target in targets}
    query = select(StixObject.id, StixObject.type, StixObject.body).where(
        StixObject.is_latest.is_(True), StixObject.type.in_(_LINKING_TYPES)
    )
    for object_id, type_name, text in session.execute(query):
        body = json.loads(text)
        if type_name == "report" and LABEL in (body.get("labels") or []):
            continue  # the list itself is not something shared about an actor
        source, target = body.get("source_ref"), body.get("target_ref")
        refs = {source, target, body.get("sighting_of_ref"), *(body.get("object_refs") or [])}
        for ref in refs & targets:
            linked[ref].add((object_id, None))
            other = target if ref == source else source
            if type_name == "relationship" and isinstance(other, str) and other != ref:
                linked[ref].add((other, object_id))
    return linked


def _latest_rows(session: Session, ids: set[str]) -> dict[str, StixObject]:
    rows: dict[str, StixObject] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(StixObject).where(StixObject.id.in_(chunk), StixObject.is_latest.is_(True))
        rows.update((row.id, row) for row in session.scalars(query))
    return rows


@dataclass
class Shared:
    """What one nation has shared about an actor: how many objects, and a few of them."""

    count: int = 0
    examples: list[StixObject] = field(default_factory=list)


@dataclass
class ActorView:
    target: dict[str, Any]
    row: StixObject | None
    object_id: str
    shared: dict[str, Shared]


def view(session: Session, node: Node, *, actor: Actor, nations: tuple[str, ...]) -> list[ActorView]:
    """Each listed actor the viewer may see, with the objects linked to it per originating nation."""
    reports, _ = node.store.search(session, actor=actor, types=("report",), text=LABEL, limit=50)
    entries: dict[str, dict[str, Any]] = {}
    for report in reports:
        body = report.as_stix()
        if LABEL not in (body.get("labels") or []):
            continue
        for object_id, info in (body.get("x_mitra_targets") or {}).items():
            entries.setdefault(str(object_id), dict(info))
    if not entries:
        return []
    linked = _linked_ids(session, set(entries))
    wanted = set(entries).union(*({linked_id for linked_id, _ in pairs} for pairs in linked.values()))
    rows = _latest_rows(session, wanted)
    result: list[ActorView] = []
    for object_id, info in entries.items():
        actor_row = rows.get(object_id)  # a listed actor not held here is shown by name only
        if actor_row is not None and not node.store.decide_view(actor_row, actor).allowed:
            continue
        shared = {nation: Shared() for nation in nations}
        visible = {
            linked_id
            for linked_id, _ in linked[object_id]
            if linked_id in rows and node.store.decide_view(rows[linked_id], actor).allowed
        }
        counted = sorted({i for i, via in linked[object_id] if i in visible and (via is None or via in visible)})
        for linked_id in counted:  # dangling references, and what the viewer may not see, count for nobody
            row = rows[linked_id]
            bucket = shared.setdefault(row.originator_nation, Shared())
            bucket.count += 1
            if len(bucket.examples) < 5 and row.type != "relationship":
                bucket.examples.append(row)
        result.append(ActorView(target=info, row=actor_row, object_id=object_id, shared=shared))
    result.sort(key=lambda v: (v.row.name if v.row and v.row.name else v.object_id).lower())
    return result
