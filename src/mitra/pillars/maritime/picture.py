"""The shared maritime picture: what the map shows a viewer, all of it through policy.

Incidents, events and areas are objects, read with the viewer's actor through ``node.store``;
vessel positions and tracks are pillar measurements, shown only if the viewer may ``READ_DATA``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shapely.geometry import mapping

from mitra.foundation.errors import Forbidden, InvalidInput
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.ais.types import MARITIME_EVENT
from mitra.pillars.maritime.areas import default_areas, geometry_of, stored_areas
from mitra.pillars.maritime.incidents import list_incidents, parse_day, timestamp_or_none
from mitra.policy import Action, Actor, authorize

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.node import Node

MAX_INCIDENTS = 2000
MAX_VESSELS = 5000
MAX_EVENTS = 2000


def build_picture(node: Node, actor: Actor, *, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """Areas, incidents, events and latest vessel positions in the time window, as JSON-ready values."""
    if since is not None and until is not None and since > until:
        raise InvalidInput("since: must not be later than until")
    with node.db.read() as session:
        incidents, incident_count = list_incidents(
            session, node=node, actor=actor, since=since, until=until, limit=MAX_INCIDENTS
        )
        events = _events(session, node, actor, since=since, until=until)
        areas = _areas(session, node, actor)
    may_read_data = authorize(actor, Action.READ_DATA, node_nation=node.nation).allowed
    vessels: list[dict[str, Any]] = []
    if may_read_data:
        vessels = PositionStore.for_settings(node.settings).latest_positions(
            since=since, until=until, limit=MAX_VESSELS
        )
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "areas": {"type": "FeatureCollection", "features": areas},
        "incidents": [_incident_point(obj) for obj in incidents],
        "incidents_total": incident_count,
        "incidents_truncated": incident_count > len(incidents),
        "events": events,
        "vessels": vessels,
        "positions_shown": may_read_data,
    }


def vessel_track(
    node: Node, actor: Actor, *, mmsi: int, since: datetime | None, until: datetime | None
) -> list[dict[str, Any]]:
    """One vessel's positions in time order (pillar measurements: ``READ_DATA`` needed)."""
    decision = authorize(actor, Action.READ_DATA, node_nation=node.nation)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    return PositionStore.for_settings(node.settings).track(mmsi, since=since, until=until)


def window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """The time window from query text: dates (whole days, UTC) or STIX timestamps."""
    return parse_day(since, where="since"), parse_day(until, where="until", end=True)


def _incident_point(obj: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "category", "severity", "attempted", "occurred_at", "area", "vessel_name", "tlp")
    return {k: obj.get(k) for k in keys} | {"lat": obj["latitude"], "lon": obj["longitude"]}


def _events(
    session: Session, node: Node, actor: Actor, *, since: datetime | None, until: datetime | None
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for row in node.store.iter_visible(session, actor=actor, types=[MARITIME_EVENT.name]):
        obj = row.as_stix()
        if obj.get("status") == "withdrawn":
            continue
        lat, lon = obj.get("lat"), obj.get("lon")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            continue
        start, end = timestamp_or_none(obj.get("start"), where="start"), timestamp_or_none(obj.get("end"), where="end")
        if start is None:
            continue
        if since is not None and (end or start) < since:
            continue
        if until is not None and start > until:
            continue
        found.append(
            {
                "id": obj["id"],
                "event_type": obj.get("event_type"),
                "mmsi": obj.get("mmsi"),
                "start": obj.get("start"),
                "end": obj.get("end"),
                "status": obj.get("status"),
                "lat": lat,
                "lon": lon,
                "tlp": row.tlp,
            }
        )
        if len(found) >= MAX_EVENTS:
            break
    return found


def _areas(session: Session, node: Node, actor: Actor) -> list[dict[str, Any]]:
    features: dict[str, dict[str, Any]] = {
        name: {
            "type": "Feature",
            "properties": {"name": name, "source": "default"},
            "geometry": mapping(geometry),
        }
        for name, geometry in default_areas().items()
    }
    for obj in sorted(stored_areas(session, node, actor), key=lambda o: str(o.get("modified", ""))):
        try:
            geometry = geometry_of(obj)
        except InvalidInput:
            continue
        features[str(obj["name"])] = {
            "type": "Feature",
            "properties": {"name": obj["name"], "source": "stored", "id": obj["id"]},
            "geometry": mapping(geometry),
        }
    return list(features.values())
