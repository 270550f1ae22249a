"""The maritime pillar's vocabularies and typed values: incident and area inputs, regional statistics."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from mitra.foundation.errors import InvalidInput

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


@dataclass(frozen=True, slots=True)
class AreaInput:
    """One area read from a GeoJSON document."""

    name: str
    geometry: BaseGeometry
    description: str = ""

    def geojson(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(json.dumps(mapping(self.geometry)))  # tuples -> lists
        return value
