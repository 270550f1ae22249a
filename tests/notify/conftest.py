"""An India node with people, and the app over it, for the notices' tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.support.pair import Pair, given, paired_nodes


# Settings a test module gives its node (an SMTP server, a webhook timeout): it overrides this fixture.
@pytest.fixture
def node_settings() -> dict[str, object]:
    return {}


@pytest.fixture
def notice_node(tmp_path: Path, database_url: str, node_settings: dict[str, object]) -> Iterator[Node]:
    extra: dict[str, object] = {"notify_interval_seconds": 0, "public_url": "https://mitra.ind.example"}
    node = open_node(make_settings(tmp_path, database_url, **(extra | node_settings)))
    node.init()
    yield node
    node.close()


@pytest.fixture
def people(notice_node: Node) -> dict[str, Person]:
    return {
        "analyst": add_person(notice_node, "asha", {Role.ANALYST}, agency="NSCS"),
        "viewer": add_person(notice_node, "vik", {Role.VIEWER}, agency="CERT-In"),
        "officer": add_person(notice_node, "rao", {Role.RELEASE_OFFICER}, agency="NSCS"),
        "admin": add_person(notice_node, "root", {Role.ADMIN}, agency="NSCS"),
    }


@pytest.fixture
def client(notice_node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(notice_node.settings, node=notice_node)) as test_client:
        yield test_client


def indicator(name: str, ip: str = "45.83.64.1") -> dict[str, Any]:
    return {
        "type": "indicator",
        "name": name,
        "pattern": f"[ipv4-addr:value = '{ip}']",
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
    }


def red_for_nscs(node: Node, name: str) -> str:
    """A TLP:RED indicator of NSCS naming only NSCS: CERT-In's people may not see it, nor learn its name."""
    return given(node, indicator(name), HandlingInput("red", "IND", "NSCS", (), red_recipients=("IND:NSCS",)))


def green(node: Node, name: str) -> str:
    return given(node, indicator(name), HandlingInput("green", "IND", "NSCS", ()))


@pytest.fixture
def nodes(tmp_path: Path, database_url: str) -> Iterator[Pair]:
    """India on the parametrised database, Malaysia on SQLite, paired, with people on both."""
    with paired_nodes(tmp_path, database_url) as both:
        yield both
