"""Mitra's type definitions travel with the collection, so a partner (or any TAXII client) can validate.

Each custom type's ``extension-definition`` carries its JSON Schema as text, and the handling extension's
definition carries the handling's. A node serves them to its partners like any released object, the same
bytes on every node. A plain TAXII client reading the feed finds a definition for every custom object it
gets, and every object on the feed conforms to the schema published beside it (``jsonschema``, the reference).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from taxii2client.v21 import Collection, as_pages

from mitra.core.objects import StixObject
from mitra.core.stix import HANDLING_EXTENSION_ID, HandlingInput, apply_handling, validate_object
from mitra.exchange.taxii import read_collection_id
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import add_person
from tests.support.live import Bearer, LiveServer
from tests.support.pair import paired_nodes


def _feed(node: Node) -> list[dict[str, Any]]:
    partner = add_person(node, "partner-mys", {Role.PARTNER}, nation="MYS")
    with LiveServer(node) as server:
        url = f"{server.url}/taxii2/ind/collections/{read_collection_id('IND', 'MYS')}/"
        collection = Collection(url, auth=Bearer(partner.token))
        return [obj for page in as_pages(collection.get_objects, per_request=50) for obj in page.get("objects", [])]


def test_a_taxii_client_gets_every_definition_and_every_object_conforms_to_its_published_schema(
    sqlite_node: Node,
) -> None:
    sqlite_node.seed()  # the partnership's facts: commitments, incidents, exercises… some released to MYS
    feed = _feed(sqlite_node)
    definitions = {obj["id"]: obj for obj in feed if obj["type"] == "extension-definition"}
    assert set(definitions) == {d["id"] for d in sqlite_node.registry.extension_definitions()}
    schemas = {d["name"]: json.loads(d["schema"]) for d in definitions.values()}
    handling_schema = json.loads(definitions[HANDLING_EXTENSION_ID]["schema"])
    for schema in schemas.values():
        jsonschema.validators.validator_for(schema).check_schema(schema)
    custom = [obj for obj in feed if obj["type"] in sqlite_node.registry.custom]
    assert len({obj["type"] for obj in custom}) >= 5  # the seed releases several kinds: the check means something
    for obj in custom:
        jsonschema.validate(obj, schemas[obj["type"]])
    own = [obj for obj in feed if HANDLING_EXTENSION_ID in obj.get("extensions", {})]
    assert own
    for obj in own:
        jsonschema.validate(obj["extensions"][HANDLING_EXTENSION_ID], handling_schema)
    # Definitions are Mitra's, kept as published: no node writes its handling into them.
    assert all(HANDLING_EXTENSION_ID not in d.get("extensions", {}) for d in definitions.values())


def test_both_nodes_hold_the_same_definition_bytes_and_the_partner_copy_is_one_object(tmp_path: Any) -> None:
    with paired_nodes(tmp_path) as nodes:
        report = nodes.pull(nodes.mys)
        assert report.finished
        ids = [d["id"] for d in nodes.ind.registry.extension_definitions()]
        bodies = []
        for node in (nodes.ind, nodes.mys):
            with node.db.read() as session:
                rows = session.query(StixObject).filter(StixObject.id.in_(ids)).all()
                assert len(rows) == len(ids)  # one row a definition: the partner's copy is the same object
                bodies.append({row.id: row.body for row in rows})
        assert bodies[0] == bodies[1]


def _indicator() -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2025-01-07T00:00:00.000Z",
        "modified": "2025-01-07T00:00:00.000Z",
        "pattern_type": "stix",
        "pattern": "[ipv4-addr:value = '45.83.64.1']",
        "valid_from": "2025-01-07T00:00:00Z",
    }


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("releasable_to", "MYS", "releasable_to"),
        ("releasable_to", ["Malaysia"], "releasable_to"),
        ("originator_nation", "IN", "originator_nation"),
        ("orcon", "no", "orcon"),
    ],
)
def test_a_broken_handling_extension_is_refused_naming_the_field(
    sqlite_node: Node, field: str, value: Any, said: str
) -> None:
    obj = apply_handling(_indicator(), HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)))
    obj["extensions"][HANDLING_EXTENSION_ID][field] = value
    with pytest.raises(InvalidInput, match=f"handling.*{said}"):
        validate_object(obj, sqlite_node.registry, where="object 1")


def test_a_handling_checked_once_does_not_vouch_for_a_look_alike(sqlite_node: Node) -> None:
    """Conforming handlings are remembered by value and type: ``orcon: 1`` is not ``orcon: true``."""
    good = apply_handling(_indicator(), HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",), orcon=True))
    validate_object(good, sqlite_node.registry, where="object 1")
    bad = json.loads(json.dumps(good))
    bad["extensions"][HANDLING_EXTENSION_ID]["orcon"] = 1
    with pytest.raises(InvalidInput, match=r"handling.*orcon"):
        validate_object(bad, sqlite_node.registry, where="object 2")
