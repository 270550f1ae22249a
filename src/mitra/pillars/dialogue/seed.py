"""Seed facts of the Security Dialogue (DESIGN.md "Facts for the demo", checked against public sources).

India hosted the 1st session, so the India node originates its record and commitments (TLP:GREEN,
releasable to Malaysia); Malaysia's node receives them by sync. The record of the Prime Minister's
visit (19-21 August 2024) is the ground truth the intake checks documents against.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput
from mitra.pillars.dialogue.types import COMMITMENT, EVENT, SERIES, SESSION

if TYPE_CHECKING:
    from mitra.node import Node

SESSION_1_READOUT = (
    "The 1st India-Malaysia Security Dialogue was held in New Delhi on 7 January 2025, co-chaired by "
    "Ajit Doval, National Security Adviser of India, and Raja Dato Nushirwan bin Zainal Abidin, "
    "Director-General of Malaysia's National Security Council. The two sides agreed to deepen cooperation "
    "on counter-terrorism and deradicalisation, cyber security, defence industry and maritime security; "
    "to explore cooperation in critical minerals and rare earths; and to hold the dialogue annually."
)


def _indicator(key: str, name: str) -> dict[str, Any]:
    return {"key": key, "name": name, "baseline": 0}


# The 1st session's outcomes, by seed key: area, verbatim text, strength, owners, then what differs.
SESSION_1_COMMITMENTS: dict[str, dict[str, Any]] = {
    "counter-terrorism": {
        "area": "counter-terrorism",
        "text": "agreed to deepen cooperation on counter-terrorism and deradicalisation",
        "strength": "deepen",
        "owners": {"IND": "NSCS", "MYS": "NSC"},
        "indicators": [_indicator("ct-reports-shared", "Intelligence reports shared with the partner")],
    },
    "cyber-security": {
        "area": "cyber-security",
        "text": "agreed to deepen cooperation on cyber security",
        "strength": "deepen",
        "owners": {"IND": "CERT-In", "MYS": "NACSA"},
        "indicators": [_indicator("cyber-indicators-shared", "Cyber indicator sets shared between CERTs")],
    },
    "defence-industry": {
        "area": "defence-industry",
        "text": "agreed to deepen cooperation on defence industry",
        "strength": "deepen",
        "owners": {"IND": "MoD", "MYS": "MINDEF"},
        "indicators": [_indicator("defence-agreements", "Defence industry agreements signed")],
    },
    "maritime-security": {
        "area": "maritime-security",
        "text": "agreed to deepen cooperation on maritime security",
        "strength": "deepen",
        "owners": {"IND": "IN-NAVY", "MYS": "MMEA"},
        "indicators": [
            _indicator("maritime-incidents-joint", "Maritime incidents handled jointly"),
            _indicator("joint-exercises", "Joint exercises held"),
        ],
    },
    "critical-minerals": {
        "area": "critical-minerals",
        "text": "agreed to explore cooperation in critical minerals and rare earths",
        "strength": "explore",
        "verifiable": False,
        "owners": {"IND": "NSCS", "MYS": "NSC"},
    },
    "annual": {
        "area": "institutional",
        "text": "agreed to hold the Security Dialogue annually",
        "strength": "institutionalise",
        "owners": {"IND": "NSCS", "MYS": "NSC"},
        "milestones": [
            {
                "key": "session-2",
                "title": "2nd Security Dialogue held",
                "due_date": "2026-01-07",
                "party": "both",
                "status": "scheduled",
            }
        ],
    },
}


def _commitment(node: Node, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A seeded commitment: verifiable, no milestones or indicators unless ``fields`` says otherwise."""
    defaults = {"verifiable": True, "milestones": [], "indicators": []}
    return {"type": COMMITMENT, "id": node.seed_id(COMMITMENT, key), "name": fields["text"], **defaults, **fields}


def _india_objects(node: Node) -> list[dict[str, Any]]:
    doval = node.seed_id("identity", "co-chair:ajit-doval")
    raja = node.seed_id("identity", "co-chair:raja-nushirwan")
    series = node.seed_id(SERIES, "security-dialogue")
    session_1 = node.seed_id(SESSION, "security-dialogue-1")
    objects: list[dict[str, Any]] = [
        {
            "type": "identity",
            "id": doval,
            "name": "Ajit Doval",
            "identity_class": "individual",
            "roles": ["National Security Adviser", "co-chair"],
            "sectors": ["government"],
        },
        {
            "type": "identity",
            "id": raja,
            "name": "Raja Dato Nushirwan bin Zainal Abidin",
            "identity_class": "individual",
            "roles": ["Director-General, National Security Council", "co-chair"],
            "sectors": ["government"],
        },
        {
            "type": "report",
            "id": node.seed_id("report", "security-dialogue-1"),
            "name": "1st India-Malaysia Security Dialogue, New Delhi, 7 January 2025",
            "published": "2025-01-07T00:00:00Z",
            "report_types": ["threat-report"],
            "description": SESSION_1_READOUT,
            "object_refs": [doval, raja],
        },
        {
            "type": SERIES,
            "id": series,
            "name": "India-Malaysia Security Dialogue",
            "cadence": "annual",
            "host_rotation": ["IND", "MYS"],
            "parties": ["IND", "MYS"],
            "first_session_date": "2025-01-07",
        },
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
    ]
    from_session_1 = {
        "session_ref": session_1,
        "source": "1st Security Dialogue, New Delhi, 7 January 2025",
        "announced": "2025-01-07",
    }
    objects += [
        _commitment(node, f"sd1:{key}", fields | from_session_1) for key, fields in SESSION_1_COMMITMENTS.items()
    ]
    objects.append(
        _commitment(
            node,
            "midcom:su30-forum",
            {
                "name": "Su-30 Forum",
                "source": "MIDCOM; 13th meeting, Kuala Lumpur, 19 February 2025",
                "area": "defence-industry",
                "text": "set up a Su-30 Forum",
                "strength": "agree to",
                "owners": {"IND": "MoD", "MYS": "MINDEF"},
                "announced": "2015-11",
                "terms_of_reference": "2025-02-19",
            },
        )
    )
    return objects


def _malaysia_objects(node: Node) -> list[dict[str, Any]]:
    nation = node.seed_id("identity", "nation")
    return [
        {
            "type": "note",
            "id": node.seed_id("note", "csp-2024"),
            "abstract": "Comprehensive Strategic Partnership, 20 August 2024",
            "content": (
                "Prime Minister Anwar Ibrahim visited India 19-21 August 2024; ties were raised "
                "to a Comprehensive Strategic Partnership on 20 August 2024."
            ),
            "object_refs": [nation],
        },
        {
            "type": "identity",
            "id": nation,
            "name": "Malaysia",
            "identity_class": "organization",
            "sectors": ["government"],
        },
    ]


def seed(node: Node) -> int:
    """India records the 1st session it hosted and its outcomes; Malaysia the partnership's elevation."""
    shared = HandlingInput(
        tlp="green",
        originator_nation=node.nation,
        originator_agency=node.settings.agencies[0],
        releasable_to=node.partners,
        orcon=True,
    )
    objects = _india_objects(node) if node.nation == "IND" else _malaysia_objects(node)
    return node.seed_objects([(obj, shared) for obj in objects])
