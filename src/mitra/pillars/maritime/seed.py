"""Seed: the five named areas of interest and a handful of NGA ASAM incidents in the Straits.

The incidents are five records of NGA's ASAM export of 21 June 2022 (US Government work, public
domain; ``../shared/data/maritime/piracy/nga_asam_2022-06-21.csv``), narratives shortened. They get
the same ids an import of that file gives them, so importing it later adds them once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mitra.core.stix import HandlingInput
from mitra.pillars.maritime.areas import area_object, default_areas
from mitra.pillars.maritime.asam import AsamRecord, asam_body, prepared_areas
from mitra.pillars.maritime.models import AreaInput
from mitra.pillars.maritime.types import AREA_OF_INTEREST

if TYPE_CHECKING:
    from mitra.node import Node

# reference, date, lat, lon, subregion, hostility, victim, narrative (from the ASAM export)
SEED_RECORDS: tuple[tuple[str, str, float, float, str, str, str, str], ...] = (
    (
        "2022-148",
        "2022-05-28",
        1.116667,
        103.516667,
        "71",
        "",
        "Marshall Islands-flagged bulk carrier MAGNUM ENERG",
        "INDONESIA: On 28 May, at 0259 local time, three robbers armed with knives were sighted in the afterdeck "
        "of the bulk carrier MAGNUM ENERGY underway in the eastbound lane of the Singapore Strait TSS, near "
        "position 01-07N 103-31E. The robbers escaped with stolen engine spare parts.",
    ),
    (
        "2022-149",
        "2022-05-27",
        1.116667,
        103.5,
        "71",
        "Boarding",
        "Panama-flagged tanker YONG XING SHUN HANG",
        "INDONESIA: On 27 May, at 2256 local time, three robbers boarded the tanker YONG XING SHUN HANG underway "
        "in the eastbound lane of the Singapore Strait TSS, near position 01-07N 103-30E. They escaped "
        "empty-handed.",
    ),
    (
        "2022-144",
        "2022-05-19",
        1.216667,
        103.483333,
        "71",
        "",
        "Malaysia-flagged barge SINHIN 6 and tug SINHIN 5",
        "MALAYSIA: On 19 May, at 1345 local time, four robbers boarded the barge SINHIN 6 towed by the tug "
        "SINHIN 5 in the westbound lane of the Singapore Strait TSS, near position 01-13N 103-29E, and escaped "
        "with stolen scrap metal.",
    ),
    (
        "2022-120",
        "2022-04-16",
        1.233333,
        103.966667,
        "71",
        "Boarding",
        "Malta-flagged tanker MEGALI",
        "INDONESIA: On 16 April, at 0442 local time, a robber boarded the tanker MEGALI underway in the "
        "eastbound lane of the Singapore Strait TSS, near position 01-14N 103-58E. Nothing was stolen.",
    ),
    (
        "2022-103",
        "2022-03-25",
        3.916667,
        98.766667,
        "71",
        "",
        "Singapore-flagged bulk carrier LAMPARD",
        "INDONESIA: On 25 March, at 0420 local time, three robbers armed with knives boarded the bulk carrier "
        "LAMPARD, anchored in Belawan Anchorage, near position 03-55N 098-46E, and escaped with stolen ship's "
        "property.",
    ),
)


def seed(node: Node) -> int:
    """The five areas (TLP:CLEAR) and five incidents (TLP:GREEN), releasable to the partner; idempotent."""
    (partner,) = node.partners
    agency = node.settings.agencies[0]
    public = HandlingInput(
        tlp="clear", originator_nation=node.nation, originator_agency=agency, releasable_to=(partner,), orcon=False
    )
    shared = HandlingInput(
        tlp="green", originator_nation=node.nation, originator_agency=agency, releasable_to=(partner,), orcon=True
    )
    areas = default_areas()
    items: list[tuple[dict[str, Any], HandlingInput]] = [
        (
            area_object(
                AreaInput(name=name, geometry=geometry, description="Coarse outline; see docs/maritime.md."),
                object_id=node.seed_id(AREA_OF_INTEREST.name, f"area:{name}"),
            ),
            public,
        )
        for name, geometry in areas.items()
    ]
    prepared = prepared_areas(areas)
    for reference, day, lat, lon, subregion, hostility, victim, narrative in SEED_RECORDS:
        record = AsamRecord(
            line=0,
            reference=reference,
            occurred=datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC),
            latitude=lat,
            longitude=lon,
            navarea="XI",
            subregion=subregion,
            hostility=hostility,
            victim=victim,
            description=narrative,
        )
        items.append((asam_body(node.nation, record, prepared), shared))
    return node.seed_objects(items)
