"""REST under /api/v1/defence and the /defence pages: what each kind of caller may and may not do."""

from __future__ import annotations

import re

import icalendar
from fastapi.testclient import TestClient

from mitra.node import Node
from tests.conftest import Person
from tests.support.web import bearer, log_in

API = "/api/v1/defence"


def test_the_api_refuses_a_request_without_a_token(client: TestClient) -> None:
    response = client.get(f"{API}/organisations")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_partner_account_cannot_read_the_registry(client: TestClient, people: dict[str, Person]) -> None:
    assert client.get(f"{API}/organisations", headers=bearer(people["partner"])).status_code == 403


def test_a_viewer_reads_but_cannot_create(client: TestClient, people: dict[str, Person]) -> None:
    viewer = bearer(people["viewer"])
    assert client.get(f"{API}/organisations", headers=viewer).status_code == 200
    body = {"name": "Acme Aero", "capabilities": ["mro"]}
    assert client.post(f"{API}/organisations", json=body, headers=viewer).status_code == 403


def test_an_organisation_released_as_it_is_added_needs_a_release_officer(
    client: TestClient, people: dict[str, Person]
) -> None:
    analyst, officer = bearer(people["analyst"]), bearer(people["officer"])
    body = {
        "name": "Acme Aero Sdn Bhd",
        "country": "MYS",
        "capabilities": ["mro", "simulation-training"],
        "platforms": ["Hawk-108"],
        "handling": {"tlp": "green", "releasable_to": ["MYS"]},
    }
    asked = client.post(f"{API}/organisations", json=body | {"name": "Asked Aero"}, headers=analyst)
    assert asked.status_code == 201  # saved, not released: a release officer decides the request
    assert asked.json()["marked"]["tlp"] == "green"
    queue = client.get("/api/v1/release-requests", headers=officer).json()
    assert [(r["object_id"], r["to"]) for r in queue] == [(asked.json()["id"], "MYS")]
    created = client.post(f"{API}/organisations", json=body, headers=officer)
    assert created.status_code == 201, created.text
    assert created.json()["marked"]["tlp"] == "green"
    hits = client.get(f"{API}/organisations/search", params={"q": "hawk training"}, headers=analyst).json()
    assert sorted(h["organisation"]["name"] for h in hits) == ["Acme Aero Sdn Bhd", "Asked Aero"]


def test_an_unknown_capability_is_a_422_naming_it(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post(
        f"{API}/opportunities",
        json={"name": "x", "kind": "mro", "capabilities": ["alchemy"]},
        headers=bearer(people["analyst"]),
    )
    assert response.status_code == 422
    assert "alchemy" in response.json()["detail"]


def test_matches_come_with_reasons_over_rest(client: TestClient, people: dict[str, Person]) -> None:
    analyst = bearer(people["analyst"])
    client.post(
        f"{API}/organisations",
        json={"name": "Kuantan Aero", "country": "MYS", "capabilities": ["mro"], "platforms": ["Su-30MKM"]},
        headers=analyst,
    )
    opportunity = client.post(
        f"{API}/opportunities",
        json={"name": "Su-30MKI MRO", "kind": "mro", "capabilities": ["mro"], "platforms": ["Su-30MKI"]},
        headers=analyst,
    ).json()
    matches = client.get(f"{API}/opportunities/{opportunity['id']}/matches", headers=analyst).json()
    assert matches[0]["organisation"]["name"] == "Kuantan Aero"
    assert {r["factor"] for r in matches[0]["reasons"]} == {"capabilities", "platforms"}


def test_the_api_serves_the_calendar_as_icalendar(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get(f"{API}/exercises.ics", headers=bearer(people["viewer"]))
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert list(calendar.walk("VEVENT")) == []  # the seeded editions are known by year only
    assert "Known only by year, not shown as events (11)" in str(calendar["DESCRIPTION"])


def test_pages_send_a_stranger_to_the_login(client: TestClient) -> None:
    response = client.get("/defence/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_the_landing_page_lists_organisations_agreements_and_exercises(
    client: TestClient, people: dict[str, Person]
) -> None:
    log_in(client, people["viewer"])
    page = client.get("/defence/", params={"q": "Su-30 MRO"})
    assert page.status_code == 200
    assert "Hindustan Aeronautics Limited (HAL)" in page.text
    assert "MoU for HAL&#39;s Kuala Lumpur office" in page.text
    assert "Harimau Shakti" in page.text
    assert 'id="search-results"' in page.text


def test_a_viewer_gets_no_form_to_add_an_organisation(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    assert client.get("/defence/organisations/new").status_code == 403


def test_a_form_post_without_the_csrf_token_is_refused(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    log_in(client, people["analyst"])
    response = client.post("/defence/organisations/new", data={"name": "Sneaky"}, follow_redirects=False)
    assert response.status_code == 403


def test_a_release_officer_adds_an_opportunity_with_a_marking_through_the_form(
    client: TestClient, people: dict[str, Person]
) -> None:
    csrf = log_in(client, people["officer"])
    response = client.post(
        "/defence/opportunities/new",
        data={
            "csrf_token": csrf,
            "name": "Scorpene battery replacement",
            "kind": "mro",
            "capabilities": ["submarine-support", "shipbuilding"],
            "platforms": "Scorpene",
            "tlp": "amber",
            "releasable_to": "MYS",
            "orcon": "on",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Mazagon Dock Shipbuilders Limited (MDL)" not in response.text  # same side as the seeker (India)
    assert "TLP:AMBER" in response.text


def test_the_exercise_form_records_unknown_venue_as_unknown(client: TestClient, people: dict[str, Person]) -> None:
    csrf = log_in(client, people["analyst"])
    response = client.post(
        "/defence/exercises/new",
        data={"csrf_token": csrf, "name": "Ex Test Shakti", "service": "joint", "year": "2025", "tlp": "green"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Ex Test Shakti" in response.text
    assert "unknown" in response.text


def test_every_add_link_on_the_landing_page_opens_its_form(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["officer"])
    landing = client.get("/defence/").text
    links = re.findall(r'href="(/defence/[a-z]+/new)"', landing)
    assert sorted(links) == ["/defence/exercises/new", "/defence/opportunities/new", "/defence/organisations/new"]
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, link
        assert '<fieldset class="marking">' in page.text, link


def test_the_landing_page_reads_in_words_and_dates_not_codes(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    html = client.get("/defence/").text
    assert "Memorandum of understanding" in html
    assert "18 Aug 2022" in html
    assert "2022-08-18" not in html
    assert "<td>mou</td>" not in html
    assert "<td>company</td>" not in html
