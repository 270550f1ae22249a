"""The real ``taxii2-client`` reads every TAXII 2.1 endpoint of a Mitra node served over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from mitra.audit.service import AuditEntry
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput, apply_handling
from mitra.exchange.models import Partner
from mitra.exchange.signing import sign_value
from mitra.exchange.taxii import inbox_collection_id, read_collection_id
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.support.live import Bearer, LiveServer
from tests.support.pair import paired_nodes

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def served(sqlite_node: Node) -> Iterator[tuple[LiveServer, Person, list[str]]]:
    analyst = add_person(sqlite_node, "asha", {Role.ANALYST, Role.RELEASE_OFFICER})  # creates released objects
    partner = add_person(sqlite_node, "partner-mys", {Role.PARTNER}, nation="MYS")
    ids = []
    with sqlite_node.db.write() as session:
        for index in range(12):
            row = sqlite_node.store.create(
                session,
                obj={
                    "type": "indicator",
                    "name": f"indicator {index}",
                    "pattern_type": "stix",
                    "pattern": f"[ipv4-addr:value = '45.83.64.{index}']",
                    "valid_from": "2025-01-07T00:00:00Z",
                },
                handling=HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)),
                actor=analyst.actor,
            )
            ids.append(row.id)
        sqlite_node.store.create(
            session,
            obj={
                "type": "indicator",
                "name": "kept",
                "pattern_type": "stix",
                "pattern": "[ipv4-addr:value = '45.83.65.1']",
                "valid_from": "2025-01-07T00:00:00Z",
            },
            handling=HandlingInput("amber", "IND", "NSCS"),
            actor=analyst.actor,
        )
    with sqlite_node.db.write() as session:
        sqlite_node.store.new_version(
            session, object_id=ids[0], changes={"name": "indicator 0 v2"}, actor=analyst.actor
        )
    with LiveServer(sqlite_node) as server:
        yield server, partner, ids


def definition_ids(server: LiveServer) -> set[str]:
    """Mitra's type definitions, which every node serves to its partners beside what its people made."""
    return {definition["id"] for definition in server.node.registry.extension_definitions()}


def collection(server: LiveServer, partner: Person) -> Collection:
    url = f"{server.url}/taxii2/ind/collections/{read_collection_id('IND', 'MYS')}/"
    return Collection(url, auth=Bearer(partner.token))


def test_discovery_and_api_root(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, _ = served
    discovery = Server(f"{server.url}/taxii2/", auth=Bearer(partner.token))
    assert discovery.title == "Mitra node IND"
    assert discovery.default.url == f"{server.url}/taxii2/ind/"
    root: ApiRoot = discovery.api_roots[0]
    assert "application/taxii+json;version=2.1" in root.versions
    assert root.max_content_length > 0


def test_collections_list_only_the_partners_own(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, _ = served
    root = ApiRoot(f"{server.url}/taxii2/ind/", auth=Bearer(partner.token))
    ids = {c.id for c in root.collections}
    assert ids == {read_collection_id("IND", "MYS"), inbox_collection_id("IND", "MYS")}
    readable = [c for c in root.collections if c.can_read]
    assert [c.title for c in readable] == ["Released by IND for MYS"]


def test_objects_pages_and_filters(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, ids = served
    coll = collection(server, partner)
    seen: list[dict[str, Any]] = []
    for envelope in as_pages(coll.get_objects, per_request=5, type="indicator"):
        seen.extend(envelope.get("objects", []))
    assert sorted(o["id"] for o in seen) == sorted(ids)  # latest versions only, nothing withheld
    assert all(o["name"] != "kept" for o in seen)
    by_id = coll.get_objects(id=ids[3])
    assert [o["id"] for o in by_id["objects"]] == [ids[3]]
    all_versions = coll.get_objects(id=ids[0], version="all")
    assert len(all_versions["objects"]) == 2


def test_version_and_spec_version_filters(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, ids = served
    coll = collection(server, partner)
    every = coll.get_objects(id=ids[0], version="all")["objects"]
    first, last = sorted(every, key=lambda o: o["modified"])
    assert [o["name"] for o in coll.get_objects(id=ids[0], version="first")["objects"]] == [first["name"]]
    assert [o["name"] for o in coll.get_objects(id=ids[0], version="last")["objects"]] == ["indicator 0 v2"]
    at_time = coll.get_objects(id=ids[0], version=first["modified"])["objects"]
    assert [o["modified"] for o in at_time] == [first["modified"]]
    both = coll.get_objects(id=ids[0], version=f"first,{last['modified']}")["objects"]
    assert sorted(o["modified"] for o in both) == sorted(o["modified"] for o in every)
    assert len(coll.get_objects(type="indicator", spec_version="2.1")["objects"]) == len(ids)
    assert coll.get_objects(type="indicator", spec_version="2.0").get("objects", []) == []
    with pytest.raises(requests.HTTPError, match="400"):
        coll.get_objects(version="yesterday")


def test_object_by_id_and_its_versions(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, ids = served
    coll = collection(server, partner)
    latest = coll.get_object(ids[0])
    assert latest["objects"][0]["name"] == "indicator 0 v2"
    versions = coll.object_versions(ids[0])
    assert len(versions["versions"]) == 2


def test_manifest(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, ids = served
    manifest = collection(server, partner).get_manifest()
    records = manifest["objects"]
    assert {r["id"] for r in records} == set(ids) | definition_ids(server)
    assert all(r["media_type"] == "application/stix+json;version=2.1" for r in records)
    assert all(r["date_added"].endswith("Z") for r in records)


def test_added_after_returns_only_later_objects(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, ids = served
    coll = collection(server, partner)
    manifest = coll.get_manifest()["objects"]
    stamps = sorted({r["date_added"] for r in manifest})
    later = coll.get_objects(added_after=stamps[0])
    assert 0 < len(later.get("objects", [])) < len(ids) + len(definition_ids(server))


def test_post_to_the_inbox_returns_a_status(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, partner, _ = served
    inbox = Collection(
        f"{server.url}/taxii2/ind/collections/{inbox_collection_id('IND', 'MYS')}/", auth=Bearer(partner.token)
    )
    # MYS is not configured as a partner this node pulls from: the push is refused whole, with a reason.
    with pytest.raises(requests.HTTPError, match="403"):
        inbox.add_objects({"objects": []}, wait_for_completion=False)


def test_a_person_token_cannot_use_taxii(served: tuple[LiveServer, Person, list[str]], sqlite_node: Node) -> None:
    server, _, _ = served
    person = add_person(sqlite_node, "ravi", {Role.ADMIN})
    response = requests.get(
        f"{server.url}/taxii2/ind/collections/",
        headers={"Authorization": f"Bearer {person.token}", "Accept": "application/taxii+json;version=2.1"},
        timeout=10,
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/taxii+json")
    assert "partner node accounts" in response.json()["description"]


def test_wrong_media_types_are_refused(served: tuple[LiveServer, Person, list[str]], sqlite_node: Node) -> None:
    server, partner, _ = served
    url = f"{server.url}/taxii2/ind/collections/"
    headers = {"Authorization": f"Bearer {partner.token}"}
    assert requests.get(url, headers={**headers, "Accept": "text/html"}, timeout=10).status_code == 406
    post = requests.post(
        f"{server.url}/taxii2/ind/collections/{inbox_collection_id('IND', 'MYS')}/objects/",
        headers={**headers, "Accept": TAXII, "Content-Type": "application/json"},
        data=b"{}",
        timeout=10,
    )
    assert post.status_code == 415
    not_json = requests.post(
        f"{server.url}/taxii2/ind/collections/{inbox_collection_id('IND', 'MYS')}/objects/",
        headers={**headers, "Accept": TAXII, "Content-Type": TAXII},
        data=b"{not json",
        timeout=10,
    )
    assert not_json.status_code == 422
    assert "not JSON" in not_json.json()["description"]
    with sqlite_node.db.read() as session:
        refused = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "refuse", AuditEntry.actor == "partner:MYS")
        ).all()
    assert [json.loads(entry.detail)["status"] for entry in refused] == [415, 422]


def test_no_token_no_taxii(served: tuple[LiveServer, Person, list[str]]) -> None:
    server, _, _ = served
    response = requests.get(
        f"{server.url}/taxii2/", headers={"Accept": "application/taxii+json;version=2.1"}, timeout=10
    )
    assert response.status_code == 401


def test_taxii2_client_pushes_to_the_inbox_and_reads_the_status_with_each_failure(tmp_path: Path) -> None:
    from taxii2client.v21 import Status

    with paired_nodes(tmp_path) as nodes, LiveServer(nodes.ind) as server:
        with nodes.mys.db.read() as session:
            partner = session.get(Partner, "IND")
            assert partner is not None
            assert partner.token
        handling = HandlingInput("green", "MYS", "NSC", releasable_to=("IND",))
        stamp = "2025-09-14T00:00:00.000Z"
        objects = [
            apply_handling(
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": f"indicator--6c0f8e4b-1d2a-4e5f-9a6b-7c8d9e0f1a2{last}",
                    "created": stamp,
                    "modified": stamp,
                    "name": name,
                    "pattern": f"[ipv4-addr:value = '45.83.65.{last}']",
                    "pattern_type": "stix",
                    "valid_from": "2025-09-14T00:00:00Z",
                },
                handling,
            )
            for last, name in ((1, "signed by MYS"), (2, "signature forged"))
        ]
        signatures = {f"{o['id']}|{o['modified']}": sign_value(nodes.mys.signing_key, o) for o in objects}
        signatures[f"{objects[1]['id']}|{stamp}"] = sign_value(nodes.ind.signing_key, objects[1])  # not MYS's key
        inbox = Collection(
            f"{server.url}/taxii2/ind/collections/{inbox_collection_id('IND', 'MYS')}/", auth=Bearer(partner.token)
        )
        status = inbox.add_objects({"objects": objects, "x_mitra_signatures": signatures}, wait_for_completion=False)
        assert (status.status, status.total_count, status.success_count, status.failure_count) == ("complete", 2, 1, 1)
        [failure] = status.failures
        assert (failure["id"], failure["version"]) == (objects[1]["id"], stamp)
        assert "signature" in failure["message"]
        again = Status(f"{server.url}/taxii2/ind/status/{status.id}/", auth=Bearer(partner.token))
        assert (again.success_count, again.failures) == (1, status.failures)
        with nodes.ind.db.read() as session:
            held = {
                row.id: row.source for row in session.scalars(select(StixObject).where(StixObject.type == "indicator"))
            }
        assert held == {objects[0]["id"]: "partner"}
