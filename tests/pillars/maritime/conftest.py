"""An India node with the maritime seed, a web client and people of two agencies; a CLI environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.cli import app
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings

ASAM = "maritime/piracy/nga_asam_2022-06-21.csv"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of ``mitra`` commands on an initialised India node (SQLite) under ``tmp_path/node``."""
    values = {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "node"),
        "MITRA_DATABASE_URL": "",
    }
    assert runner.invoke(app, ["node", "init"], env=values).exit_code == 0
    return values


@pytest.fixture
def maritime_node(tmp_path: Path) -> Iterator[Node]:
    node = open_node(make_settings(tmp_path))
    node.init()
    node.seed()
    yield node
    node.close()


@pytest.fixture
def client(maritime_node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(maritime_node.settings, node=maritime_node)) as test_client:
        yield test_client


@pytest.fixture
def people(maritime_node: Node) -> dict[str, Person]:
    return {
        "analyst": add_person(maritime_node, "asha", {Role.ANALYST}, agency="NSCS"),
        "officer": add_person(maritime_node, "rao", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS"),
        "cert": add_person(maritime_node, "kiran", {Role.ANALYST}, agency="CERT-In"),
        "viewer": add_person(maritime_node, "vik", {Role.VIEWER}, agency="CERT-In"),
        "partner": add_person(maritime_node, "mys-node", {Role.PARTNER}, nation="MYS"),
    }
