"""The intelligence pillar's STIX types: all standard STIX 2.1 (SDOs, SROs, sightings); no custom types."""

from __future__ import annotations

from mitra.core.stix import CustomType

OBJECT_TYPES: tuple[str, ...] = (
    "threat-actor",
    "intrusion-set",
    "campaign",
    "incident",
    "report",
    "indicator",
    "malware",
    "tool",
    "vulnerability",
    "attack-pattern",
    "course-of-action",
    "sighting",
    "observed-data",
    "infrastructure",
    "relationship",
)
CUSTOM_TYPES: tuple[CustomType, ...] = ()
