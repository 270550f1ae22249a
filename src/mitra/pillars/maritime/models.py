"""The maritime pillar's vocabularies and typed values: incident and area inputs, regional statistics, AIS lists."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import parse_timestamp

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
# What an incident without a severity shows: nobody graded it (ReCAAP does not grade attempts; NGA ASAM and
# most other sources carry no grade). Never a made-up grade.
NOT_GRADED = "not graded"


def severity_label(severity: object) -> str:
    """An incident's severity as people read it: its ReCAAP category, or "not graded" when it has none."""
    return severity if isinstance(severity, str) and severity else NOT_GRADED


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
        problems = self.problems()
        if problems:
            field_name, message = next(iter(problems.items()))
            raise InvalidInput(f"{field_name}: {message}")
        return self

    def problems(self) -> dict[str, str]:
        """Every field that is wrong, each with what was given and what is expected (empty when all is well).

        Each is English text that keeps its words (``foundation.words.SaidText``): a page says it in the reader's
        language."""
        from mitra.foundation.words import N_, Said, SaidText

        found: dict[str, str] = {}
        if not self.name.strip():
            found["name"] = SaidText(Said(N_("must not be empty")))
        if self.category not in CATEGORIES:
            found["category"] = SaidText(
                Said(
                    N_("%(value)s is not one of %(known)s"),
                    {"value": repr(self.category), "known": ", ".join(CATEGORIES)},
                )
            )
        if self.severity is not None and self.severity not in SEVERITIES:
            found["severity"] = SaidText(
                Said(
                    N_("%(value)s is not one of %(known)s"),
                    {"value": repr(self.severity), "known": ", ".join(SEVERITIES)},
                )
            )
        if not -90 <= self.latitude <= 90:
            found["latitude"] = SaidText(Said(N_("%(value)s is outside -90..90"), {"value": str(self.latitude)}))
        if not -180 <= self.longitude <= 180:
            found["longitude"] = SaidText(Said(N_("%(value)s is outside -180..180"), {"value": str(self.longitude)}))
        if self.vessel_imo and not (self.vessel_imo.isdigit() and len(self.vessel_imo) == 7):
            found["vessel_imo"] = SaidText(
                Said(N_("%(value)s is not a 7-digit IMO number"), {"value": repr(self.vessel_imo)})
            )
        if self.vessel_mmsi and not (self.vessel_mmsi.isdigit() and len(self.vessel_mmsi) == 9):
            found["vessel_mmsi"] = SaidText(
                Said(N_("%(value)s is not a 9-digit MMSI"), {"value": repr(self.vessel_mmsi)})
            )
        return found


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


def area_geometry(value: Any, *, where: str) -> BaseGeometry:
    """A GeoJSON (Multi)Polygon in longitude/latitude as a valid shape; ``InvalidInput`` naming ``where`` if not."""
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"{where}: geometry must be a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(value)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise InvalidInput(f"{where}: malformed {value.get('type')} coordinates ({exc})") from None
    if geometry.is_empty:
        raise InvalidInput(f"{where}: the geometry is empty")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput(f"{where}: coordinates must be [longitude, latitude] within -180..180 and -90..90")
    if not geometry.is_valid:
        raise InvalidInput(f"{where}: invalid polygon ({explain_validity(geometry)})")
    return geometry


def _number(obj: Mapping[str, Any], name: str, where: str) -> float:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}: {name} must be a number, not {value!r}")
    return float(value)


def _text(obj: Mapping[str, Any], name: str, where: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: {name} must be text, not {value!r}")
    return value


def check_incident(obj: Mapping[str, Any], where: str) -> None:
    """An incident's own rules, whichever door it comes through: what :meth:`IncidentInput.checked` holds."""
    attempted = obj.get("attempted", False)
    if not isinstance(attempted, bool):
        raise InvalidInput(f"{where}: attempted must be true or false, not {attempted!r}")
    occurred = _text(obj, "occurred_at", where)
    try:
        IncidentInput(
            name=_text(obj, "name", where) or "",
            category=_text(obj, "category", where) or "",
            occurred_at=parse_timestamp(occurred or "", where="occurred_at"),
            latitude=_number(obj, "latitude", where),
            longitude=_number(obj, "longitude", where),
            severity=_text(obj, "severity", where),
            attempted=attempted,
            vessel_name=_text(obj, "vessel_name", where),
            vessel_imo=_text(obj, "vessel_imo", where),
            vessel_mmsi=_text(obj, "vessel_mmsi", where),
        ).checked()
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None


def check_area(obj: Mapping[str, Any], where: str) -> None:
    """An area of interest names itself and holds a valid (Multi)Polygon."""
    if not (_text(obj, "name", where) or "").strip():
        raise InvalidInput(f"{where}: name must not be empty")
    area_geometry(obj.get("geometry"), where=f"{where} geometry")


EVENT_STATUSES = ("open", "closed", "withdrawn")
_EVENT_TYPE = re.compile(r"^[a-z][a-z_]{1,40}$")


def check_event(obj: Mapping[str, Any], where: str) -> None:
    """A maritime event names a vessel (an AIS MMSI field: 30 bits), its kind, status, start (and end, not before
    it) and position. An MMSI that is not nine digits is kept as AIS gave it: odd identities are evidence too."""
    kind = obj.get("event_type")
    if not isinstance(kind, str) or not _EVENT_TYPE.match(kind):
        raise InvalidInput(f"{where}: event_type {kind!r} is not an event type like 'gap' or 'port_visit'")
    mmsi = obj.get("mmsi")
    if isinstance(mmsi, bool) or not isinstance(mmsi, int) or not 0 <= mmsi < 2**30:
        raise InvalidInput(f"{where}: mmsi {mmsi!r} is not an AIS MMSI (a whole number of 30 bits)")
    if obj.get("status") not in EVENT_STATUSES:
        raise InvalidInput(f"{where}: status {obj.get('status')!r} is not one of {', '.join(EVENT_STATUSES)}")
    start = parse_timestamp(_text(obj, "start", where) or "", where=f"{where} start")
    if obj.get("end") is not None:
        end = parse_timestamp(_text(obj, "end", where) or "", where=f"{where} end")
        if end < start:
            raise InvalidInput(f"{where}: end is before start")
    for name, bound in (("lat", 90), ("lon", 180)):
        if name in obj and not -bound <= _number(obj, name, where) <= bound:
            raise InvalidInput(f"{where}: {name} {obj[name]!r} is outside -{bound}..{bound}")


@dataclass(frozen=True, slots=True)
class AisReportList:
    """One page of base stations, SAR aircraft, aids to navigation or safety messages, and how many there are.

    ``total``: how many match the window (senders for the first three, messages for the last), on every page.
    ``unknown_time_held``: reports of this kind held with an unknown time; they are listed (their time None)
    only when no window is asked for (``unknown_time_listed``): a time that is not known is in no window.
    """

    kind: str
    items: list[dict[str, Any]]
    next: str | None
    total: int
    unknown_time_held: int
    unknown_time_listed: bool
    offset: int = 0  # a numbered page's first item's place in the whole list (0-based)

    @property
    def shown(self) -> str:
        """The count for a person: "shown N of M"."""
        return f"shown {len(self.items):,} of {self.total:,}"
