"""Import of NGA's Anti-Shipping Activity Messages (ASAM) CSV export as maritime incident objects.

Columns: ``reference,date,position,navArea,subreg,hostility,victim,description``. Every record becomes
one ``x-mitra-maritime-incident`` whose id is derived from the node's nation and the ASAM reference,
so importing the same file again adds nothing, and a corrected record becomes a new version.
Rows that cannot be read are reported with their line number; an exact repeat of an earlier row is
reported as a duplicate. Nothing is dropped without a line in the report.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep
from sqlalchemy import select

from mitra.core.access import permit
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput, apply_handling, nation_object_id, read_handling
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import format_timestamp, next_modified, now_utc
from mitra.pillars.maritime.incidents import incident_object
from mitra.pillars.maritime.models import OTHER_AREA, IncidentInput
from mitra.pillars.maritime.positions import PositionParseError, parse_position
from mitra.pillars.maritime.service import load_areas
from mitra.pillars.maritime.types import MARITIME_INCIDENT
from mitra.policy import Action, Actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.node import Node

COLUMNS = ("reference", "date", "position", "navArea", "subreg", "hostility", "victim", "description")
BATCH = 1000

# (category, words in the hostility or description that select it), first match wins; see docs/maritime.md.
_CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hybrid-threat", ("military activity", "missile", "naval mine", "sea mine", "drone", "revolutionary guard")),
    ("smuggling", ("smuggl",)),
    ("irregular-migration", ("migrant", "stowaway", "refugee")),
    ("iuu-fishing", ("illegal fishing", "illegally fishing", "iuu")),
    ("pollution", ("oil spill", "pollution")),
    ("piracy", ("pirate", "piracy", "hijack", "kidnap")),
    ("armed-robbery", ("robber", "robbery", "thief", "thieves", "boarded", "boarding", "boarder", "assailant")),
)
_ATTEMPT_WORDS = ("attempt", "suspicious approach", "suspicious craft", "approached", "fired upon", "fired at")


@dataclass(frozen=True, slots=True)
class AsamRecord:
    line: int
    reference: str
    occurred: datetime
    latitude: float
    longitude: float
    navarea: str
    subregion: str
    hostility: str
    victim: str
    description: str


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str


def read_asam(path: Path) -> tuple[list[AsamRecord], list[BadRow], list[BadRow]]:
    """The records of an ASAM CSV, the rows that could not be read, and exact duplicates (by line)."""
    records: list[AsamRecord] = []
    bad: list[BadRow] = []
    duplicates: list[BadRow] = []
    seen: dict[str, tuple[int, tuple[str, ...]]] = {}
    for line, row in _rows(path):
        try:
            record_ = _record(line, row)
        except InvalidInput as exc:
            bad.append(BadRow(line, str(exc)))
            continue
        key = tuple(row.get(c, "") for c in COLUMNS)
        earlier = seen.get(record_.reference)
        if earlier is not None:
            if earlier[1] == key:
                duplicates.append(BadRow(line, f"repeats line {earlier[0]} (reference {record_.reference})"))
            else:
                bad.append(BadRow(line, f"reference {record_.reference} is also line {earlier[0]}, with other values"))
            continue
        seen[record_.reference] = (line, key)
        records.append(record_)
    return records, bad, duplicates


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(starting line number, row) for each CSV record; quoted fields may span lines."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path}: not an ASAM CSV ({exc})") from None
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InvalidInput(f"{path} line 1: not an NGA ASAM export; missing columns {', '.join(missing)}")
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InvalidInput(f"{path} line {reader.line_num}: {exc}") from None
            yield start, {k: (v if isinstance(v, str) else "") for k, v in row.items() if k}
            start = reader.line_num + 1


def _record(line: int, row: dict[str, str]) -> AsamRecord:
    reference = row.get("reference", "").strip()
    if not reference:
        raise InvalidInput("no reference")
    try:
        occurred = datetime.strptime(row.get("date", "").strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"reference {reference}: date {row.get('date', '')!r} is not YYYY-MM-DD") from None
    try:
        latitude, longitude = parse_position(row.get("position", ""))
    except PositionParseError as exc:
        raise InvalidInput(f"reference {reference}: position: {exc}") from None
    return AsamRecord(
        line=line,
        reference=reference,
        occurred=occurred,
        latitude=latitude,
        longitude=longitude,
        navarea=row.get("navArea", "").strip(),
        subregion=row.get("subreg", "").strip(),
        hostility=row.get("hostility", "").strip(),
        victim=row.get("victim", "").strip(),
        description=row.get("description", "").strip(),
    )


def category_of(hostility: str, description: str) -> str:
    """The incident category an ASAM record's hostility and narrative point to (rules in docs/maritime.md)."""
    hostility_text = hostility.lower()
    text = f"{hostility_text} {description.lower()}"
    for category, words in _CATEGORY_RULES:
        if any(w in hostility_text for w in words):
            return category
    for category, words in _CATEGORY_RULES:
        if any(w in text for w in words):
            return category
    return "maritime-incident"


def attempted_of(hostility: str, description: str) -> bool:
    text = f"{hostility} {description[:300]}".lower()
    return any(w in text for w in _ATTEMPT_WORDS)


_VESSEL_NAME = re.compile(r"((?:[A-Z0-9][A-Z0-9.'&-]*\s?){1,6})$")


def vessel_name_of(victim: str) -> str | None:
    """The vessel's name in a modern ASAM victim field ('Panama-flagged tanker YONG XING'), if any."""
    if not any(c.islower() for c in victim):
        return None  # older records are all capitals: no way to tell the name from the type
    match = _VESSEL_NAME.search(victim.strip())
    if match is None:
        return None
    name = match.group(1).strip()
    return name if len(name) >= 3 and any(c.isalpha() for c in name) else None


def asam_id(nation: str, reference: str) -> str:
    return nation_object_id(nation, MARITIME_INCIDENT.name, f"asam:{reference}")


def incident_of(record_: AsamRecord) -> IncidentInput:
    name = f"ASAM {record_.reference}: {record_.hostility or 'incident'}"
    if record_.victim:
        name += f" - {record_.victim}"
    return IncidentInput(
        name=name,
        category=category_of(record_.hostility, record_.description),
        occurred_at=record_.occurred,
        latitude=record_.latitude,
        longitude=record_.longitude,
        attempted=attempted_of(record_.hostility, record_.description),
        vessel_name=vessel_name_of(record_.victim),
        description=record_.description,
        extra={
            "source": "NGA ASAM",
            "asam_reference": record_.reference,
            "asam_navarea": record_.navarea,
            "asam_subregion": record_.subregion,
            "hostility": record_.hostility,
            "victim": record_.victim,
            "external_references": [{"source_name": "NGA ASAM", "external_id": record_.reference}],
        },
    )


def asam_body(nation: str, record_: AsamRecord, prepared: list[tuple[str, Any]]) -> dict[str, Any]:
    """The incident object (without timestamps) for one record; ``prepared``: (name, prepared area) pairs."""
    body = incident_object(incident_of(record_), {})
    point = Point(record_.longitude, record_.latitude)
    area = next((name for name, g in prepared if g.covers(point)), None)
    if area is not None:
        body["area"] = area
    body["source_hash"] = hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()[:32]
    body["id"] = asam_id(nation, record_.reference)
    return body


def prepared_areas(areas: Mapping[str, BaseGeometry]) -> list[tuple[str, Any]]:
    return [(name, prep(geometry)) for name, geometry in sorted(areas.items())]


def import_asam(
    node: Node,
    *,
    path: Path,
    actor: Actor,
    handling: HandlingInput,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import an ASAM CSV idempotently, one transaction per batch of :data:`BATCH` records."""
    permit(actor, Action.IMPORT, nation=node.nation)
    records, bad, duplicates = read_asam(path)
    report = ImportReport(source=path.name, unit="line", read=len(records) + len(bad) + len(duplicates))
    for row in bad:
        report.reject(row.reason, row.line)
    for row in duplicates:
        report.duplicate(row.reason, row.line)
    areas = load_areas(node, actor)
    prepared = prepared_areas(areas)
    starts = list(range(0, len(records), BATCH)) or [0]  # an export of bad rows only is still an import, audited
    for start in starts:
        batch = records[start : start + BATCH]
        bodies = []
        for record_ in batch:
            body = asam_body(node.nation, record_, prepared)
            bodies.append(body)
            report.tallies[f"area: {body.get('area') or OTHER_AREA}"] += 1
            report.tallies[f"category: {body['category']}"] += 1
        detail: dict[str, Any] = {"format": "nga-asam", "records": f"{start + 1}-{start + len(batch)}"}
        if start == starts[-1]:  # the file's own facts, once
            detail |= {"file_records": report.read, "bad_rows": len(bad), "duplicates": len(duplicates)}
        with node.db.write() as session:
            _store_batch(
                session, node, bodies, actor=actor, handling=handling, where=path.name, detail=detail, report=report
            )
        if on_progress is not None:
            on_progress(len(batch), len(records))
    return report


def _store_batch(
    session: Session,
    node: Node,
    bodies: list[dict[str, Any]],
    *,
    actor: Actor,
    handling: HandlingInput,
    where: str,
    detail: dict[str, Any],
    report: ImportReport,
) -> None:
    """Store one batch through the store's import (validation, the release rule, audit); count what it did."""
    held: dict[str, StixObject] = {
        row.id: row
        for row in session.scalars(
            select(StixObject).where(StixObject.id.in_([b["id"] for b in bodies]), StixObject.is_latest.is_(True))
        )
    }
    stamp = format_timestamp(now_utc())
    fresh: list[dict[str, Any]] = []
    for body in bodies:
        current = held.get(body["id"])
        if current is not None:
            previous = current.as_stix()
            if previous.get("source_hash") == body["source_hash"]:
                report.count("unchanged")
                continue
            if current.originator_nation != node.nation:
                raise InvalidInput(f"{body['id']} is held from {current.originator_nation}; not overwritten")
            # A corrected record keeps its marking: widening one is a release, for a release officer.
            created, modified = previous["created"], format_timestamp(next_modified(current.modified))
            marking = read_handling(previous, where=body["id"])
        else:
            created = modified = stamp
            marking = handling
        full = {"spec_version": "2.1", "created": created, "modified": modified, **body}
        fresh.append(apply_handling(full, marking))
    stored = node.store.import_objects(
        session, fresh, actor=actor, default_handling=handling, where=where, audit_detail=detail
    )
    stored.read = 0  # the batch's records are counted once, as lines of the file
    report.merge(stored)
