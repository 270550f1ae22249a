"""The incident list: paginated and filtered on the server, counts and page links, every wrong value said."""

from __future__ import annotations

import importlib
import re

import pytest
from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.pillars.maritime.service import IncidentFilter, page_of_incidents
from mitra.pillars.maritime.types import MARITIME_INCIDENT
from tests.conftest import Person
from tests.support.web import csrf_of, log_in

pages = importlib.import_module("mitra.pillars.maritime.pages")  # the package exports its router as `pages`
ROW = re.compile(r'<a href="/maritime/incidents/(x-mitra-maritime-incident--[^"]+)">')


def _count_line(page: str) -> str:
    match = re.search(r'<p id="incident-count">(.*?)</p>', page, re.S)
    assert match is not None
    return " ".join(match.group(1).split())


def test_a_page_holds_only_its_own_rows_and_says_where_they_sit(
    client: TestClient, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PER_PAGE", 2)
    log_in(client, people["viewer"])
    first, second, third = (client.get(f"/maritime/incidents?page={n}").text for n in (1, 2, 3))
    rows = [ROW.findall(p) for p in (first, second, third)]
    assert [len(r) for r in rows] == [2, 2, 1]
    assert len({i for r in rows for i in r}) == 5  # each incident once over the pages
    assert _count_line(second).startswith("3–4 of 5 incident reports")
    assert 'href="/maritime/incidents?page=3" rel="next"' in second
    assert 'href="/maritime/incidents" rel="prev"' in second
    assert '<strong aria-current="page">2</strong>' in second


def test_the_service_cuts_the_page_after_filtering(maritime_node: Node, people: dict[str, Person]) -> None:
    with maritime_node.db.read() as session:
        listing = page_of_incidents(
            session,
            node=maritime_node,
            actor=people["viewer"].actor,
            filters=IncidentFilter(area="Singapore Strait"),
            page=2,
            per_page=3,
        )
    assert (listing.total, listing.first, listing.last, listing.pages) == (4, 4, 4, 2)
    assert [i["area"] for i in listing.items] == ["Singapore Strait"]


def test_text_source_and_dates_filter_on_the_server_and_links_keep_the_filters(
    client: TestClient, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PER_PAGE", 1)
    log_in(client, people["viewer"])
    dated = client.get("/maritime/incidents?since=2022-05-01&until=2022-05-31").text
    assert _count_line(dated).startswith("1–1 of 3 incident reports you may see that match the filters")
    assert 'href="/maritime/incidents?since=2022-05-01&amp;until=2022-05-31&amp;page=2"' in dated
    assert _count_line(client.get("/maritime/incidents?q=2022-103").text).startswith("1–1 of 1 ")
    assert _count_line(client.get("/maritime/incidents?q=KNIVES").text).startswith("1–1 of 2 ")  # any case
    assert _count_line(client.get("/maritime/incidents?source=NGA+ASAM").text).startswith("1–1 of 5 ")
    nothing = client.get("/maritime/incidents?source=IMB").text
    assert _count_line(nothing).startswith("No incident reports")


def test_dates_read_as_days_and_numbers_as_numbers(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    page = client.get("/maritime/incidents").text
    assert ">28 May 2022</time>" in page
    table = re.sub(r'datetime="[^"]*"', "", page.split('id="incident-table"')[1].split("</table>")[0])
    assert not re.search(r"\d{4}-\d\d-\d\d", table)  # no raw ISO date shown
    assert '<th scope="col">Occurred</th>' in page


def test_every_wrong_filter_is_said_beside_its_field_at_once(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    response = client.get("/maritime/incidents?since=yesterday&until=2022-02-30&page=last")
    assert response.status_code == 422
    errors = dict(re.findall(r'id="error-(\w+)">([^<]*)', response.text))
    assert set(errors) == {"since", "until", "page"}
    assert "“yesterday” is not a date" in errors["since"]
    assert 'value="yesterday"' in response.text  # kept as typed


def test_the_incident_form_says_every_wrong_value_at_once_and_stores_nothing(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    log_in(client, people["analyst"])
    csrf = csrf_of(client.get("/maritime/incidents").text)
    form = {
        "csrf_token": csrf,
        "name": "Boarding off Batam",
        "category": "armed-robbery",
        "occurred_at": "2024-13-45T25:00",
        "latitude": "north",
        "longitude": "200",
        "vessel_imo": "12",
        "tlp": "green",
    }
    response = client.post("/maritime/incidents", data=form)
    assert response.status_code == 422
    errors = dict(re.findall(r'id="error-(\w+)">([^<]*)', response.text))
    assert set(errors) == {"occurred_at", "latitude", "longitude", "vessel_imo"}
    assert "“north” is not a number" in errors["latitude"]
    assert "200 is outside -180 to 180 degrees" in errors["longitude"]
    assert 'value="Boarding off Batam"' in response.text
    with maritime_node.db.read() as session:
        names = [
            r.as_stix()["name"]
            for r in maritime_node.store.iter_visible(
                session, actor=people["analyst"].actor, types=[MARITIME_INCIDENT.name]
            )
        ]
    assert "Boarding off Batam" not in names
