"""Maritime incident reports: the ``x-mitra-maritime-incident`` object, its creation, listing and statistics.

An incident is a Mitra custom STIX object rather than a STIX ``incident`` with an extension: STIX 2.1's
``incident`` is a stub (a name and a description) and every property an analyst records here
(category, ReCAAP severity, position, vessel, time) would live in the extension anyway; a custom
type keeps them first-class, required ones checked by the store, and is declared to partners by an
``extension-definition`` like every Mitra type.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from mitra.core.objects import StixObject
from mitra.core.stix import CustomType, HandlingInput
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp, parse_timestamp
from mitra.pillars.maritime.areas import area_of, load_areas
from mitra.policy import Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.node import Node

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
)

CATEGORIES: dict[str, str] = {
    "piracy": "Piracy",
    "armed-robbery": "Armed robbery against ships",
    "smuggling": "Smuggling",
    "iuu-fishing": "Illegal, unreported and unregulated fishing",
    "irregular-migration": "Irregular migration",
    "maritime-incident": "Maritime incident",
    "hybrid-threat": "Hybrid threat",
    "pollution": "Pollution",
}
# ReCAAP ISC's categories of significance (CAT 1 most significant; see docs/maritime.md).
SEVERITIES = ("CAT 1", "CAT 2", "CAT 3", "CAT 4")
OTHER_AREA = "(outside the named areas)"


@dataclass(frozen=True, slots=True)
class IncidentInput:
    """What an analyst (or an import) says about one incident; :meth:`checked` says what is wrong."""

    name: str
    category: str
    occurred_at: datetime
    latitude: float
    longitude: float
    severity: str | None = None
    attempted: bool = False
    vessel_name: str | None = None
    vessel_imo: str | None = None
    vessel_mmsi: str | None = None
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def checked(self) -> IncidentInput:
        if not self.name.strip():
            raise InvalidInput("name: must not be empty")
        if self.category not in CATEGORIES:
            raise InvalidInput(f"category: {self.category!r} is not one of {', '.join(CATEGORIES)}")
        if self.severity is not None and self.severity not in SEVERITIES:
            raise InvalidInput(f"severity: {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        if not -90 <= self.latitude <= 90:
            raise InvalidInput(f"latitude: {self.latitude} is outside -90..90")
        if not -180 <= self.longitude <= 180:
            raise InvalidInput(f"longitude: {self.longitude} is outside -180..180")
        if self.vessel_imo and not (self.vessel_imo.isdigit() and len(self.vessel_imo) == 7):
            raise InvalidInput(f"vessel_imo: {self.vessel_imo!r} is not a 7-digit IMO number")
        if self.vessel_mmsi and not (self.vessel_mmsi.isdigit() and len(self.vessel_mmsi) == 9):
            raise InvalidInput(f"vessel_mmsi: {self.vessel_mmsi!r} is not a 9-digit MMSI")
        return self


def incident_object(data: IncidentInput, areas: Mapping[str, BaseGeometry]) -> dict[str, Any]:
    """The STIX body of an incident (no id or timestamps), its area computed from its position."""
    data = data.checked()
    obj: dict[str, Any] = {
        "type": MARITIME_INCIDENT.name,
        "name": data.name.strip()[:300],
        "category": data.category,
        "attempted": data.attempted,
        "occurred_at": format_timestamp(data.occurred_at),
        "latitude": data.latitude,
        "longitude": data.longitude,
    }
    area = area_of(data.longitude, data.latitude, areas)
    optional = {
        "severity": data.severity,
        "area": area,
        "vessel_name": data.vessel_name,
        "vessel_imo": data.vessel_imo,
        "vessel_mmsi": data.vessel_mmsi,
        "description": data.description.strip() or None,
    }
    obj |= {k: v for k, v in optional.items() if v}
    obj |= dict(data.extra)
    return obj


def create_incident(
    session: Session, *, node: Node, actor: Actor, data: IncidentInput, handling: HandlingInput
) -> StixObject:
    """An analyst's new incident report (the store checks that ``actor`` may create it)."""
    return node.store.create(
        session, obj=incident_object(data, load_areas(node, actor)), handling=handling, actor=actor
    )


def timestamp_or_none(value: Any, *, where: str) -> datetime | None:
    """``value`` as a STIX timestamp, or ``None`` if missing or not one (a partner's object may carry anything)."""
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value, where=where)
    except InvalidInput:
        return None


def occurred_at(obj: Mapping[str, Any]) -> datetime | None:
    return timestamp_or_none(obj.get("occurred_at"), where="occurred_at")


def list_incidents(
    session: Session,
    *,
    node: Node,
    actor: Actor,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    area: str | None = None,
    limit: int = 1000,
) -> tuple[list[dict[str, Any]], int]:
    """Visible, unrevoked incidents in the time range, newest occurrence first, and how many matched."""
    matched: list[tuple[datetime, dict[str, Any]]] = []
    for row in node.store.iter_visible(session, actor=actor, types=[MARITIME_INCIDENT.name]):
        obj = row.as_stix()
        when = occurred_at(obj)
        if when is None or (since is not None and when < since) or (until is not None and when > until):
            continue
        if (category and obj.get("category") != category) or (area and obj.get("area") != area):
            continue
        obj["tlp"] = row.tlp
        matched.append((when, obj))
    matched.sort(key=lambda item: item[0], reverse=True)
    return [obj for _, obj in matched[:limit]], len(matched)


@dataclass
class IncidentStats:
    """Counts of visible incidents per named area and year, and per ASAM subregion and year."""

    years: list[int]
    by_area: dict[str, Counter[int]]
    by_subregion: dict[str, Counter[int]]
    total: int

    def rows(self) -> list[dict[str, Any]]:
        """Long form: one row per (grouping, name, year) with a count."""
        out: list[dict[str, Any]] = []
        for grouping, table in (("area", self.by_area), ("asam_subregion", self.by_subregion)):
            for name in sorted(table):
                for year in sorted(table[name]):
                    out.append({"grouping": grouping, "name": name, "year": year, "count": table[name][year]})
        return out

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["grouping", "name", "year", "count"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return buffer.getvalue()


def incident_stats(node: Node, actor: Actor, *, year: int | None = None) -> IncidentStats:
    """Regional statistics over the incidents ``actor`` may see, areas recomputed against today's areas."""
    areas = load_areas(node, actor)
    with node.db.read() as session:
        objects = [r.as_stix() for r in node.store.iter_visible(session, actor=actor, types=[MARITIME_INCIDENT.name])]
    return stats_of(objects, areas, year=year)


def stats_of(
    objects: Iterable[Mapping[str, Any]], areas: Mapping[str, BaseGeometry], *, year: int | None
) -> IncidentStats:
    """Count ``objects`` per area (first covering area in name order) and ASAM subregion, per year."""
    prepared = {name: prep(geometry) for name, geometry in sorted(areas.items())}
    by_area: dict[str, Counter[int]] = {name: Counter() for name in prepared}
    by_subregion: dict[str, Counter[int]] = {}
    years: set[int] = set()
    total = 0
    for obj in objects:
        when = occurred_at(obj)
        if when is None or (year is not None and when.year != year):
            continue
        total += 1
        years.add(when.year)
        point = Point(float(obj["longitude"]), float(obj["latitude"]))
        name = next((n for n, g in prepared.items() if g.covers(point)), OTHER_AREA)
        by_area.setdefault(name, Counter())[when.year] += 1
        subregion = obj.get("asam_subregion")
        if isinstance(subregion, str) and subregion:
            by_subregion.setdefault(subregion, Counter())[when.year] += 1
    return IncidentStats(sorted(years, reverse=True), by_area, by_subregion, total)


def parse_day(value: str | None, *, where: str, end: bool = False) -> datetime | None:
    """A ``YYYY-MM-DD`` (start or end of that day, UTC) or full timestamp from a query; ``None`` if blank."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) == 10:
        try:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise InvalidInput(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from None
        return day.replace(hour=23, minute=59, second=59) if end else day
    return parse_timestamp(text, where=where)
