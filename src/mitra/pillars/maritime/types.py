"""The maritime pillar's STIX types: events derived from AIS, incident reports, areas of interest, watch rules and
the alerts they raise; and ``location``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mitra.core import typeschema as ts
from mitra.core.stix import CustomType
from mitra.foundation.errors import InvalidInput
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

# ----- watch rules and alerts (mitra.pillars.maritime.alerts) -----------------------------------------------------

ALERT_STATUSES = ("open", "acknowledged", "closed")
ALERT_ACTIONS = ("raised", "acknowledged", "assigned", "closed")
# The thresholds a watch rule may set on an event: name -> (the event's ``details`` key, how it compares).
# "min_" thresholds hold when the detail is at least the value, "max_" ones when it is at most the value.
THRESHOLD_NAMES = ("min_hours", "min_minutes", "min_speed_kn", "min_distance_nm", "min_offshore_nm", "max_distance_m")
EVIDENCE_CAP_MAX = 1000  # the most positions an alert's evidence may carry (the node's cap is stated in each alert)
_EVENT_TYPE_PATTERN = {"type": "string", "pattern": r"^[a-z][a-z_]{1,40}$"}
_USERNAME = ts.text(max_length=64)


def _has(obj: Mapping[str, Any], name: str) -> bool:
    value = obj.get(name)
    return value is not None and value not in ([], "")


def check_watch_rule(obj: Mapping[str, Any], where: str) -> None:
    """A watch rule narrows something (vessels, areas or event types) or watches vessels for any sighting, which
    needs vessels named; each threshold is one of the known names with a value of 0 or more."""
    vessels = any(_has(obj, k) for k in ("vessel_mmsis", "vessel_imos", "vessel_name_pattern", "vessel_flags"))
    if _has(obj, "share_with") != _has(obj, "shared_by"):
        raise InvalidInput(f"{where}: share_with and shared_by go together (whose standing release it is)")
    if obj.get("watch_seen") is True and not vessels:
        raise InvalidInput(f"{where}: watch_seen needs vessels to watch (vessel_mmsis, vessel_imos, ...)")
    if not (vessels or _has(obj, "areas") or _has(obj, "event_rules") or obj.get("watch_seen") is True):
        raise InvalidInput(f"{where}: a watch rule names vessels, areas or event types (or it would match everything)")
    for index, item in enumerate(obj.get("event_rules") or ()):
        thresholds = item.get("thresholds") if isinstance(item, Mapping) else None
        for name, value in (thresholds or {}).items():
            if name not in THRESHOLD_NAMES:
                raise InvalidInput(
                    f"{where}: event_rules[{index}] threshold {name!r} is not one of {', '.join(THRESHOLD_NAMES)}"
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidInput(f"{where}: event_rules[{index}] threshold {name} {value!r} is not a number >= 0")


def check_alert(obj: Mapping[str, Any], where: str) -> None:
    """An alert's evidence says how many positions it holds of how many, under its cap."""
    evidence = obj.get("evidence")
    if isinstance(evidence, Mapping):
        shown = len(evidence.get("positions") or ())
        cap, total = evidence.get("cap"), evidence.get("total")
        if isinstance(cap, int) and shown > cap:
            raise InvalidInput(f"{where}: evidence holds {shown} positions, more than its cap {cap}")
        if isinstance(total, int) and total < shown:
            raise InvalidInput(f"{where}: evidence holds {shown} positions but says there are {total} in all")


WATCH_RULE = CustomType(
    name="x-mitra-maritime-watch-rule",
    description=(
        "A watch officer's rule: which vessels ('vessel_mmsis', 'vessel_imos', 'vessel_name_pattern' as a "
        "case-insensitive glob, 'vessel_flags' as ISO 3166-1 alpha-2 codes of the MMSI's MID; none: any vessel), "
        "which 'areas' of interest (by name; none: anywhere), which 'event_rules' (event types with optional "
        "thresholds on the event's details; none: any event) and whether any position of a watched vessel raises "
        "an alert ('watch_seen'). 'active' rules raise alerts to their 'owner' and 'assignee'; a rule that "
        "'share_with' partner nations releases each alert to them as it is raised, a standing release of the "
        "release officer 'shared_by' (decided by the policy again for each alert)."
    ),
    pillar="maritime",
    properties={
        "name": ts.text(max_length=200),
        "description": ts.text(nonempty=False, max_length=2000),
        "active": ts.boolean(),
        "owner": _USERNAME,
        "assignee": _USERNAME,
        "vessel_mmsis": ts.array(ts.integer(minimum=1, maximum=999_999_999), min_items=1, max_items=1000),
        "vessel_imos": ts.array(ts.integer(minimum=1_000_000, maximum=9_999_999), min_items=1, max_items=1000),
        "vessel_name_pattern": ts.text(max_length=100),
        "vessel_flags": ts.array({"type": "string", "pattern": r"^[A-Z]{2}$"}, min_items=1, max_items=300),
        "areas": ts.array(ts.text(max_length=200), min_items=1, max_items=50),
        "event_rules": ts.array(
            ts.record(
                {
                    "event_type": _EVENT_TYPE_PATTERN,
                    "thresholds": {"type": "object", "additionalProperties": {"type": "number"}},
                },
                required=("event_type",),
            ),
            min_items=1,
            max_items=30,
        ),
        "watch_seen": ts.boolean(),
        "share_with": ts.array({"type": "string", "pattern": r"^[A-Z]{3}$"}, min_items=1, max_items=20),
        "shared_by": _USERNAME,
    },
    required=("name", "active", "owner"),
    check=check_watch_rule,
)
_EVIDENCE_POSITION = ts.record(
    {
        "ts": ts.timestamp(),
        "lat": ts.number(minimum=-90, maximum=90),
        "lon": ts.number(minimum=-180, maximum=180),
        "sog": ts.number(),
    },
    required=("ts", "lat", "lon"),
)
MARITIME_ALERT = CustomType(
    name="x-mitra-maritime-alert",
    description=(
        "An alert a watch rule ('rule_ref', 'rule_name') raised on a detected event ('event_ref') or on a watched "
        "vessel's position (no 'event_ref'; 'event_type' vessel_seen): vessel 'mmsi', 'event_type', 'lat'/'lon', "
        "'start'; "
        "'evidence' holds the vessel's positions around it (at most 'cap' of 'total', between 'window_start' and "
        "'window_end'); 'status' open, acknowledged or closed; 'history' says who did what when, with a note."
    ),
    pillar="maritime",
    properties={
        "name": ts.text(max_length=300),
        "rule_ref": ts.object_ref("x-mitra-maritime-watch-rule"),
        "rule_name": ts.text(max_length=200),
        "event_ref": ts.object_ref("x-mitra-maritime-event"),
        "event_type": _EVENT_TYPE_PATTERN,
        "mmsi": ts.integer(minimum=0, maximum=2**30 - 1),
        "lat": ts.number(minimum=-90, maximum=90),
        "lon": ts.number(minimum=-180, maximum=180),
        "start": ts.timestamp(),
        "status": ts.choice(ALERT_STATUSES),
        "owner": _USERNAME,
        "assignee": _USERNAME,
        "evidence": ts.record(
            {
                "positions": ts.array(_EVIDENCE_POSITION, max_items=EVIDENCE_CAP_MAX),
                "cap": ts.integer(minimum=0, maximum=EVIDENCE_CAP_MAX),
                "total": ts.integer(minimum=0),
                "window_start": ts.timestamp(),
                "window_end": ts.timestamp(),
            },
            required=("cap", "total"),
        ),
        "history": ts.array(
            ts.record(
                {
                    "at": ts.timestamp(),
                    "by": ts.text(max_length=200),
                    "action": ts.choice(ALERT_ACTIONS),
                    "note": ts.text(nonempty=False, max_length=2000),
                    "assignee": _USERNAME,
                },
                required=("at", "by", "action"),
            ),
            min_items=1,
        ),
    },
    required=("name", "rule_ref", "mmsi", "start", "status", "evidence", "history"),
    check=check_alert,
)
CUSTOM_TYPES: tuple[CustomType, ...] = (
    MARITIME_EVENT,
    MARITIME_INCIDENT,
    AREA_OF_INTEREST,
    WATCH_RULE,
    MARITIME_ALERT,
)
OBJECT_TYPES: tuple[str, ...] = ("location", *(t.name for t in CUSTOM_TYPES))
