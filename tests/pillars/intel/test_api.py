"""REST under /api/v1/intel: creation, versions, release with warninglists, imports, export, forbidden paths."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from mitra.core import requests as release_requests
from mitra.node import Node
from tests.conftest import Person, shared_file
from tests.pillars.intel.conftest import handling, indicator
from tests.support.web import bearer

GREEN = {"tlp": "green", "releasable_to": [], "orcon": True, "red_recipients": []}


def _create(client: TestClient, person: Person, pattern: str, tlp: dict[str, object] = GREEN) -> str:
    response = client.post(
        "/api/v1/intel/objects",
        headers=bearer(person),
        json={"object": indicator(pattern), "handling": tlp},
    )
    assert response.status_code == 201, response.text
    object_id: str = response.json()["id"]
    return object_id


def test_without_a_token_the_api_answers_401(client: TestClient) -> None:
    assert client.get("/api/v1/intel/objects").status_code == 401


def test_an_analyst_creates_an_indicator_and_lists_it(client: TestClient, people: dict[str, Person]) -> None:
    object_id = _create(client, people["analyst"], "[domain-name:value = 'evil.example']")
    listed = client.get("/api/v1/intel/objects", params={"type": "indicator"}, headers=bearer(people["viewer"]))
    assert object_id in {item["id"] for item in listed.json()["items"]}


def test_a_viewer_may_not_create(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post(
        "/api/v1/intel/objects",
        headers=bearer(people["viewer"]),
        json={"object": indicator("[domain-name:value = 'evil.example']"), "handling": GREEN},
    )
    assert response.status_code == 403
    assert "create needs one of the roles" in response.json()["detail"]


def test_a_non_intelligence_type_is_refused(client: TestClient, people: dict[str, Person]) -> None:
    body = {"object": {"type": "identity", "name": "x", "identity_class": "individual"}, "handling": GREEN}
    response = client.post("/api/v1/intel/objects", headers=bearer(people["analyst"]), json=body)
    assert response.status_code == 422


def test_a_partner_account_sees_no_intelligence_through_the_api(client: TestClient, people: dict[str, Person]) -> None:
    object_id = _create(client, people["analyst"], "[domain-name:value = 'evil.example']")
    assert client.get("/api/v1/intel/objects", headers=bearer(people["partner"])).json()["items"] == []
    assert client.get(f"/api/v1/intel/objects/{object_id}", headers=bearer(people["partner"])).status_code == 403


def test_amber_strict_of_the_other_agency_is_not_found(client: TestClient, people: dict[str, Person]) -> None:
    strict = GREEN | {"tlp": "amber+strict"}
    object_id = _create(client, people["analyst"], "[ipv4-addr:value = '185.220.101.7']", strict)
    assert client.get(f"/api/v1/intel/objects/{object_id}", headers=bearer(people["cert"])).status_code == 404
    listed = client.get("/api/v1/intel/objects", headers=bearer(people["cert"])).json()["items"]
    assert object_id not in {item["id"] for item in listed}


def test_a_new_version_keeps_the_id_and_changes_the_content(client: TestClient, people: dict[str, Person]) -> None:
    object_id = _create(client, people["analyst"], "[domain-name:value = 'evil.example']")
    response = client.post(
        f"/api/v1/intel/objects/{object_id}/versions",
        headers=bearer(people["analyst"]),
        json={"changes": {"name": "renamed"}},
    )
    assert response.status_code == 201
    versions = client.get(f"/api/v1/objects/{object_id}/versions", headers=bearer(people["analyst"])).json()
    assert [v["object"]["name"] for v in versions] == ["test indicator", "renamed"]


def test_widening_a_marking_in_a_new_version_is_refused(client: TestClient, people: dict[str, Person]) -> None:
    object_id = _create(client, people["analyst"], "[domain-name:value = 'evil.example']", GREEN | {"tlp": "amber"})
    response = client.post(
        f"/api/v1/intel/objects/{object_id}/versions",
        headers=bearer(people["analyst"]),
        json={"changes": {}, "handling": GREEN | {"tlp": "amber", "releasable_to": ["MYS"]}},
    )
    assert response.status_code == 403
    assert "release officer" in response.json()["detail"]


def test_the_detail_flags_warninglist_hits(client: TestClient, people: dict[str, Person]) -> None:
    object_id = _create(client, people["analyst"], "[ipv4-addr:value = '8.8.8.8']")
    detail = client.get(f"/api/v1/intel/objects/{object_id}", headers=bearer(people["analyst"])).json()
    assert "public-dns-v4.json" in {h["list_file"] for h in detail["warninglist_hits"]}


def test_releasing_a_listed_indicator_needs_a_confirmation(client: TestClient, people: dict[str, Person]) -> None:
    object_id = _create(client, people["analyst"], "[ipv4-addr:value = '8.8.8.8']")
    url = f"/api/v1/intel/objects/{object_id}/release"
    refused = client.post(url, headers=bearer(people["officer"]), json={"to": "MYS"})
    assert refused.status_code == 409
    assert "8.8.8.8 is on the warninglist “List of known IPv4 public DNS resolvers”" in refused.json()["detail"]
    confirmed = client.post(
        url, headers=bearer(people["officer"]), json={"to": "MYS", "confirm_warninglist_hits": True}
    )
    assert confirmed.status_code == 201
    assert confirmed.json()["handling"]["releasable_to"] == ["MYS"]


def _pending_for(node: Node, object_id: str) -> list[str]:
    with node.db.read() as session:
        return [r.nation for r in release_requests.pending(session) if r.object_id == object_id]


def _releasable(node: Node, object_id: str) -> tuple[str, ...]:
    with node.db.read() as session:
        return node.store.latest_row(session, object_id).releasable


def test_an_analyst_asking_to_release_opens_a_request_and_releases_nothing(
    client: TestClient, people: dict[str, Person], intel_node: Node
) -> None:
    object_id = _create(client, people["analyst"], "[ipv4-addr:value = '185.220.101.7']")
    response = client.post(
        f"/api/v1/intel/objects/{object_id}/release", headers=bearer(people["analyst"]), json={"to": "MYS"}
    )
    assert response.status_code < 300, response.text  # never Forbidden: a release officer decides
    assert _releasable(intel_node, object_id) == ()
    assert _pending_for(intel_node, object_id) == ["MYS"]


def test_an_analyst_creating_it_releasable_saves_it_local_only_with_a_request(
    client: TestClient, people: dict[str, Person], intel_node: Node
) -> None:
    released = {"tlp": "green", "releasable_to": ["MYS"]}
    response = client.post(
        "/api/v1/intel/objects",
        headers=bearer(people["analyst"]),
        json={"object": indicator("[ipv4-addr:value = '185.220.101.9']"), "handling": released},
    )
    assert response.status_code == 201, response.text
    object_id = response.json()["id"]
    assert _releasable(intel_node, object_id) == ()
    assert _pending_for(intel_node, object_id) == ["MYS"]


def test_created_releasable_a_warninglisted_indicator_is_refused_until_released_with_confirmation(
    client: TestClient, people: dict[str, Person]
) -> None:
    released = {"tlp": "green", "releasable_to": ["MYS"]}
    response = client.post(
        "/api/v1/intel/objects",
        headers=bearer(people["officer"]),
        json={"object": indicator("[ipv4-addr:value = '8.8.8.8']"), "handling": released},
    )
    assert response.status_code == 409
    assert "8.8.8.8 is on the warninglist" in response.json()["detail"]
    assert "needs confirming first" in response.json()["detail"]
    confirmed = client.post(
        "/api/v1/intel/objects",
        headers=bearer(people["officer"]),
        json={
            "object": indicator("[ipv4-addr:value = '8.8.8.8']"),
            "handling": released,
            "confirm_warninglist_hits": True,
        },
    )
    assert confirmed.status_code == 201
    assert confirmed.json()["handling"]["releasable_to"] == ["MYS"]
    clean = _create(client, people["officer"], "[ipv4-addr:value = '185.220.101.10']", released)
    detail = client.get(f"/api/v1/intel/objects/{clean}", headers=bearer(people["officer"])).json()
    assert detail["item"]["handling"]["releasable_to"] == ["MYS"]


def test_the_relationship_graph_counts_what_the_viewer_may_not_see(
    client: TestClient, intel_node: Node, people: dict[str, Person]
) -> None:
    analyst = people["analyst"]
    target = _create(client, analyst, "[ipv4-addr:value = '185.220.101.7']")
    hidden = _create(client, analyst, "[ipv4-addr:value = '93.184.216.34']", GREEN | {"tlp": "amber+strict"})
    for source in (hidden,):
        with intel_node.db.write() as session:
            intel_node.store.create(
                session,
                obj={
                    "type": "relationship",
                    "relationship_type": "related-to",
                    "source_ref": source,
                    "target_ref": target,
                },
                handling=handling(intel_node, analyst, "green"),
                actor=analyst.actor,
            )
    as_analyst = client.get(f"/api/v1/intel/objects/{target}", headers=bearer(analyst)).json()["graph"]
    as_cert = client.get(f"/api/v1/intel/objects/{target}", headers=bearer(people["cert"])).json()["graph"]
    assert [link["other_id"] for link in as_analyst["incoming"]] == [hidden]
    assert (as_cert["incoming"], as_cert["withheld"]) == ([], 1)


def test_a_misp_upload_imports_and_exports_back(client: TestClient, people: dict[str, Person]) -> None:
    event = json.loads(shared_file("intel/misp/pymisp-testfiles/existing_event.json").read_text())
    imported = client.post("/api/v1/intel/import/misp", headers=bearer(people["analyst"]), json=event)
    assert imported.status_code == 200, imported.text
    report_id = imported.json()["report_id"]
    exported = client.get(f"/api/v1/intel/reports/{report_id}/misp", headers=bearer(people["analyst"])).json()
    assert exported["Event"]["uuid"] == event["uuid"]
    assert len(exported["Event"]["Object"]) == len(event["Object"])


def test_a_viewer_may_not_import(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post(
        "/api/v1/intel/import/csv",
        headers=bearer(people["viewer"]) | {"content-type": "text/csv"},
        content=b"8.8.8.8\n",
    )
    assert response.status_code == 403


def test_a_csv_upload_with_a_bad_line_is_refused_by_line(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post(
        "/api/v1/intel/import/csv",
        headers=bearer(people["analyst"]) | {"content-type": "text/csv"},
        content=b"ip-dst,185.220.101.7\nip-dst,999.1.1.1\n",
    )
    assert response.status_code == 422
    assert "line 2" in response.json()["detail"]


def test_a_stix_upload_of_a_non_bundle_is_refused(client: TestClient, people: dict[str, Person]) -> None:
    document = json.loads(shared_file("intel/stix21-examples/tlp2/using-tlp2.0-green.json").read_text())
    response = client.post("/api/v1/intel/import/stix", headers=bearer(people["analyst"]), json=document)
    assert response.status_code == 422
    assert "not a STIX bundle" in response.json()["detail"]


def test_warninglist_lookup_answers_for_each_value(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get(
        "/api/v1/intel/warninglists",
        params={"value": ["192.168.1.1", "evil.example"]},
        headers=bearer(people["viewer"]),
    )
    assert {h["value"] for h in response.json()} == {"192.168.1.1"}


def test_a_partner_account_may_not_use_the_warninglist_lookup(client: TestClient, people: dict[str, Person]) -> None:
    response = client.get("/api/v1/intel/warninglists", params={"value": "8.8.8.8"}, headers=bearer(people["partner"]))
    assert response.status_code == 403
