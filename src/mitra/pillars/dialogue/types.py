"""The Dialogue register's STIX types: its custom types and the standard ones it writes."""

from __future__ import annotations

from mitra.core import catalogue
from mitra.core import typeschema as ts
from mitra.core.stix import CustomType
from mitra.pillars.dialogue.models import MILESTONE_STATUSES, STRENGTHS, check_commitment, check_update

PILLAR_NAME = "dialogue"

SERIES = "x-mitra-dialogue-series"
SESSION = "x-mitra-dialogue-session"
AREA = "x-mitra-cooperation-area"
COMMITMENT = catalogue.COMMITMENT
UPDATE = "x-mitra-progress-update"
CONFLICT = "x-mitra-conflict"
EVENT = "x-mitra-partnership-event"

_AREA_KEY = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{1,40}$"}
_PARTY = {"type": "string", "pattern": r"^([A-Z]{3}|both)$"}
_MILESTONE = ts.record(
    {
        "key": ts.text(max_length=80),
        "title": ts.text(nonempty=False, max_length=500),
        "due_date": ts.nullable(ts.date()),
        "status": ts.choice(MILESTONE_STATUSES),
        "party": _PARTY,
    },
    required=("key",),
)
_FIGURES = {"type": "object", "additionalProperties": ts.number()}
_INDICATOR = ts.record(
    {
        "key": ts.text(max_length=80),
        "name": ts.text(max_length=300),
        "unit": ts.text(nonempty=False, max_length=40),
        "baseline": ts.number(),
        "baseline_year": ts.nullable(ts.integer(minimum=1900, maximum=2200)),
        "targets": _FIGURES,
        "actuals": _FIGURES,
    },
    required=("key", "name"),
)

CUSTOM_TYPES: tuple[CustomType, ...] = (
    CustomType(
        name=SERIES,
        description="A dialogue series between partners: cadence, host rotation, first session.",
        pillar=PILLAR_NAME,
        properties={
            "name": ts.text(max_length=300),
            "cadence": ts.text(max_length=40),
            "host_rotation": ts.array(ts.nation(), min_items=1),
            "parties": ts.array(ts.nation()),
            "first_session_date": ts.nullable(ts.date()),
        },
        required=("name", "cadence", "host_rotation"),
    ),
    CustomType(
        name=SESSION,
        description="One session of a dialogue series: number, date, venue, co-chairs, agenda, readout.",
        pillar=PILLAR_NAME,
        properties={
            "name": ts.text(max_length=300),
            "series_ref": ts.object_ref(SERIES),
            "number": ts.integer(minimum=1),
            "date": ts.date(),
            "venue": ts.text(max_length=300),
            "host_nation": ts.nation(),
            "agenda": ts.array(ts.text(max_length=500)),
            "co_chairs": ts.array(
                ts.record(
                    {"name": ts.text(max_length=300), "title": ts.text(nonempty=False), "nation": ts.nation()},
                    required=("name",),
                )
            ),
            "delegations": {"type": "object", "additionalProperties": ts.array(ts.text(max_length=300))},
            "readout": ts.record(
                {
                    "text": ts.text(nonempty=False),
                    "sha256": {"type": "string", "pattern": r"^([0-9a-f]{64})?$"},
                    "source_url": ts.text(nonempty=False),
                }
            ),
        },
        required=("series_ref", "number", "date", "venue", "host_nation"),
    ),
    CustomType(
        name=AREA,
        description="A cooperation area added by users beyond the partnership's standing areas.",
        pillar=PILLAR_NAME,
        properties={"key": _AREA_KEY, "name": ts.text(max_length=200)},
        required=("key", "name"),
    ),
    CustomType(
        name=COMMITMENT,
        description=(
            "An agreed outcome: verbatim text, strength, verifiability, owners, "
            "milestones (OCDS statuses) and indicators (baseline/target/actual per year)."
        ),
        pillar=PILLAR_NAME,
        properties={
            "name": ts.text(max_length=300),
            "area": _AREA_KEY,
            "text": ts.text(),
            "strength": ts.choice(STRENGTHS),
            "verifiable": ts.boolean(),
            "session_ref": ts.nullable(ts.object_ref(SESSION)),
            "source": ts.text(nonempty=False),
            "owners": {"type": "object", "additionalProperties": ts.text(max_length=80)},
            "milestones": ts.array(_MILESTONE),
            "indicators": ts.array(_INDICATOR),
            "announced": ts.nullable(ts.partial_date()),
            "terms_of_reference": ts.nullable(ts.partial_date()),
            "delivered": ts.nullable(ts.partial_date()),
        },
        required=("area", "text", "strength"),
        check=check_commitment,
    ),
    CustomType(
        name=UPDATE,
        description="One dated progress update on a commitment by one side, with evidence links (object ids).",
        pillar=PILLAR_NAME,
        properties={
            "name": ts.text(max_length=300),
            "commitment_ref": ts.object_ref(COMMITMENT),
            "date": ts.date(),
            "nation": ts.nation(),
            "summary": ts.text(),
            "milestone_key": ts.text(max_length=80),
            "milestone_status": ts.choice(MILESTONE_STATUSES),
            "indicator_values": ts.array(
                ts.record({"key": ts.text(max_length=80), "value": ts.number()}, required=("key", "value"))
            ),
            "evidence": ts.array(
                ts.record(
                    {
                        "ref": ts.object_ref(),
                        "relation": ts.text(max_length=40),
                        "counts_toward": ts.text(max_length=80),
                        "amount": {"type": "number", "exclusiveMinimum": 0},
                    },
                    required=("ref",),
                )
            ),
        },
        required=("commitment_ref", "date", "nation", "summary"),
        check=check_update,
    ),
    CustomType(
        name=CONFLICT,
        description="A recorded disagreement between a source document or a partner and the register.",
        pillar=PILLAR_NAME,
        properties={
            "name": ts.text(max_length=400),
            "subject": ts.text(max_length=300),
            "register_says": ts.text(),
            "source_says": ts.text(),
            "source": ts.text(nonempty=False),
            "refs": ts.array(ts.object_ref()),
        },
        required=("subject", "register_says", "source_says"),
    ),
    CustomType(
        name=EVENT,
        description="A dated fact of the partnership (a visit, an upgrade of ties) the register holds as true.",
        pillar=PILLAR_NAME,
        properties={
            "kind": ts.text(max_length=40),
            "name": ts.text(max_length=300),
            "start_date": ts.partial_date(),
            "end_date": ts.nullable(ts.partial_date()),
            "people": ts.array(ts.text(max_length=300)),
            "place": ts.text(nonempty=False, max_length=300),
        },
        required=("kind", "name", "start_date"),
    ),
)
# The pillar's objects: its own types and the standard ones it writes (readouts, notes, session packs).
OBJECT_TYPES: tuple[str, ...] = (*(t.name for t in CUSTOM_TYPES), "report", "note", "grouping")
