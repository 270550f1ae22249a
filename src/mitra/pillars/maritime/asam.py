"""NGA's Anti-Shipping Activity Messages (ASAM) CSV export as maritime incidents: the ``asam`` preset.

Columns: ``reference,date,position,navArea,subreg,hostility,victim,description``. :data:`ASAM` is the format
the generic incident import (:mod:`mitra.pillars.maritime.incident_csv`) reads it with: every record becomes
one ``x-mitra-maritime-incident`` whose id is derived from the node's nation and the ASAM reference, so
importing the same file again adds nothing, and a corrected record becomes a new version. Rows that cannot
be read are reported with their line number; an exact repeat of an earlier row is reported as a duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput, nation_object_id
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.pillars.maritime.incident_csv import Row, import_incidents, incident_body, prepared_areas
from mitra.pillars.maritime.incidents import category_from_words
from mitra.pillars.maritime.models import IncidentInput
from mitra.pillars.maritime.positions import PositionParseError, parse_position
from mitra.pillars.maritime.types import MARITIME_INCIDENT
from mitra.policy import Actor

if TYPE_CHECKING:
    from mitra.node import Node

# The seed builds its records with these, so they get the ids an import gives them.
__all__ = [
    "ASAM",
    "COLUMNS",
    "AsamFormat",
    "AsamRecord",
    "asam_body",
    "asam_id",
    "attempted_of",
    "category_of",
    "import_asam",
    "incident_of",
    "prepared_areas",
    "record_of",
    "vessel_name_of",
]

COLUMNS = ("reference", "date", "position", "navArea", "subreg", "hostility", "victim", "description")
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


class AsamFormat:
    """The NGA ASAM export, read by the rules in docs/maritime.md (category, attempted, vessel name)."""

    key = "nga-asam"
    title = "NGA ASAM"

    def check_header(self, header: Sequence[str]) -> None:
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InvalidInput(f"not an NGA ASAM export; missing columns {', '.join(missing)}")

    def reference(self, row: Row) -> str:
        reference = row.get("reference", "").strip()
        if not reference:
            raise InvalidInput("no reference")
        return reference

    def incident(self, row: Row, reference: str) -> tuple[IncidentInput, Sequence[str]]:
        return incident_of(record_of(row, reference=reference)), ()

    def object_id(self, nation: str, reference: str) -> str:
        return asam_id(nation, reference)


ASAM = AsamFormat()


def record_of(row: Row, *, reference: str, line: int = 0) -> AsamRecord:
    """One ASAM row's record; InvalidInput saying which value cannot be read."""
    try:
        occurred = datetime.strptime(row.get("date", "").strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"date {row.get('date', '')!r} is not YYYY-MM-DD") from None
    try:
        latitude, longitude = parse_position(row.get("position", ""))
    except PositionParseError as exc:
        raise InvalidInput(f"position: {exc}") from None
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
    return category_from_words((hostility, description)) or "maritime-incident"


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


def asam_body(nation: str, record_: AsamRecord, prepared: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The incident object (without timestamps) for one record; ``prepared``: (name, prepared area) pairs."""
    return incident_body(incident_of(record_), object_id=asam_id(nation, record_.reference), prepared=prepared)


def import_asam(
    node: Node,
    *,
    path: Path,
    actor: Actor,
    handling: HandlingInput,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import an ASAM CSV idempotently: the generic incident import with the ``asam`` preset."""
    return import_incidents(node, path=path, fmt=ASAM, actor=actor, handling=handling, on_progress=on_progress)
