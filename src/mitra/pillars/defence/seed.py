"""Seed organisations of the defence relationship (DESIGN.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput

if TYPE_CHECKING:
    from mitra.core.node import Node


def seed(node: Node) -> int:
    partner = "MYS" if node.nation == "IND" else "IND"
    public = HandlingInput(
        tlp="clear",
        originator_nation=node.nation,
        originator_agency=node.settings.agencies[0],
        releasable_to=(partner,),
        orcon=False,
    )
    items: list[tuple[dict[str, Any], HandlingInput]] = []
    if node.nation == "IND":
        items.append(
            (
                {
                    "type": "identity",
                    "id": node.seed_id("identity", "hal"),
                    "name": "Hindustan Aeronautics Limited (HAL)",
                    "identity_class": "organization",
                    "sectors": ["defense"],
                    "description": (
                        "Opened its Kuala Lumpur office under an MoU of 18 August 2022 to support "
                        "Malaysia's Su-30MKM fleet (18 ordered 2003, delivered 2007-09)."
                    ),
                },
                public,
            )
        )
    else:
        items.append(
            (
                {
                    "type": "identity",
                    "id": node.seed_id("identity", "midcom"),
                    "name": "Malaysia-India Defence Cooperation Committee (MIDCOM)",
                    "identity_class": "organization",
                    "sectors": ["defense"],
                    "description": (
                        "Runs the 1993 defence cooperation MoU (amended 10 July 2023). 13th meeting "
                        "19 February 2025, Kuala Lumpur: terms of reference for a Strategic Affairs "
                        "Working Group and a Su-30 Forum."
                    ),
                },
                public,
            )
        )
    return node.seed_objects(items)
