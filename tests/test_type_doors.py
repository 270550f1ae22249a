"""One validator per custom type, the same verdict on every door.

Objects of every custom type the node registers are generated from the type's own published JSON Schema
(tests.support.schemas), then some are broken (a property replaced by arbitrary JSON, a required one
dropped). Each goes through every door an object comes in by: the store's import (the path of the pillars'
importers), the REST bundle import, ``mitra import``, and a partner's sync. Every door must give the verdict of
``validate_object`` (schema + the type's check) for that object: accepted everywhere or refused everywhere,
never stored by one door and refused by another. The schema itself is checked against ``jsonschema`` as the
reference: an object it accepts, ``validate_object`` accepts unless the type's ``check`` names a rule.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from mitra.app import create_app
from mitra.bootstrap import all_pillars
from mitra.cli import app
from mitra.core.objects import Provenance, StixObject
from mitra.core.stix import CustomType, HandlingInput, TypeRegistry, apply_handling, validate_object
from mitra.core.typeschema import conforms
from mitra.exchange.models import Refusal
from mitra.exchange.types import EXCHANGE_TYPES
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from tests.conftest import node_env
from tests.support.pair import Pair, paired_nodes
from tests.support.schemas import from_schema

STAMP = "2025-01-07T00:00:00.000Z"
RELEASED = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS", releasable_to=("MYS",))
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    # Text without NUL or lone surrogates: what a JSON document can carry into every database.
    | st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with paired_nodes(tmp_path_factory.mktemp("doors")) as value:
        yield value


def _registry() -> TypeRegistry:
    """The registry of a node opened by the composition root: every pillar's types and the exchange's."""
    registry = TypeRegistry()
    for custom in (*EXCHANGE_TYPES, *(t for pillar in all_pillars() for t in pillar.custom_types)):
        registry.register(custom)
    return registry


def _custom_types() -> list[CustomType]:
    return sorted(_registry().custom.values(), key=lambda t: t.name)


TYPES = _custom_types()


def _common(type_name: str) -> dict[str, Any]:
    return {"type": type_name, "spec_version": "2.1", "id": f"{type_name}--{uuid.uuid4()}", "created": STAMP}


@st.composite
def _box(draw: st.DrawFn) -> dict[str, Any]:
    """A valid polygon: what a schema cannot say (a closed, non-crossing ring), drawn on purpose."""
    lon, lat = draw(st.floats(-170, 170)), draw(st.floats(-80, 80))
    width, height = draw(st.floats(0.01, 9)), draw(st.floats(0.01, 9))
    ring = [[lon, lat], [lon + width, lat], [lon + width, lat + height], [lon, lat + height], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# Values the schema allows but rarely draws valid for the type's check (a random ring is seldom a polygon).
_MEANINGFUL: dict[str, dict[str, st.SearchStrategy[Any]]] = {"x-mitra-area-of-interest": {"geometry": _box()}}


@st.composite
def objects(draw: st.DrawFn, custom: CustomType) -> dict[str, Any]:
    own = draw(from_schema(custom.schema))
    for name, strategy in _MEANINGFUL.get(custom.name, {}).items():
        if draw(st.integers(0, 3)):
            own[name] = draw(strategy)
    obj = own | _common(custom.name) | {"modified": STAMP}
    breakage = draw(st.sampled_from(["none", "none", "none", "replace", "drop"]))
    if breakage == "replace":
        name = draw(st.sampled_from(sorted(custom.properties)))
        obj[name] = draw(_JSON)
    elif breakage == "drop" and custom.required:
        del obj[draw(st.sampled_from(custom.required))]
    return obj


def _no_nul(value: Any) -> bool:
    text = json.dumps(value)
    return "\\u0000" not in text and "\\ud8" not in text and "\\udc" not in text


def _verdict(node: Node, obj: dict[str, Any]) -> bool:
    try:
        validate_object(dict(obj), node.registry, where="object")
    except InvalidInput:
        return False
    return True


def _store_door(node: Node, obj: dict[str, Any]) -> bool:
    actor = node.operator(username="doors")
    handling = HandlingInput(tlp="green", originator_nation=node.nation, originator_agency="NSCS")
    try:
        with node.db.write() as session:
            node.store.import_objects(session, [dict(obj)], actor=actor, default_handling=handling, where="file")
    except InvalidInput:
        return False
    return True


def _rest_door(client: TestClient, token: str, obj: dict[str, Any]) -> bool:
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [obj]}
    response = client.post("/api/v1/bundles?tlp=green", headers={"Authorization": f"Bearer {token}"}, json=bundle)
    assert response.status_code in (200, 422), response.text
    return response.status_code == 200


def _cli_door(node: Node, folder: Path, obj: dict[str, Any]) -> bool:
    path = folder / f"{uuid.uuid4()}.json"
    path.write_text(json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [obj]}))
    result = CliRunner().invoke(app, ["import", str(path), "--tlp", "green"], env=node_env(node))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code == 0


def _partner_door(pair: Pair, obj: dict[str, Any]) -> bool:
    """India holds the object as released to Malaysia (however it got there); Malaysia pulls it."""
    with pair.ind.db.write() as session:
        pair.ind.store.store_versions(
            session, [apply_handling(dict(obj), RELEASED)], provenance=Provenance(), audit_actor="test-setup"
        )
    pair.pull(into=pair.mys)
    with pair.mys.db.read() as session:
        held = session.scalar(select(StixObject.seq).where(StixObject.id == obj["id"])) is not None
        refused = session.scalar(select(Refusal.id).where(Refusal.object_id == obj["id"])) is not None
    assert held != refused, f"{obj['id']}: held={held} refused={refused}"
    return held


def _with_id(obj: dict[str, Any]) -> dict[str, Any]:
    """The same object under a fresh id (each door stores its own copy)."""
    return obj | {"id": f"{obj['type']}--{uuid.uuid4()}"}


@pytest.mark.parametrize("custom", TYPES, ids=[t.name for t in TYPES])
def test_every_door_gives_the_verdict_of_the_types_validator(pair: Pair, custom: CustomType, tmp_path: Path) -> None:
    analyst = pair.ind_people["analyst"]
    seen = {True: 0, False: 0}
    with TestClient(create_app(pair.ind.settings, node=pair.ind)) as client:

        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
        @given(objects(custom).filter(_no_nul))
        def check(obj: dict[str, Any]) -> None:
            verdict = _verdict(pair.ind, obj)
            seen[verdict] += 1
            doors = {
                "store import": _store_door(pair.ind, _with_id(obj)),
                "REST /bundles": _rest_door(client, analyst.token, _with_id(obj)),
                "mitra import": _cli_door(pair.ind, tmp_path, _with_id(obj)),
                "partner sync": _partner_door(pair, _with_id(obj)),
            }
            assert doors == dict.fromkeys(doors, verdict), (verdict, doors, obj)

        for _ in range(3):  # ten random objects can all be broken ones by chance; a schema the check refuses stays so
            check()
            if seen[True]:
                break
    assert seen[True] > 0, f"{custom.name}: no generated object was valid: the schema and the check disagree"


@pytest.mark.parametrize("custom", TYPES, ids=[t.name for t in TYPES])
def test_the_published_schema_is_valid_and_the_validator_follows_it(custom: CustomType) -> None:
    """The schema is a valid draft 2020-12 schema, published as text in the type's definition; an object the
    reference ``jsonschema`` refuses is refused by ``validate_object`` too."""
    jsonschema.Draft202012Validator.check_schema(custom.schema)
    registry = _registry()
    definitions = {d["name"]: d for d in registry.extension_definitions()}
    assert json.loads(definitions[custom.name]["schema"]) == custom.schema
    reference = jsonschema.Draft202012Validator(custom.schema)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(objects(custom))
    def check(obj: dict[str, Any]) -> None:
        assert conforms(custom.schema, obj) == reference.is_valid(obj), obj  # compiled and reference agree
        if reference.is_valid(obj):
            return  # the type's check may still refuse it (a 30 February, an end before its start)
        with pytest.raises(InvalidInput):
            validate_object(obj, registry, where="object")

    check()
