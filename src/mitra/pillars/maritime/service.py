"""The maritime pillar's operations over a node: incidents, areas of interest and the shared picture.

Incidents, events and areas are objects, read with the viewer's actor through ``node.store`` (and so
through policy); vessel positions and tracks, and the other AIS reports (base stations, SAR aircraft,
aids to navigation, safety messages), are pillar measurements, shown only if the viewer may
``READ_DATA``. Each function takes the caller's session (or opens a read) and never commits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from mitra.core.access import may, permit
from mitra.core.objects import StixObject
from mitra.core.paging import Page, page_by_key
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import InvalidInput, NotFound
from mitra.foundation.timestamps import parse_day_or_timestamp, timestamp_or_none
from mitra.pillars.maritime.ais import listing
from mitra.pillars.maritime.ais.listing import ReportKind
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.areas import area_object, default_areas, geometry_of
from mitra.pillars.maritime.incidents import incident_object, occurred_at, one_per_record, stats_of
from mitra.pillars.maritime.models import AisReportList, AreaInput, IncidentInput, IncidentStats
from mitra.pillars.maritime.types import AREA_OF_INTEREST, MARITIME_EVENT, MARITIME_INCIDENT
from mitra.pillars.maritime.vessels import Box, in_box, km_between, latest_fixes, read_vessel
from mitra.policy import Action, Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.node import Node

# What one picture draws at most (markers are clustered, so these are generous); past them the picture says
# how many there are in all ("showing N of M") and the page offers a narrower window or area, and the lists.
MAX_INCIDENTS = 10000
MAX_VESSELS = 20000
MAX_EVENTS = 5000
MAX_AIS_SENDERS = 5000  # base stations, SAR aircraft, aids to navigation drawn on the map (the most a page holds)
MAX_SAFETY_ON_MAP = 100  # the newest safety messages beside the map; the rest on their own page
NEARBY_KM = 50.0  # incidents this close to a vessel's last position are "nearby" in its panel
MAX_NEARBY = 20


def build_picture(
    node: Node, actor: Actor, *, since: datetime | None, until: datetime | None, box: Box | None = None
) -> dict[str, Any]:
    """Areas, incidents, events and latest vessel positions in the time window (and box), as JSON-ready values.

    Each capped layer comes with its total (``*_total``) and whether it was cut (``*_truncated``); ``as_of`` is
    the time of the newest position held in the window (the picture's own time, not the clock's), or, with no
    positions, of the newest event or incident, and ``as_of_basis`` says which.
    """
    if since is not None and until is not None and since > until:
        raise InvalidInput("since: must not be later than until")
    with node.db.read() as session:
        matched = matching_incidents(
            session, node=node, actor=actor, filters=IncidentFilter(since=since, until=until, box=box)
        )
        incident_count = len(matched)
        incidents = [view for _, view in matched[:MAX_INCIDENTS]]
        all_events = _events(session, node, actor, since=since, until=until, box=box)
        areas = _areas(session, node, actor)
    events = all_events[:MAX_EVENTS]
    may_read_data = may(actor, Action.READ_DATA, nation=node.nation)
    vessels: list[dict[str, Any]] = []
    vessel_count = 0
    newest_position: str | None = None
    untimed = 0
    others: dict[str, dict[str, Any] | None] = dict.fromkeys(_PICTURE_KEYS.values())
    if may_read_data:
        store = PositionStore.for_settings(node.settings)
        vessels, vessel_count, newest_position = latest_fixes(
            store, since=since, until=until, box=box, limit=MAX_VESSELS
        )
        untimed = store.untimed_counts()[0]
        for kind, key in _PICTURE_KEYS.items():
            limit = MAX_SAFETY_ON_MAP if kind == "safety" else MAX_AIS_SENDERS
            listed = list_ais_reports(node, actor, kind=kind, since=since, until=until, limit=limit)
            others[key] = _picture_list(listed)
    as_of, basis = _as_of(newest_position, all_events, incidents)
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "box": list(box) if box else None,
        "as_of": as_of,
        "as_of_basis": basis,
        "areas": {"type": "FeatureCollection", "features": areas},
        "incidents": [incident_point(obj) for obj in incidents],
        "incidents_total": incident_count,
        "incidents_truncated": incident_count > len(incidents),
        "events": events,
        "events_total": len(all_events),
        "events_truncated": len(all_events) > len(events),
        "vessels": vessels,
        "vessels_total": vessel_count,
        "vessels_truncated": vessel_count > len(vessels),
        "positions_shown": may_read_data,
        "positions_untimed": untimed,  # held with an unknown time: no place on a map in time
        **others,  # each None when positions are not shown
    }


def _as_of(
    newest_position: str | None, events: list[dict[str, Any]], incidents: list[dict[str, Any]]
) -> tuple[str | None, str | None]:
    """The picture's time from its data: the newest position, else the newest event, else the newest incident."""
    if newest_position:
        return newest_position, "newest position held"
    times = [t for e in events if (t := timestamp_or_none(e.get("end") or e.get("start"), where="event"))]
    if times:
        return max(times).isoformat().replace("+00:00", "Z"), "newest detected event"
    if incidents:  # newest first
        return str(incidents[0].get("occurred_at")), "newest incident report"
    return None, None


_PICTURE_KEYS: dict[ReportKind, str] = {
    "stations": "base_stations",
    "sar": "sar_aircraft",
    "aids": "aids_to_navigation",
    "safety": "safety_messages",
}


def _picture_list(listed: AisReportList) -> dict[str, Any]:
    return {
        "items": listed.items,
        "total": listed.total,
        "truncated": listed.next is not None,
        "unknown_time_held": listed.unknown_time_held,
        "unknown_time_listed": listed.unknown_time_listed,
    }


_ITEMS = {
    "stations": listing.station_item,
    "sar": listing.sar_item,
    "aids": listing.aid_item,
    "safety": listing.safety_item,
}


def list_ais_reports(
    node: Node,
    actor: Actor,
    *,
    kind: ReportKind,
    since: datetime | None,
    until: datetime | None,
    limit: int = 500,
    cursor: str | None = None,
    page: int | None = None,
) -> AisReportList:
    """One page of base stations, SAR aircraft or aids to navigation (the latest report of each, by MMSI) or of
    safety messages (newest first), in the window (pillar measurements: ``READ_DATA`` needed).

    Without a window, reports of unknown time are listed too, their time None; a window leaves them out
    (their time cannot be placed in it) and the list says how many are held.
    """
    permit(actor, Action.READ_DATA, nation=node.nation)
    if since is not None and until is not None and since > until:
        raise InvalidInput("since: must not be later than until")
    store = PositionStore.for_settings(node.settings)
    listed_untimed = since is None and until is None
    if kind == "safety":
        rows = store.safety_messages_named(since=since, until=until, with_unknown_time=listed_untimed)
    else:
        rows = store.latest_of_each(kind, since=since, until=until, with_unknown_time=listed_untimed)
    items = [_ITEMS[kind](row) for row in rows]
    order = listing.newest_first if kind == "safety" else listing.by_mmsi
    held = store.counts()[kind][1]
    if page is not None:  # a numbered page (the pages' lists): ``limit`` a page, a page past the end is the last
        if page < 1 or limit < 1:
            raise InvalidInput(f"page: {page} is not a page number (1 or more)")
        ordered = sorted(items, key=order)
        page = min(page, max(1, -(-len(ordered) // limit)))
        offset = (page - 1) * limit
        return AisReportList(
            kind=kind,
            items=ordered[offset : offset + limit],
            next=None,
            total=len(items),
            unknown_time_held=held,
            unknown_time_listed=listed_untimed,
            offset=offset,
        )
    cut = page_by_key(items, key=order, cursor=cursor, limit=limit)
    return AisReportList(
        kind=kind,
        items=cut.items,
        next=cut.next,
        total=len(items),
        unknown_time_held=held,
        unknown_time_listed=listed_untimed,
    )


def vessel_track(
    node: Node, actor: Actor, *, mmsi: int, since: datetime | None, until: datetime | None
) -> list[dict[str, Any]]:
    """One vessel's positions in time order (pillar measurements: ``READ_DATA`` needed)."""
    permit(actor, Action.READ_DATA, nation=node.nation)
    return PositionStore.for_settings(node.settings).track(mmsi, since=since, until=until)


def window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """The time window from query text: dates (whole days, UTC) or STIX timestamps."""
    return parse_day_or_timestamp(since, where="since"), parse_day_or_timestamp(until, where="until", end=True)


def parse_box(text: str | None) -> Box | None:
    """An area from query text "south,west,north,east" in degrees (what the map's "only what is in view" sends)."""
    if not text:
        return None
    parts = text.split(",")
    try:
        south, west, north, east = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(
            f"box: {text!r} is not four numbers south,west,north,east (degrees), e.g. -5,90,15,120"
        ) from None
    if not (-90 <= south <= north <= 90):
        raise InvalidInput(f"box: {text!r}: south and north must be latitudes, south not above north")
    if east - west >= 360:  # the whole world in view (a map scrolled past the antimeridian)
        return (south, -180.0, north, 180.0)
    return (south, _longitude(west), north, _longitude(east))


def _longitude(value: float) -> float:
    return value if -180 <= value <= 180 else ((value + 180) % 360) - 180


def incident_point(obj: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "category", "severity", "attempted", "occurred_at", "area", "vessel_name", "tlp")
    return {k: obj.get(k) for k in keys} | {"lat": obj["latitude"], "lon": obj["longitude"]}


def event_view(obj: dict[str, Any], row: StixObject) -> dict[str, Any] | None:
    """A detected event as the map draws it; None when it has no place (nothing to draw)."""
    lat, lon = obj.get("lat"), obj.get("lon")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    return {
        "id": obj["id"],
        "event_type": obj.get("event_type"),
        "mmsi": obj.get("mmsi"),
        "start": obj.get("start"),
        "end": obj.get("end"),
        "status": obj.get("status"),
        "lat": lat,
        "lon": lon,
        "name": obj.get("name"),
        "details": obj.get("details"),
        "tlp": row.tlp,
    }


def _events(
    session: Session,
    node: Node,
    actor: Actor,
    *,
    since: datetime | None,
    until: datetime | None,
    box: Box | None = None,
    mmsi: int | None = None,
) -> list[dict[str, Any]]:
    """Every visible, not withdrawn event with a place in the window (and box, and of ``mmsi``), newest first."""
    found: list[dict[str, Any]] = []
    for row in node.store.iter_visible(session, actor=actor, types=[MARITIME_EVENT.name]):
        view = event_view(row.as_stix(), row)
        if view is None or view["status"] == "withdrawn":
            continue
        start = timestamp_or_none(view["start"], where="start")
        end = timestamp_or_none(view["end"], where="end")
        if start is None:
            continue
        if since is not None and (end or start) < since:
            continue
        if until is not None and start > until:
            continue
        if not in_box(box, view["lat"], view["lon"]) or (mmsi is not None and view["mmsi"] != mmsi):
            continue
        found.append(view)
    found.sort(key=lambda e: (str(e["start"]), str(e["id"])), reverse=True)
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


def create_incident(
    session: Session, *, node: Node, actor: Actor, data: IncidentInput, handling: HandlingInput
) -> StixObject:
    """An analyst's new incident report (the store checks that ``actor`` may create it)."""
    return node.store.create(
        session, obj=incident_object(data, load_areas(node, actor)), handling=handling, actor=actor
    )


def list_incidents(
    session: Session,
    *,
    node: Node,
    actor: Actor,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    area: str | None = None,
    source: str | None = None,
    text: str = "",
    box: Box | None = None,
    limit: int = 1000,
    cursor: str | None = None,
) -> tuple[Page[dict[str, Any]], int]:
    """Visible, unrevoked incidents in the time range, newest occurrence first: one page, and how many matched.

    Every filter is applied before the page is cut; the cursor is the last incident's (time, id), so walking
    the pages returns each matching incident once. Each incident carries its ``tlp``, a ``severity`` (None when
    it has none: not graded) and ``held_by``: one public record held by both nodes (each imported NGA ASAM,
    and the partner's copy arrived) is one incident, shown as this node's copy with both nations beside it.
    """
    matched = matching_incidents(
        session,
        node=node,
        actor=actor,
        filters=IncidentFilter(
            since=since, until=until, category=category, area=area, source=source, text=text, box=box
        ),
    )
    page = page_by_key(matched, key=lambda item: (-item[0].timestamp(), str(item[1]["id"])), cursor=cursor, limit=limit)
    return Page([obj for _, obj in page.items], page.next), len(matched)


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """What an incident list is narrowed to; every field None (or empty) lets everything through."""

    since: datetime | None = None
    until: datetime | None = None
    category: str | None = None
    area: str | None = None
    source: str | None = None
    text: str = ""
    box: Box | None = None

    def admits(self, obj: dict[str, Any], when: datetime) -> bool:
        if (self.since is not None and when < self.since) or (self.until is not None and when > self.until):
            return False
        if (self.category and obj.get("category") != self.category) or (self.area and obj.get("area") != self.area):
            return False
        if self.source and _source_of(obj) != self.source:
            return False
        if self.box is not None and not _located_in(self.box, obj):
            return False
        if self.text:
            words = " ".join(str(obj.get(k) or "") for k in ("name", "description", "vessel_name", "source_reference"))
            return self.text.casefold() in words.casefold()
        return True


NO_SOURCE = "recorded here"  # an incident an analyst recorded by hand carries no source


def _source_of(obj: dict[str, Any]) -> str:
    source = obj.get("source")
    return source if isinstance(source, str) and source else NO_SOURCE


def _located_in(box: Box, obj: dict[str, Any]) -> bool:
    lat, lon = obj.get("latitude"), obj.get("longitude")
    return isinstance(lat, int | float) and isinstance(lon, int | float) and in_box(box, lat, lon)


def matching_incidents(
    session: Session, *, node: Node, actor: Actor, filters: IncidentFilter
) -> list[tuple[datetime, dict[str, Any]]]:
    """Visible, unrevoked incidents the filters admit, each public record once, newest occurrence first."""
    views = []
    for row in node.store.iter_visible(session, actor=actor, types=[MARITIME_INCIDENT.name]):
        obj = row.as_stix()
        when = occurred_at(obj)
        if when is None or not filters.admits(obj, when):
            continue
        views.append(incident_view(obj, row))
    matched = [(when, view) for view in one_per_record(views, prefer=node.nation) if (when := occurred_at(view))]
    matched.sort(key=lambda item: (-item[0].timestamp(), str(item[1]["id"])))
    return matched


Item = TypeVar("Item")


@dataclass(frozen=True)
class NumberedPage(Generic[Item]):
    """One numbered page of a filtered list: its rows and where they sit (``first``..``last`` of ``total``, 1-based)."""

    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.items else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def page_slice(matched: Sequence[Item], *, page: int, per_page: int) -> tuple[list[Item], int]:
    """Page ``page`` (1-based) of ``matched`` and its number: a page past the end is the last page."""
    if per_page < 1 or page < 1:
        raise InvalidInput(f"page: {page} is not a page number (1 or more)")
    page = min(page, max(1, -(-len(matched) // per_page)))
    return list(matched[(page - 1) * per_page : page * per_page]), page


@dataclass(frozen=True)
class IncidentListing(NumberedPage[dict[str, Any]]):
    """A page of incidents, and the sources there are to filter by."""

    sources: list[str] = field(default_factory=list)


def page_of_incidents(
    session: Session, *, node: Node, actor: Actor, filters: IncidentFilter, page: int, per_page: int
) -> IncidentListing:
    """Page ``page`` (1-based) of the incidents the filters admit; a page past the end is the last page."""
    matched = matching_incidents(session, node=node, actor=actor, filters=filters)
    shown, page = page_slice(matched, page=page, per_page=per_page)
    rows = [view for _, view in shown]
    sources = sorted(
        {_source_of(r.as_stix()) for r in node.store.iter_visible(session, actor=actor, types=[MARITIME_INCIDENT.name])}
    )
    return IncidentListing(items=rows, total=len(matched), page=page, per_page=per_page, sources=sources)


def vessel_panel(
    node: Node, actor: Actor, *, mmsi: int, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """Everything the side panel says about one vessel: identity history, last fix, destination, its detected
    events in the window, and the incidents within ``NEARBY_KM`` of its last position (any time; or naming its
    MMSI), nearest first. NotFound when the store holds nothing on it in the window."""
    permit(actor, Action.READ_DATA, nation=node.nation)
    held = read_vessel(PositionStore.for_settings(node.settings), mmsi, since=since, until=until)
    if held is None:
        raise NotFound(f"MMSI {mmsi:09d}: no AIS report of this vessel is held in the window")
    fix = held["last_fix"]
    with node.db.read() as session:
        events = _events(session, node, actor, since=since, until=until, mmsi=mmsi)
        incidents = matching_incidents(session, node=node, actor=actor, filters=IncidentFilter())
    nearby: list[dict[str, Any]] = []
    for _, obj in incidents:
        named = str(obj.get("vessel_mmsi") or "") == str(mmsi)
        km = km_between(fix["lat"], fix["lon"], obj["latitude"], obj["longitude"]) if fix else None
        if named or (km is not None and km <= NEARBY_KM):
            nearby.append(incident_point(obj) | {"km": None if km is None else round(km, 1), "names_vessel": named})
    nearby.sort(key=lambda i: (not i["names_vessel"], i["km"] if i["km"] is not None else math.inf))
    return held | {
        "events": events,
        "nearby_incidents": nearby[:MAX_NEARBY],
        "nearby_total": len(nearby),
        "nearby_km": NEARBY_KM,
    }


def get_incident(session: Session, *, node: Node, actor: Actor, object_id: str) -> dict[str, Any]:
    """One incident ``actor`` may see (latest version), as the list gives it; NotFound for anything else."""
    row = node.store.get(session, object_id=object_id, actor=actor)  # policy decides; a view of RED is audited
    if row.type != MARITIME_INCIDENT.name:
        raise NotFound(f"{object_id} is not a maritime incident")
    return incident_view(row.as_stix(), row)


def incident_view(obj: dict[str, Any], row: StixObject) -> dict[str, Any]:
    """An incident with its TLP, and its severity said even when absent: None means not graded."""
    obj["tlp"] = row.tlp
    obj["originator_nation"] = row.originator_nation
    obj.setdefault("severity", None)
    return obj


def incident_stats(node: Node, actor: Actor, *, year: int | None = None) -> IncidentStats:
    """Regional statistics over the incidents ``actor`` may see, areas recomputed against today's areas."""
    areas = load_areas(node, actor)
    with node.db.read() as session:
        objects = [
            r.as_stix() | {"originator_nation": r.originator_nation}
            for r in node.store.iter_visible(session, actor=actor, types=[MARITIME_INCIDENT.name])
        ]
    return stats_of(one_per_record(objects, prefer=node.nation), areas, year=year)  # a record counts once


def stored_areas(session: Session, node: Node, actor: Actor) -> Iterator[dict[str, Any]]:
    """Every area-of-interest object ``actor`` may see (latest versions, revoked ones left out)."""
    for row in node.store.iter_visible(session, actor=actor, types=[AREA_OF_INTEREST.name]):
        yield row.as_stix()


def load_areas(node: Node, actor: Actor) -> dict[str, BaseGeometry]:
    """The defaults, then the stored areas ``actor`` may see (a stored area replaces a default of its name)."""
    with node.db.read() as session:
        return areas_in(session, node, actor)


def areas_in(session: Session, node: Node, actor: Actor) -> dict[str, BaseGeometry]:
    """:func:`load_areas` in the caller's session."""
    areas = default_areas()
    stored = sorted(stored_areas(session, node, actor), key=lambda o: str(o.get("modified", "")))
    for obj in stored:
        try:
            areas[str(obj["name"])] = geometry_of(obj)
        except InvalidInput:
            continue  # a partner's malformed area is not ours to repair; it stays visible as an object
    return areas


def save_areas(
    session: Session, *, node: Node, actor: Actor, areas: list[AreaInput], handling: HandlingInput
) -> list[StixObject]:
    """Create each area, or version the stored one of the same name this node originated.

    The marking of a new version is left as it is (widening it is a release, for a release officer).
    """
    held: dict[str, StixObject] = {}
    for row in node.store.iter_visible(session, actor=actor, types=[AREA_OF_INTEREST.name]):
        name = row.as_stix().get("name")
        if isinstance(name, str) and row.originator_nation == node.nation:
            held.setdefault(name, row)
    stored: list[StixObject] = []
    for area in areas:
        existing = held.get(area.name)
        if existing is None:
            stored.append(node.store.create(session, obj=area_object(area), handling=handling, actor=actor))
        else:
            changes = {"geometry": area.geojson(), "description": area.description or None}
            changes = {k: v for k, v in changes.items() if v is not None}
            stored.append(node.store.new_version(session, object_id=existing.id, changes=changes, actor=actor))
    return stored
