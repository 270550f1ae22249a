"""STIX 2.1 bundles: ATT&CK (a slice), the invalid OASIS TLP example, broken and duplicate uploads."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.pillars.intel import service
from tests.conftest import Person, shared_file

ATTACK = "intel/attack/enterprise-attack-18.1-stix21-derived.json"


@functools.cache
def _attack_head() -> str:
    """The first 300 ATT&CK objects, cut once from the whole file (reading it takes a second)."""
    bundle = json.loads(shared_file(ATTACK).read_text())
    return json.dumps({"type": "bundle", "id": bundle["id"], "objects": bundle["objects"][:300]})


def _attack_slice(count: int = 300) -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads(_attack_head())
    bundle["objects"] = bundle["objects"][:count]
    return bundle


def _import(node: Node, person: Person, document: Any) -> ImportReport:
    with node.db.write() as session:
        return service.import_stix(
            session, node, actor=person.actor, document=document, where="bundle.json", tlp="clear"
        )


def _count(node: Node) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(StixObject)) or 0)


def test_an_attack_slice_imports_and_is_searchable(intel_node: Node, people: dict[str, Person]) -> None:
    bundle = _attack_slice()
    outcome = _import(intel_node, people["analyst"], bundle)
    assert outcome.added == len({(o["id"], o.get("modified")) for o in bundle["objects"]})
    named = next(o for o in bundle["objects"] if o.get("type") == "attack-pattern")
    with intel_node.db.read() as session:
        rows, _ = intel_node.store.search(
            session, actor=people["analyst"].actor, types=("attack-pattern",), text=named["name"]
        )
    assert named["id"] in {r.id for r in rows}


def test_the_invalid_oasis_tlp_example_is_rejected_with_a_clear_message(
    intel_node: Node, people: dict[str, Person]
) -> None:
    document = json.loads(shared_file("intel/stix21-examples/tlp2/using-tlp2.0-green.json").read_text())
    before = _count(intel_node)
    with pytest.raises(InvalidInput, match=r'bundle.json: not a STIX bundle \(expected "type": "bundle"\)'):
        _import(intel_node, people["analyst"], document)
    assert _count(intel_node) == before


def test_its_objects_fail_on_the_bad_created_date_even_as_a_bundle(intel_node: Node, people: dict[str, Person]) -> None:
    document = json.loads(shared_file("intel/stix21-examples/tlp2/using-tlp2.0-green.json").read_text())
    with pytest.raises(InvalidInput, match=r"object 3 \(relationship--.*2022-101-27"):
        _import(intel_node, people["analyst"], document | {"type": "bundle"})


def test_a_broken_bundle_stores_nothing(intel_node: Node, people: dict[str, Person]) -> None:
    bundle = _attack_slice(50)
    bundle["objects"].append({"type": "malware", "id": "malware--nope"})
    before = _count(intel_node)
    with pytest.raises(InvalidInput, match="object 51 "):
        _import(intel_node, people["analyst"], bundle)
    assert _count(intel_node) == before


def test_uploading_the_same_bundle_twice_adds_nothing(intel_node: Node, people: dict[str, Person]) -> None:
    bundle = _attack_slice(50)
    _import(intel_node, people["analyst"], bundle)
    again = _import(intel_node, people["analyst"], bundle)
    assert (again.added, again.updated, again.changed) == (0, 0, False)
    assert (again.unchanged, again.skipped, again.read) == (50, 0, 50)


def test_an_empty_bundle_is_refused(intel_node: Node, people: dict[str, Person]) -> None:
    with pytest.raises(InvalidInput, match="no objects"):
        _import(intel_node, people["analyst"], {"type": "bundle", "id": "bundle--x", "objects": []})
