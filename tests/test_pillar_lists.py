"""Every pillar's list pages the same way: walking ``next`` returns every matching item once, whatever the page size.

The intel list once filtered after cutting its pages and lost objects (tests/core/test_paging.py); each pillar's
list now pages through ``core.paging`` after every filter, by a key that ends with the object's id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mitra.app import create_app
from mitra.core.paging import page_by_key
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.pillars.defence import service as defence
from mitra.pillars.defence.sipri import parse_sipri
from mitra.pillars.maritime.models import IncidentInput
from mitra.pillars.maritime.service import create_incident
from mitra.policy import Role
from tests.conftest import Person, add_person, shared_file

START = datetime(2020, 1, 1, tzinfo=UTC)
CATEGORIES = ("piracy", "armed-robbery", "smuggling")


@given(
    st.lists(st.tuples(st.integers(0, 5), st.text(max_size=3)), max_size=60),
    st.integers(1, 9),
    st.integers(0, 20),
)
def test_keyset_pages_return_every_item_once_even_when_items_arrive_between_pages(
    rows: list[tuple[int, str]], limit: int, arrivals: int
) -> None:
    items = [(rank, name, f"id-{n:03d}") for n, (rank, name) in enumerate(rows)]
    key = lambda item: item  # noqa: E731 - a key ending with the id
    seen: list[tuple[int, str, str]] = []
    cursor: str | None = None
    current = list(items)
    for step in range(1000):
        page = page_by_key(current, key=key, cursor=cursor, limit=limit)
        assert len(page.items) <= limit
        seen += page.items
        if page.next is None:
            break
        cursor = page.next
        if step < arrivals:  # a row added meanwhile, anywhere in the order, shifts nothing already there
            current.append((step % 6, "new", f"new-{step:03d}"))
    assert sorted(seen) == seen  # in key order
    assert len(set(seen)) == len(seen)  # never twice
    assert set(items) <= set(seen)  # nothing that was there is lost


def test_a_cursor_from_elsewhere_is_refused_saying_so() -> None:
    with pytest.raises(InvalidInput, match="not a cursor"):
        page_by_key([1, 2], key=lambda i: (i,), cursor="12345", limit=1)
    first = page_by_key([("a", 1)], key=lambda i: i, cursor=None, limit=1)
    assert first.next is None
    other = page_by_key([("a", 1), ("b", 2)], key=lambda i: i, cursor=None, limit=1)
    assert other.next is not None
    with pytest.raises(InvalidInput, match="cursor"):
        page_by_key([(1,), (2,)], key=lambda i: i, cursor=other.next, limit=1)  # a key of another shape


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Person, Node]]:
    """A seeded node with SIPRI's arms transfers and 40 incidents on 40 days, served."""
    from mitra.bootstrap import open_node
    from tests.conftest import make_settings

    node = open_node(make_settings(tmp_path_factory.mktemp("lists")))
    node.init()
    node.seed()
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    parsed = parse_sipri(shared_file("economy/sipri_trade_register_india_malaysia.csv").read_text(encoding="utf-8"))
    handling = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS")
    with node.db.write() as session:
        defence.import_sipri(session, store=node.store, parsed=parsed, actor=analyst.actor)
        for day in range(40):
            data = IncidentInput(
                name=f"Incident {day}",
                category=CATEGORIES[day % 3],
                occurred_at=START + timedelta(days=day // 2),  # two a day: ties in time, told apart by id
                latitude=2.5,
                longitude=101.0,
            )
            create_incident(session, node=node, actor=analyst.actor, data=data, handling=handling)
    with TestClient(create_app(node.settings, node=node)) as client:
        yield client, analyst, node
    node.close()


def _walk(client: TestClient, person: Person, url: str, params: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(5000):
        query = params | ({"cursor": cursor} if cursor else {})
        response = client.get(url, params=query, headers={"Authorization": f"Bearer {person.token}"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= params["limit"]
        ids += [item["id"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return ids
    raise AssertionError("the cursors never ended")


LISTS = {
    "/api/v1/defence/transfers": {"recipient": "Malaysia"},  # a filter, and a few hundred rows to walk
    "/api/v1/defence/organisations": {},
    "/api/v1/defence/agreements": {},
    "/api/v1/defence/exercises": {},
    "/api/v1/dialogue/commitments": {},
    "/api/v1/maritime/incidents": {},
}


@pytest.mark.parametrize("url", sorted(LISTS))
@given(limit=st.integers(3, 40))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_pillar_list_pages_to_the_whole_list(
    listed: tuple[TestClient, Person, Node], url: str, limit: int
) -> None:
    client, person, _ = listed
    whole = _walk(client, person, url, LISTS[url] | {"limit": 1000})
    assert whole, f"{url} lists nothing to page through"
    size = max(limit, len(whole) // 12)  # a dozen pages at most: each page of transfers reads every transfer
    assert _walk(client, person, url, LISTS[url] | {"limit": size}) == whole


@given(
    since=st.integers(0, 20),
    span=st.integers(0, 25),
    category=st.sampled_from((None, *CATEGORIES)),
    limit=st.integers(1, 9),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_incident_pages_with_any_window_and_category_return_every_matching_incident(
    listed: tuple[TestClient, Person, Node], since: int, span: int, category: str | None, limit: int
) -> None:
    client, person, _ = listed
    first, last = START + timedelta(days=since), START + timedelta(days=since + span)
    params: dict[str, Any] = {"since": first.date().isoformat(), "until": last.date().isoformat(), "limit": limit}
    if category:
        params["category"] = category
    walked = _walk(client, person, "/api/v1/maritime/incidents", params)
    expected = [
        day
        for day in range(40)
        if since <= day // 2 <= since + span and (category is None or CATEGORIES[day % 3] == category)
    ]
    assert len(walked) == len(set(walked)) == len(expected)
