"""Detected events as versioned ``x-mitra-maritime-event`` objects: created, updated, closed or withdrawn.

:func:`run_detection` is the one way ``mitra ais detect`` and the demo detect: the preset, the node's
areas of interest and the shipped ports, checked store, the settings named in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from mitra.core.access import permit
from mitra.core.stix import HandlingInput
from mitra.pillars.maritime.ais.detect import PRESETS, DetectedEvent, EventDetector, Thresholds, preset_event_types
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.ais.stream import StreamChanges
from mitra.pillars.maritime.alerts import raise_alerts
from mitra.pillars.maritime.service import load_areas
from mitra.pillars.maritime.types import MARITIME_EVENT
from mitra.policy import Action, Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.node import Node

EVENT_TYPE = MARITIME_EVENT.name
# The ports and anchorages shipped with Mitra (NGA World Port Index, GFW anchorages): offshore distance, port visits.
SHIPPED_PORTS_DIR = Path(__file__).resolve().parents[6] / "shared" / "data" / "maritime" / "ports"


@dataclass
class DetectionReport:
    found: int = 0
    updated: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    positions: int = 0
    untimed: int = 0  # positions held with an unknown time: no detector can use them
    by_type: dict[str, int] = field(default_factory=dict)
    settings: str = ""  # what the run used: preset, areas, ports (see :func:`describe_settings`)
    repeated: int = 0  # events found twice under one id (same type, vessel, start, area): the first kept
    recorded: list[dict[str, Any]] = field(default_factory=list)  # bodies stored new, updated or withdrawn
    alerts: list[str] = field(default_factory=list)  # ids of the alerts those bodies raised (watch rules)


def describe_settings(
    *, preset: str, since: datetime | None, areas: Mapping[str, BaseGeometry], ports_dir: Path | None, ports: int
) -> str:
    """One line naming everything a detection run depends on besides the positions."""
    names = ", ".join(sorted(areas)) or "none"
    folder = ports_dir.resolve() if ports_dir else None
    where = f"{ports:,} ports and anchorages from {folder}" if ports else f"no ports (none in {folder})"
    after = f"; positions since {_stamp(since)}" if since else ""
    return (
        f"preset {preset} ({', '.join(PRESETS[preset])}); {len(areas)} areas of interest ({names}); {where}; "
        f"the published thresholds{after}"
    )


Progress = Callable[[str, int, int], None]  # (what is being done, how much is done, of how much)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_id(node: Node, event: DetectedEvent) -> str:
    """Deterministic: the same event (type, MMSI, start) keeps its id across detection runs."""
    return node.seed_id(EVENT_TYPE, event.key)


def _body(node: Node, event: DetectedEvent, preset: str) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": EVENT_TYPE,
        "id": event_id(node, event),
        "name": f"{event.event_type.replace('_', ' ')} {event.mmsi} {_stamp(event.start)}",
        "event_type": event.event_type,
        "mmsi": event.mmsi,
        "start": _stamp(event.start),
        "status": "open" if event.end is None else "closed",
        "lat": round(event.lat, 6),
        "lon": round(event.lon, 6),
        "details": event.details,
        "definition": f"{preset}:{event.event_type}",
    }
    if event.end is not None:
        obj["end"] = _stamp(event.end)
    return obj


def _held_events(session: Session, node: Node, actor: Actor) -> dict[str, dict[str, Any]]:
    """This node's stored events, revoked ones included: a re-detected event keeps its id."""
    return {
        row.id: row.as_stix()
        for row in node.store.iter_visible(session, actor=actor, types=[EVENT_TYPE], with_revoked=True)
        if row.originator_nation == node.nation
    }


CREATE_AT_ONCE = 500  # new events stored by one insert (through the store's create_many)
_COMPARED = ("status", "end", "lat", "lon", "details", "event_type")


def detect_and_record(
    node: Node,
    actor: Actor,
    *,
    preset: str = "all",
    since: datetime | None = None,
    areas: Mapping[str, BaseGeometry] | None = None,
    ports_dir: Path | None = None,
    thresholds: Thresholds | None = None,
    on_progress: Progress | None = None,
) -> DetectionReport:
    """Run a preset's detectors and reconcile with the stored events (new, updated/closed, withdrawn).

    ``on_progress(what, done, total)`` hears each step: every detector as it starts, then the events recorded.

    Every Parquet file is checked against the store's manifest first: a file missing, changed, truncated
    or not recorded stops the run (:class:`~mitra.pillars.maritime.ais.store.StoreDamaged`, naming it)
    before any event is found, changed or withdrawn.
    """
    permit(actor, Action.CREATE, nation=node.nation)
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    store = PositionStore.for_settings(node.settings)
    detectors = PRESETS[preset]
    steps = iter(range(len(detectors)))

    def step(name: str) -> None:
        if on_progress is not None:
            on_progress(f"detecting: {name.replace('_', ' ')}", next(steps), len(detectors))

    if on_progress is not None:
        on_progress("checking the stored files", 0, len(detectors))
    with store.reading(verified=True) as con:
        detector = EventDetector(con, ports_dir=ports_dir, areas=areas, thresholds=thresholds, since=since)
        detected = detector.run(detectors, on_step=step)
        positions = detector.positions
        untimed = con.execute("SELECT count(*) FROM all_positions WHERE ts IS NULL").fetchone()
    report = record_events(
        node, actor, detected, preset=preset, since=since, positions=positions, on_progress=on_progress
    )
    report.alerts = raise_alerts(node, actor, events=report.recorded)  # what the watch rules make of them
    report.untimed = int(untimed[0]) if untimed else 0
    report.settings = describe_settings(
        preset=preset, since=since, areas=areas or {}, ports_dir=ports_dir, ports=detector.ports
    )
    return report


def run_detection(
    node: Node,
    actor: Actor,
    *,
    preset: str = "all",
    since: datetime | None = None,
    ports_dir: Path = SHIPPED_PORTS_DIR,
    on_progress: Progress | None = None,
) -> DetectionReport:
    """Detection as ``mitra ais detect`` and the demo run it: the preset over the node's areas of interest
    (the defaults and those ``actor`` may see) and the ports in ``ports_dir``, with the published thresholds.
    The report's ``settings`` names them all."""
    return detect_and_record(
        node,
        actor,
        preset=preset,
        since=since,
        areas=load_areas(node, actor),
        ports_dir=ports_dir,
        on_progress=on_progress,
    )


def _upsert(session: Session, node: Node, actor: Actor, body: dict[str, Any], old: Mapping[str, Any]) -> str:
    """Store ``body`` (a detected event held already as ``old``) as a new version, or not at all: which it was
    (the new ones are stored together, :meth:`ObjectStore.create_many`)."""
    if old.get("status") != "withdrawn" and all(old.get(k) == body.get(k) for k in _COMPARED):
        return "unchanged"
    changes = {k: body[k] for k in (*_COMPARED, "name", "definition") if k in body}
    if "end" not in body and "end" in old:
        changes["end"] = None  # the store drops a property changed to None: a reopened event has no end
    node.store.new_version(session, object_id=body["id"], changes=changes, actor=actor)
    return "updated"


def _handling(node: Node, actor: Actor) -> HandlingInput:
    return HandlingInput(
        tlp=node.settings.default_tlp.lower(),
        originator_nation=node.nation,
        originator_agency=actor.agency or node.settings.agencies[0],
    )


def record_events(
    node: Node,
    actor: Actor,
    detected: Sequence[DetectedEvent],
    *,
    preset: str,
    since: datetime | None,
    positions: int = 0,
    on_progress: Progress | None = None,
) -> DetectionReport:
    """Reconcile a batch run's events with the stored ones: new, updated or closed, and withdrawn (those the
    run's detectors could have found again and did not). Two events under one id are counted in ``repeated``
    and the first kept (the batch orders them), never dropped unsaid."""
    report = DetectionReport(positions=positions)
    seen: set[str] = set()
    new: list[dict[str, Any]] = []
    with node.db.write() as session:
        held = _held_events(session, node, actor)
        for done, event in enumerate(detected):
            if on_progress is not None and done % 200 == 0:
                on_progress("recording events", done, len(detected))
            body = _body(node, event, preset)
            if body["id"] in seen:
                report.repeated += 1
                continue
            seen.add(body["id"])
            report.by_type[event.event_type] = report.by_type.get(event.event_type, 0) + 1
            old = held.get(body["id"])
            outcome = "found" if old is None else _upsert(session, node, actor, body, old)
            if old is None:
                new.append(body)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if outcome != "unchanged":
                report.recorded.append(body)
        handling = _handling(node, actor)
        for at in range(0, len(new), CREATE_AT_ONCE):  # the new ones stored together, hundreds an insert
            items = [(body, handling) for body in new[at : at + CREATE_AT_ONCE]]
            node.store.create_many(session, items=items, actor=actor)
        if on_progress is not None:
            on_progress("events recorded", len(detected), len(detected))
        since_text = _stamp(since) if since else ""
        for object_id, old in held.items():
            if object_id in seen or old.get("status") == "withdrawn":
                continue
            # Disproved only by a run whose detectors could have found it again (not by any run that found its type).
            same_preset = str(old.get("definition", "")).split(":", 1)[0] == preset
            ran_for = same_preset or old.get("event_type") in preset_event_types(preset)
            if not ran_for or str(old.get("start", "")) < since_text:
                continue
            node.store.new_version(session, object_id=object_id, changes={"status": "withdrawn"}, actor=actor)
            report.withdrawn += 1
            report.recorded.append({**old, "status": "withdrawn"})
    return report


STREAM_PRESET = "stream"  # the definition the live feed's events carry: `mitra ais detect --preset stream` re-runs it


RECORD_CHUNK = 50  # events stored in one transaction by the live feed: a person's write waits for one chunk at most


def record_stream_changes(node: Node, actor: Actor, changes: StreamChanges) -> DetectionReport:
    """What one batch of the live feed changed, stored: events opened, updated or closed as new objects or
    versions, withdrawn ones marked so. Only what changed is touched (unlike a batch run, nothing else is
    disproved). The report's ``recorded`` holds the stored bodies, for alerts and the live map.

    Stored :data:`RECORD_CHUNK` at a time, each chunk its own transaction: a feed that opens a thousand port
    visits at once must not hold the node's write lock so long that a person's sign-in or save times out."""
    report = DetectionReport()
    if not changes:
        return report
    work: list[tuple[bool, DetectedEvent]] = [
        *((False, e) for e in (*changes.opened, *changes.updated, *changes.closed)),
        *((True, e) for e in changes.withdrawn),
    ]
    for at in range(0, len(work), RECORD_CHUNK):
        if at:
            time.sleep(0.005)  # let a waiting writer in between two chunks
        chunk = work[at : at + RECORD_CHUNK]
        with node.db.write() as session:
            held = _held_by_id(session, node, [event_id(node, event) for _, event in chunk])
            new: dict[str, dict[str, Any]] = {}  # stored together, after the versions (one insert)
            for withdrawn, event in chunk:
                if withdrawn:
                    continue  # after the new ones: one opened and disproved in a chunk is stored, then withdrawn
                body = _body(node, event, STREAM_PRESET)
                if body["id"] in new:  # found twice in one batch: the later stands, as a later version would
                    new[body["id"]] = body
                    outcome = "updated"
                elif body["id"] in held:
                    outcome = _upsert(session, node, actor, body, held[body["id"]])
                else:
                    new[body["id"]] = body
                    outcome = "found"
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.by_type[event.event_type] = report.by_type.get(event.event_type, 0) + 1
                if outcome != "unchanged":
                    report.recorded.append(body)
            if new:
                handling = _handling(node, actor)
                node.store.create_many(session, items=[(body, handling) for body in new.values()], actor=actor)
            for withdrawn, event in chunk:
                if withdrawn:
                    object_id = event_id(node, event)
                    _withdraw(session, node, actor, event, report, held.get(object_id, new.get(object_id)))
    return report


def _withdraw(
    session: Session,
    node: Node,
    actor: Actor,
    event: DetectedEvent,
    report: DetectionReport,
    old: Mapping[str, Any] | None,
) -> None:
    object_id = event_id(node, event)
    if old is None or old.get("status") == "withdrawn":
        return  # opened and disproved within one batch: never stored, nothing to take back
    node.store.new_version(session, object_id=object_id, changes={"status": "withdrawn"}, actor=actor)
    report.withdrawn += 1
    report.recorded.append({**old, "status": "withdrawn"})


def _held_by_id(session: Session, node: Node, object_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored events of ``object_ids`` this node originated (a partner's copy is not ours to version)."""
    rows = node.store.latest_rows(session, object_ids)
    return {object_id: row.as_stix() for object_id, row in rows.items() if row.originator_nation == node.nation}
