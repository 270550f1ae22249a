"""The pillar's queries on both databases (SQLite and PostgreSQL): versions from MISP, graph, the view."""

from __future__ import annotations

import json

from mitra.node import Node
from mitra.pillars.intel import india_malaysia, service
from mitra.policy import Role
from tests.conftest import add_person, shared_file
from tests.pillars.intel.conftest import handling, indicator

EDITED_INDICATOR = "indicator--5a3cd5b6-9568-4342-b2ab-4c62950d210f"


def test_original_then_edited_misp_event_gives_two_versions(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    for name in ("existing_event.json", "existing_event_edited.json", "existing_event_edited.json"):
        document = json.loads(shared_file(f"intel/misp/pymisp-testfiles/{name}").read_text())
        with node.db.write() as session:
            service.import_misp(session, node, actor=analyst.actor, document=document, where=name)
    with node.db.read() as session:
        versions = node.store.versions(session, object_id=EDITED_INDICATOR, actor=analyst.actor)
    assert len(versions) == 2


def test_the_graph_and_the_view_find_links_and_withhold_hidden_ones(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    other = add_person(node, "kiran", {Role.ANALYST}, agency="CERT-In")
    document = json.loads(shared_file("intel/attack/india-malaysia-actors.derived.json").read_text())
    actor_id = document["attack"][0]["stix_id"]
    with node.db.write() as session:
        india_malaysia.import_targets(session, node, actor=analyst.actor, document=document, where="list")
        shown = node.store.create(
            session,
            obj=indicator("[domain-name:value = 'a.example']"),
            handling=handling(node, analyst),
            actor=analyst.actor,
        )
        for source, tlp in ((shown.id, "green"), (shown.id, "amber+strict")):
            node.store.create(
                session,
                obj={
                    "type": "relationship",
                    "relationship_type": "indicates",
                    "source_ref": source,
                    "target_ref": actor_id,
                },
                handling=handling(node, analyst, tlp),
                actor=analyst.actor,
            )
    with node.db.read() as session:
        target = node.store.get(session, object_id=actor_id, actor=other.actor)
        graph = service.relationship_graph(session, node, actor=other.actor, row=target)
        views = india_malaysia.view(session, node, actor=other.actor, nations=("IND", "MYS"))
    assert [link.other_id for link in graph.incoming if link.kind == "indicates"] == [shown.id]
    assert graph.withheld == 1
    assert next(v for v in views if v.object_id == actor_id).shared["IND"].count == 2
