"""The object store: versions, import all-or-nothing, policy on every read; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.core.paging import read_cursor
from mitra.core.stix import TLP_MARKING_IDS, HandlingInput, handling_of
from mitra.foundation.errors import Conflict, Forbidden, InvalidInput, NotFound
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import add_person, shared_file

INDICATOR = {
    "type": "indicator",
    "name": "C2 address",
    "pattern": "[ipv4-addr:value = '45.83.64.10']",
    "pattern_type": "stix",
    "valid_from": "2025-01-07T00:00:00Z",
}


def handling(node: Node, tlp: str = "amber", agency: str = "NSCS", **extra: Any) -> HandlingInput:
    return HandlingInput(tlp=tlp, originator_nation=node.nation, originator_agency=agency, **extra)


def count_rows(node: Node) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(StixObject)) or 0)


def test_created_object_carries_tlp_marking_and_handling_extension(node: Node) -> None:
    officer = add_person(node, "rao", {Role.ANALYST, Role.RELEASE_OFFICER})
    with node.db.write() as session:
        row = node.store.create(
            session, obj=INDICATOR, handling=handling(node, releasable_to=("MYS",)), actor=officer.actor
        )
    obj = row.as_stix()
    assert TLP_MARKING_IDS["amber"] in obj["object_marking_refs"]
    ext = handling_of(obj)
    assert ext is not None
    assert ext["originator_nation"] == "IND"
    assert ext["releasable_to"] == ["MYS"]
    assert row.seq > 0


def test_every_version_is_kept_and_the_latest_is_served(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST})
    with node.db.write() as session:
        first = node.store.create(session, obj=INDICATOR, handling=handling(node), actor=analyst.actor)
    with node.db.write() as session:
        node.store.new_version(
            session, object_id=first.id, changes={"name": "C2 address (confirmed)"}, actor=analyst.actor
        )
    with node.db.read() as session:
        versions = node.store.versions(session, object_id=first.id, actor=analyst.actor)
        latest = node.store.latest_row(session, first.id)
    assert [v.as_stix()["name"] for v in versions] == ["C2 address", "C2 address (confirmed)"]
    assert latest.as_stix()["name"] == "C2 address (confirmed)"
    assert versions[1].modified > versions[0].modified
    assert versions[1].seq > versions[0].seq


def test_a_change_to_none_removes_the_property_in_the_new_version(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST})
    with node.db.write() as session:
        first = node.store.create(
            session, obj=INDICATOR | {"description": "until confirmed"}, handling=handling(node), actor=analyst.actor
        )
        second = node.store.new_version(session, object_id=first.id, changes={"description": None}, actor=analyst.actor)
    assert "description" in first.as_stix()
    assert "description" not in second.as_stix()


def test_import_is_idempotent_on_id_and_modified(node: Node) -> None:
    admin = add_person(node, "root", {Role.ADMIN})
    bundle = json.loads(shared_file("intel/stix21-examples/json-schemas/threat-reports_apt1.json").read_text())
    default = handling(node, "green")
    with node.db.write() as session:
        first = node.store.import_objects(
            session, bundle["objects"], actor=admin.actor, default_handling=default, where="apt1"
        )
    before = count_rows(node)
    with node.db.write() as session:
        second = node.store.import_objects(
            session, bundle["objects"], actor=admin.actor, default_handling=default, where="apt1"
        )
    assert first.added == len(bundle["objects"])
    assert second.added == 0
    assert (second.unchanged, second.skipped, second.read) == (len(bundle["objects"]), 0, len(bundle["objects"]))
    assert second.accounted == second.read
    assert count_rows(node) == before


def test_a_failed_import_stores_nothing_and_keeps_what_was_stored(node: Node) -> None:
    admin = add_person(node, "root", {Role.ADMIN})
    with node.db.write() as session:
        node.store.create(session, obj=INDICATOR, handling=handling(node), actor=admin.actor)
    before = count_rows(node)
    good = dict(
        INDICATOR,
        id="indicator--11111111-1111-4111-8111-111111111111",
        spec_version="2.1",
        created="2025-01-01T00:00:00.000Z",
        modified="2025-01-01T00:00:00.000Z",
    )
    bad = dict(good, id="indicator--22222222-2222-4222-8222-222222222222", pattern="[ipv4-addr:value = ")
    with (
        pytest.raises(InvalidInput, match=r"upload object 2 \(indicator--2222.*pattern"),
        node.db.write() as session,
    ):
        node.store.import_objects(
            session, [good, bad], actor=admin.actor, default_handling=handling(node), where="upload"
        )
    assert count_rows(node) == before


def test_the_invalid_oasis_tlp_example_is_rejected_naming_the_bad_timestamp(node: Node) -> None:
    admin = add_person(node, "root", {Role.ADMIN})
    document = json.loads(shared_file("intel/stix21-examples/tlp2/using-tlp2.0-green.json").read_text())
    with (
        pytest.raises(InvalidInput, match=r"object 3 \(relationship--1621d4d4.*created.*2022-101-27"),
        node.db.write() as session,
    ):
        node.store.import_objects(
            session, document["objects"], actor=admin.actor, default_handling=handling(node), where="example"
        )


def test_unknown_object_types_are_refused(node: Node) -> None:
    admin = add_person(node, "root", {Role.ADMIN})
    odd = {
        "type": "x-unknown-thing",
        "id": "x-unknown-thing--33333333-3333-4333-8333-333333333333",
        "spec_version": "2.1",
        "created": "2025-01-01T00:00:00Z",
        "modified": "2025-01-01T00:00:00Z",
    }
    with pytest.raises(InvalidInput, match="unknown object type 'x-unknown-thing'"), node.db.write() as session:
        node.store.import_objects(session, [odd], actor=admin.actor, default_handling=handling(node), where="f")


def test_red_objects_are_hidden_from_people_not_named(node: Node) -> None:
    author = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    other = add_person(node, "ravi", {Role.ANALYST}, agency="CERT-In")
    named = add_person(node, "meera", {Role.VIEWER}, agency="CERT-In")
    red = handling(node, "red", red_recipients=("IND:CERT-In:meera",))
    with node.db.write() as session:
        row = node.store.create(session, obj=INDICATOR, handling=red, actor=author.actor)
    with node.db.write() as session, pytest.raises(NotFound):
        node.store.get(session, object_id=row.id, actor=other.actor)
    with node.db.write() as session:
        assert node.store.get(session, object_id=row.id, actor=named.actor).id == row.id
    with node.db.read() as session:
        visible, _ = node.store.search(session, actor=other.actor, types=["indicator"])
    assert row.id not in {r.id for r in visible}


def test_amber_strict_is_visible_only_to_the_originating_agency(node: Node) -> None:
    author = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    other = add_person(node, "ravi", {Role.ANALYST}, agency="CERT-In")
    with node.db.write() as session:
        row = node.store.create(session, obj=INDICATOR, handling=handling(node, "amber+strict"), actor=author.actor)
    with node.db.read() as session:
        assert node.store.decide_view(row, author.actor).allowed
        assert not node.store.decide_view(row, other.actor).allowed


def test_viewing_a_red_object_is_audited(node: Node) -> None:
    from mitra.audit.service import AuditEntry

    author = add_person(node, "asha", {Role.ANALYST})
    with node.db.write() as session:
        row = node.store.create(session, obj=INDICATOR, handling=handling(node, "red"), actor=author.actor)
    with node.db.write() as session:
        node.store.get(session, object_id=row.id, actor=author.actor)
    with node.db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == row.id)))
    assert actions == ["create", "view_red"]


def test_release_is_a_new_audited_version_by_a_release_officer_only(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    officer = add_person(node, "rao", {Role.RELEASE_OFFICER}, agency="NSCS")
    with node.db.write() as session:
        row = node.store.create(session, obj=INDICATOR, handling=handling(node, "green"), actor=analyst.actor)
    with node.db.write() as session:  # an analyst's release is a request: nothing released, nothing versioned
        asked = node.store.release(session, object_id=row.id, to="MYS", actor=analyst.actor)
    assert (asked.seq, asked.releasable) == (row.seq, ())
    with node.db.write() as session:
        released = node.store.release(session, object_id=row.id, to="MYS", actor=officer.actor)
    assert released.releasable == ("MYS",)
    assert released.modified > row.modified
    with node.db.write() as session, pytest.raises(Conflict):
        node.store.release(session, object_id=row.id, to="MYS", actor=officer.actor)


def test_amber_strict_cannot_be_released(node: Node) -> None:
    officer = add_person(node, "rao", {Role.RELEASE_OFFICER, Role.ANALYST}, agency="NSCS")
    with node.db.write() as session:
        row = node.store.create(session, obj=INDICATOR, handling=handling(node, "amber+strict"), actor=officer.actor)
    with node.db.write() as session, pytest.raises(Forbidden, match="AMBER\\+STRICT"):
        node.store.release(session, object_id=row.id, to="MYS", actor=officer.actor)


def test_viewers_cannot_create(node: Node) -> None:
    viewer = add_person(node, "vik", {Role.VIEWER})
    with node.db.write() as session, pytest.raises(Forbidden, match="create needs"):
        node.store.create(session, obj=INDICATOR, handling=handling(node), actor=viewer.actor)


def test_nobody_creates_in_another_agencys_name(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="CERT-In")
    with node.db.write() as session, pytest.raises(Forbidden, match="originator"):
        node.store.create(session, obj=INDICATOR, handling=handling(node, agency="NSCS"), actor=analyst.actor)


def test_search_pages_with_a_cursor_without_gaps_or_repeats(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST})
    with node.db.write() as session:
        for index in range(23):
            node.store.create(
                session,
                obj=dict(INDICATOR, name=f"indicator {index}"),
                handling=handling(node, "green"),
                actor=analyst.actor,
            )
    seen: list[str] = []
    cursor: str | None = None
    with node.db.read() as session:
        while True:
            page, cursor = node.store.search(
                session, actor=analyst.actor, types=["indicator"], after_seq=read_cursor(cursor), limit=5
            )
            seen.extend(r.id for r in page)
            if cursor is None or not page:
                break
    assert len(seen) == 23
    assert len(set(seen)) == 23


def test_search_finds_by_text_and_filters_by_tlp(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST})
    with node.db.write() as session:
        node.store.create(
            session, obj=dict(INDICATOR, name="Sidewinder lure"), handling=handling(node, "green"), actor=analyst.actor
        )
        node.store.create(
            session, obj=dict(INDICATOR, name="Other"), handling=handling(node, "amber"), actor=analyst.actor
        )
    with node.db.read() as session:
        by_text, _ = node.store.search(session, actor=analyst.actor, text="SIDEWINDER")
        by_tlp, _ = node.store.search(session, actor=analyst.actor, types=["indicator"], tlp="amber")
    assert [r.name for r in by_text] == ["Sidewinder lure"]
    assert [r.name for r in by_tlp] == ["Other"]


def test_revoked_objects_get_no_new_versions(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST})
    with node.db.write() as session:
        row = node.store.create(session, obj=INDICATOR, handling=handling(node), actor=analyst.actor)
    with node.db.write() as session:
        revoked = node.store.revoke(session, object_id=row.id, actor=analyst.actor)
    assert revoked.revoked
    with node.db.write() as session, pytest.raises(Conflict, match="revoked"):
        node.store.new_version(session, object_id=row.id, changes={"name": "again"}, actor=analyst.actor)


def test_seeding_twice_adds_nothing_the_second_time(node: Node) -> None:
    first = node.seed()
    second = node.seed()
    assert sum(first.values()) > 0
    assert sum(second.values()) == 0


def test_making_an_object_releasable_is_a_release_on_every_path(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST})
    officer = add_person(node, "rao", {Role.RELEASE_OFFICER})
    released = handling(node, "green", releasable_to=("MYS",))
    before = count_rows(node)
    with node.db.write() as session:  # a person's create or new version asks for the release (requests module)
        asked = node.store.create(session, obj=INDICATOR, handling=released, actor=analyst.actor)
    assert asked.releasable == ()
    assert count_rows(node) == before + 1
    with node.db.write() as session:
        kept = node.store.create(session, obj=INDICATOR, handling=handling(node, "green"), actor=analyst.actor)
    with node.db.write() as session:
        same = node.store.new_version(session, object_id=kept.id, changes={}, actor=analyst.actor, handling=released)
    assert (same.seq, same.releasable) == (kept.seq, ())
    before = count_rows(node)
    bundle = {
        "type": "bundle",
        "id": "bundle--0d0f3c1e-8d4a-4a66-9d1f-35e0c3b2a0a1",
        "objects": [
            INDICATOR
            | {
                "id": "indicator--5f1c3a52-4a0c-4a49-9d7e-3c9a3b5b1e10",
                "spec_version": "2.1",
                "created": "2025-01-07T00:00:00.000Z",
                "modified": "2025-01-07T00:00:00.000Z",
            }
        ],
    }
    with node.db.write() as session, pytest.raises(Forbidden, match="releasable to MYS is a release"):
        node.store.import_objects(
            session, bundle["objects"], actor=analyst.actor, default_handling=released, where="bundle.json"
        )
    assert count_rows(node) == before  # an import is all or nothing: it asks for no release, it is refused
    with node.db.write() as session:  # a release officer may, and it is a new version, not a copy
        row = node.store.new_version(session, object_id=kept.id, changes={}, actor=officer.actor, handling=released)
    assert row.releasable == ("MYS",)


def test_amber_strict_cannot_be_made_releasable_even_by_a_release_officer(node: Node) -> None:
    officer = add_person(node, "rao", {Role.ANALYST, Role.RELEASE_OFFICER})
    strict = handling(node, "amber+strict", releasable_to=("MYS",))
    with node.db.write() as session, pytest.raises(Forbidden, match="AMBER\\+STRICT never leaves"):
        node.store.create(session, obj=INDICATOR, handling=strict, actor=officer.actor)


def test_many_objects_created_at_once_are_each_checked_and_any_refusal_stores_none(node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST})
    items = [({**INDICATOR, "name": f"C2 address {k}"}, handling(node)) for k in range(3)]
    before = count_rows(node)
    with node.db.write() as session:
        rows = node.store.create_many(session, items=items, actor=analyst.actor)
    assert [row.as_stix()["name"] for row in rows] == ["C2 address 0", "C2 address 1", "C2 address 2"]
    assert count_rows(node) == before + 3
    with node.db.read() as session:
        held = node.store.latest_rows(session, [row.id for row in rows] + ["indicator--0-not-held"])
    assert sorted(held) == sorted(row.id for row in rows)

    TWICE = "indicator--11111111-1111-4111-8111-111111111111"  # noqa: N806
    refusals: list[tuple[list[tuple[dict[str, Any], HandlingInput]], type[Exception]]] = [
        ([items[0], ({**INDICATOR, "pattern": "not a pattern"}, handling(node))], InvalidInput),
        ([items[0], (INDICATOR, handling(node, agency="CERT-In"))], Forbidden),  # not the person's agency
        ([({**INDICATOR, "id": rows[0].id}, handling(node))], Conflict),  # held already
        ([({**INDICATOR, "id": TWICE}, handling(node))] * 2, Conflict),  # one id given twice
    ]
    for given, refused in refusals:
        with pytest.raises(refused), node.db.write() as session:
            node.store.create_many(session, items=given, actor=analyst.actor)
        assert count_rows(node) == before + 3  # all or nothing
