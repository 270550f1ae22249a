"""The defence pillar's STIX types: organisations are standard ``identity`` objects; the rest are custom.

An organisation is an ``identity`` (``identity_class`` ``organization``, ``sectors`` incl. ``defense``)
carrying custom properties ``x_mitra_org_kind``, ``x_mitra_country``, ``x_mitra_aliases``,
``x_mitra_capabilities``, ``x_mitra_platforms`` and ``x_mitra_certifications`` (docs/defence.md).
"""

from __future__ import annotations

from mitra.core import catalogue
from mitra.core import typeschema as ts
from mitra.core.stix import CustomType
from mitra.pillars.defence.models import (
    check_agreement,
    check_exercise,
    check_lesson,
    check_meeting,
    check_opportunity,
)
from mitra.pillars.defence.vocabulary import (
    AGREEMENT_KINDS,
    AGREEMENT_STATUSES,
    CAPABILITY_BY_ID,
    OPPORTUNITY_KINDS,
    OPPORTUNITY_STATUSES,
    SERVICES,
)

_NAME = ts.text(max_length=300)
_SHORT = ts.text(max_length=120)
_CAPABILITIES = ts.array(ts.choice(CAPABILITY_BY_ID), max_items=30)
_EDITION = ts.record(
    {
        "year": ts.integer(minimum=1950, maximum=2100),
        "year_uncertain": ts.boolean(),
        "edition": ts.nullable(ts.integer(minimum=1, maximum=1000)),
        "host": ts.nullable(ts.nation()),
        "venue": ts.nullable(_SHORT),
        "start": ts.nullable(ts.date()),
        "end": ts.nullable(ts.date()),
        "note": ts.text(nonempty=False, max_length=500),
    },
    required=("year",),
)

AGREEMENT = CustomType(
    name="x-mitra-agreement",
    description=(
        "A defence agreement (MoU, amendment, joint venture, contract, terms of reference): 'name', "
        "'agreement_kind', 'status', 'party_names', optional 'party_refs' (identity ids), 'date_signed' "
        "(YYYY[-MM[-DD]]), 'valid_until', 'amends_ref', 'capabilities', 'platforms', 'description'."
    ),
    pillar="defence",
    properties={
        "name": _NAME,
        "agreement_kind": ts.choice(AGREEMENT_KINDS),
        "status": ts.choice(AGREEMENT_STATUSES),
        "party_names": ts.array(_SHORT, min_items=1, max_items=20),
        "party_refs": ts.array(ts.object_ref("identity"), max_items=20),
        "date_signed": ts.partial_date(),
        "valid_until": ts.partial_date(),
        "amends_ref": ts.object_ref("x-mitra-agreement"),
        "capabilities": _CAPABILITIES,
        "platforms": ts.array(_SHORT, max_items=40),
        "description": ts.text(nonempty=False, max_length=4000),
    },
    required=("name", "agreement_kind", "status", "party_names"),
    check=check_agreement,
)
MEETING = CustomType(
    name="x-mitra-defence-meeting",
    description=(
        "A meeting of a bilateral defence body (e.g. MIDCOM): 'name', 'body_name', optional 'body_ref', "
        "'number', 'meeting_date' (YYYY[-MM[-DD]]), 'venue', 'outcomes', 'agreement_refs'."
    ),
    pillar="defence",
    properties={
        "name": _NAME,
        "body_name": _NAME,
        "body_ref": ts.object_ref("identity"),
        "number": ts.nullable(ts.integer(minimum=1)),
        "meeting_date": ts.partial_date(),
        "venue": ts.nullable(_SHORT),
        "outcomes": ts.array(ts.text(max_length=4000)),
        "agreement_refs": ts.array(ts.object_ref("x-mitra-agreement")),
    },
    required=("name", "body_name", "meeting_date"),
    check=check_meeting,
)
OPPORTUNITY = CustomType(
    name="x-mitra-opportunity",
    description=(
        "A procurement, MRO or co-production opportunity: 'name', 'opportunity_kind', 'seeking_nation', "
        "'capabilities' (vocabulary ids), 'platforms', 'certifications', 'status', 'closes', 'description'."
    ),
    pillar="defence",
    properties={
        "name": _NAME,
        "opportunity_kind": ts.choice(OPPORTUNITY_KINDS),
        "seeking_nation": ts.nation(),
        "capabilities": {**_CAPABILITIES, "minItems": 1},
        "platforms": ts.array(_SHORT, max_items=40),
        "certifications": ts.array(_SHORT, max_items=30),
        "status": ts.choice(OPPORTUNITY_STATUSES),
        "closes": ts.partial_date(),
        "description": ts.text(nonempty=False, max_length=4000),
    },
    required=("name", "opportunity_kind", "seeking_nation", "capabilities"),
    check=check_opportunity,
)
EXERCISE = CustomType(
    name="x-mitra-exercise",
    description=(
        "A joint exercise series: 'name', 'aliases', 'service' (army, navy, air-force, joint), 'nations', "
        "'editions' (each: year, year_uncertain, edition, host, venue, start, end, note; null = unknown)."
    ),
    pillar="defence",
    properties={
        "name": _NAME,
        "aliases": ts.array(_SHORT, max_items=20),
        "service": ts.choice(SERVICES),
        "nations": ts.array(ts.nation()),
        "editions": ts.array(_EDITION, max_items=100),
        "description": ts.text(nonempty=False, max_length=4000),
    },
    required=("name", "service", "editions"),
    check=check_exercise,
)
LESSON = CustomType(
    name="x-mitra-exercise-lesson",
    description=(
        "A lesson or follow-up of a joint exercise: 'exercise_ref', 'edition_year', 'lesson_kind' "
        "(lesson, follow-up), 'statement', 'status', 'due', 'commitment_refs' (ids of dialogue commitments)."
    ),
    pillar="defence",
    properties={
        "exercise_ref": ts.object_ref("x-mitra-exercise"),
        "edition_year": ts.nullable(ts.integer(minimum=1950, maximum=2100)),
        "lesson_kind": ts.choice(("lesson", "follow-up")),
        "statement": ts.text(max_length=4000),
        "status": ts.choice(("open", "in-progress", "done")),
        "due": ts.nullable(ts.date()),
        "commitment_refs": ts.array(ts.object_ref(catalogue.COMMITMENT), max_items=20),
    },
    required=("exercise_ref", "lesson_kind", "statement"),
    check=check_lesson,
)
ARMS_TRANSFER = CustomType(
    name="x-mitra-arms-transfer",
    description=(
        "One deal of the SIPRI Arms Transfers Database: 'recipient', 'supplier', 'year_of_order', "
        "'number_ordered', 'weapon_designation', 'weapon_description', 'number_delivered', "
        "'years_of_delivery', 'deal_status', 'comments', TIVs, uncertainty flags and 'source'."
    ),
    pillar="defence",
    properties={
        "name": _NAME,
        "recipient": _NAME,
        "supplier": _NAME,
        "year_of_order": ts.nullable(ts.integer(minimum=1900, maximum=2200)),
        "order_year_uncertain": ts.boolean(),
        "number_ordered": ts.nullable(ts.integer(minimum=0)),
        "number_ordered_uncertain": ts.boolean(),
        "weapon_designation": _NAME,
        "weapon_description": ts.text(nonempty=False),
        "number_delivered": ts.nullable(ts.integer(minimum=0)),
        "number_delivered_uncertain": ts.boolean(),
        "years_of_delivery": ts.array(ts.integer(minimum=1900, maximum=2200)),
        "delivery_years_uncertain": ts.boolean(),
        "deal_status": ts.text(nonempty=False, max_length=80),
        "comments": ts.text(nonempty=False),
        "tiv_per_unit": ts.nullable(ts.number(minimum=0)),
        "tiv_total_order": ts.nullable(ts.number(minimum=0)),
        "tiv_delivered": ts.nullable(ts.number(minimum=0)),
        "source": ts.text(max_length=300),
    },
    required=("recipient", "supplier", "weapon_designation", "source"),
)

CUSTOM_TYPES = (AGREEMENT, MEETING, OPPORTUNITY, EXERCISE, LESSON, ARMS_TRANSFER)
OBJECT_TYPES = ("identity", *(t.name for t in CUSTOM_TYPES))
