"""The release queue on every door: the API and the pages ask, approve, refuse and withdraw through the store."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Person
from tests.support.web import bearer, log_in

INDICATOR = {
    "type": "indicator",
    "name": "Phishing kit host",
    "pattern": "[domain-name:value = 'kit.example.org']",
    "pattern_type": "stix",
    "valid_from": "2026-11-30T00:00:00Z",
}


def create(client: TestClient, person: Person, **handling: Any) -> dict[str, Any]:
    body = {"object": INDICATOR, "handling": {"tlp": "green", "releasable_to": ["MYS"], **handling}}
    answer = client.post("/api/v1/objects", json=body, headers=bearer(person))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_the_api_asks_instead_of_refusing_and_the_officer_decides(
    client: TestClient, people: dict[str, Person]
) -> None:
    made = create(client, people["analyst"])
    assert made["release_requested"] == ["MYS"]
    assert made["handling"]["releasable_to"] == []
    queue = client.get("/api/v1/release-requests", headers=bearer(people["officer"])).json()
    assert [(r["object_id"], r["to"], r["status"]) for r in queue] == [(made["id"], "MYS", "pending")]
    assert client.get("/api/v1/release-requests", headers=bearer(people["analyst"])).json() == []
    forged = client.post(f"/api/v1/release-requests/{queue[0]['id']}/approve", headers=bearer(people["analyst"]))
    assert forged.status_code == 403
    approve = f"/api/v1/release-requests/{queue[0]['id']}/approve"
    unchecked = client.post(approve, headers=bearer(people["officer"]))  # kit.example.org is on a warninglist
    assert unchecked.status_code == 409
    assert "kit.example.org is on the warninglist “Top 10K most-used sites from Tranco”" in unchecked.text
    approved = client.post(f"{approve}?confirm_cautions=true", headers=bearer(people["officer"]))
    assert approved.status_code == 200
    assert approved.json()["handling"]["releasable_to"] == ["MYS"]
    mine = client.get("/api/v1/release-requests?view=mine", headers=bearer(people["analyst"])).json()
    assert [(r["status"], r["decided_by"]) for r in mine] == [("approved", "rao")]


def test_an_analysts_release_call_is_accepted_as_a_request(client: TestClient, people: dict[str, Person]) -> None:
    made = create(client, people["analyst"], releasable_to=[])
    answer = client.post(f"/api/v1/objects/{made['id']}/release", json={"to": "MYS"}, headers=bearer(people["analyst"]))
    assert answer.status_code == 202
    assert answer.json()["release_requested"] == ["MYS"]
    viewer = client.post(f"/api/v1/objects/{made['id']}/release", json={"to": "MYS"}, headers=bearer(people["viewer"]))
    assert viewer.status_code == 403


def test_a_refusal_without_a_reason_is_refused_and_one_with_is_read_by_the_requester(
    client: TestClient, people: dict[str, Person]
) -> None:
    create(client, people["analyst"])
    (waiting,) = client.get("/api/v1/release-requests", headers=bearer(people["officer"])).json()
    empty = client.post(
        f"/api/v1/release-requests/{waiting['id']}/refuse", json={"reason": "   "}, headers=bearer(people["officer"])
    )
    assert empty.status_code == 422
    assert "say why" in empty.text
    refused = client.post(
        f"/api/v1/release-requests/{waiting['id']}/refuse",
        json={"reason": "source not cleared for release"},
        headers=bearer(people["officer"]),
    )
    assert refused.status_code == 200
    (mine,) = client.get("/api/v1/release-requests?view=mine", headers=bearer(people["analyst"])).json()
    assert (mine["status"], mine["reason"]) == ("refused", "source not cleared for release")


def test_the_pages_ask_list_approve_and_refuse(client: TestClient, people: dict[str, Person]) -> None:
    asked = create(client, people["analyst"], releasable_to=[])
    other = create(client, people["analyst"], releasable_to=[])
    csrf = log_in(client, people["analyst"])
    page = client.get(f"/objects/{asked['id']}").text
    assert "Ask for release" in page
    done = client.post(f"/objects/{asked['id']}/release", data={"to": "MYS", "csrf_token": csrf})
    assert done.status_code == 200
    assert "Asked for release to MYS" in done.text
    assert "waiting for a release officer" in done.text
    client.post(f"/objects/{other['id']}/release", data={"to": "MYS", "csrf_token": csrf})
    assert "Releases" in client.get("/").text
    client.cookies.clear()

    csrf = log_in(client, people["officer"])
    queue = client.get("/releases").text
    assert "Releases (2 waiting)" in queue
    assert "Phishing kit host" in queue
    ids = [int(i) for i in re.findall(r'id="request-(\d+)"', queue)]
    assert len(ids) == 2
    missing = client.post(f"/releases/{ids[1]}/refuse", data={"reason": "", "csrf_token": csrf})
    assert missing.status_code == 422
    assert "say why" in missing.text
    assert "Check before it crosses:" in queue
    assert "I have checked these and release it anyway" in queue
    unchecked = client.post(f"/releases/{ids[0]}/approve", data={"csrf_token": csrf})
    assert unchecked.status_code == 409
    assert "needs confirming first" in unchecked.text
    assert "Releases (2 waiting)" in unchecked.text  # nothing released
    approved = client.post(f"/releases/{ids[0]}/approve", data={"confirm": "on", "csrf_token": csrf})
    assert "Released to MYS" in approved.text
    refused = client.post(f"/releases/{ids[1]}/refuse", data={"reason": "not cleared", "csrf_token": csrf})
    assert "Refused the release to MYS" in refused.text
    assert "Nothing waits for you" in refused.text
    client.cookies.clear()

    log_in(client, people["analyst"])
    mine = client.get("/releases?view=mine").text
    assert "released" in mine
    assert "not cleared" in mine
    assert client.get(f"/api/v1/objects/{asked['id']}", headers=bearer(people["analyst"])).json()["handling"][
        "releasable_to"
    ] == ["MYS"]


def test_a_viewer_has_no_release_link_and_no_queue(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    home = client.get("/").text
    assert 'href="/releases"' not in home
    answer = client.get("/releases")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
