"""An indicator on a warninglist crosses only once a person confirmed it, whatever door the release comes by:
the store's create, new version and release, the REST release, the object page, an import (which releases
nothing it was not asked to confirm: it stores the object unreleased and says so). The release queue's doors
are tried in tests/web/test_release_queue.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mitra.core.releases import CautionsToConfirm
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person
from tests.pillars.intel.conftest import handling, indicator
from tests.support.web import bearer, log_in

LISTED = "[ipv4-addr:value = '8.8.8.8']"  # on "List of known IPv4 public DNS resolvers"
CAUTION = "8.8.8.8 is on the warninglist “List of known IPv4 public DNS resolvers”"


@pytest.fixture
def boss(intel_node: Node) -> Person:
    """A release officer who is an analyst too: creates and releases."""
    return add_person(intel_node, "mehta", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS")


def _made(node: Node, person: Person, releasable_to: tuple[str, ...] = ()) -> str:
    with node.db.write() as session:
        row = node.store.create(
            session, obj=indicator(LISTED), handling=handling(node, person, "green", releasable_to), actor=person.actor
        )
        return row.id


def _releasable(node: Node, object_id: str) -> tuple[str, ...]:
    with node.db.read() as session:
        return node.store.latest_row(session, object_id).releasable


def test_the_store_asks_on_create_new_version_and_release(intel_node: Node, boss: Person) -> None:
    with intel_node.db.write() as session, pytest.raises(CautionsToConfirm, match=r"8\.8\.8\.8 is on the warninglist"):
        intel_node.store.create(
            session, obj=indicator(LISTED), handling=handling(intel_node, boss, "green", ("MYS",)), actor=boss.actor
        )
    object_id = _made(intel_node, boss)
    with intel_node.db.write() as session, pytest.raises(CautionsToConfirm) as refused:
        intel_node.store.new_version(
            session,
            object_id=object_id,
            changes={},
            actor=boss.actor,
            handling=handling(intel_node, boss, "green", ("MYS",)),
        )
    assert refused.value.cautions == (CAUTION,)
    with intel_node.db.write() as session, pytest.raises(CautionsToConfirm):
        intel_node.store.release(session, object_id=object_id, to="MYS", actor=boss.actor)
    assert _releasable(intel_node, object_id) == ()
    with intel_node.db.write() as session:
        intel_node.store.release(session, object_id=object_id, to="MYS", actor=boss.actor, confirm_cautions=True)
    assert _releasable(intel_node, object_id) == ("MYS",)


def test_an_unlisted_indicator_needs_no_confirming(intel_node: Node, boss: Person) -> None:
    with intel_node.db.write() as session:
        row = intel_node.store.create(
            session,
            obj=indicator("[ipv4-addr:value = '185.220.101.10']"),
            handling=handling(intel_node, boss, "green", ("MYS",)),
            actor=boss.actor,
        )
    assert row.releasable == ("MYS",)


def test_the_rest_release_answers_409_with_the_cautions_then_releases_when_confirmed(
    client: TestClient, intel_node: Node, boss: Person
) -> None:
    object_id = _made(intel_node, boss)
    url = f"/api/v1/objects/{object_id}/release"
    refused = client.post(url, headers=bearer(boss), json={"to": "MYS"})
    assert refused.status_code == 409
    assert CAUTION in refused.json()["detail"]
    assert _releasable(intel_node, object_id) == ()
    released = client.post(url, headers=bearer(boss), json={"to": "MYS", "confirm_cautions": True})
    assert released.status_code == 201
    assert released.json()["handling"]["releasable_to"] == ["MYS"]


def test_the_object_page_shows_the_cautions_and_releases_only_when_ticked(
    client: TestClient, intel_node: Node, boss: Person
) -> None:
    object_id = _made(intel_node, boss)
    csrf = log_in(client, boss)
    page = client.get(f"/objects/{object_id}").text
    assert "Check before it crosses:" in page
    assert CAUTION in page
    refused = client.post(f"/objects/{object_id}/release", data={"to": "MYS", "csrf_token": csrf})
    assert refused.status_code == 409
    assert "needs confirming first" in refused.text
    assert _releasable(intel_node, object_id) == ()
    client.post(f"/objects/{object_id}/release", data={"to": "MYS", "confirm": "on", "csrf_token": csrf})
    assert _releasable(intel_node, object_id) == ("MYS",)


def test_an_import_stores_a_listed_indicator_unreleased_and_says_so(intel_node: Node, boss: Person) -> None:
    listed = indicator(LISTED, name="listed") | {"id": "indicator--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}
    clean = indicator("[ipv4-addr:value = '185.220.101.11']", name="clean") | {
        "id": "indicator--1f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
    }
    for obj in (listed, clean):
        obj.update(spec_version="2.1", created="2025-01-07T00:00:00.000Z", modified="2025-01-07T00:00:00.000Z")
    with intel_node.db.write() as session:
        report = intel_node.store.import_objects(
            session,
            [listed, clean],
            actor=boss.actor,
            default_handling=handling(intel_node, boss, "green", ("MYS",)),
            where="feed.json",
        )
    assert _releasable(intel_node, clean["id"]) == ("MYS",)
    assert _releasable(intel_node, listed["id"]) == ()
    notes = report.reasons("notes")
    assert notes == {f"not released to MYS: {CAUTION} (release it on its page, confirming)": 1}
