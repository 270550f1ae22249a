"""Areas of interest: the five defaults, GeoJSON uploads, and stored areas replacing defaults."""

from __future__ import annotations

import itertools
import json

import pytest

from mitra.core.stix import HandlingInput
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.pillars.maritime.areas import area_of, default_areas, parse_area_geojson
from mitra.pillars.maritime.service import load_areas, save_areas
from tests.pillars.maritime.conftest import Person

SQUARE = {"type": "Polygon", "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]]}


def test_the_five_default_areas_are_valid_and_do_not_overlap() -> None:
    areas = default_areas()
    assert set(areas) == {"Strait of Malacca", "Singapore Strait", "Andaman Sea", "Bay of Bengal", "South China Sea"}
    assert all(g.is_valid and g.area > 0 for g in areas.values())
    for (_, first), (_, second) in itertools.combinations(areas.items(), 2):
        assert first.intersection(second).area == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    ("lon", "lat", "area"),
    [
        (103.516667, 1.116667, "Singapore Strait"),  # ASAM 2022-148, eastbound lane of the TSS
        (98.766667, 3.916667, "Strait of Malacca"),  # Belawan anchorage
        (114.0, 12.0, "South China Sea"),
        (88.0, 15.0, "Bay of Bengal"),
        (97.0, 10.0, "Andaman Sea"),
        (43.5, 12.5, None),  # Bab-el-Mandeb
    ],
)
def test_a_point_falls_in_the_area_that_covers_it(lon: float, lat: float, area: str | None) -> None:
    assert area_of(lon, lat, default_areas()) == area


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ("{not json", "not JSON"),
        ({"type": "Point", "coordinates": [1, 2]}, "is not a FeatureCollection"),
        ({"type": "Feature", "properties": {}, "geometry": SQUARE}, "needs properties.name"),
        (
            {"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Polygon", "coordinates": [[[1]]]}},
            "malformed",
        ),
        (
            {
                "type": "Feature",
                "properties": {"name": "bow"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            },
            "invalid polygon",
        ),
        (
            {
                "type": "Feature",
                "properties": {"name": "far"},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 95], [1, 95], [0, 0]]]},
            },
            "within -180",
        ),
        ({"type": "FeatureCollection", "features": []}, "non-empty"),
    ],
)
def test_invalid_geojson_is_refused_with_a_reason(document: object, complaint: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(InvalidInput, match=complaint):
        parse_area_geojson(text, where="upload.geojson")


def test_a_stored_area_joins_the_defaults_and_one_named_like_a_default_replaces_it(
    maritime_node: Node, people: dict[str, Person]
) -> None:
    analyst = people["analyst"].actor
    handling = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS")
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Box"}, "geometry": SQUARE},
            {"type": "Feature", "properties": {"name": "Singapore Strait"}, "geometry": SQUARE},
        ],
    }
    with maritime_node.db.write() as session:
        save_areas(
            session, node=maritime_node, actor=analyst, areas=parse_area_geojson(document, where="t"), handling=handling
        )
    areas = load_areas(maritime_node, analyst)
    assert area_of(100.5, 0.5, {"Box": areas["Box"]}) == "Box"
    assert areas["Singapore Strait"].equals(areas["Box"])
    assert "Strait of Malacca" in areas


def test_uploading_an_area_of_the_same_name_again_versions_it(maritime_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"].actor
    handling = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS")
    first = parse_area_geojson(SQUARE, where="t", name="Patrol box")
    moved = parse_area_geojson(
        {"type": "Polygon", "coordinates": [[[102, 0], [103, 0], [103, 1], [102, 1], [102, 0]]]},
        where="t",
        name="Patrol box",
    )
    with maritime_node.db.write() as session:
        created = save_areas(session, node=maritime_node, actor=analyst, areas=first, handling=handling)[0]
    with maritime_node.db.write() as session:
        versioned = save_areas(session, node=maritime_node, actor=analyst, areas=moved, handling=handling)[0]
    assert versioned.id == created.id
    assert area_of(102.5, 0.5, load_areas(maritime_node, analyst)) == "Patrol box"
