"""REST under /api/v1/dialogue: reads, updates, and the forbidden paths."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.pillars.dialogue.types import COMMITMENT, EVENT
from tests.conftest import Person
from tests.support.web import bearer


def _update_body(**extra: object) -> dict[str, object]:
    return {"summary": "Indicator set shared with NACSA", "date": "2025-03-01", **extra}


def test_commitments_are_listed_with_their_status(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get("/api/v1/dialogue/commitments", headers=bearer(people["viewer"]))
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None  # the whole register on one page of 100
    areas = {c["area"] for c in body["items"]}
    assert {"counter-terrorism", "cyber-security", "critical-minerals", "institutional"} <= areas


def test_an_analyst_posts_an_update_with_counted_evidence(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:cyber-security")
    evidence = {"ref": seeded.seed_id(EVENT, "csp-2024"), "counts_toward": "cyber-indicators-shared"}
    response = client.post(
        f"/api/v1/dialogue/commitments/{target}/updates",
        json=_update_body(evidence=[evidence]),
        headers=bearer(people["analyst"]),
    )
    assert response.status_code == 201, response.text
    read = client.get(f"/api/v1/dialogue/commitments/{target}", headers=bearer(people["viewer"])).json()
    assert read["indicators"]["cyber-indicators-shared"] == {"2025": 1.0}
    assert read["updates"][0]["evidence"][0]["visible"] is True


def test_without_a_token_the_api_answers_401(client: TestClient) -> None:
    assert client.get("/api/v1/dialogue/commitments").status_code == 401
    assert client.post("/api/v1/dialogue/intake", json={"text": "x"}).status_code == 401


def test_a_viewer_cannot_post_an_update(client: TestClient, people: dict[str, Person], seeded: Node) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:cyber-security")
    response = client.post(
        f"/api/v1/dialogue/commitments/{target}/updates", json=_update_body(), headers=bearer(people["viewer"])
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_partner_account_can_neither_read_nor_write(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:cyber-security")
    headers = bearer(people["partner"])
    assert client.get("/api/v1/dialogue/commitments", headers=headers).status_code == 403
    assert client.get("/api/v1/dialogue/ocds", headers=headers).status_code == 403
    assert (
        client.post(f"/api/v1/dialogue/commitments/{target}/updates", json=_update_body(), headers=headers).status_code
        == 403
    )


def test_an_impossible_date_is_a_problem_naming_the_field(
    client: TestClient, people: dict[str, Person], seeded: Node
) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:cyber-security")
    response = client.post(
        f"/api/v1/dialogue/commitments/{target}/updates",
        json=_update_body(date="2025-13-01"),
        headers=bearer(people["analyst"]),
    )
    assert response.status_code == 422
    assert "date: '2025-13-01' is not a real date" in response.json()["detail"]


def test_an_unknown_area_is_refused_naming_it(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post(
        "/api/v1/dialogue/commitments",
        json={"area": "space", "text": "explore space", "strength": "explore"},
        headers=bearer(people["analyst"]),
    )
    assert response.status_code == 422
    assert "area: 'space'" in response.json()["detail"]


def test_the_status_endpoint_reports_the_next_session(client: TestClient, people: dict[str, Person]) -> None:
    body = client.get("/api/v1/dialogue/status", headers=bearer(people["viewer"])).json()
    assert (body["sessions"], body["next_session_number"], body["next_session_due"]) == (1, 2, "2026-01-07")


def test_intake_over_the_api_returns_the_conflict(client: TestClient, people: dict[str, Person]) -> None:
    text = "Malaysian Prime Minister Anwar Ibrahim's visit to India in August 2023 opened the way."
    body = client.post("/api/v1/dialogue/intake", json={"text": text}, headers=bearer(people["viewer"])).json()
    assert [(k["source_says"], k["register_says"]) for k in body["conflicts"]] == [("August 2023", "19-21 August 2024")]
