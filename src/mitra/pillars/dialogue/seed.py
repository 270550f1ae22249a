"""Seed facts of the Security Dialogue (DESIGN.md, checked against public sources)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput

if TYPE_CHECKING:
    from mitra.core.node import Node


def seed(node: Node) -> int:
    """India records the 1st session it hosted; Malaysia records the partnership's elevation."""
    partner = "MYS" if node.nation == "IND" else "IND"
    agency = node.settings.agencies[0]
    shared = HandlingInput(
        tlp="green",
        originator_nation=node.nation,
        originator_agency=agency,
        releasable_to=(partner,),
        orcon=True,
    )
    items: list[tuple[dict[str, Any], HandlingInput]] = []
    if node.nation == "IND":
        doval = node.seed_id("identity", "co-chair:ajit-doval")
        raja = node.seed_id("identity", "co-chair:raja-nushirwan")
        items += [
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
                    "description": (
                        "Co-chaired by Ajit Doval and Raja Dato Nushirwan bin Zainal Abidin. Agreed to "
                        "deepen cooperation on counter-terrorism and deradicalisation, cyber security, "
                        "defence industry and maritime security; to explore critical minerals and rare "
                        "earths; and to hold the dialogue annually."
                    ),
                    "object_refs": [doval, raja],
                },
                shared,
            ),
        ]
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
