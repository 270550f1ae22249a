"""Seed facts of the Security Dialogue (DESIGN.md "Facts for the demo", checked against public sources).

India hosted the 1st session, so the India node originates its record and commitments (TLP:GREEN,
releasable to Malaysia); Malaysia's node receives them by sync. The record of the Prime Minister's
visit (19-21 August 2024) is the ground truth the intake checks documents against.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput
from mitra.pillars.dialogue.models import COMMITMENT, EVENT, SERIES, SESSION

if TYPE_CHECKING:
    from mitra.core.node import Node

SESSION_1_READOUT = (
    "The 1st India-Malaysia Security Dialogue was held in New Delhi on 7 January 2025, co-chaired by "
    "Ajit Doval, National Security Adviser of India, and Raja Dato Nushirwan bin Zainal Abidin, "
    "Director-General of Malaysia's National Security Council. The two sides agreed to deepen cooperation "
    "on counter-terrorism and deradicalisation, cyber security, defence industry and maritime security; "
    "to explore cooperation in critical minerals and rare earths; and to hold the dialogue annually."
)

# (key, area, verbatim text, strength, verifiable, owners, milestones, indicators)
SESSION_1_COMMITMENTS: list[tuple[str, str, str, str, bool, dict[str, str], list[Any], list[Any]]] = [
    (
        "counter-terrorism",
        "counter-terrorism",
        "agreed to deepen cooperation on counter-terrorism and deradicalisation",
        "deepen",
        True,
        {"IND": "NSCS", "MYS": "NSC"},
        [],
        [{"key": "ct-reports-shared", "name": "Intelligence reports shared with the partner", "baseline": 0}],
    ),
    (
        "cyber-security",
        "cyber-security",
        "agreed to deepen cooperation on cyber security",
        "deepen",
        True,
        {"IND": "CERT-In", "MYS": "NACSA"},
        [],
        [{"key": "cyber-indicators-shared", "name": "Cyber indicator sets shared between CERTs", "baseline": 0}],
    ),
    (
        "defence-industry",
        "defence-industry",
        "agreed to deepen cooperation on defence industry",
        "deepen",
        True,
        {"IND": "MoD", "MYS": "MINDEF"},
        [],
        [{"key": "defence-agreements", "name": "Defence industry agreements signed", "baseline": 0}],
    ),
    (
        "maritime-security",
        "maritime-security",
        "agreed to deepen cooperation on maritime security",
        "deepen",
        True,
        {"IND": "IN-NAVY", "MYS": "MMEA"},
        [],
        [
            {"key": "maritime-incidents-joint", "name": "Maritime incidents handled jointly", "baseline": 0},
            {"key": "joint-exercises", "name": "Joint exercises held", "baseline": 0},
        ],
    ),
    (
        "critical-minerals",
        "critical-minerals",
        "agreed to explore cooperation in critical minerals and rare earths",
        "explore",
        False,
        {"IND": "NSCS", "MYS": "NSC"},
        [],
        [],
    ),
    (
        "annual",
        "institutional",
        "agreed to hold the Security Dialogue annually",
        "institutionalise",
        True,
        {"IND": "NSCS", "MYS": "NSC"},
        [{"key": "session-2", "title": "2nd Security Dialogue held", "due_date": "2026-01-07", "party": "both"}],
        [],
    ),
]


def _shared(node: Node, partner: str) -> HandlingInput:
    return HandlingInput(
        tlp="green",
        originator_nation=node.nation,
        originator_agency=node.settings.agencies[0],
        releasable_to=(partner,),
        orcon=True,
    )


def _india_items(node: Node, shared: HandlingInput) -> list[tuple[dict[str, Any], HandlingInput]]:
    doval = node.seed_id("identity", "co-chair:ajit-doval")
    raja = node.seed_id("identity", "co-chair:raja-nushirwan")
    series = node.seed_id(SERIES, "security-dialogue")
    session_1 = node.seed_id(SESSION, "security-dialogue-1")
    items: list[tuple[dict[str, Any], HandlingInput]] = [
        (
            {
                "type": "identity",
                "id": doval,
                "name": "Ajit Doval",
                "identity_class": "individual",
                "roles": ["National Security Adviser", "co-chair"],
                "sectors": ["government"],
            },
            shared,
        ),
        (
            {
                "type": "identity",
                "id": raja,
                "name": "Raja Dato Nushirwan bin Zainal Abidin",
                "identity_class": "individual",
                "roles": ["Director-General, National Security Council", "co-chair"],
                "sectors": ["government"],
            },
            shared,
        ),
        (
            {
                "type": "report",
                "id": node.seed_id("report", "security-dialogue-1"),
                "name": "1st India-Malaysia Security Dialogue, New Delhi, 7 January 2025",
                "published": "2025-01-07T00:00:00Z",
                "report_types": ["threat-report"],
                "description": SESSION_1_READOUT,
                "object_refs": [doval, raja],
            },
            shared,
        ),
        (
            {
                "type": SERIES,
                "id": series,
                "name": "India-Malaysia Security Dialogue",
                "cadence": "annual",
                "host_rotation": ["IND", "MYS"],
                "parties": ["IND", "MYS"],
                "first_session_date": "2025-01-07",
            },
            shared,
        ),
        (
            {
                "type": SESSION,
                "id": session_1,
                "name": "1st India-Malaysia Security Dialogue",
                "series_ref": series,
                "number": 1,
                "date": "2025-01-07",
                "venue": "New Delhi",
                "host_nation": "IND",
                "co_chairs": [
                    {"nation": "IND", "name": "Ajit Doval", "title": "National Security Adviser", "ref": doval},
                    {
                        "nation": "MYS",
                        "name": "Raja Dato Nushirwan bin Zainal Abidin",
                        "title": "Director-General, National Security Council",
                        "ref": raja,
                    },
                ],
                "delegations": {"IND": ["Ajit Doval"], "MYS": ["Raja Dato Nushirwan bin Zainal Abidin"]},
                "agenda": [
                    "Counter-terrorism and deradicalisation",
                    "Cyber security",
                    "Defence industry",
                    "Maritime security",
                    "Critical minerals and rare earths",
                    "Institutionalising the dialogue",
                ],
                "readout": {
                    "text": SESSION_1_READOUT,
                    "source_url": "",
                    "sha256": hashlib.sha256(SESSION_1_READOUT.encode()).hexdigest(),
                },
            },
            shared,
        ),
        (
            {
                "type": EVENT,
                "id": node.seed_id(EVENT, "anwar-visit-2024"),
                "kind": "visit",
                "name": "Prime Minister Anwar Ibrahim's visit to India",
                "people": ["Anwar Ibrahim"],
                "place": "New Delhi",
                "start_date": "2024-08-19",
                "end_date": "2024-08-21",
            },
            shared,
        ),
        (
            {
                "type": EVENT,
                "id": node.seed_id(EVENT, "csp-2024"),
                "kind": "upgrade",
                "name": "Ties raised to a Comprehensive Strategic Partnership",
                "people": ["Anwar Ibrahim", "Narendra Modi"],
                "place": "New Delhi",
                "start_date": "2024-08-20",
                "end_date": "2024-08-20",
            },
            shared,
        ),
    ]
    for key, area, text, strength, verifiable, owners, milestones, indicators in SESSION_1_COMMITMENTS:
        items.append(
            (
                {
                    "type": COMMITMENT,
                    "id": node.seed_id(COMMITMENT, f"sd1:{key}"),
                    "name": text,
                    "session_ref": session_1,
                    "source": "1st Security Dialogue, New Delhi, 7 January 2025",
                    "area": area,
                    "text": text,
                    "strength": strength,
                    "verifiable": verifiable,
                    "owners": owners,
                    "milestones": [{"status": "scheduled", **m} for m in milestones],
                    "indicators": indicators,
                    "announced": "2025-01-07",
                },
                shared,
            )
        )
    items.append(
        (
            {
                "type": COMMITMENT,
                "id": node.seed_id(COMMITMENT, "midcom:su30-forum"),
                "name": "Su-30 Forum",
                "source": "MIDCOM; 13th meeting, Kuala Lumpur, 19 February 2025",
                "area": "defence-industry",
                "text": "set up a Su-30 Forum",
                "strength": "agree to",
                "verifiable": True,
                "owners": {"IND": "MoD", "MYS": "MINDEF"},
                "milestones": [],
                "indicators": [],
                "announced": "2015-11",
                "terms_of_reference": "2025-02-19",
            },
            shared,
        )
    )
    return items


def seed(node: Node) -> int:
    """India records the 1st session it hosted and its outcomes; Malaysia the partnership's elevation."""
    partner = "MYS" if node.nation == "IND" else "IND"
    shared = _shared(node, partner)
    items: list[tuple[dict[str, Any], HandlingInput]] = []
    if node.nation == "IND":
        items = _india_items(node, shared)
    else:
        items.append(
            (
                {
                    "type": "note",
                    "id": node.seed_id("note", "csp-2024"),
                    "abstract": "Comprehensive Strategic Partnership, 20 August 2024",
                    "content": (
                        "Prime Minister Anwar Ibrahim visited India 19-21 August 2024; ties were raised "
                        "to a Comprehensive Strategic Partnership on 20 August 2024."
                    ),
                    "object_refs": [node.seed_id("identity", "nation")],
                },
                shared,
            )
        )
        items.append(
            (
                {
                    "type": "identity",
                    "id": node.seed_id("identity", "nation"),
                    "name": "Malaysia",
                    "identity_class": "organization",
                    "sectors": ["government"],
                },
                shared,
            )
        )
    return node.seed_objects(items)
