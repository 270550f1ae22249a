"""The maritime pillar's STIX types: events derived from AIS, incident reports, areas of interest; and ``location``."""

from __future__ import annotations

from mitra.core.stix import CustomType
from mitra.pillars.maritime.models import check_area, check_event, check_incident

MARITIME_EVENT = CustomType(
    name="x-mitra-maritime-event",
    description=(
        "An event detected in AIS positions (gap, loitering, encounter, rendezvous, impossible jump, "
        "identity conflict, area entry or dwell, speed band, port visit); versioned, open or closed, withdrawn "
        "when later data disproves it."
    ),
    pillar="maritime",
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
    required=("name", "geometry"),
    check=check_area,
)
CUSTOM_TYPES: tuple[CustomType, ...] = (MARITIME_EVENT, MARITIME_INCIDENT, AREA_OF_INTEREST)
OBJECT_TYPES: tuple[str, ...] = ("location", *(t.name for t in CUSTOM_TYPES))
