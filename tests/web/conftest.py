"""An app over an initialised India node with a few people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings


@pytest.fixture
def web_node(tmp_path: Path, database_url: str) -> Iterator[Node]:
    """The REST API and pages run on each database the storage tests run on."""
    node = open_node(make_settings(tmp_path, database_url, max_body_bytes=200_000))
    node.init()
    node.seed()
    yield node
    node.close()


@pytest.fixture
def client(web_node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(web_node.settings, node=web_node)) as test_client:
        yield test_client


@pytest.fixture
def people(web_node: Node) -> dict[str, Person]:
    return {
        "analyst": add_person(web_node, "asha", {Role.ANALYST}, agency="NSCS"),
        "viewer": add_person(web_node, "vik", {Role.VIEWER}, agency="CERT-In"),
        "officer": add_person(web_node, "rao", {Role.RELEASE_OFFICER}, agency="NSCS"),
        "admin": add_person(web_node, "root", {Role.ADMIN}, agency="NSCS"),
        "partner": add_person(web_node, "mys-node", {Role.PARTNER}, nation="MYS"),
    }
