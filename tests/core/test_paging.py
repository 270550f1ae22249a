"""Walking the cursors of any list returns every matching object exactly once, whatever the filters and page size.

The intel list used to filter its time window after cutting the page: with ``since`` and pages of 7 it returned 21
of 26 objects in the window. Every list now filters inside ``ObjectStore.search``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mitra.app import create_app
from mitra.core.objects import Provenance, StixObject
from mitra.core.paging import Page, read_cursor
from mitra.core.stix import HandlingInput, apply_handling, new_id, validate_object
from mitra.foundation.timestamps import format_timestamp
from mitra.node import Node
from mitra.pillars.intel import service as intel
from mitra.policy import Actor, Role
from tests.conftest import add_person

START = datetime(2025, 1, 1, tzinfo=UTC)
TYPES = ("indicator", "malware", "location")  # a location is not an intel page type: the intel list leaves it out
TLPS = ("clear", "green", "amber", "amber+strict")
AGENCIES = ("NSCS", "CERT-In")

Search = Callable[[int | None, int], Page[StixObject]]


def _body(kind: str, index: int) -> dict[str, Any]:
    if kind == "indicator":
        return {"pattern": f"[ipv4-addr:value = '10.0.{index // 256}.{index % 256}']", "pattern_type": "stix"}
    if kind == "malware":
        return {"name": f"sample {index}", "is_family": False}
    return {"name": f"place {index}", "country": "MY"}


def _populate(node: Node, count: int) -> None:
    """``count`` objects of mixed types, markings and agencies, one hour apart in ``modified``."""
    objects = []
    for index in range(count):
        kind = TYPES[index % len(TYPES)]
        moment = format_timestamp(START + timedelta(hours=index))
        obj = {"type": kind, "id": new_id(kind), "spec_version": "2.1", "created": moment, "modified": moment}
        if kind == "indicator":
            obj["valid_from"] = moment
        obj |= _body(kind, index)
        handling = HandlingInput(
            tlp=TLPS[(index * 7) % len(TLPS)],
            originator_nation="IND",
            originator_agency=AGENCIES[(index * 3) % 2],
        )
        objects.append(validate_object(apply_handling(obj, handling), node.registry, where=f"object {index}"))
    with node.db.write() as session:
        node.store.store_versions(session, objects, provenance=Provenance(), audit_actor="IND:test")


def _walk(search: Search, limit: int) -> Iterator[StixObject]:
    cursor: int | None = None
    for _ in range(10_000):
        page = search(cursor, limit)
        assert len(page.items) <= limit
        yield from page.items
        if page.next is None:
            return
        cursor = read_cursor(page.next)
    raise AssertionError("the cursors never ended")


def _expected(
    node: Node, actor: Actor, types: tuple[str, ...], since: datetime | None, until: datetime | None
) -> list[str]:
    with node.db.read() as session:
        rows = session.query(StixObject).filter(StixObject.is_latest.is_(True)).order_by(StixObject.seq.desc()).all()
        return [
            r.id
            for r in rows
            if r.type in types
            and node.store.decide_view(r, actor).allowed
            and (since is None or r.modified >= since)
            and (until is None or r.modified <= until)
        ]


@pytest.fixture
def populated(node: Node) -> Node:
    _populate(node, 60)
    return node


ANALYST = Actor(nation="IND", agency="CERT-In", username="kiran", roles=frozenset({Role.ANALYST}))
hours = st.one_of(st.none(), st.integers(min_value=-2, max_value=62).map(lambda h: START + timedelta(hours=h)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(since=hours, until=hours, limit=st.integers(min_value=1, max_value=12), agency=st.sampled_from(AGENCIES))
def test_store_search_pages_return_every_matching_object_once(
    populated: Node, since: datetime | None, until: datetime | None, limit: int, agency: str
) -> None:
    actor = Actor(nation="IND", agency=agency, username="reader", roles=frozenset({Role.ANALYST}))
    node = populated

    def search(cursor: int | None, size: int) -> Page[StixObject]:
        with node.db.read() as session:
            return node.store.search(
                session,
                actor=actor,
                types=TYPES,
                modified_since=since,
                modified_until=until,
                after_seq=cursor,
                limit=size,
            )

    walked = [row.id for row in _walk(search, limit)]
    assert walked == _expected(node, actor, TYPES, since, until)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(since=hours, until=hours, limit=st.integers(min_value=1, max_value=12))
def test_intel_list_pages_return_every_object_in_the_window_once(
    populated: Node, since: datetime | None, until: datetime | None, limit: int
) -> None:
    node = populated
    filters = intel.ListFilters(since=since, until=until)

    def search(cursor: int | None, size: int) -> Page[StixObject]:
        with node.db.read() as session:
            return intel.list_objects(session, node, actor=ANALYST, filters=filters, cursor=cursor, limit=size)

    walked = [row.id for row in _walk(search, limit)]
    assert walked == _expected(node, ANALYST, tuple(intel.PAGE_TYPES), since, until)


def test_intel_api_with_since_and_pages_of_seven_returns_every_object_in_the_window(sqlite_node: Node) -> None:
    """The reported case: many intel objects in the window, read through the REST API in pages of 7."""
    _populate(sqlite_node, 60)
    reader = add_person(sqlite_node, "kiran", {Role.ANALYST}, agency="CERT-In")
    since = START + timedelta(hours=20)
    expected = _expected(sqlite_node, reader.actor, tuple(intel.PAGE_TYPES), since, None)
    assert len(expected) >= 20  # the window holds many pages' worth, not a trivial case
    client = TestClient(create_app(sqlite_node.settings, node=sqlite_node))
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"since": format_timestamp(since), "limit": "7"} | ({"cursor": cursor} if cursor else {})
        answer = client.get("/api/v1/intel/objects", params=params, headers={"Authorization": f"Bearer {reader.token}"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == expected


def test_a_cursor_that_is_not_a_number_is_refused_with_the_field(sqlite_node: Node) -> None:
    reader = add_person(sqlite_node, "kiran", {Role.ANALYST}, agency="CERT-In")
    client = TestClient(create_app(sqlite_node.settings, node=sqlite_node))
    for path in ("/api/v1/objects", "/api/v1/intel/objects"):
        answer = client.get(path, params={"cursor": "abc"}, headers={"Authorization": f"Bearer {reader.token}"})
        assert answer.status_code == 422, path
        assert "cursor" in answer.json()["detail"]
