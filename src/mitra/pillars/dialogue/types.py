"""The Dialogue register's STIX types: its custom types and the standard ones it writes."""

from __future__ import annotations

from mitra.core import catalogue
from mitra.core.stix import CustomType
from mitra.pillars.dialogue.models import check_commitment, check_update

PILLAR_NAME = "dialogue"

SERIES = "x-mitra-dialogue-series"
SESSION = "x-mitra-dialogue-session"
AREA = "x-mitra-cooperation-area"
COMMITMENT = catalogue.COMMITMENT
UPDATE = "x-mitra-progress-update"
CONFLICT = "x-mitra-conflict"
EVENT = "x-mitra-partnership-event"

CUSTOM_TYPES: tuple[CustomType, ...] = (
    CustomType(
        name=SERIES,
        description="A dialogue series between partners: cadence, host rotation, first session.",
        pillar=PILLAR_NAME,
        required=("name", "cadence", "host_rotation"),
    ),
    CustomType(
        name=SESSION,
        description="One session of a dialogue series: number, date, venue, co-chairs, agenda, readout.",
        pillar=PILLAR_NAME,
        required=("series_ref", "number", "date", "venue", "host_nation"),
    ),
    CustomType(
        name=AREA,
        description="A cooperation area added by users beyond the partnership's standing areas.",
        pillar=PILLAR_NAME,
        required=("key", "name"),
    ),
    CustomType(
        name=COMMITMENT,
        description=(
            "An agreed outcome: verbatim text, strength, verifiability, owners, "
            "milestones (OCDS statuses) and indicators (baseline/target/actual per year)."
        ),
        pillar=PILLAR_NAME,
        required=("area", "text", "strength"),
        check=check_commitment,
    ),
    CustomType(
        name=UPDATE,
        description="One dated progress update on a commitment by one side, with evidence links (object ids).",
        pillar=PILLAR_NAME,
        required=("commitment_ref", "date", "nation", "summary"),
        check=check_update,
    ),
    CustomType(
        name=CONFLICT,
        description="A recorded disagreement between a source document or a partner and the register.",
        pillar=PILLAR_NAME,
        required=("subject", "register_says", "source_says"),
    ),
    CustomType(
        name=EVENT,
        description="A dated fact of the partnership (a visit, an upgrade of ties) the register holds as true.",
        pillar=PILLAR_NAME,
        required=("kind", "name", "start_date"),
    ),
)
# The pillar's objects: its own types and the standard ones it writes (readouts, notes, session packs).
OBJECT_TYPES: tuple[str, ...] = (*(t.name for t in CUSTOM_TYPES), "report", "note", "grouping")
