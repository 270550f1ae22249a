"""Each custom type's own check, applied by ``validate_object`` on every door: a good object passes, a bad one is
refused naming the property (the doors themselves are tried in tests/pillars/maritime/test_incident_doors.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mitra.bootstrap import all_pillars
from mitra.core.stix import TypeRegistry, new_id, validate_object
from mitra.foundation.errors import InvalidInput
from mitra.pillars.dialogue.types import COMMITMENT, UPDATE
from mitra.pillars.maritime.types import MARITIME_EVENT

STAMP = "2025-01-07T00:00:00.000Z"
GOOD: dict[str, dict[str, Any]] = {
    MARITIME_EVENT.name: {
        "event_type": "gap",
        "mmsi": 533_000_123,
        "start": "2025-01-06T00:00:00.000Z",
        "end": "2025-01-06T06:00:00.000Z",
        "status": "closed",
        "lat": 2.9,
        "lon": 101.3,
    },
    COMMITMENT: {
        "area": "cyber-security",
        "text": "agreed to deepen cooperation on cyber security",
        "strength": "deepen",
        "milestones": [{"key": "mou", "title": "MoU signed", "due_date": "2026-01-07"}],
    },
    UPDATE: {"commitment_ref": new_id(COMMITMENT), "date": "2025-10-01", "nation": "MYS", "summary": "Dates agreed"},
}
BAD = [
    (MARITIME_EVENT.name, {"mmsi": "533000123"}, "mmsi"),
    (MARITIME_EVENT.name, {"status": "maybe"}, "status"),
    (MARITIME_EVENT.name, {"end": "2025-01-05T00:00:00.000Z"}, "end is before start"),
    (MARITIME_EVENT.name, {"lat": 91}, "lat"),
    (COMMITMENT, {"strength": "promise"}, "strength"),
    (COMMITMENT, {"area": "Cyber Security!"}, "area"),
    (COMMITMENT, {"milestones": [{"key": "mou", "due_date": "soon"}]}, "due_date"),
    (UPDATE, {"date": "2025-13-01"}, "date"),
    (UPDATE, {"nation": "Malaysia"}, "nation"),
    (UPDATE, {"summary": "  "}, "summary"),
]


@pytest.fixture(scope="module")
def registry() -> TypeRegistry:
    types = TypeRegistry()
    for pillar in all_pillars():
        for custom in pillar.custom_types:
            types.register(custom)
    return types


def _object(type_name: str, **changes: Any) -> dict[str, Any]:
    base = {"type": type_name, "spec_version": "2.1", "id": new_id(type_name), "created": STAMP, "modified": STAMP}
    return base | GOOD[type_name] | changes


@pytest.mark.parametrize("type_name", sorted(GOOD))
def test_a_good_object_passes_its_types_check(registry: TypeRegistry, type_name: str) -> None:
    assert validate_object(_object(type_name), registry, where="test")["type"] == type_name


@pytest.mark.parametrize(("type_name", "change", "message"), BAD)
def test_a_bad_object_is_refused_naming_what_is_wrong(
    registry: TypeRegistry, type_name: str, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        validate_object(_object(type_name, **change), registry, where="test")
