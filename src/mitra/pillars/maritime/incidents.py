"""Maritime incident reports: the ``x-mitra-maritime-incident`` object, its creation, listing and statistics.

An incident is a Mitra custom STIX object rather than a STIX ``incident`` with an extension: STIX 2.1's
``incident`` is a stub (a name and a description) and every property an analyst records here
(category, ReCAAP severity, position, vessel, time) would live in the extension anyway; a custom
type keeps them first-class, required ones checked by the store, and is declared to partners by an
``extension-definition`` like every Mitra type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from mitra.foundation.timestamps import format_timestamp, timestamp_or_none
from mitra.pillars.maritime.areas import area_of
from mitra.pillars.maritime.models import OTHER_AREA, IncidentInput, IncidentStats
from mitra.pillars.maritime.types import MARITIME_INCIDENT

if TYPE_CHECKING:
    pass

# (category, words that select it), first match wins; see docs/maritime.md. NGA ASAM's rules, used by any
# mapping that asks for them (``keywords``).
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hybrid-threat", ("military activity", "missile", "naval mine", "sea mine", "drone", "revolutionary guard")),
    ("smuggling", ("smuggl",)),
    ("irregular-migration", ("migrant", "stowaway", "refugee")),
    ("iuu-fishing", ("illegal fishing", "illegally fishing", "iuu")),
    ("pollution", ("oil spill", "pollution")),
    ("piracy", ("pirate", "piracy", "hijack", "kidnap")),
    ("armed-robbery", ("robber", "robbery", "thief", "thieves", "boarded", "boarding", "boarder", "assailant")),
)


def category_from_words(texts: Sequence[str]) -> str | None:
    """The category the words of ``texts`` point to, or None when no rule matches.

    The rules are tried on the first text alone, then on the first two together, and so on: a specific
    field (ASAM's hostility) decides before the narrative does.
    """
    for count in range(1, len(texts) + 1):
        text = " ".join(t.lower() for t in texts[:count])
        for category, words in CATEGORY_WORDS:
            if any(w in text for w in words):
                return category
    return None


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


def occurred_at(obj: Mapping[str, Any]) -> datetime | None:
    return timestamp_or_none(obj.get("occurred_at"), where="occurred_at")


def record_key(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    """The public record an incident was derived from (an ASAM reference, a source's own record number), or None.

    Each node derives its own object from a public record (its own id, its own handling); two nodes that both
    import NGA ASAM hold two objects of one record, and a partner's copy arrives beside the node's own. The
    record's key makes them one incident wherever incidents are listed or counted.
    """
    reference = obj.get("asam_reference")
    if isinstance(reference, str) and reference:
        return ("NGA ASAM", reference)
    source, reference = obj.get("source"), obj.get("source_reference")
    if isinstance(source, str) and isinstance(reference, str) and source and reference:
        return (source, reference)
    return None


def one_per_record(objects: Iterable[dict[str, Any]], *, prefer: str) -> list[dict[str, Any]]:
    """The incidents with each public record once: the copy ``prefer`` (this node) originated if it holds one,
    carrying ``held_by``, the nations whose copies it stands for (its own first)."""
    kept: list[dict[str, Any]] = []
    by_record: dict[tuple[str, str], dict[str, Any]] = {}
    for obj in objects:
        key = record_key(obj)
        nation = str(obj.get("originator_nation") or "")
        if key is None:
            kept.append(obj | {"held_by": [nation]})
            continue
        first = by_record.get(key)
        if first is None:
            by_record[key] = obj | {"held_by": [nation]}
            kept.append(by_record[key])
            continue
        nations = [*first["held_by"], nation]
        if nation == prefer and first.get("originator_nation") != prefer:  # the node's own copy stands for it
            first.clear()
            first.update(obj)
            nations = [nation, *[n for n in nations if n != nation]]
        first["held_by"] = list(dict.fromkeys(nations))
    return kept


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
