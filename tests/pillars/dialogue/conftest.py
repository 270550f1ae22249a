"""A seeded India node with people and a web client, for the Dialogue pillar's tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Node]:
    node = open_node(make_settings(tmp_path))
    node.init()
    node.seed()
    yield node
    node.close()


@pytest.fixture
def people(seeded: Node) -> dict[str, Person]:
    return {
        "analyst": add_person(seeded, "asha", {Role.ANALYST}, agency="NSCS"),
        "officer": add_person(seeded, "rao", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS"),
        "viewer": add_person(seeded, "vik", {Role.VIEWER}, agency="CERT-In"),
        "partner": add_person(seeded, "mys-node", {Role.PARTNER}, nation="MYS"),
    }


@pytest.fixture
def client(seeded: Node) -> Iterator[TestClient]:
    with TestClient(create_app(seeded.settings, node=seeded)) as test_client:
        yield test_client


def read_register(node: Node, person: Person, today: date) -> service.Register:
    """The register as ``person`` sees it on ``node``, judged as of ``today``."""
    with node.db.read() as session:
        return service.load_register(session, node, person.actor, today=today)


def post_update(node: Node, person: Person, data: service.UpdateInput, today: date) -> str:
    """``person`` records a progress update on ``node`` (its own transaction); returns the update's id."""
    with node.db.write() as session:
        return service.add_update(session=session, node=node, actor=person.actor, data=data, today=today).id
