"""The intelligence pillar's vocabularies and typed views: what its services return and its edges show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mitra.core.objects import StixObject

# The types a person works with on the intel pages, in the order the pages list them.
PAGE_TYPES: dict[str, str] = {
    "threat-actor": "Threat actors",
    "intrusion-set": "Intrusion sets",
    "campaign": "Campaigns",
    "incident": "Incidents",
    "report": "Reports",
    "indicator": "Indicators",
    "malware": "Malware",
    "vulnerability": "Vulnerabilities",
    "course-of-action": "Courses of action",
    "sighting": "Sightings",
    "relationship": "Relationships",
}
INCIDENT_DOMAINS = ("terrorism", "cyber")
PROGRAMME_KINDS = ("counter-narrative", "deradicalisation", "technical-mitigation", "other")


@dataclass(frozen=True)
class ListFilters:
    types: tuple[str, ...] = ()
    text: str | None = None
    tlp: str | None = None
    originator: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class Link:
    """One edge of the graph around an object: the relationship and the object at its other end."""

    relationship: StixObject | None  # None for "named in a report"
    kind: str
    other: StixObject | None
    other_id: str


@dataclass
class Graph:
    outgoing: list[Link] = field(default_factory=list)
    incoming: list[Link] = field(default_factory=list)
    withheld: int = 0  # edges the viewer may not see (the relationship or the other end)
