"""The HTTP transport refuses answers that are not TAXII 2.1, and answers that are too large."""

from __future__ import annotations

import pytest

from mitra.exchange.transport import HttpTransport, TransportError
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import add_person
from tests.support.live import LiveServer, free_port


def test_a_wrong_media_type_is_refused(sqlite_node: Node) -> None:
    with LiveServer(sqlite_node) as server:
        transport = HttpTransport(f"{server.url}/")
        with pytest.raises(TransportError, match=r"media type 'text/html.*not TAXII 2.1"):
            transport.get("login", [])
        transport.close()


def test_an_oversized_answer_is_refused(sqlite_node: Node) -> None:
    partner = add_person(sqlite_node, "partner-mys", {Role.PARTNER}, nation="MYS")
    with LiveServer(sqlite_node) as server:
        transport = HttpTransport(f"{server.url}/taxii2/ind/", token=partner.token, max_bytes=100)
        with pytest.raises(TransportError, match="over 100 bytes"):
            transport.get("collections/", [])
        transport.close()


def test_an_unreachable_partner_is_a_clear_error() -> None:
    transport = HttpTransport(f"http://127.0.0.1:{free_port()}/taxii2/mys/", timeout=2)
    with pytest.raises(TransportError, match="ConnectError"):
        transport.get("collections/", [])
    transport.close()


def test_taxii_errors_carry_the_servers_description(sqlite_node: Node) -> None:
    partner = add_person(sqlite_node, "partner-mys", {Role.PARTNER}, nation="MYS")
    with LiveServer(sqlite_node) as server:
        transport = HttpTransport(f"{server.url}/taxii2/ind/", token=partner.token)
        with pytest.raises(TransportError, match="HTTP 404: no collection"):
            transport.get("collections/00000000-0000-4000-8000-000000000000/objects/", [])
        transport.close()
