"""The India-Malaysia view: the listed actors and campaigns, and what each nation shared about them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mitra.core.stix import HandlingInput, apply_handling
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.pillars.intel import india_malaysia
from tests.conftest import Person, shared_file
from tests.pillars.intel.conftest import handling, indicator, relate
from tests.support.web import bearer, log_in

LIST = "intel/attack/india-malaysia-actors.derived.json"
SIDEWINDER = "Sidewinder"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(shared_file(LIST).read_text())
    return document


def _import(node: Node, person: Person, attack: Path | None = None) -> ImportReport:
    with node.db.write() as session:
        return india_malaysia.import_targets(
            session, node, actor=person.actor, document=_document(), where="list", attack_path=attack
        )


def _actor_id(name: str) -> str:
    return next(e["stix_id"] for e in _document()["attack"] if e["name"] == name)


def test_every_listed_actor_and_campaign_is_on_the_view(intel_node: Node, people: dict[str, Person]) -> None:
    _import(intel_node, people["analyst"])
    document = _document()
    with intel_node.db.read() as session:
        views = india_malaysia.view(session, intel_node, actor=people["viewer"].actor, nations=("IND", "MYS"))
    assert len(views) == len(document["attack"]) + len(document["misp_galaxy"])
    sidewinder = next(v for v in views if v.row is not None and v.row.name == SIDEWINDER)
    assert sidewinder.target["targets"] == ["IND"] or "IND" in sidewinder.target["targets"]


def test_importing_the_list_twice_changes_nothing(intel_node: Node, people: dict[str, Person]) -> None:
    _import(intel_node, people["analyst"])
    again = _import(intel_node, people["analyst"])
    assert (again.added, again.updated) == (0, 0)


def test_attack_objects_are_taken_exact_from_the_attack_bundle(
    intel_node: Node, people: dict[str, Person], tmp_path: Path
) -> None:
    wanted = {e["stix_id"] for e in _document()["attack"]}
    bundle = json.loads(shared_file("intel/attack/enterprise-attack-18.1-stix21-derived.json").read_text())
    cut = tmp_path / "attack-cut.json"
    cut.write_text(
        json.dumps(
            {"type": "bundle", "id": bundle["id"], "objects": [o for o in bundle["objects"] if o["id"] in wanted]}
        )
    )
    _import(intel_node, people["analyst"], attack=cut)
    with intel_node.db.read() as session:
        row = intel_node.store.get(session, object_id=_actor_id(SIDEWINDER), actor=people["analyst"].actor)
    assert row.as_stix()["modified"] != india_malaysia.PLACEHOLDER_TIME
    assert "external_references" in row.as_stix()


def test_the_view_counts_what_each_nation_shared_about_an_actor(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    _import(intel_node, analyst)
    actor_id = _actor_id(SIDEWINDER)
    with intel_node.db.write() as session:
        mine = intel_node.store.create(
            session,
            obj=indicator("[domain-name:value = 'sw-c2.example']"),
            handling=handling(intel_node, analyst),
            actor=analyst.actor,
        )
        relate(session, intel_node, analyst, mine.id, actor_id)
        theirs = HandlingInput(tlp="amber", originator_nation="MYS", originator_agency="NACSA", releasable_to=("IND",))
        report = {
            "type": "report",
            "spec_version": "2.1",
            "id": "report--6f1e1bb6-53a8-4d1c-9a57-1bd1c0a3b8f2",
            "created": "2025-02-01T00:00:00.000Z",
            "modified": "2025-02-01T00:00:00.000Z",
            "name": "Sidewinder lures against Malaysian ministries",
            "published": "2025-02-01T00:00:00.000Z",
            "object_refs": [actor_id],
        }
        intel_node.store.import_objects(
            session, [apply_handling(report, theirs)], actor=analyst.actor, default_handling=theirs, where="mys"
        )
    with intel_node.db.read() as session:
        views = india_malaysia.view(session, intel_node, actor=people["viewer"].actor, nations=("IND", "MYS"))
    sidewinder = next(v for v in views if v.object_id == actor_id)
    assert (sidewinder.shared["IND"].count, sidewinder.shared["MYS"].count) == (2, 1)
    assert [e.name for e in sidewinder.shared["MYS"].examples] == ["Sidewinder lures against Malaysian ministries"]


def test_the_view_leaves_out_what_the_viewer_may_not_see(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    _import(intel_node, analyst)
    actor_id = _actor_id(SIDEWINDER)
    with intel_node.db.write() as session:
        intel_node.store.create(
            session,
            obj={
                "type": "report",
                "name": "source report",
                "published": "2025-01-07T00:00:00Z",
                "object_refs": [actor_id],
            },
            handling=handling(intel_node, analyst, "amber+strict"),
            actor=analyst.actor,
        )
    with intel_node.db.read() as session:
        as_owner = india_malaysia.view(session, intel_node, actor=analyst.actor, nations=("IND", "MYS"))
        as_cert = india_malaysia.view(session, intel_node, actor=people["cert"].actor, nations=("IND", "MYS"))
    assert next(v for v in as_owner if v.object_id == actor_id).shared["IND"].count == 1
    assert next(v for v in as_cert if v.object_id == actor_id).shared["IND"].count == 0


def test_a_file_of_another_shape_is_refused() -> None:
    with pytest.raises(InvalidInput, match="expected the India"):
        india_malaysia.read_targets({"objects": []}, where="x.json")


def test_the_page_and_the_api_show_the_list(client: TestClient, intel_node: Node, people: dict[str, Person]) -> None:
    _import(intel_node, people["analyst"])
    log_in(client, people["viewer"])
    page = client.get("/intel/india-malaysia")
    assert page.status_code == 200
    assert SIDEWINDER in page.text
    assert "Shared by MYS" in page.text
    listed = client.get("/api/v1/intel/india-malaysia", headers=bearer(people["viewer"])).json()
    assert SIDEWINDER in {item["name"] for item in listed}
    assert client.get("/api/v1/intel/india-malaysia", headers=bearer(people["partner"])).status_code == 403


def test_the_other_end_of_a_hidden_relationship_is_not_counted(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    _import(intel_node, analyst)
    actor_id = _actor_id(SIDEWINDER)
    with intel_node.db.write() as session:
        visible = intel_node.store.create(
            session,
            obj=indicator("[domain-name:value = 'sw-c2.example']"),
            handling=handling(intel_node, analyst),
            actor=analyst.actor,
        )
        relate(session, intel_node, analyst, visible.id, actor_id, tlp="amber+strict")
    with intel_node.db.read() as session:
        as_cert = india_malaysia.view(session, intel_node, actor=people["cert"].actor, nations=("IND", "MYS"))
    assert next(v for v in as_cert if v.object_id == actor_id).shared["IND"].count == 0
