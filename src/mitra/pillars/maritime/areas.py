"""Areas of interest: the five named sea areas of the partnership, and areas users upload as GeoJSON.

The defaults are *coarse* polygons in longitude/latitude (WGS 84), drawn along the limits that the
IHO's *Limits of Oceans and Seas* (S-23, 3rd edition, 1953) gives for each sea, simplified to a few
vertices; they include some coastal land, and neighbouring areas share their common edges so that
no point of the sea lies in two of them. ``docs/maritime.md`` lists the vertices' reasoning.

User areas are STIX objects of type ``x-mitra-area-of-interest`` holding a GeoJSON geometry; an
area with the name of a default replaces that default for everyone who may see it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import Polygon

from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.models import AreaInput, area_geometry
from mitra.pillars.maritime.types import AREA_OF_INTEREST

if TYPE_CHECKING:
    pass

# (lon, lat) vertices; see the module docstring and docs/maritime.md for the limits they follow.
# Shared vertices: Pedropunt, Sumatra (95.4, 5.7); Lem Voalan, Thailand (98.3, 7.8);
# the Malacca/Singapore limit near Karimun at lon 103.35; Cape Negrais (94.2, 16.1).
_DEFAULT_VERTICES: dict[str, list[tuple[float, float]]] = {
    "Strait of Malacca": [
        (95.4, 5.7),  # Pedropunt, northern tip of Sumatra (IHO western limit)
        (98.3, 7.8),  # Lem Voalan, southern end of Phuket (IHO western limit)
        (100.3, 6.2),  # Malay Peninsula coast, Kedah/Perlis
        (101.3, 3.2),  # off Port Klang
        (102.3, 2.4),  # off Melaka
        (103.35, 1.40),  # Tanjung Piai side of the Malacca/Singapore limit
        (103.35, 1.00),  # Karimun side of the same limit
        (101.8, 1.3),  # Sumatra coast, Dumai
        (100.4, 2.3),  # Sumatra coast
        (98.7, 3.7),  # Belawan
        (97.3, 5.2),  # Lhokseumawe
        (95.4, 5.7),
    ],
    "Singapore Strait": [
        (103.35, 1.00),  # Karimun (IHO western limit)
        (103.35, 1.40),  # Tanjung Piai
        (104.10, 1.45),  # Johor coast, Tanjung Pengelih
        (104.45, 1.45),  # off Tanjung Datok / Horsburgh lighthouse (IHO eastern limit)
        (104.60, 1.20),  # northeastern point of Bintan
        (104.30, 0.95),  # Bintan/Batam south side
        (103.35, 1.00),
    ],
    "Andaman Sea": [
        (94.2, 16.1),  # Cape Negrais, Myanmar
        (97.6, 16.6),  # Gulf of Martaban
        (98.6, 10.0),  # Kawthaung
        (98.3, 7.8),  # Lem Voalan, Phuket
        (95.4, 5.7),  # Pedropunt, Sumatra
        (93.8, 6.7),  # south of Great Nicobar
        (92.5, 10.5),  # west of Little Andaman
        (92.2, 13.5),  # west of North Andaman
        (94.2, 16.1),
    ],
    "Bay of Bengal": [
        (80.6, 5.9),  # Dondra Head, Sri Lanka (IHO southern limit)
        (81.9, 7.5),  # Sri Lanka east coast
        (80.3, 10.0),  # Palk Strait approaches
        (80.3, 13.1),  # Chennai
        (82.3, 16.6),  # Godavari delta
        (86.9, 20.5),  # Odisha coast
        (88.5, 21.6),  # Sundarbans
        (91.8, 22.4),  # Chittagong
        (92.3, 20.7),  # Teknaf
        (94.2, 16.1),  # Cape Negrais (shared with the Andaman Sea)
        (92.2, 13.5),
        (92.5, 10.5),
        (93.8, 6.7),
        (95.4, 5.7),  # Pedropunt
        (80.6, 5.9),
    ],
    "South China Sea": [
        (104.45, 1.45),  # IHO western limit at the Singapore Strait (shared)
        (103.4, 4.0),  # east coast of Peninsular Malaysia
        (102.3, 6.2),  # Kota Bharu (Gulf of Thailand limit, excluded)
        (104.75, 8.6),  # Cape Ca Mau, Vietnam
        (106.7, 10.3),  # Mekong delta
        (109.3, 11.5),  # Vietnam coast
        (108.7, 15.5),
        (106.6, 17.5),
        (105.7, 19.0),  # Gulf of Tonkin
        (106.6, 20.8),
        (108.0, 21.6),
        (110.3, 21.0),  # Leizhou peninsula
        (113.5, 22.2),  # Pearl River mouth
        (117.0, 23.5),
        (119.8, 25.5),  # Haitan Tao (IHO northern limit across the Taiwan Strait)
        (121.5, 25.3),  # Fuki Kaku, Taiwan
        (120.8, 21.9),  # southern tip of Taiwan
        (120.6, 18.5),  # northern Luzon
        (119.8, 16.0),  # western Luzon
        (120.3, 13.4),  # Mindoro
        (117.0, 8.3),  # southern Palawan
        (116.8, 7.0),  # Kudat, Borneo
        (115.0, 5.0),
        (113.0, 3.2),
        (109.6, 2.1),  # Tanjung Datu
        (109.0, 0.0),
        (110.3, -3.0),  # Tanjung Sambar, Borneo (IHO southern limit)
        (107.6, -2.9),  # Belitung
        (106.1, -3.2),  # Lucipara Point, Sumatra
        (104.5, -1.0),  # Sumatra/Lingga
        (104.30, 0.95),  # Bintan/Batam south side (shared)
        (104.60, 1.20),  # northeastern point of Bintan (shared)
        (104.45, 1.45),
    ],
}


def default_areas() -> dict[str, BaseGeometry]:
    """The five named areas of the partnership as coarse lon/lat polygons (see docs/maritime.md)."""
    return {name: Polygon(vertices) for name, vertices in _DEFAULT_VERTICES.items()}


def parse_area_geojson(document: Any, *, where: str, name: str | None = None) -> list[AreaInput]:
    """Areas from a GeoJSON FeatureCollection, Feature or bare (Multi)Polygon.

    Every feature needs a name: its ``properties.name`` or, for a single geometry, ``name``.
    Raises :class:`InvalidInput` naming the feature and what is wrong with it.
    """
    if isinstance(document, str | bytes):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where}: not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise InvalidInput(f"{where}: GeoJSON must be a JSON object")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or not features:
            raise InvalidInput(f"{where}: a FeatureCollection needs a non-empty 'features' list")
        if name is not None and len(features) > 1:
            raise InvalidInput(f"{where}: one name given for {len(features)} features")
        return [_feature(f, where=f"{where} feature {i}", name=name) for i, f in enumerate(features)]
    if kind == "Feature":
        return [_feature(document, where=where, name=name)]
    if kind in ("Polygon", "MultiPolygon"):
        if not name:
            raise InvalidInput(f"{where}: a bare geometry needs a name")
        return [AreaInput(name=name, geometry=area_geometry(document, where=where))]
    raise InvalidInput(f"{where}: GeoJSON type {kind!r} is not a FeatureCollection, Feature, Polygon or MultiPolygon")


def _feature(feature: Any, *, where: str, name: str | None) -> AreaInput:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput(f"{where}: not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise InvalidInput(f"{where}: 'properties' must be an object")
    area_name = name or properties.get("name")
    if not isinstance(area_name, str) or not area_name.strip():
        raise InvalidInput(f"{where}: needs properties.name")
    description = properties.get("description")
    return AreaInput(
        name=area_name.strip()[:200],
        geometry=area_geometry(feature.get("geometry"), where=where),
        description=description if isinstance(description, str) else "",
    )


def geometry_of(obj: Mapping[str, Any]) -> BaseGeometry:
    return area_geometry(obj.get("geometry"), where=str(obj.get("id", "area")))


def area_of(lon: float, lat: float, areas: Mapping[str, BaseGeometry]) -> str | None:
    """The first area (in name order) that covers the point, else ``None``."""
    point = Point(lon, lat)
    for name in sorted(areas):
        if areas[name].covers(point):
            return name
    return None


def area_object(area: AreaInput, *, object_id: str | None = None) -> dict[str, Any]:
    """The STIX body of an area of interest (without id and timestamps unless ``object_id``)."""
    obj: dict[str, Any] = {"type": AREA_OF_INTEREST.name, "name": area.name, "geometry": area.geojson()}
    if area.description:
        obj["description"] = area.description
    if object_id is not None:
        obj["id"] = object_id
    return obj
