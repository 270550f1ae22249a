"""The maritime pillar's STIX types: events derived from AIS, incident reports, areas of interest; and ``location``."""

from __future__ import annotations

from mitra.core import typeschema as ts
from mitra.core.stix import CustomType
from mitra.pillars.maritime.models import (
    CATEGORIES,
    EVENT_STATUSES,
    SEVERITIES,
    check_area,
    check_event,
    check_incident,
)

_POSITION = ts.array(ts.number(), min_items=2, max_items=3)
_RING = ts.array(_POSITION, min_items=4)
_POLYGON = ts.array(_RING, min_items=1)

MARITIME_EVENT = CustomType(
    name="x-mitra-maritime-event",
    description=(
        "An event detected in AIS positions (gap, loitering, encounter, rendezvous, impossible jump, "
        "identity conflict, area entry or dwell, speed band, port visit); versioned, open or closed, withdrawn "
        "when later data disproves it."
    ),
    pillar="maritime",
    properties={
        "name": ts.text(max_length=300),
        "event_type": {"type": "string", "pattern": r"^[a-z][a-z_]{1,40}$"},
        "definition": ts.text(max_length=200),
        "mmsi": ts.integer(minimum=0, maximum=2**30 - 1),
        "start": ts.timestamp(),
        "end": ts.nullable(ts.timestamp()),
        "status": ts.choice(EVENT_STATUSES),
        "lat": ts.number(minimum=-90, maximum=90),
        "lon": ts.number(minimum=-180, maximum=180),
        "details": {"type": "object"},
    },
    required=("event_type", "mmsi", "start", "status"),
    check=check_event,
)
MARITIME_INCIDENT = CustomType(
    name="x-mitra-maritime-incident",
    description=(
        "A maritime incident report: 'name', 'category' (piracy, armed-robbery, smuggling, iuu-fishing, "
        "irregular-migration, maritime-incident, hybrid-threat, pollution), ReCAAP 'severity' (CAT 1-4) and "
        "'attempted', 'latitude'/'longitude' (WGS 84), 'area' (named area of interest at that position when "
        "recorded), vessel ('vessel_name', 'vessel_imo', 'vessel_mmsi'), 'description' (narrative), "
        "'occurred_at' (timestamp)."
    ),
    pillar="maritime",
    properties={
        "name": ts.text(max_length=300),
        "category": ts.choice(CATEGORIES),
        "severity": ts.nullable(ts.choice(SEVERITIES)),
        "attempted": ts.boolean(),
        "latitude": ts.number(minimum=-90, maximum=90),
        "longitude": ts.number(minimum=-180, maximum=180),
        "area": ts.text(nonempty=False, max_length=200),
        "vessel_name": ts.nullable(ts.text(nonempty=False, max_length=300)),
        "vessel_imo": ts.nullable({"type": "string", "pattern": r"^([0-9]{7})?$"}),
        "vessel_mmsi": ts.nullable({"type": "string", "pattern": r"^([0-9]{9})?$"}),
        "description": ts.text(nonempty=False),
        "occurred_at": ts.timestamp(),
    },
    required=("name", "category", "occurred_at", "latitude", "longitude"),
    check=check_incident,
)
AREA_OF_INTEREST = CustomType(
    name="x-mitra-area-of-interest",
    description=(
        "A named sea area of interest: 'name', 'geometry' (a GeoJSON Polygon or MultiPolygon in "
        "longitude/latitude, WGS 84) and an optional 'description'."
    ),
    pillar="maritime",
    properties={
        "name": ts.text(max_length=200),
        "description": ts.text(nonempty=False),
        "geometry": {
            "oneOf": [
                ts.record({"type": {"const": "Polygon"}, "coordinates": _POLYGON}, required=("type", "coordinates")),
                ts.record(
                    {"type": {"const": "MultiPolygon"}, "coordinates": ts.array(_POLYGON, min_items=1)},
                    required=("type", "coordinates"),
                ),
            ]
        },
    },
    required=("name", "geometry"),
    check=check_area,
)
CUSTOM_TYPES: tuple[CustomType, ...] = (MARITIME_EVENT, MARITIME_INCIDENT, AREA_OF_INTEREST)
OBJECT_TYPES: tuple[str, ...] = ("location", *(t.name for t in CUSTOM_TYPES))
