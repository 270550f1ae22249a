"""MISP events: mapping to STIX, versions from the original and edited event, tags and markings both ways."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput, TypeRegistry, validate_object
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.pillars.intel import misp, service
from tests.conftest import Person, shared_file

EVENT_ID = "report--5a3c2fcd-8328-42bb-a95e-4f4402de0b81"
EDITED_INDICATOR = "indicator--5a3cd5b6-9568-4342-b2ab-4c62950d210f"


def _event(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(shared_file(f"intel/misp/pymisp-testfiles/{name}").read_text())
    return document


def _import(node: Node, person: Person, document: Any, where: str = "event") -> ImportReport:
    with node.db.write() as session:
        return service.import_misp(session, node, actor=person.actor, document=document, where=where)


def _stored(node: Node) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(StixObject)) or 0)


def _small_event(**extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "uuid": "11111111-2222-4333-8444-555555555555",
        "info": "Phishing wave",
        "date": "2025-01-07",
        "timestamp": "1736300000",
        "Tag": [{"name": "tlp:green"}, {"name": "PAP:AMBER"}, {"name": 'osint:source-type="blog-post"'}],
        "Attribute": [
            {
                "uuid": "11111111-2222-4333-8444-666666666666",
                "type": "domain",
                "category": "Network activity",
                "value": "login-portal.example",
                "to_ids": True,
                "timestamp": "1736300000",
                "Tag": [{"name": "tlp:amber+strict"}],
            }
        ],
    }
    return {"Event": event | extra}


def test_an_event_becomes_a_report_naming_its_indicators_and_galaxy_objects(
    intel_node: Node, people: dict[str, Person]
) -> None:
    outcome = _import(intel_node, people["analyst"], _event("existing_event.json"))
    assert outcome.report_id == EVENT_ID
    with intel_node.db.read() as session:
        report = intel_node.store.get(session, object_id=EVENT_ID, actor=people["analyst"].actor).as_stix()
        kinds = {ref.split("--")[0] for ref in report["object_refs"]}
        actor = intel_node.store.get(
            session,
            object_id=next(r for r in report["object_refs"] if r.startswith("threat-actor")),
            actor=people["analyst"].actor,
        )
    assert outcome.added == len(report["object_refs"]) + 2  # plus the report and the MISP organisation
    assert {"indicator", "threat-actor", "malware", "tool"} <= kinds
    assert actor.name == "Sofacy"


def test_the_edited_event_versions_only_what_changed(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    _import(intel_node, analyst, _event("existing_event.json"))
    outcome = _import(intel_node, analyst, _event("existing_event_edited.json"))
    assert outcome.added == 0
    assert outcome.updated == 1
    with intel_node.db.read() as session:
        versions = intel_node.store.versions(session, object_id=EDITED_INDICATOR, actor=analyst.actor)
    first, second = (v.as_stix() for v in versions)
    assert first["id"] == second["id"]
    assert second["modified"] > first["modified"]
    assert "blah" not in first.get("labels", [])
    assert "blah" in second["labels"]


def test_importing_the_same_event_twice_stores_nothing_new(intel_node: Node, people: dict[str, Person]) -> None:
    _import(intel_node, people["analyst"], _event("existing_event_edited.json"))
    before = _stored(intel_node)
    outcome = _import(intel_node, people["analyst"], _event("existing_event_edited.json"))
    assert (outcome.added, outcome.updated, outcome.changed) == (0, 0, False)
    assert _stored(intel_node) == before


def test_the_original_event_after_the_edited_one_does_not_roll_back(
    intel_node: Node, people: dict[str, Person]
) -> None:
    analyst = people["analyst"]
    _import(intel_node, analyst, _event("existing_event.json"))
    _import(intel_node, analyst, _event("existing_event_edited.json"))
    outcome = _import(intel_node, analyst, _event("existing_event.json"))
    assert outcome.reasons("rejected").get("not newer than the version held") == 1
    with intel_node.db.read() as session:
        latest = intel_node.store.get(session, object_id=EDITED_INDICATOR, actor=analyst.actor).as_stix()
    assert "blah" in latest["labels"]


@pytest.mark.parametrize(("name", "proposals"), [("proposals.json", 2), ("shadow.json", 2)])
def test_proposals_are_reported_as_skipped_never_stored_as_attributes(
    intel_node: Node, people: dict[str, Person], name: str, proposals: int
) -> None:
    outcome = _import(intel_node, people["analyst"], _event(name))
    reason = "proposal (MISP ShadowAttribute): not an attribute until accepted in MISP"
    assert outcome.reasons("rejected")[reason] == proposals
    assert outcome.added >= 1  # the event's report and its own attribute


def test_a_deleted_attribute_is_skipped_with_the_reason(intel_node: Node, people: dict[str, Person]) -> None:
    outcome = _import(intel_node, people["analyst"], _event("attribute_del.json"))
    assert outcome.reasons("rejected") == {"attribute deleted in MISP": 1}


def test_tlp_tags_become_tlp_markings_and_pap_a_property(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    _import(intel_node, analyst, _small_event())
    with intel_node.db.read() as session:
        report = intel_node.store.get(
            session, object_id="report--11111111-2222-4333-8444-555555555555", actor=analyst.actor
        )
        attribute = intel_node.store.get(
            session, object_id="indicator--11111111-2222-4333-8444-666666666666", actor=analyst.actor
        )
    assert report.tlp == "green"
    assert attribute.tlp == "amber+strict"
    assert report.as_stix()["x_mitra_pap"] == "PAP:AMBER"
    assert attribute.as_stix()["pattern"] == "[domain-name:value = 'login-portal.example']"


def test_tlp_white_is_clear_and_exports_as_tlp_white_again(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    original = _event("existing_event.json")
    _import(intel_node, analyst, original)
    with intel_node.db.read() as session:
        report = intel_node.store.get(session, object_id=EVENT_ID, actor=analyst.actor)
        exported = service.export_misp_event(session, intel_node, actor=analyst.actor, report_id=EVENT_ID)
    assert report.tlp == "clear"
    tags = [t["name"] for t in exported["Event"]["Tag"]]
    assert tags[0] == "tlp:white"
    assert set(tags) == {t["name"] for t in original["Tag"]}


def test_export_gives_back_the_markings_as_misp_tags(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    document = _small_event()
    _import(intel_node, analyst, document)
    with intel_node.db.read() as session:
        exported = service.export_misp_event(
            session, intel_node, actor=analyst.actor, report_id="report--11111111-2222-4333-8444-555555555555"
        )
    assert [t["name"] for t in exported["Event"]["Tag"]] == [t["name"] for t in document["Event"]["Tag"]]
    (attribute,) = exported["Event"]["Attribute"]
    assert attribute["value"] == "login-portal.example"
    assert [t["name"] for t in attribute["Tag"]] == ["tlp:amber+strict"]


def test_a_marking_narrowed_in_mitra_is_the_tlp_tag_on_export(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    document = _small_event()
    document["Event"]["Attribute"][0]["Tag"] = [{"name": "tlp:green"}, {"name": "kill-chain:delivery"}]
    _import(intel_node, analyst, document)
    with intel_node.db.write() as session:
        indicators = intel_node.store.iter_visible(session, actor=analyst.actor, types=("indicator",))
        (row,) = [r for r in indicators if "login-portal.example" in r.body]
        narrowed = HandlingInput(tlp="amber", originator_nation="IND", originator_agency="NSCS")
        service.edit_object(session, intel_node, actor=analyst.actor, object_id=row.id, changes={}, handling=narrowed)
    with intel_node.db.read() as session:
        exported = service.export_misp_event(
            session, intel_node, actor=analyst.actor, report_id="report--11111111-2222-4333-8444-555555555555"
        )
    (attribute,) = exported["Event"]["Attribute"]
    assert [t["name"] for t in attribute["Tag"]] == ["tlp:amber", "kill-chain:delivery"]


def test_the_export_re_imports_to_the_same_objects(intel_node: Node, people: dict[str, Person]) -> None:
    analyst = people["analyst"]
    _import(intel_node, analyst, _event("existing_event.json"))
    with intel_node.db.read() as session:
        exported = service.export_misp_event(session, intel_node, actor=analyst.actor, report_id=EVENT_ID)
    outcome = _import(intel_node, analyst, exported)
    assert (outcome.added, outcome.updated) == (0, 0)


def test_two_tlp_levels_on_one_event_are_refused(intel_node: Node, people: dict[str, Person]) -> None:
    document = _small_event(Tag=[{"name": "tlp:green"}, {"name": "tlp:red"}])
    with pytest.raises(InvalidInput, match="TLP:GREEN and TLP:RED"):
        _import(intel_node, people["analyst"], document)


def test_a_huge_event_is_refused_whole_before_parsing(intel_node: Node, people: dict[str, Person]) -> None:
    document = _small_event()
    document["Event"]["Attribute"] = document["Event"]["Attribute"] * 12
    before = _stored(intel_node)
    with intel_node.db.write() as session, pytest.raises(InvalidInput, match="more than the limit of 10"):
        service.import_misp(
            session, intel_node, actor=people["analyst"].actor, document=document, where="e", max_attributes=10
        )
    assert _stored(intel_node) == before


def test_a_galaxy_file_is_not_taken_for_an_event(intel_node: Node, people: dict[str, Person]) -> None:
    with pytest.raises(InvalidInput, match="not a MISP event"):
        _import(
            intel_node,
            people["analyst"],
            json.loads(shared_file("intel/misp/pymisp-testfiles/galaxy.json").read_text()),
        )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
_FIELDS = st.fixed_dictionaries(
    {"info": st.text(min_size=1, max_size=20)},
    optional={
        "uuid": st.uuids().map(str) | st.text(max_size=10),
        "date": st.dates().map(str) | st.text(max_size=10),
        "timestamp": st.integers(0, 2_000_000_000).map(str) | st.text(max_size=5),
        "Tag": st.lists(
            st.fixed_dictionaries({"name": st.sampled_from(["tlp:red", "tlp:white", "PAP:RED", "x"])}), max_size=3
        ),
        "Attribute": st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["ip-dst", "domain", "md5", "url", "filename|sha1", "domain|ip", "text"]),
                    "value": st.text(max_size=40) | st.sampled_from(["45.83.64.7", "a.example", "x|y"]),
                },
                optional={"to_ids": st.booleans(), "uuid": st.uuids().map(str), "deleted": st.booleans(), "Tag": _JSON},
            ),
            max_size=4,
        ),
        "Object": st.lists(_JSON, max_size=2),
        "Galaxy": _JSON,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_JSON | _FIELDS | _FIELDS.map(lambda e: {"Event": e}))
def test_any_json_gives_a_clean_error_or_valid_stix(document: Any) -> None:
    registry = TypeRegistry()
    try:
        conversion = misp.parse_misp(copy.deepcopy(document), where="fuzz")
    except InvalidInput as exc:
        message = str(exc)
        conversion = None
    if conversion is None:
        assert message.startswith("fuzz")
        return
    for obj in conversion.objects:
        validate_object(obj, registry, where="fuzz")
    assert conversion.objects[-1]["id"] == conversion.report_id


def test_the_export_is_written_by_pymisp_and_what_misp_would_refuse_is_refused() -> None:
    from mitra.pillars.intel.misp import through_pymisp

    written = through_pymisp(
        {
            "uuid": EVENT_ID.split("--")[1],
            "info": "x",
            "date": "2024-01-02",
            "Attribute": [
                {
                    "uuid": "aaaaaaaa-2222-4333-8444-555555555555",
                    "type": "domain",
                    "value": "a.example",
                    "category": "Network activity",
                }
            ],
        },
        where="report",
    )
    (attribute,) = written["Attribute"]
    assert (attribute["to_ids"], attribute["disable_correlation"], written["published"]) == (True, False, False)
    with pytest.raises(InvalidInput, match=r"^report: not a valid MISP event"):
        through_pymisp({"info": "x", "Attribute": [{"type": "nonsense", "value": "v"}]}, where="report")


def test_a_foreign_report_exports_with_the_tlp_it_is_held_under_here(
    intel_node: Node, people: dict[str, Person]
) -> None:
    """A plain STIX bundle's report is kept as published (no TLP in it); its MISP tags are this node's marking."""
    analyst = people["analyst"]
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--7b1f3b8e-9f4d-4c53-a1a2-0c1d2e3f4a5b",
        "created": "2025-01-07T00:00:00.000Z",
        "modified": "2025-01-07T00:00:00.000Z",
        "pattern_type": "stix",
        "pattern": "[domain-name:value = 'foreign.example']",
        "valid_from": "2025-01-07T00:00:00Z",
    }
    report = {
        "type": "report",
        "spec_version": "2.1",
        "id": "report--7b1f3b8e-9f4d-4c53-a1a2-0c1d2e3f4a5c",
        "created": "2025-01-07T00:00:00.000Z",
        "modified": "2025-01-07T00:00:00.000Z",
        "name": "A peer's report",
        "published": "2025-01-07T00:00:00Z",
        "object_refs": [indicator["id"]],
    }
    bundle = {"type": "bundle", "id": "bundle--7b1f3b8e-9f4d-4c53-a1a2-0c1d2e3f4a5d", "objects": [report, indicator]}
    with intel_node.db.write() as session:
        service.import_stix(session, intel_node, actor=analyst.actor, document=bundle, where="bundle", tlp="amber")
    with intel_node.db.read() as session:
        rows = [intel_node.store.get(session, object_id=o["id"], actor=analyst.actor) for o in (report, indicator)]
        assert all(row.is_foreign and row.tlp == "amber" for row in rows)
        assert all("object_marking_refs" not in row.as_stix() for row in rows)  # kept as published
        exported = service.export_misp_event(session, intel_node, actor=analyst.actor, report_id=report["id"])
    assert [t["name"] for t in exported["Event"]["Tag"]] == ["tlp:amber"]
    (attribute,) = exported["Event"]["Attribute"]
    assert attribute["value"] == "foreign.example"
    assert [t["name"] for t in attribute.get("Tag", [])] == ["tlp:amber"]
