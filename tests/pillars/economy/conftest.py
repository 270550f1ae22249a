"""Economy fixtures: the shipped files imported once per session, copied into each test's node."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.pillars.economy.importers import import_shipped
from mitra.pillars.economy.service import EconomyService
from mitra.pillars.economy.store import EconomyStore
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings, shared_file


@pytest.fixture(scope="session")
def shipped_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ImportReport]]:
    """The shipped economy folder imported into a DuckDB file (done once: a few seconds)."""
    folder = shared_file("economy/baci_hs92_crm_flows_ind_mys_2012_2024.csv").parent
    path = tmp_path_factory.mktemp("economy") / "economy.duckdb"
    reports = import_shipped(EconomyStore(path), folder)
    return path, reports


@pytest.fixture
def service(shipped_import: tuple[Path, list[ImportReport]], tmp_path: Path) -> EconomyService:
    """A private copy of the imported store, so a test may change it."""
    copy = tmp_path / "economy.duckdb"
    shutil.copy(shipped_import[0], copy)
    return EconomyService(EconomyStore(copy))


def node_with_shipped_store(directory: Path, shipped_store: Path) -> Node:
    """An initialised node whose analytics store is a copy of the shipped import; the caller closes it."""
    node = open_node(make_settings(directory))
    node.init()
    target = EconomyStore.for_data_dir(node.settings.data_dir).path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped_store, target)
    return node


@pytest.fixture(scope="module")
def web_node(
    shipped_import: tuple[Path, list[ImportReport]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Node]:
    """One node for the module: these tests only read, or import what is already held."""
    node = node_with_shipped_store(tmp_path_factory.mktemp("economy-web"), shipped_import[0])
    yield node
    node.close()


@pytest.fixture(scope="module")
def people(web_node: Node) -> dict[str, Person]:
    return {
        "analyst": add_person(web_node, "asha", {Role.ANALYST}, agency="NSCS"),
        "viewer": add_person(web_node, "vik", {Role.VIEWER}, agency="CERT-In"),
        "partner": add_person(web_node, "mys-node", {Role.PARTNER}, nation="MYS"),
    }


@pytest.fixture
def client(web_node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(web_node.settings, node=web_node)) as test_client:
        yield test_client
