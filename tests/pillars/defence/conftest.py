"""Fixtures of the defence pillar's tests: a seeded India node, and a paired, synced India-Malaysia."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.node import Node
from mitra.pillars.defence.seed import seed
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.support.pair import Pair, paired_nodes


@pytest.fixture
def seeded(sqlite_node: Node) -> Node:
    """An India node on SQLite with the defence pillar's seed."""
    seed(sqlite_node)
    return sqlite_node


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """India and Malaysia, each seeded; each has pulled the other's released objects (read-only use)."""
    with paired_nodes(tmp_path_factory.mktemp("pair")) as pair:
        seed(pair.ind)
        seed(pair.mys)
        pair.pull(into=pair.mys)
        pair.pull(into=pair.ind)
        yield pair


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
