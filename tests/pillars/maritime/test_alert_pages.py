"""The watch floor's pages: ``/maritime/watch-rules`` (create, keep what was typed on an error, edit, disable),
``/maritime/alerts`` (filtered, paged, the total said) and one alert (evidence, history, the forms that work it,
read-only for a viewer and for a partner's alert)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from mitra.node import Node
from mitra.pillars.maritime import alerts
from mitra.pillars.maritime.alerts import rule_input
from tests.conftest import Person
from tests.pillars.maritime.alert_support import START, event_body, store_event, write_track
from tests.support.web import log_in

MMSI = 533000001


def _rule_form(csrf: str, **values: Any) -> dict[str, Any]:
    """The rule form's fields (a list: a field given once per value, as ticked checkboxes are)."""
    return {"csrf_token": csrf, "name": "Malacca gaps", "active": "on", **values}


def _raise_alert(node: Node, person: Person) -> str:
    with node.db.write() as session:
        alerts.create_rule(
            session,
            node,
            data=rule_input(name="gaps", event_rules=[{"event_type": "ais_gap"}]),
            actor=person.actor,
        )
    write_track(node, MMSI, start=START - timedelta(minutes=30), count=5, every=timedelta(minutes=10))
    event = store_event(node, person.actor, event_body(node, event_type="ais_gap", mmsi=MMSI, details={"hours": 9}))
    with node.db.write() as session:
        (alert_id,) = alerts.evaluate_events(session, node, events=[event], actor=person.actor)
    return alert_id


def test_a_watch_officer_creates_a_rule_from_the_form(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    csrf = log_in(client, people["analyst"])
    form = _rule_form(
        csrf,
        vessel_mmsis="533000001, 419000002",
        vessel_flags="MYS",
        areas=["Strait of Malacca"],
        event_type=["ais_gap"],
        th_ais_gap_min_hours="12",
    )
    response = client.post("/maritime/watch-rules", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    with maritime_node.db.read() as session:
        (rule,) = alerts.list_rules(session, maritime_node, actor=people["analyst"].actor)
    obj = rule.as_stix()
    assert obj["vessel_mmsis"] == [419000002, 533000001]
    assert obj["vessel_flags"] == ["MY"]
    assert obj["areas"] == ["Strait of Malacca"]
    assert obj["event_rules"] == [{"event_type": "ais_gap", "thresholds": {"min_hours": 12.0}}]
    assert obj["owner"] == people["analyst"].username
    page = client.get("/maritime/watch-rules").text
    assert "Malacca gaps" in page
    assert "at least (hours) 12" in page


def test_a_wrong_rule_is_said_beside_its_fields_and_what_was_typed_is_kept(
    client: TestClient, people: dict[str, Person]
) -> None:
    csrf = log_in(client, people["analyst"])
    form = _rule_form(
        csrf,
        vessel_mmsis="533000001, nine",
        vessel_flags="ZZ",
        event_type=["ais_gap"],
        th_ais_gap_min_hours="soon",
    )
    response = client.post("/maritime/watch-rules", data=form)
    assert response.status_code == 422
    page = response.text
    assert re.search(r'id="error-vessel_mmsis">“nine” is not a number', page)
    assert re.search(r'id="error-th_ais_gap_min_hours">“soon” is not a number', page)
    assert "533000001, nine" in page  # kept as typed
    assert 'value="soon"' in page
    assert "The rule was not saved" in page
    flags = client.post("/maritime/watch-rules", data=_rule_form(csrf, vessel_flags="ZZ", event_type=["ais_gap"]))
    assert flags.status_code == 422
    assert re.search(r"id=\"error-vessel_flags\">&#39;ZZ&#39; is not a flag", flags.text)
    area = client.post("/maritime/watch-rules", data=_rule_form(csrf, areas=["Atlantis"]))
    assert area.status_code == 422
    assert 'id="error-areas">Atlantis: no such area of interest' in area.text


def test_a_rule_is_edited_and_disabled_from_its_page(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    csrf = log_in(client, people["analyst"])
    client.post("/maritime/watch-rules", data=_rule_form(csrf, vessel_mmsis="533000001", event_type=["loitering"]))
    with maritime_node.db.read() as session:
        (rule,) = alerts.list_rules(session, maritime_node, actor=people["analyst"].actor)
    editing = client.get(f"/maritime/watch-rules?edit={rule.id}").text
    assert "Change the rule" in editing
    assert "533000001" in editing
    changed = _rule_form(csrf, vessel_mmsis="533000001", event_type=["loitering"], th_loitering_min_hours="6")
    assert client.post(f"/maritime/watch-rules/{rule.id}", data=changed, follow_redirects=False).status_code == 303
    off = client.post(f"/maritime/watch-rules/{rule.id}/disable", data={"csrf_token": csrf}, follow_redirects=False)
    assert off.status_code == 303
    with maritime_node.db.read() as session:
        obj = alerts.get_rule(session, maritime_node, rule_id=rule.id, actor=people["analyst"].actor).as_stix()
    assert obj["event_rules"] == [{"event_type": "loitering", "thresholds": {"min_hours": 6.0}}]
    assert obj["active"] is False
    assert "disabled" in client.get("/maritime/watch-rules").text


def test_a_viewer_sees_rules_and_alerts_but_no_form_and_is_refused_a_post(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    alert_id = _raise_alert(maritime_node, people["analyst"])
    csrf = log_in(client, people["viewer"])
    rules = client.get("/maritime/watch-rules").text
    assert "gaps" in rules
    assert 'id="watch-rule-form"' not in rules
    assert client.post("/maritime/watch-rules", data=_rule_form(csrf, vessel_mmsis="1")).status_code == 403
    page = client.get(f"/maritime/alerts/{alert_id}").text
    assert 'id="close-form"' not in page
    refused = client.post(f"/maritime/alerts/{alert_id}/close", data={"csrf_token": csrf, "note": "no"})
    assert refused.status_code == 403
    assert alerts_status(maritime_node, people["analyst"], alert_id) == "open"


def alerts_status(node: Node, person: Person, alert_id: str) -> str:
    with node.db.read() as session:
        return str(alerts.get_alert(session, node, alert_id=alert_id, actor=person.actor).as_stix()["status"])


def test_an_alert_page_shows_its_evidence_and_is_worked_with_notes(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    alert_id = _raise_alert(maritime_node, people["analyst"])
    csrf = log_in(client, people["analyst"])
    listing = client.get("/maritime/alerts").text
    assert "1–1 of 1 alerts you may see" in listing
    assert f"/maritime/alerts/{alert_id}" in listing
    page = client.get(f"/maritime/alerts/{alert_id}").text
    assert 'id="evidence-table"' in page
    assert "All 5 positions of this vessel held" in page
    assert f'href="/objects/{alert_id}"' in page  # the release door
    assert 'id="alert-event"' in page
    empty = client.post(f"/maritime/alerts/{alert_id}/close", data={"csrf_token": csrf, "note": ""})
    assert empty.status_code == 422
    assert 'id="error-close_note">say why the alert is closed' in empty.text
    ack = client.post(
        f"/maritime/alerts/{alert_id}/acknowledge", data={"csrf_token": csrf, "note": "on it"}, follow_redirects=False
    )
    assert ack.status_code == 303
    assign = client.post(
        f"/maritime/alerts/{alert_id}/assign",
        data={"csrf_token": csrf, "note": "yours", "assignee": people["officer"].username},
        follow_redirects=False,
    )
    assert assign.status_code == 303
    done = client.post(
        f"/maritime/alerts/{alert_id}/close", data={"csrf_token": csrf, "note": "a tug, known"}, follow_redirects=True
    )
    assert "Closed: the note is in the alert's history." in done.text
    history = re.search(r'<ol id="alert-history">(.*?)</ol>', done.text, re.S)
    assert history is not None
    entries = re.findall(r"<li>(.*?)</li>", history.group(1))
    assert [e.split(" · ")[1] for e in entries] == ["raised", "acknowledged", "assigned", "closed"]
    assert "on it" in history.group(1)
    assert "a tug, known" in history.group(1)
    assert f"→ {people['officer'].username}" in history.group(1)
    assert client.get("/maritime/alerts?status=open").text.count("/maritime/alerts/alert--") == 0
    assert "1–1 of 1 alerts" in client.get("/maritime/alerts?status=closed").text
    bad = client.get("/maritime/alerts?status=lost")
    assert bad.status_code == 422
    assert "“lost” is not a status" in bad.text


def test_mine_lists_the_alerts_of_my_rules_and_those_assigned_to_me(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    _raise_alert(maritime_node, people["analyst"])
    log_in(client, people["officer"])
    assert "No alerts you may see." in client.get("/maritime/alerts?mine=on").text
    assert "1–1 of 1 alerts" in client.get("/maritime/alerts").text


def test_the_maritime_pages_link_alerts_and_watch_rules(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    page = client.get("/maritime/incidents").text
    assert 'href="/maritime/alerts"' in page
    assert 'href="/maritime/watch-rules"' in page


def test_a_reloaded_map_draws_the_alerts_not_closed_in_its_window_and_not_the_closed(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    alert_id = _raise_alert(maritime_node, people["analyst"])
    csrf = log_in(client, people["analyst"])
    picture = client.get("/maritime/picture.json").json()
    assert [(a["id"], a["status"], a["received"]) for a in picture["alerts"]] == [(alert_id, "open", False)]
    assert picture["alerts_total"] == 1
    before = client.get("/maritime/picture.json", params={"until": (START - timedelta(days=1)).date().isoformat()})
    assert before.json()["alerts"] == []  # hit after the window
    closed = client.post(
        f"/maritime/alerts/{alert_id}/close", data={"csrf_token": csrf, "note": "known"}, follow_redirects=False
    )
    assert closed.status_code == 303
    assert client.get("/maritime/picture.json").json()["alerts"] == []


def test_a_rule_that_shares_is_saved_by_an_officer_and_refused_an_analyst_in_their_language(
    client: TestClient, maritime_node: Node, people: dict[str, Person]
) -> None:
    form = {"vessel_mmsis": "533000001", "watch_seen": "on", "share_with": ["MYS"]}
    csrf = log_in(client, people["analyst"])
    client.cookies.set("mitra_lang", "ms")
    refused = client.post("/maritime/watch-rules", data=_rule_form(csrf, **form))
    assert refused.status_code == 403
    assert re.search(r'id="error-share_with">Hanya pegawai pelepasan .*\(MYS: pelepasan memerlukan', refused.text)
    assert 'value="MYS" checked' in refused.text  # what was ticked is kept
    client.cookies.delete("mitra_lang")
    csrf = log_in(client, people["officer"])
    saved = client.post("/maritime/watch-rules", data=_rule_form(csrf, **form), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with maritime_node.db.read() as session:
        (rule,) = alerts.list_rules(session, maritime_node, actor=people["officer"].actor)
    assert (rule.as_stix()["share_with"], rule.as_stix()["shared_by"]) == (["MYS"], people["officer"].username)
    assert "its alerts released to MYS as raised (saved by rao)" in client.get("/maritime/watch-rules").text
