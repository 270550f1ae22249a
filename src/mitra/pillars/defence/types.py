"""The defence pillar's STIX types: organisations are standard ``identity`` objects; the rest are custom.

An organisation is an ``identity`` (``identity_class`` ``organization``, ``sectors`` incl. ``defense``)
carrying custom properties ``x_mitra_org_kind``, ``x_mitra_country``, ``x_mitra_aliases``,
``x_mitra_capabilities``, ``x_mitra_platforms`` and ``x_mitra_certifications`` (docs/defence.md).
"""

from __future__ import annotations

from mitra.core.stix import CustomType

AGREEMENT = CustomType(
    name="x-mitra-agreement",
    description=(
        "A defence agreement (MoU, amendment, joint venture, contract, terms of reference): 'name', "
        "'agreement_kind', 'status', 'party_names', optional 'party_refs' (identity ids), 'date_signed' "
        "(YYYY[-MM[-DD]]), 'valid_until', 'amends_ref', 'capabilities', 'platforms', 'description'."
    ),
    pillar="defence",
    required=("name", "agreement_kind", "status", "party_names"),
)
MEETING = CustomType(
    name="x-mitra-defence-meeting",
    description=(
        "A meeting of a bilateral defence body (e.g. MIDCOM): 'name', 'body_name', optional 'body_ref', "
        "'number', 'meeting_date' (YYYY[-MM[-DD]]), 'venue', 'outcomes', 'agreement_refs'."
    ),
    pillar="defence",
    required=("name", "body_name", "meeting_date"),
)
OPPORTUNITY = CustomType(
    name="x-mitra-opportunity",
    description=(
        "A procurement, MRO or co-production opportunity: 'name', 'opportunity_kind', 'seeking_nation', "
        "'capabilities' (vocabulary ids), 'platforms', 'certifications', 'status', 'closes', 'description'."
    ),
    pillar="defence",
    required=("name", "opportunity_kind", "seeking_nation", "capabilities"),
)
EXERCISE = CustomType(
    name="x-mitra-exercise",
    description=(
        "A joint exercise series: 'name', 'aliases', 'service' (army, navy, air-force, joint), 'nations', "
        "'editions' (each: year, year_uncertain, edition, host, venue, start, end, note; null = unknown)."
    ),
    pillar="defence",
    required=("name", "service", "editions"),
)
LESSON = CustomType(
    name="x-mitra-exercise-lesson",
    description=(
        "A lesson or follow-up of a joint exercise: 'exercise_ref', 'edition_year', 'lesson_kind' "
        "(lesson, follow-up), 'statement', 'status', 'due', 'commitment_refs' (ids of dialogue commitments)."
    ),
    pillar="defence",
    required=("exercise_ref", "lesson_kind", "statement"),
)
ARMS_TRANSFER = CustomType(
    name="x-mitra-arms-transfer",
    description=(
        "One deal of the SIPRI Arms Transfers Database: 'recipient', 'supplier', 'year_of_order', "
        "'number_ordered', 'weapon_designation', 'weapon_description', 'number_delivered', "
        "'years_of_delivery', 'deal_status', 'comments', TIVs, uncertainty flags and 'source'."
    ),
    pillar="defence",
    required=("recipient", "supplier", "weapon_designation", "source"),
)

CUSTOM_TYPES = (AGREEMENT, MEETING, OPPORTUNITY, EXERCISE, LESSON, ARMS_TRANSFER)
OBJECT_TYPES = ("identity", *(t.name for t in CUSTOM_TYPES))
