"""Web pages: login with CSRF, rate-limited; every page needs a session; policy decides what shows."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from mitra.app import create_app
from mitra.bootstrap import open_node
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person, make_settings
from tests.support.web import bearer, csrf_of, log_in


def test_pages_redirect_to_login_without_a_session(client: TestClient) -> None:
    response = client.get("/objects", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_login_sets_an_httponly_samesite_session_cookie(client: TestClient, people: dict[str, Person]) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "asha", "password": people["analyst"].password, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert "mitra_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # MITRA_SECURE_COOKIES is off by default (loopback demo over HTTP)


def test_behind_https_the_session_cookie_is_secure(tmp_path: Path) -> None:
    node = open_node(make_settings(tmp_path, secure_cookies=True))
    node.init()
    person = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    try:
        with TestClient(create_app(node.settings, node=node), base_url="https://testserver") as client:
            token = csrf_of(client.get("/login").text)
            response = client.post(
                "/login",
                data={"username": "asha", "password": person.password, "csrf_token": token},
                follow_redirects=False,
            )
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("mitra_session="))
        assert "Secure" in session
        assert "HttpOnly" in session
    finally:
        node.close()


def test_login_without_the_csrf_token_is_refused(client: TestClient, people: dict[str, Person]) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"username": "asha", "password": people["analyst"].password, "csrf_token": "forged"}
    )
    assert response.status_code == 403


def test_wrong_password_is_refused_and_audited(client: TestClient, people: dict[str, Person], web_node: Node) -> None:
    from mitra.audit.service import recent

    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "asha", "password": "wrong-password", "csrf_token": token})
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    with web_node.db.read() as session:
        assert recent(session, limit=1)[0].action == "login_failed"


def test_repeated_failures_lock_the_login(client: TestClient, people: dict[str, Person]) -> None:
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        client.post("/login", data={"username": "asha", "password": "wrong-password", "csrf_token": token})
    blocked = client.post(
        "/login", data={"username": "asha", "password": people["analyst"].password, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "too many failed logins" in blocked.text


def test_logged_in_person_sees_objects_with_their_markings(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    page = client.get("/objects?pillar=intel")
    assert page.status_code == 200
    assert "Phishing domain impersonating a port authority" in page.text
    assert "TLP:GREEN" in page.text


def test_amber_strict_is_not_listed_for_another_agency(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    page = client.get("/objects?pillar=intel")
    assert "Phishing domain" in page.text
    assert "Source-sensitive C2 address" not in page.text
    assert "Handler address from a live investigation" not in page.text


def test_object_detail_shows_handling_and_provenance(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    listing = client.get("/objects?pillar=dialogue").text
    match = re.search(r'href="/objects/(report--[^"]+)"', listing)
    assert match is not None
    page = client.get(f"/objects/{match.group(1)}")
    assert "1st India-Malaysia Security Dialogue" in page.text
    assert "Releasable to" in page.text
    assert "MYS" in page.text


def test_an_error_on_a_page_is_a_page_and_on_the_api_a_problem(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    missing = "indicator--00000000-0000-4000-8000-000000000000"
    page = client.get(f"/objects/{missing}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text
    assert missing in page.text
    assert 'action="/logout"' in page.text  # the signed-in shell, not a bare body
    api = client.get(f"/api/v1/objects/{missing}", headers=bearer(people["analyst"]))
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["instance"] == f"/api/v1/objects/{missing}"


def test_logout_needs_the_session_csrf_token(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    refused = client.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert client.get("/objects", follow_redirects=False).status_code == 200


def test_audit_page_is_for_admins(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    assert client.get("/audit").status_code == 403


def test_home_shows_each_pillar_with_what_the_person_may_see(
    client: TestClient, people: dict[str, Person], web_node: Node
) -> None:
    log_in(client, people["viewer"])
    page = client.get("/")
    assert page.status_code == 200
    card = re.search(r"<h2>Intelligence</h2>.*?(\d+) objects you may see", page.text, re.S)
    assert card is not None
    intel = next(p for p in web_node.pillars if p.name == "intel")
    viewer = people["viewer"].actor
    with web_node.db.read() as session:
        indicators, _ = web_node.store.search(session, actor=viewer, types=["indicator"], limit=1000)
        visible, _ = web_node.store.search(session, actor=viewer, types=intel.object_types, limit=1000)
    assert len(indicators) == 3  # 5 seeded indicators less AMBER+STRICT and RED
    assert int(card.group(1)) == len(visible)


def test_pages_carry_a_self_only_content_security_policy(client: TestClient) -> None:
    response = client.get("/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
