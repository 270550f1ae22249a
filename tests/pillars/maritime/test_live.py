"""The live maritime picture's feed (Server-Sent Events) over real HTTP, and its bus."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mitra.bootstrap import open_node
from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.pillars.maritime import live
from mitra.pillars.maritime.types import MARITIME_EVENT
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.support.live import LiveServer
from tests.support.web import log_in


def _event_body(node: Node, mmsi: int, lat: float = 5.4, lon: float = 100.3) -> dict[str, Any]:
    return {
        "type": MARITIME_EVENT.name,
        "id": node.seed_id(MARITIME_EVENT.name, f"loitering:{mmsi}"),
        "name": f"loitering {mmsi}",
        "event_type": "loitering",
        "mmsi": mmsi,
        "start": "2026-12-07T10:00:00Z",
        "status": "open",
        "lat": lat,
        "lon": lon,
        "details": {"hours": 3.5},
        "definition": "all:loitering",
    }


class Events:
    """Reads a live feed on a thread; the test waits for the kinds it expects."""

    def __init__(self, client: httpx.Client, path: str = "/maritime/live") -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.status: int | None = None
        self._got = threading.Condition()
        self._stop = threading.Event()
        self._client = client
        self._path = path
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            self._follow()
        except Exception:
            if not self._stop.is_set():  # closed by close(): expected; otherwise the test sees what it lacks
                raise

    def _follow(self) -> None:
        with self._client.stream("GET", self._path, timeout=httpx.Timeout(30, read=30)) as response:
            self._response = response
            with self._got:
                self.status = response.status_code
                self._got.notify_all()
            if response.status_code != 200:
                return
            kind = ""
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("event:"):
                    kind = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    with self._got:
                        self.received.append((kind, json.loads(line.removeprefix("data:").strip())))
                        self._got.notify_all()

    def wait(self, kind: str, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        with self._got:
            ok = self._got.wait_for(lambda: len(self.of(kind)) >= count, timeout=timeout)
        assert ok, f"no {count} {kind!r} within {timeout} s; got {[k for k, _ in self.received]}"
        return self.of(kind)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [data for k, data in self.received if k == kind]

    def close(self) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()
        self._thread.join(timeout=0.5)  # a read blocked until the next heartbeat ends with the client


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Node, LiveServer, dict[str, Person]]]:
    node = open_node(make_settings(tmp_path))
    node.init()
    people = {
        "watch": add_person(node, "nair", {Role.ANALYST}, agency="NSCS"),
        "viewer": add_person(node, "vik", {Role.VIEWER}, agency="CERT-In"),
    }
    with LiveServer(node) as server:
        yield node, server, people
    node.close()


@contextmanager
def _signed_in(server: LiveServer, person: Person) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as client:
        log_in(client, person)  # type: ignore[arg-type]
        yield client


def test_a_map_without_a_session_gets_401_not_a_stream(served: tuple[Node, LiveServer, dict[str, Person]]) -> None:
    _, server, _ = served
    response = httpx.get(f"{server.url}/maritime/live", timeout=10)
    assert response.status_code == 401


def test_a_watch_officer_is_sent_moving_vessels_and_a_new_event_as_they_are_stored(
    served: tuple[Node, LiveServer, dict[str, Person]],
) -> None:
    node, server, people = served
    with _signed_in(server, people["watch"]) as client:
        events = Events(client)
        hello = events.wait("hello")[0]
        assert hello["positions"] is True
        live.bus_for(node).positions(
            [
                {"mmsi": 533000001, "ts": datetime(2026, 12, 7, 10, 0, 0), "lat": 5.40, "lon": 100.30, "sog": 9.5},
                {"mmsi": 533000001, "ts": datetime(2026, 12, 7, 10, 0, 10), "lat": 5.41, "lon": 100.31, "sog": 9.6},
                {"mmsi": 419000002, "ts": datetime(2026, 12, 7, 10, 0, 5), "lat": 6.00, "lon": 99.00, "sog": None},
                {"mmsi": 419000003, "ts": None, "lat": 6.00, "lon": 99.00, "sog": None},  # no time: not drawn
            ]
        )
        fixes = events.wait("positions")[0]
        assert [(f["mmsi"], f["lat"], f["at"]) for f in fixes["fixes"]] == [
            (419000002, 6.00, "2026-12-07T10:00:05Z"),
            (533000001, 5.41, "2026-12-07T10:00:10Z"),  # the newest fix of each vessel only
        ]
        assert fixes["as_of"] == "2026-12-07T10:00:10Z"
        with node.db.write() as session:
            stored = node.store.create(
                session,
                obj=_event_body(node, 533000001),
                handling=HandlingInput("amber", "IND", "NSCS"),
                actor=people["watch"].actor,
            )
            stored_id = stored.id
        event = events.wait("event")[0]
        assert event["id"] == stored_id
        assert event["event"]["event_type"] == "loitering"
        assert event["received"] is False
        events.close()


def test_an_account_that_may_not_read_positions_is_not_subscribed_to_them(tmp_path: Path) -> None:
    node = open_node(make_settings(tmp_path))
    node.init()
    partner = add_person(node, "mys-node", {Role.PARTNER}, nation="MYS")

    async def first() -> dict[str, Any]:
        feed = live.stream(node, partner.actor)
        hello = await anext(feed)
        assert live.bus_for(node).subscribers == 0  # positions are never queued for it
        await feed.aclose()
        return dict(hello)

    try:
        hello = asyncio.run(first())
    finally:
        node.close()
    assert hello["event"] == "hello"
    assert json.loads(hello["data"])["positions"] is False


def test_a_red_event_is_not_sent_to_someone_the_policy_does_not_let_see_it(
    served: tuple[Node, LiveServer, dict[str, Person]],
) -> None:
    node, server, people = served
    with _signed_in(server, people["viewer"]) as client:
        events = Events(client)
        events.wait("hello")
        with node.db.write() as session:
            node.store.create(
                session,
                obj=_event_body(node, 533000011),
                handling=HandlingInput("red", "IND", "NSCS", red_recipients=("NSCS",)),  # not CERT-In
                actor=people["watch"].actor,
            )
            node.store.create(
                session,
                obj=_event_body(node, 533000012),
                handling=HandlingInput("green", "IND", "NSCS"),
                actor=people["watch"].actor,
            )
        seen = events.wait("event")
        assert [e["event"]["mmsi"] for e in seen] == [533000012]
        events.close()


def test_a_reconnecting_map_is_sent_what_was_stored_while_it_was_away(
    served: tuple[Node, LiveServer, dict[str, Person]],
) -> None:
    node, server, people = served
    with _signed_in(server, people["watch"]) as client:
        first = Events(client)
        reached = int(first.wait("hello")[0]["seq"])
        first.close()
        with node.db.write() as session:
            node.store.create(
                session,
                obj=_event_body(node, 533000021),
                handling=HandlingInput("green", "IND", "NSCS"),
                actor=people["watch"].actor,
            )
        client.headers["Last-Event-ID"] = str(reached)
        again = Events(client)
        assert [e["event"]["mmsi"] for e in again.wait("event")] == [533000021]
        again.close()


def test_a_map_that_falls_behind_is_told_to_reload_not_left_with_a_gap() -> None:
    async def run() -> list[dict[str, Any]]:
        bus = live.LiveBus()
        subscription = bus.subscribe()
        for n in range(live.QUEUE_BOUND + 5):
            bus.publish({"kind": "positions", "n": n})
        await asyncio.sleep(0.05)  # the loop runs what the publisher scheduled
        got = []
        while not subscription.queue.empty():
            got.append(subscription.queue.get_nowait())
        assert subscription.overflowed == 1
        return got

    got = asyncio.run(run())
    assert got[0] == {"kind": "resync", "reason": "this map fell behind the live feed"}
    assert [m["n"] for m in got[1:]] == list(range(live.QUEUE_BOUND, live.QUEUE_BOUND + 5))
