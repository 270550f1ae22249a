"""REST, pages and CLI of matching, including who may not use them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mitra.app import create_app
from mitra.core.node import Node
from mitra.core.stix import HandlingInput
from mitra.pillars.intel.matching import api, cli, pages
from mitra.policy import Actor, Role
from tests.conftest import Person, add_person, make_settings

JSONL = (
    '{"type": "domain-name", "value": "portauthority-login.example"}\n{"type": "url", "value": "http://ok.example/"}\n'
)


@pytest.fixture
def web_node(tmp_path: Path) -> Iterator[Node]:
    node = Node.open(make_settings(tmp_path))
    node.init()
    node.seed()
    yield node
    node.close()


@pytest.fixture
def client(web_node: Node) -> Iterator[TestClient]:
    app = create_app(web_node.settings, node=web_node)
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/api/v1/intel/match" not in paths:  # until the intel pillar mounts them
        app.include_router(api.router)
        app.include_router(pages.router)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def people(web_node: Node) -> dict[str, Person]:
    return {
        "analyst": add_person(web_node, "asha", {Role.ANALYST}, agency="NSCS"),
        "viewer": add_person(web_node, "vik", {Role.VIEWER}, agency="CERT-In"),
        "partner": add_person(web_node, "mys-node", {Role.PARTNER}, nation="MYS"),
    }


def _bearer(person: Person) -> dict[str, str]:
    return {"Authorization": f"Bearer {person.token}"}


def _post(client: TestClient, person: Person | None, record: bool = False, text: str = JSONL) -> object:
    headers = _bearer(person) if person else {}
    return client.post(
        "/api/v1/intel/match",
        params={"record_sightings": str(record).lower()},
        json={"format": "jsonl", "observations": text},
        headers=headers,
    )


def test_rest_match_finds_the_seeded_indicator(client: TestClient, people: dict[str, Person]) -> None:
    response = _post(client, people["analyst"])
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert [(m["line"], m["indicator_name"]) for m in body["matches"]] == [
        (1, "Phishing domain impersonating a port authority")
    ]
    assert body["sightings"] == []


def test_rest_match_records_a_sighting_for_an_analyst(client: TestClient, people: dict[str, Person]) -> None:
    body = _post(client, people["analyst"], record=True).json()  # type: ignore[attr-defined]
    (sighting,) = body["sightings"]
    stored = client.get(f"/api/v1/objects/{sighting['id']}", headers=_bearer(people["analyst"])).json()
    assert stored["object"]["sighting_of_ref"] == body["matches"][0]["indicator_id"]


def test_rest_match_needs_a_token(client: TestClient) -> None:
    assert _post(client, None).status_code == 401  # type: ignore[attr-defined]


def test_viewer_may_match_but_not_record(client: TestClient, people: dict[str, Person]) -> None:
    assert _post(client, people["viewer"]).status_code == 200  # type: ignore[attr-defined]
    assert _post(client, people["viewer"], record=True).status_code == 403  # type: ignore[attr-defined]


def test_partner_account_may_not_match(client: TestClient, people: dict[str, Person]) -> None:
    assert _post(client, people["partner"]).status_code == 403  # type: ignore[attr-defined]
    response = client.get("/api/v1/intel/match/correlations", headers=_bearer(people["partner"]))
    assert response.status_code == 403


def test_viewer_does_not_match_indicators_hidden_from_them(client: TestClient, people: dict[str, Person]) -> None:
    strict = '{"type": "ipv4-addr", "value": "203.0.113.77"}\n'  # the seed's AMBER+STRICT indicator, NSCS only
    assert len(_post(client, people["analyst"], text=strict).json()["matches"]) == 1  # type: ignore[attr-defined]
    assert _post(client, people["viewer"], text=strict).json()["matches"] == []  # type: ignore[attr-defined]


def test_bad_observations_are_a_problem_naming_the_line(client: TestClient, people: dict[str, Person]) -> None:
    response = _post(client, people["analyst"], text='{"type": "url", "value": "x"}\nnot json\n')
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["detail"].startswith("line 2: not JSON")  # type: ignore[attr-defined]


def _incident_links(node: Node, actor: Actor, pattern: str, tlp: str = "green") -> None:
    """An indicator carrying ``pattern`` linked to two incidents."""
    handling = HandlingInput(tlp, node.nation, actor.agency or "")
    with node.db.write() as session:
        indicator = node.store.create(
            session,
            obj={"type": "indicator", "pattern": pattern, "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z"},
            handling=handling,
            actor=actor,
        )
        for name in ("Port phishing wave", "Ministry mail compromise"):
            incident = node.store.create(
                session, obj={"type": "incident", "name": name}, handling=handling, actor=actor
            )
            node.store.create(
                session,
                obj={
                    "type": "relationship",
                    "relationship_type": "indicates",
                    "source_ref": indicator.id,
                    "target_ref": incident.id,
                },
                handling=handling,
                actor=actor,
            )


def test_value_linked_to_two_incidents_is_correlated(
    client: TestClient, web_node: Node, people: dict[str, Person]
) -> None:
    _incident_links(web_node, people["analyst"].actor, "[url:value = 'http://drop.example/a']")
    body = client.get("/api/v1/intel/match/correlations", headers=_bearer(people["viewer"])).json()
    (group,) = body
    assert group["value"] == "http://drop.example/a"
    assert sorted(i["label"] for i in group["incidents"]) == ["Ministry mail compromise", "Port phishing wave"]


def test_correlations_hide_objects_the_viewer_may_not_see(
    client: TestClient, web_node: Node, people: dict[str, Person]
) -> None:
    _incident_links(web_node, people["analyst"].actor, "[url:value = 'http://drop.example/a']", tlp="amber+strict")
    assert len(client.get("/api/v1/intel/match/correlations", headers=_bearer(people["analyst"])).json()) == 1
    assert client.get("/api/v1/intel/match/correlations", headers=_bearer(people["viewer"])).json() == []


def _login(client: TestClient, person: Person) -> str:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    client.post(
        "/login",
        data={"username": person.username, "password": person.password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    page = client.get("/intel/match/")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_match_page_needs_a_login(client: TestClient) -> None:
    response = client.get("/intel/match/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_match_page_shows_matches_and_records_sightings(client: TestClient, people: dict[str, Person]) -> None:
    csrf = _login(client, people["analyst"])
    response = client.post(
        "/intel/match/", data={"observations": JSONL, "format": "jsonl", "record": "true", "csrf_token": csrf}
    )
    assert response.status_code == 200
    assert "Phishing domain impersonating a port authority" in response.text
    assert 'id="sightings"' in response.text


def test_match_page_refuses_a_missing_csrf_token(client: TestClient, people: dict[str, Person]) -> None:
    _login(client, people["analyst"])
    response = client.post("/intel/match/", data={"observations": JSONL, "format": "jsonl"})
    assert response.status_code == 403


def test_viewer_gets_no_record_option_and_cannot_record(client: TestClient, people: dict[str, Person]) -> None:
    csrf = _login(client, people["viewer"])
    assert 'name="record"' not in client.get("/intel/match/").text
    response = client.post(
        "/intel/match/", data={"observations": JSONL, "format": "jsonl", "record": "true", "csrf_token": csrf}
    )
    assert response.status_code == 403


def test_correlations_page_lists_groups(client: TestClient, web_node: Node, people: dict[str, Person]) -> None:
    _incident_links(web_node, people["analyst"].actor, "[url:value = 'http://drop.example/a']")
    _login(client, people["viewer"])
    page = client.get("/intel/match/correlations")
    assert page.status_code == 200
    assert "url:value = http://drop.example/a" in page.text


runner = CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "ind"),  # where make_settings(tmp_path) puts the node
        "MITRA_DATABASE_URL": "",
    }


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = _env(tmp_path)
    node = Node.open(make_settings(tmp_path))
    node.init()
    node.seed()
    node.close()
    return env


def test_cli_run_prints_a_summary_and_records_sightings(cli_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "observed.jsonl"
    log.write_text(JSONL)
    result = runner.invoke(cli.app, ["run", str(log), "--record-sightings"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "indicators hit" in result.output  # the table; its cells wrap at the runner's width
    assert re.search(r"sighting sighting--\S+ of indicator--\S+: our own indicator", result.output)


def test_cli_run_names_the_bad_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "dns.log"
    log.write_text("#fields\tts\tquery\n")
    result = runner.invoke(cli.app, ["run", str(log)], env=cli_env)
    assert result.exit_code == 1
    assert "line 1: #fields lacks" in result.output


def test_cli_correlate_reports_none_on_a_fresh_node(cli_env: dict[str, str]) -> None:
    result = runner.invoke(cli.app, ["correlate"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "no value is shared" in result.output
