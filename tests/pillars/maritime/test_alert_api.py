"""The watch floor's REST API: watch rules (GET/POST, PATCH, disable) and alerts (filters, one, acknowledge, assign,
close), each checking identity, role and policy, errors as problem JSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.pillars.maritime import alerts
from tests.conftest import Person
from tests.pillars.maritime.alert_support import event_body, store_event
from tests.support.web import bearer

RULES = "/api/v1/maritime/watch-rules"
ALERTS = "/api/v1/maritime/alerts"
GAPS = {"name": "long gaps", "event_rules": [{"event_type": "ais_gap", "thresholds": {"min_hours": 12}}]}


def _event(node: Node, person: Person, mmsi: int, hours: float) -> str:
    event = store_event(node, person.actor, event_body(node, event_type="ais_gap", mmsi=mmsi, details={"hours": hours}))
    with node.db.write() as session:
        raised = alerts.evaluate_events(session, node, events=[event], actor=person.actor)
    return raised[0] if raised else ""


def test_a_watch_officer_creates_lists_patches_and_disables_a_rule(
    client: TestClient, people: dict[str, Person]
) -> None:
    analyst = bearer(people["analyst"])
    created = client.post(RULES, headers=analyst, json=GAPS)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["type"] == "x-mitra-maritime-watch-rule"
    assert rule["object"]["owner"] == people["analyst"].username
    assert rule["handling"]["releasable_to"] == []
    listed = client.get(RULES, headers=bearer(people["viewer"])).json()
    assert [r["id"] for r in listed["items"]] == [rule["id"]]
    patched = client.patch(f"{RULES}/{rule['id']}", headers=analyst, json={"areas": ["Andaman Sea"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["object"]["areas"] == ["Andaman Sea"]
    assert patched.json()["object"]["event_rules"] == GAPS["event_rules"]  # kept
    off = client.post(f"{RULES}/{rule['id']}/disable", headers=analyst)
    assert off.json()["object"]["active"] is False
    on = client.patch(f"{RULES}/{rule['id']}", headers=analyst, json={"active": True})
    assert on.json()["object"]["active"] is True


def test_a_wrong_rule_is_a_problem_naming_the_field(client: TestClient, people: dict[str, Person]) -> None:
    analyst = bearer(people["analyst"])
    bad = client.post(RULES, headers=analyst, json={"name": "x", "watch_seen": True})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "watch_seen" in bad.json()["detail"]
    threshold = client.post(
        RULES,
        headers=analyst,
        json={"name": "x", "event_rules": [{"event_type": "ais_gap", "thresholds": {"hours": 1}}]},
    )
    assert threshold.status_code == 422
    assert "ais_gap takes the thresholds" in threshold.json()["detail"]
    area = client.post(RULES, headers=analyst, json={"name": "x", "areas": ["Atlantis"]})
    assert area.status_code == 422
    assert "areas: Atlantis: no such area" in area.json()["detail"]


def test_a_viewer_may_read_but_not_create_a_rule_nor_close_an_alert(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    viewer = bearer(people["viewer"])
    assert client.post(RULES, headers=viewer, json=GAPS).status_code == 403
    client.post(RULES, headers=bearer(people["analyst"]), json=GAPS)
    alert_id = _event(maritime_node, people["analyst"], 533000001, 13)
    assert client.get(f"{ALERTS}/{alert_id}", headers=viewer).status_code == 200
    refused = client.post(f"{ALERTS}/{alert_id}/close", headers=viewer, json={"note": "no"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_without_a_token_nothing_is_listed_and_a_partner_account_reads_nothing(
    client: TestClient, people: dict[str, Person]
) -> None:
    assert client.get(ALERTS).status_code == 401
    assert client.get(RULES).status_code == 401
    assert client.get(ALERTS, headers=bearer(people["partner"])).status_code == 403
    assert client.post(RULES, headers=bearer(people["partner"]), json=GAPS).status_code == 403


def test_alerts_are_listed_with_filters_and_worked(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    analyst = bearer(people["analyst"])
    client.post(RULES, headers=analyst, json=GAPS)
    first = _event(maritime_node, people["analyst"], 533000001, 13)
    second = _event(maritime_node, people["analyst"], 533000002, 20)
    assert _event(maritime_node, people["analyst"], 533000003, 11.5) == ""  # below the threshold
    listed = client.get(ALERTS, headers=analyst).json()
    assert (listed["total"], listed["pages"]) == (2, 1)
    assert {a["id"] for a in listed["items"]} == {first, second}
    one = client.get(ALERTS, headers=analyst, params={"mmsi": 533000002}).json()
    assert [a["id"] for a in one["items"]] == [second]
    ack = client.post(f"{ALERTS}/{first}/acknowledge", headers=analyst, json={"note": "seen"})
    assert ack.json()["object"]["status"] == "acknowledged"
    again = client.post(f"{ALERTS}/{first}/acknowledge", headers=analyst, json={"note": "seen"})
    assert again.status_code == 422
    nobody = client.post(f"{ALERTS}/{first}/assign", headers=analyst, json={"assignee": "nobody", "note": ""})
    assert nobody.status_code == 422
    assert "assignee: 'nobody'" in nobody.json()["detail"]
    given = client.post(
        f"{ALERTS}/{first}/assign", headers=analyst, json={"assignee": people["officer"].username, "note": "yours"}
    )
    assert given.json()["object"]["assignee"] == people["officer"].username
    mine = client.get(ALERTS, headers=bearer(people["officer"]), params={"mine": "true"}).json()
    assert [a["id"] for a in mine["items"]] == [first]
    closed = client.post(f"{ALERTS}/{first}/close", headers=bearer(people["officer"]), json={"note": "known tug"})
    assert closed.json()["object"]["status"] == "closed"
    open_ones = client.get(ALERTS, headers=analyst, params={"status": "open"}).json()
    assert [a["id"] for a in open_ones["items"]] == [second]
    assert client.get(ALERTS, headers=analyst, params={"status": "lost"}).status_code == 422
    paged = client.get(ALERTS, headers=analyst, params={"per_page": 1, "page": 2}).json()
    assert (paged["total"], paged["page"], paged["pages"], len(paged["items"])) == (2, 2, 2, 1)
