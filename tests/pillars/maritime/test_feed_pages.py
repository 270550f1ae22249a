"""The live AIS feeds' health in the API (``/api/v1/maritime/feeds``) and on the page ``/maritime/feeds``.

Who may see it: who may read the node's AIS data (``READ_DATA``): a person of this node, not a partner's account.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.pillars.maritime.ais.feed_support import capture, wait_for
from tests.support.browser import CHROMIUM, assert_usable, chromium, sign_in
from tests.support.live import LiveServer
from tests.support.web import bearer, log_in

API = "/api/v1/maritime/feeds"
PAGE = "/maritime/feeds"


def _udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def fed_node(tmp_path: Path) -> Iterator[tuple[Node, int]]:
    """A node whose settings name one live source, a UDP port; and that port."""
    port = _udp_port()
    node = open_node(make_settings(tmp_path, ais_feeds={"radio": f"udp://127.0.0.1:{port}"}))
    node.init()
    yield node, port
    node.close()


def _send(port: int, lines: list[str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        out.sendto("".join(line + "\r\n" for line in lines).encode("latin-1"), ("127.0.0.1", port))


def test_without_a_feed_service_the_api_says_none_runs_and_the_page_says_so_plainly(
    client: TestClient, people: dict[str, Person]
) -> None:
    body = client.get(API, headers=bearer(people["viewer"])).json()
    assert body == {"running": False, "items": [], "detection": None}
    log_in(client, people["viewer"])
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "No live AIS feed runs on this node" in page.text


def test_the_feeds_are_refused_without_identity_or_to_a_partner_account(
    client: TestClient, people: dict[str, Person], maritime_node: Node
) -> None:
    assert client.get(API).status_code == 401
    assert client.get(API, headers=bearer(people["partner"])).status_code == 403
    answer = client.get(PAGE, follow_redirects=False)
    assert answer.status_code in (303, 307)
    assert "/login" in answer.headers["location"]
    no_roles = add_person(maritime_node, "nobody", set(), agency="NSCS")
    log_in(client, no_roles)
    assert client.get(PAGE).status_code == 403


def test_a_running_feed_shows_its_health_and_latest_bad_lines_in_the_api_and_on_the_page(
    fed_node: tuple[Node, int],
) -> None:
    node, port = fed_node
    viewer = add_person(node, "vik", {Role.VIEWER}, agency="NSCS")
    with TestClient(create_app(node.settings, node=node)) as client:

        def radio() -> dict[str, object]:
            items: list[dict[str, object]] = client.get(API, headers=bearer(viewer)).json()["items"]
            return items[0]

        wait_for(lambda: radio()["state"] == "up", "the UDP source listening")
        _send(port, [*capture(2, 3), "this is <b>not</b> AIS"])
        wait_for(lambda: radio()["stored"] == 6, "six positions stored")
        item = radio()
        assert item["name"] == "radio"
        assert item["kind"] == "udp"
        assert item["messages"] == 6
        assert item["bad_lines"] == 1
        assert item["lag_basis"] == "message time"
        assert item["newest_message_time"] == "2025-12-06T05:47:00Z"
        assert item["bad_samples"] == [
            {"at": item["bad_samples"][0]["at"], "line": 7, "reason": "not NMEA 0183", "text": "this is <b>not</b> AIS"}  # type: ignore[index]
        ]
        log_in(client, viewer)
        page = client.get(PAGE)
        assert page.status_code == 200
        assert 'id="feed-radio"' in page.text
        assert "Receiving" in page.text
        assert "this is &lt;b&gt;not&lt;/b&gt; AIS" in page.text  # escaped, shown as sent
        assert "not NMEA 0183" in page.text
        detection = client.get(API, headers=bearer(viewer)).json()["detection"]
        assert (detection["positions"], detection["failures"]) == (6, 0)  # detection followed what was stored
        assert "6 positions followed" in page.text


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_feeds_page_is_accessible_in_chromium(fed_node: tuple[Node, int]) -> None:
    node, port = fed_node
    viewer = add_person(node, "vik", {Role.VIEWER}, agency="NSCS")
    with LiveServer(node) as server, chromium() as browser:
        _send(port, [*capture(1, 2), "garbage"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{server.url}/login?next={PAGE}")
        sign_in(page, viewer.username, viewer.password)
        page.wait_for_selector("#feeds-table")
        assert_usable(page)
