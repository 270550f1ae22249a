"""REST, pages and CLI of matching, including who may not use them."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mitra.node import Node
from mitra.pillars.intel.matching import cli
from tests.conftest import Person
from tests.pillars.intel.conftest import handling, relate
from tests.support.web import bearer, log_in

JSONL = (
    '{"type": "domain-name", "value": "portauthority-login.example"}\n{"type": "url", "value": "http://ok.example/"}\n'
)


def _post(client: TestClient, person: Person | None, record: bool = False, text: str = JSONL) -> object:
    headers = bearer(person) if person else {}
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
    stored = client.get(f"/api/v1/objects/{sighting['id']}", headers=bearer(people["analyst"])).json()
    assert stored["object"]["sighting_of_ref"] == body["matches"][0]["indicator_id"]


def test_rest_match_needs_a_token(client: TestClient) -> None:
    assert _post(client, None).status_code == 401  # type: ignore[attr-defined]


def test_viewer_may_match_but_not_record(client: TestClient, people: dict[str, Person]) -> None:
    assert _post(client, people["viewer"]).status_code == 200  # type: ignore[attr-defined]
    assert _post(client, people["viewer"], record=True).status_code == 403  # type: ignore[attr-defined]


def test_partner_account_may_not_match(client: TestClient, people: dict[str, Person]) -> None:
    assert _post(client, people["partner"]).status_code == 403  # type: ignore[attr-defined]
    response = client.get("/api/v1/intel/match/correlations", headers=bearer(people["partner"]))
    assert response.status_code == 403


def test_viewer_does_not_match_indicators_hidden_from_them(client: TestClient, people: dict[str, Person]) -> None:
    strict = '{"type": "ipv4-addr", "value": "203.0.113.77"}\n'  # the seed's AMBER+STRICT indicator, NSCS only
    assert len(_post(client, people["analyst"], text=strict).json()["matches"]) == 1  # type: ignore[attr-defined]
    assert _post(client, people["viewer"], text=strict).json()["matches"] == []  # type: ignore[attr-defined]


def test_bad_observations_are_a_problem_naming_the_line(client: TestClient, people: dict[str, Person]) -> None:
    response = _post(client, people["analyst"], text='{"type": "url", "value": "x"}\nnot json\n')
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["detail"].startswith("line 2: not JSON")  # type: ignore[attr-defined]


def _incident_links(node: Node, person: Person, pattern: str, tlp: str = "green") -> None:
    """An indicator carrying ``pattern`` linked to two incidents."""
    marking = handling(node, person, tlp)
    with node.db.write() as session:
        obj = {"type": "indicator", "pattern": pattern, "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z"}
        indicator = node.store.create(session, obj=obj, handling=marking, actor=person.actor)
        for name in ("Port phishing wave", "Ministry mail compromise"):
            incident = node.store.create(
                session, obj={"type": "incident", "name": name}, handling=marking, actor=person.actor
            )
            relate(session, node, person, indicator.id, incident.id, tlp=tlp)


def test_value_linked_to_two_incidents_is_correlated(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    _incident_links(intel_node, people["analyst"], "[url:value = 'http://drop.example/a']")
    body = client.get("/api/v1/intel/match/correlations", headers=bearer(people["viewer"])).json()
    (group,) = body
    assert group["value"] == "http://drop.example/a"
    assert sorted(i["label"] for i in group["incidents"]) == ["Ministry mail compromise", "Port phishing wave"]


def test_correlations_hide_objects_the_viewer_may_not_see(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    _incident_links(intel_node, people["analyst"], "[url:value = 'http://drop.example/a']", tlp="amber+strict")
    assert len(client.get("/api/v1/intel/match/correlations", headers=bearer(people["analyst"])).json()) == 1
    assert client.get("/api/v1/intel/match/correlations", headers=bearer(people["viewer"])).json() == []


def test_match_page_needs_a_login(client: TestClient) -> None:
    response = client.get("/intel/match/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_match_page_shows_matches_and_records_sightings(client: TestClient, people: dict[str, Person]) -> None:
    csrf = log_in(client, people["analyst"])
    response = client.post(
        "/intel/match/", data={"observations": JSONL, "format": "jsonl", "record": "true", "csrf_token": csrf}
    )
    assert response.status_code == 200
    assert "Phishing domain impersonating a port authority" in response.text
    assert 'id="sightings"' in response.text


def test_match_page_refuses_a_missing_csrf_token(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    response = client.post("/intel/match/", data={"observations": JSONL, "format": "jsonl"})
    assert response.status_code == 403


def test_viewer_gets_no_record_option_and_cannot_record(client: TestClient, people: dict[str, Person]) -> None:
    csrf = log_in(client, people["viewer"])
    assert 'name="record"' not in client.get("/intel/match/").text
    response = client.post(
        "/intel/match/", data={"observations": JSONL, "format": "jsonl", "record": "true", "csrf_token": csrf}
    )
    assert response.status_code == 403


def test_correlations_page_lists_groups(client: TestClient, intel_node: Node, people: dict[str, Person]) -> None:
    _incident_links(intel_node, people["analyst"], "[url:value = 'http://drop.example/a']")
    log_in(client, people["viewer"])
    page = client.get("/intel/match/correlations")
    assert page.status_code == 200
    assert "url:value = http://drop.example/a" in page.text


runner = CliRunner()


def test_cli_run_prints_a_summary_and_records_sightings(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "observed.jsonl"
    log.write_text(JSONL)
    result = runner.invoke(cli.app, ["run", str(log), "--record-sightings"], env=env)
    assert result.exit_code == 0, result.output
    assert "indicators hit" in result.output  # the table; its cells wrap at the runner's width
    assert re.search(r"sighting sighting--\S+ of indicator--\S+: our own indicator", result.output)


def test_cli_run_names_the_bad_line(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "dns.log"
    log.write_text("#fields\tts\tquery\n")
    result = runner.invoke(cli.app, ["run", str(log)], env=env)
    assert result.exit_code == 1
    assert "line 1: #fields lacks" in result.output


def test_cli_correlate_reports_none_on_a_fresh_node(env: dict[str, str]) -> None:
    result = runner.invoke(cli.app, ["correlate"], env=env)
    assert result.exit_code == 0, result.output
    assert "no value is shared" in result.output
