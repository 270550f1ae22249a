"""The intel pages: list, detail with graph and provenance, forms with markings and CSRF, release, import."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from mitra.core.objects import StixObject
from mitra.node import Node
from tests.conftest import Person
from tests.pillars.intel.conftest import handling, indicator, relate
from tests.support.web import log_in


def _create(node: Node, person: Person, pattern: str, tlp: str = "green") -> str:
    with node.db.write() as session:
        row = node.store.create(
            session,
            obj=indicator(pattern, name=f"ind {pattern}"),
            handling=handling(node, person, tlp),
            actor=person.actor,
        )
        return row.id


def _indicator_form(token: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "name": "Phishing kit host",
        "pattern": "[domain-name:value = 'kit-host.example']",
        "valid_from": "2025-01-07T00:00:00Z",
        "tlp": "amber",
        "releasable_to": "",
        "orcon": "on",
    } | extra


def test_the_pages_need_a_signed_in_person(client: TestClient) -> None:
    response = client.get("/intel/objects", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/intel/objects"


def test_an_analyst_creates_an_indicator_through_the_form(client: TestClient, people: dict[str, Person]) -> None:
    token = log_in(client, people["analyst"])
    response = client.post("/intel/new/indicator", data=_indicator_form(token), follow_redirects=False)
    assert response.status_code == 303
    detail = client.get(response.headers["location"])
    assert "Phishing kit host" in detail.text
    assert "TLP:AMBER" in detail.text
    assert "Phishing kit host" in client.get("/intel/objects?type=indicator").text


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    response = client.post("/intel/new/indicator", data=_indicator_form("wrong"))
    assert response.status_code == 403


def test_a_bad_pattern_shows_the_form_again_with_the_reason(client: TestClient, people: dict[str, Person]) -> None:
    token = log_in(client, people["analyst"])
    response = client.post("/intel/new/indicator", data=_indicator_form(token, pattern="[domain-name:value = ]"))
    assert response.status_code == 422
    assert "pattern" in response.text
    assert 'value="Phishing kit host"' in response.text


def test_a_viewer_gets_no_creation_form(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    assert client.get("/intel/new/indicator").status_code == 403


def test_every_type_has_a_working_creation_form(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["analyst"])
    for type_name in ("threat-actor", "campaign", "incident", "report", "course-of-action", "sighting", "relationship"):
        page = client.get(f"/intel/new/{type_name}")
        assert page.status_code == 200, type_name
        assert 'name="csrf_token"' in page.text


def test_an_incident_of_terrorism_is_created_with_its_domain(client: TestClient, people: dict[str, Person]) -> None:
    token = log_in(client, people["analyst"])
    form = {"csrf_token": token, "name": "Bombing plot disrupted", "x_mitra_domain": "terrorism", "tlp": "amber"}
    response = client.post("/intel/new/incident", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert "&#34;x_mitra_domain&#34;: &#34;terrorism&#34;" in client.get(response.headers["location"]).text


def test_the_list_filters_by_marking_and_time_window(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    _create(intel_node, people["analyst"], "[domain-name:value = 'red-herring.example']", tlp="red")
    log_in(client, people["analyst"])
    assert "red-herring.example" in client.get("/intel/objects?tlp=red").text
    assert "red-herring.example" not in client.get("/intel/objects?tlp=green").text
    assert "red-herring.example" not in client.get("/intel/objects?until=2020-01-01").text
    assert "red-herring.example" in client.get("/intel/objects?since=2020-01-01&originator=IND").text


def test_a_listed_indicator_is_flagged_on_the_list_and_detail(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    object_id = _create(intel_node, people["analyst"], "[ipv4-addr:value = '8.8.8.8']")
    log_in(client, people["analyst"])
    assert "on a warninglist" in client.get("/intel/objects?q=8.8.8.8").text
    assert "List of known IPv4 public DNS resolvers" in client.get(f"/intel/objects/{object_id}").text


def test_the_detail_shows_provenance_versions_and_the_graph(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    analyst = people["analyst"]
    object_id = _create(intel_node, analyst, "[ipv4-addr:value = '185.220.101.7']")
    with intel_node.db.write() as session:
        intel_node.store.new_version(session, object_id=object_id, changes={"name": "second"}, actor=analyst.actor)
        malware = intel_node.store.create(
            session,
            obj={"type": "malware", "name": "ShadowPad", "is_family": True},
            handling=handling(intel_node, analyst),
            actor=analyst.actor,
        )
        relate(session, intel_node, analyst, object_id, malware.id)
    log_in(client, analyst)
    page = client.get(f"/intel/objects/{object_id}").text
    assert re.search(r"<dt>Originator</dt><dd>IND / NSCS</dd>", page)
    assert page.count('<li><time datetime="20') == 2  # two versions, listed by their modified time
    assert " UTC" in page  # shown in words, in UTC, not as raw ISO
    assert "indicates →" in page
    assert "ShadowPad" in page
    assert "indicates →" not in client.get(f"/intel/objects/{malware.id}").text.split("To this object")[0]


def test_editing_through_the_form_makes_a_new_version(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    object_id = _create(intel_node, people["analyst"], "[ipv4-addr:value = '185.220.101.7']")
    token = log_in(client, people["analyst"])
    form = client.get(f"/intel/objects/{object_id}/edit").text
    assert "185.220.101.7" in form
    data = {
        "csrf_token": token,
        "name": "Exit relay",
        "pattern": "[ipv4-addr:value = '185.220.101.7']",
        "valid_from": "2025-01-07T00:00:00Z",
        "tlp": "green",
        "orcon": "on",
    }
    response = client.post(f"/intel/objects/{object_id}/edit", data=data, follow_redirects=False)
    assert response.status_code == 303
    with intel_node.db.read() as session:
        versions = intel_node.store.versions(session, object_id=object_id, actor=people["analyst"].actor)
    assert [v.name for v in versions] == ["ind [ipv4-addr:value = '185.220.101.7']", "Exit relay"]


def test_a_field_cleared_on_the_edit_form_is_gone_from_the_new_version(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    object_id = _create(intel_node, people["analyst"], "[ipv4-addr:value = '185.220.101.8']")
    token = log_in(client, people["analyst"])
    data = {
        "csrf_token": token,
        "name": "Exit relay",
        "description": "seen twice",
        "pattern": "[ipv4-addr:value = '185.220.101.8']",
        "valid_from": "2025-01-07T00:00:00Z",
        "tlp": "green",
        "orcon": "on",
    }
    assert client.post(f"/intel/objects/{object_id}/edit", data=data, follow_redirects=False).status_code == 303
    data["description"] = ""
    assert client.post(f"/intel/objects/{object_id}/edit", data=data, follow_redirects=False).status_code == 303
    with intel_node.db.read() as session:
        versions = intel_node.store.versions(session, object_id=object_id, actor=people["analyst"].actor)
    assert [v.as_stix().get("description") for v in versions] == [None, "seen twice", None]


def test_release_of_a_listed_indicator_needs_an_explicit_confirmation(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    object_id = _create(intel_node, people["analyst"], "[ipv4-addr:value = '10.1.2.3']")
    token = log_in(client, people["officer"])
    form = client.get(f"/intel/objects/{object_id}/release").text
    assert "List of RFC 1918 CIDR blocks" in form
    assert 'name="confirm"' in form
    refused = client.post(f"/intel/objects/{object_id}/release", data={"csrf_token": token, "to": "MYS"})
    assert refused.status_code == 409
    assert "needs confirming first" in refused.text
    done = client.post(
        f"/intel/objects/{object_id}/release",
        data={"csrf_token": token, "to": "MYS", "confirm": "on"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with intel_node.db.read() as session:
        row = intel_node.store.get(session, object_id=object_id, actor=people["officer"].actor)
    assert row.releasable == ("MYS",)


def test_an_analyst_sees_no_release_button(client: TestClient, intel_node: Node, people: dict[str, Person]) -> None:
    object_id = _create(intel_node, people["analyst"], "[ipv4-addr:value = '185.220.101.7']")
    log_in(client, people["analyst"])
    assert "Release to partner" not in client.get(f"/intel/objects/{object_id}").text


def test_the_import_page_reports_what_was_added(client: TestClient, people: dict[str, Person]) -> None:
    token = log_in(client, people["analyst"])
    files = {"file": ("list.txt", b"185.220.101.7\nevil.example\n", "text/plain")}
    response = client.post("/intel/import", data={"csrf_token": token, "kind": "csv", "tlp": "green"}, files=files)
    assert response.status_code == 200
    assert "<td>2</td><td>2</td><td>0</td><td>0</td><td>0</td><td>0</td>" in response.text  # read, added, ...


def test_a_refused_import_gives_the_form_back_as_chosen(client: TestClient, people: dict[str, Person]) -> None:
    token = log_in(client, people["analyst"])
    files = {"file": ("list.txt", b"185.220.101.7\nnot-an-indicator\n", "text/plain")}
    response = client.post("/intel/import", data={"csrf_token": token, "kind": "csv", "tlp": "amber"}, files=files)
    assert response.status_code == 422
    assert "line 2:" in response.text
    assert "nothing was imported" in response.text
    assert '<option value="csv" selected>' in response.text
    assert '<option value="amber" selected>' in response.text


def test_a_viewer_is_told_they_may_not_import_and_offered_no_form(
    client: TestClient, people: dict[str, Person]
) -> None:
    log_in(client, people["viewer"])
    page = client.get("/intel/import").text
    assert "may not import intelligence on this node" in page
    assert 'action="/intel/import"' not in page


def test_lifting_orcon_in_an_edit_is_refused(client: TestClient, intel_node: Node, people: dict[str, Person]) -> None:
    object_id = _create(intel_node, people["analyst"], "[ipv4-addr:value = '185.220.101.7']")
    token = log_in(client, people["analyst"])
    data = {
        "csrf_token": token,
        "name": "x",
        "pattern": "[ipv4-addr:value = '185.220.101.7']",
        "valid_from": "2025-01-07T00:00:00Z",
        "tlp": "green",
    }
    response = client.post(f"/intel/objects/{object_id}/edit", data=data)
    assert response.status_code == 403
    assert "lifting originator control widens sharing" in response.text


def _stored(node: Node, location: str) -> StixObject:
    object_id = location.rsplit("/", 1)[-1]
    with node.db.read() as session:
        return node.store.latest_row(session, object_id)


def test_the_indicator_form_leaves_orcon_unticked_and_stores_what_was_chosen(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    token = log_in(client, people["analyst"])
    form = client.get("/intel/new/indicator").text
    assert '<input type="checkbox" name="orcon" >' in form  # the default matches what is stored: no ORCON
    unticked = _indicator_form(token, name="No ORCON")
    unticked.pop("orcon")
    response = client.post("/intel/new/indicator", data=unticked, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert _stored(intel_node, response.headers["location"]).orcon is False
    ticked = _indicator_form(token, name="With ORCON", pattern="[domain-name:value = 'other.example']")
    response = client.post("/intel/new/indicator", data=ticked, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert _stored(intel_node, response.headers["location"]).orcon is True


def test_the_indicator_form_takes_its_time_from_a_datetime_picker(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    token = log_in(client, people["analyst"])
    assert 'type="datetime-local" step="1" name="valid_from"' in client.get("/intel/new/indicator").text
    data = _indicator_form(token, valid_from="2025-03-04T05:06")
    response = client.post("/intel/new/indicator", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert _stored(intel_node, response.headers["location"]).as_stix()["valid_from"] == "2025-03-04T05:06:00.000Z"
    edit = client.get(response.headers["location"] + "/edit").text
    assert 'value="2025-03-04T05:06:00"' in edit  # the picker shows the stored time, UTC


def test_every_wrong_field_is_named_at_once_in_plain_words_and_nothing_is_stored(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    token = log_in(client, people["analyst"])
    with intel_node.db.read() as session:
        before = intel_node.store.counts_by_type(session, actor=people["analyst"].actor).get("indicator", 0)
    data = _indicator_form(token, name="", pattern="[domain-name:value = ]", valid_from="01/07/2025", tlp="purple")
    response = client.post("/intel/new/indicator", data=data)
    assert response.status_code == 422
    page = response.text
    for field in ("name", "pattern", "valid_from", "tlp"):
        assert f'id="error-{field}"' in page, field
    assert "&#39;01/07/2025&#39; is not a date and time" in page
    assert "is not a STIX 2.1 pattern; it stops making sense at character 22" in page
    for library_words in ("mismatched input", "expecting {", "FAIL:", "is not a STIX timestamp"):
        assert library_words not in page
    assert 'value="01/07/2025"' in page  # what was typed is kept
    assert "[domain-name:value = ]" in page
    with intel_node.db.read() as session:
        assert intel_node.store.counts_by_type(session, actor=people["analyst"].actor).get("indicator", 0) == before


def test_the_list_and_detail_show_times_in_words_not_iso(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    object_id = _create(intel_node, people["analyst"], "[ipv4-addr:value = '185.220.101.8']")
    log_in(client, people["analyst"])
    listing = client.get("/intel/objects?type=indicator").text
    assert 'type="date" name="since"' in listing
    cells = re.findall(r"<td><time [^>]*>([^<]*)</time></td>", listing)
    assert cells
    assert all(c.endswith(" UTC") and not re.search(r"\d{4}-\d{2}-\d{2}T", c) for c in cells)
    detail = client.get(f"/intel/objects/{object_id}").text
    created = re.search(r"<dt>Created</dt><dd>([^<]*)</dd>", detail)
    assert created is not None
    assert created.group(1).endswith(" UTC")


def test_an_analyst_ticking_releasable_saves_the_object_and_its_page_says_release_requested(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    token = log_in(client, people["analyst"])
    data = _indicator_form(token, name="Asked to share", releasable_to="MYS", tlp="green")
    response = client.post("/intel/new/indicator", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text  # never Forbidden, nothing lost
    assert _stored(intel_node, response.headers["location"]).releasable == ()
    detail = client.get(response.headers["location"]).text
    assert "Release to MYS requested by asha" in detail
