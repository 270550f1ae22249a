"""Seed facts of the defence relationship (DESIGN.md, "Facts for the demo"); idempotent.

Each node seeds what its own side originates, releasable to the partner: India its organisations,
HAL's Kuala Lumpur office MoU and the joint exercise calendar; Malaysia MIDCOM, the 1993 MoU and its
2023 amendment, the MIDCOM meetings and their terms of reference, and a Su-30MKM MRO opportunity.
Whatever DESIGN.md does not state (hosts, venues, dates of exercises; the HAL MoU's counterpart)
is left unknown rather than guessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput
from mitra.pillars.defence.types import AGREEMENT, EXERCISE, MEETING, OPPORTUNITY

if TYPE_CHECKING:
    from mitra.node import Node

DEMO_NOTE = "Capabilities and platforms as recorded for the Mitra demonstration."


def _organisation(
    node: Node,
    key: str,
    name: str,
    *,
    kind: str,
    country: str | None,
    aliases: list[str],
    capabilities: list[str],
    platforms: list[str],
    description: str,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "identity",
        "id": node.seed_id("identity", key),
        "name": name,
        "identity_class": "organization",
        "sectors": ["defense"],
        "description": description,
        "x_mitra_org_kind": kind,
        "x_mitra_aliases": aliases,
        "x_mitra_capabilities": capabilities,
        "x_mitra_platforms": platforms,
        "x_mitra_certifications": [],
    }
    if country:
        obj["x_mitra_country"] = country
    return obj


def _edition(year: int, *, uncertain: bool = False, note: str = "") -> dict[str, Any]:
    return {
        "year": year,
        "year_uncertain": uncertain,
        "edition": None,
        "host": None,
        "venue": None,
        "start": None,
        "end": None,
        "note": note,
    }


def _india(node: Node) -> list[dict[str, Any]]:
    hal = node.seed_id("identity", "hal")
    return [
        _organisation(
            node,
            "hal",
            "Hindustan Aeronautics Limited (HAL)",
            kind="company",
            country="IND",
            aliases=["HAL", "Hindustan Aeronautics"],
            capabilities=["mro", "co-production", "avionics-upgrade", "aerostructures", "engines", "logistics"],
            platforms=["Su-30MKI", "Su-30MKM", "Tejas", "Dhruv"],
            description=(
                "Opened its Kuala Lumpur office under an MoU of 18 August 2022 to support "
                "Malaysia's Su-30MKM fleet (18 ordered 2003, delivered 2007-09). " + DEMO_NOTE
            ),
        ),
        _organisation(
            node,
            "mdl",
            "Mazagon Dock Shipbuilders Limited (MDL)",
            kind="company",
            country="IND",
            aliases=["MDL", "Mazagon Dock"],
            capabilities=["shipbuilding", "co-production", "submarine-support"],
            platforms=["Scorpene (Kalvari class)"],
            description="Builds the Kalvari-class (Scorpene) submarines in India. " + DEMO_NOTE,
        ),
        _organisation(
            node,
            "drdo",
            "Defence Research and Development Organisation (DRDO)",
            kind="research",
            country="IND",
            aliases=["DRDO"],
            capabilities=["research", "radar-electronics", "munitions"],
            platforms=[],
            description="India's defence research body. " + DEMO_NOTE,
        ),
        _organisation(
            node,
            "mod-ind",
            "Ministry of Defence, India",
            kind="agency",
            country="IND",
            aliases=["MoD India"],
            capabilities=["policy"],
            platforms=[],
            description="India's party to the 1993 defence cooperation MoU.",
        ),
        {
            "type": AGREEMENT.name,
            "id": node.seed_id(AGREEMENT.name, "hal-kl-office-mou"),
            "name": "MoU for HAL's Kuala Lumpur office (Su-30MKM support)",
            "agreement_kind": "mou",
            "status": "agreed",
            "party_names": ["Hindustan Aeronautics Limited (HAL)", "Malaysian counterpart (not recorded)"],
            "party_refs": [hal],
            "date_signed": "2022-08-18",
            "capabilities": ["mro", "logistics"],
            "platforms": ["Su-30MKM"],
            "description": "HAL opened its Kuala Lumpur office under this MoU to support the RMAF's Su-30MKM fleet.",
        },
        {
            "type": EXERCISE.name,
            "id": node.seed_id(EXERCISE.name, "harimau-shakti"),
            "name": "Harimau Shakti",
            "aliases": ["Ex Harimau Shakti", "Exercise Harimau Shakti"],
            "service": "army",
            "nations": ["IND", "MYS"],
            "editions": [_edition(y) for y in (2012, 2018, 2022, 2023, 2024)],
            "description": "Joint army exercise. Hosts, venues and dates of editions: not recorded yet.",
        },
        {
            "type": EXERCISE.name,
            "id": node.seed_id(EXERCISE.name, "samudra-laksamana"),
            "name": "Samudra Laksamana",
            "aliases": ["Ex Samudra Laksamana"],
            "service": "navy",
            "nations": ["IND", "MYS"],
            "editions": [_edition(y) for y in (2019, 2022, 2024)],
            "description": "Joint naval exercise. Hosts, venues and dates of editions: not recorded yet.",
        },
        {
            "type": EXERCISE.name,
            "id": node.seed_id(EXERCISE.name, "udara-shakti"),
            "name": "Udara Shakti",
            "aliases": ["Ex Udara Shakti"],
            "service": "air-force",
            "nations": ["IND", "MYS"],
            "editions": [
                _edition(2018, uncertain=True, note="A 2018 edition is reported but not confirmed (DESIGN.md: 2018?)."),
                _edition(2022),
                _edition(2024),
            ],
            "description": "Joint air force exercise. Hosts, venues and dates of editions: not recorded yet.",
        },
    ]


def _malaysia(node: Node) -> list[dict[str, Any]]:
    midcom = node.seed_id("identity", "midcom")
    mou = node.seed_id(AGREEMENT.name, "mou-1993")
    tor_sawg = node.seed_id(AGREEMENT.name, "tor-strategic-affairs-wg")
    tor_su30 = node.seed_id(AGREEMENT.name, "tor-su30-forum")
    parties = ["Government of India", "Government of Malaysia"]
    return [
        _organisation(
            node,
            "midcom",
            "Malaysia-India Defence Cooperation Committee (MIDCOM)",
            kind="committee",
            country=None,
            aliases=["MIDCOM"],
            capabilities=["policy"],
            platforms=[],
            description=(
                "Runs the 1993 defence cooperation MoU (amended 10 July 2023). 13th meeting "
                "19 February 2025, Kuala Lumpur: terms of reference for a Strategic Affairs "
                "Working Group and a Su-30 Forum."
            ),
        ),
        _organisation(
            node,
            "mindef",
            "Ministry of Defence, Malaysia (MINDEF)",
            kind="agency",
            country="MYS",
            aliases=["MINDEF", "Kementerian Pertahanan"],
            capabilities=["policy"],
            platforms=[],
            description="Malaysia's party to the 1993 defence cooperation MoU.",
        ),
        _organisation(
            node,
            "rmaf",
            "Royal Malaysian Air Force (RMAF)",
            kind="agency",
            country="MYS",
            aliases=["RMAF", "TUDM", "Tentera Udara Diraja Malaysia"],
            capabilities=[],
            platforms=["Su-30MKM"],
            description="Operates the 18 Su-30MKM ordered in 2003 and delivered 2007-09.",
        ),
        {
            "type": AGREEMENT.name,
            "id": mou,
            "name": "MoU on defence cooperation (1993)",
            "agreement_kind": "mou",
            "status": "in-force",
            "party_names": parties,
            "party_refs": [],
            "date_signed": "1993",
            "capabilities": ["co-production", "logistics", "mro"],
            "platforms": [],
            "description": "Foundation of defence cooperation: joint ventures, logistics and maintenance.",
        },
        {
            "type": AGREEMENT.name,
            "id": node.seed_id(AGREEMENT.name, "mou-1993-amendment-2023"),
            "name": "Amendment of the 1993 defence cooperation MoU (exchange of letters)",
            "agreement_kind": "amendment",
            "status": "in-force",
            "party_names": parties,
            "party_refs": [],
            "date_signed": "2023-07-10",
            "amends_ref": mou,
            "capabilities": [],
            "platforms": [],
            "description": "Amended by exchange of letters on 10 July 2023.",
        },
        {
            "type": AGREEMENT.name,
            "id": tor_sawg,
            "name": "Terms of reference: Strategic Affairs Working Group",
            "agreement_kind": "terms-of-reference",
            "status": "agreed",
            "party_names": ["Malaysia-India Defence Cooperation Committee (MIDCOM)"],
            "party_refs": [midcom],
            "date_signed": "2025-02-19",
            "capabilities": ["policy"],
            "platforms": [],
            "description": "Agreed at the 13th MIDCOM meeting, Kuala Lumpur.",
        },
        {
            "type": AGREEMENT.name,
            "id": tor_su30,
            "name": "Terms of reference: Su-30 Forum",
            "agreement_kind": "terms-of-reference",
            "status": "agreed",
            "party_names": ["Malaysia-India Defence Cooperation Committee (MIDCOM)"],
            "party_refs": [midcom],
            "date_signed": "2025-02-19",
            "capabilities": ["mro", "logistics"],
            "platforms": ["Su-30MKM"],
            "description": "Agreed at the 13th MIDCOM meeting; the Su-30 Forum was first announced in November 2015.",
        },
        {
            "type": MEETING.name,
            "id": node.seed_id(MEETING.name, "midcom-12"),
            "name": "12th MIDCOM meeting",
            "body_name": "Malaysia-India Defence Cooperation Committee (MIDCOM)",
            "body_ref": midcom,
            "number": 12,
            "meeting_date": "2023-09-19",
            "outcomes": [],
            "agreement_refs": [],
        },
        {
            "type": MEETING.name,
            "id": node.seed_id(MEETING.name, "midcom-13"),
            "name": "13th MIDCOM meeting",
            "body_name": "Malaysia-India Defence Cooperation Committee (MIDCOM)",
            "body_ref": midcom,
            "number": 13,
            "meeting_date": "2025-02-19",
            "venue": "Kuala Lumpur",
            "outcomes": [
                "Terms of reference for a Strategic Affairs Working Group",
                "Terms of reference for a Su-30 Forum",
            ],
            "agreement_refs": [tor_sawg, tor_su30],
        },
        {
            "type": OPPORTUNITY.name,
            "id": node.seed_id(OPPORTUNITY.name, "su30mkm-mro"),
            "name": "Su-30MKM maintenance, repair and overhaul support",
            "opportunity_kind": "mro",
            "seeking_nation": "MYS",
            "capabilities": ["mro", "logistics", "avionics-upgrade"],
            "platforms": ["Su-30MKM"],
            "certifications": [],
            "status": "open",
            "description": "Demonstration opportunity: sustainment of the RMAF's 18 Su-30MKM.",
        },
    ]


def seed(node: Node) -> int:
    (partner,) = node.partners
    public = HandlingInput(
        tlp="clear",
        originator_nation=node.nation,
        originator_agency=node.settings.agencies[0],
        releasable_to=(partner,),
        orcon=False,
    )
    objects = _india(node) if node.nation == "IND" else _malaysia(node)
    return node.seed_objects([(obj, public) for obj in objects])
