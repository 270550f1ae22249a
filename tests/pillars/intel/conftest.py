"""An India node with the intel seed, its people, a web client and helpers shared by the intel tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.pillars.intel.seed import seed
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Person]]:
    """One initialised, seeded node with its people, made once; each test gets a copy (migrations are slow)."""
    root = tmp_path_factory.mktemp("intel-template")
    node = open_node(make_settings(root))
    node.init()
    seed(node)
    people = {
        "analyst": add_person(node, "asha", {Role.ANALYST}, agency="NSCS"),
        "cert": add_person(node, "kiran", {Role.ANALYST}, agency="CERT-In"),
        "viewer": add_person(node, "vik", {Role.VIEWER}, agency="CERT-In"),
        "officer": add_person(node, "rao", {Role.RELEASE_OFFICER}, agency="NSCS"),
        "partner": add_person(node, "mys-node", {Role.PARTNER}, nation="MYS"),
    }
    node.close()
    return root, people


@pytest.fixture
def intel_node(tmp_path: Path, _template: tuple[Path, dict[str, Person]]) -> Iterator[Node]:
    """An India node (SQLite) with the intel seed and the template's people."""
    shutil.copytree(_template[0] / "ind", tmp_path / "ind")
    node = open_node(make_settings(tmp_path))
    node.init()
    yield node
    node.close()


@pytest.fixture
def env(tmp_path: Path, _template: tuple[Path, dict[str, Person]]) -> dict[str, str]:
    """The environment of a CLI run against a copy of the template node."""
    shutil.copytree(_template[0] / "ind", tmp_path / "ind")
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "ind"),
        "MITRA_DATABASE_URL": "",
    }


@pytest.fixture
def people(intel_node: Node, _template: tuple[Path, dict[str, Person]]) -> dict[str, Person]:
    return _template[1]


@pytest.fixture
def client(intel_node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(intel_node.settings, node=intel_node)) as test_client:
        yield test_client


def handling(node: Node, person: Person, tlp: str = "amber", releasable_to: tuple[str, ...] = ()) -> HandlingInput:
    return HandlingInput(
        tlp=tlp,
        originator_nation=node.nation,
        originator_agency=person.actor.agency or "",
        releasable_to=releasable_to,
    )


def relate(
    session: Session, node: Node, person: Person, source_ref: str, target_ref: str, tlp: str = "amber"
) -> StixObject:
    """An ``indicates`` relationship from ``source_ref`` to ``target_ref``, created by ``person``."""
    return node.store.create(
        session,
        obj={
            "type": "relationship",
            "relationship_type": "indicates",
            "source_ref": source_ref,
            "target_ref": target_ref,
        },
        handling=handling(node, person, tlp),
        actor=person.actor,
    )


def indicator(pattern: str, name: str = "test indicator") -> dict[str, Any]:
    return {
        "type": "indicator",
        "name": name,
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
    }
