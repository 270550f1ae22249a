"""Release requests: an analyst's "releasable to the partner" is saved and asked for, never refused and lost."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from mitra.audit.service import AuditEntry
from mitra.core import releases, requests
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import Conflict, Forbidden, InvalidInput, NotFound
from mitra.node import Node
from mitra.policy import Role
from tests.conftest import Person, add_person

INDICATOR = {
    "type": "indicator",
    "name": "C2 address",
    "pattern": "[ipv4-addr:value = '45.83.64.10']",
    "pattern_type": "stix",
    "valid_from": "2025-01-07T00:00:00Z",
}


def marked(node: Node, tlp: str = "green", agency: str = "NSCS", **extra: Any) -> HandlingInput:
    return HandlingInput(tlp=tlp, originator_nation=node.nation, originator_agency=agency, **extra)


@pytest.fixture
def people(node: Node) -> dict[str, Person]:
    return {
        "analyst": add_person(node, "asha", {Role.ANALYST}, agency="NSCS"),
        "officer": add_person(node, "rao", {Role.RELEASE_OFFICER}, agency="NSCS"),
        "other_officer": add_person(node, "iyer", {Role.RELEASE_OFFICER}, agency="CERT-In"),
        "viewer": add_person(node, "vik", {Role.VIEWER}, agency="NSCS"),
    }


def ask(node: Node, person: Person, **extra: Any) -> tuple[str, list[requests.Opened]]:
    with node.db.write() as session:
        row = node.store.create(
            session, obj=INDICATOR, handling=marked(node, releasable_to=("MYS",), **extra), actor=person.actor
        )
        return row.id, releases.opened_in(session)


def test_an_analysts_share_saves_the_object_unreleased_and_opens_one_request(
    node: Node, people: dict[str, Person]
) -> None:
    object_id, opened = ask(node, people["analyst"])
    assert [(o.object_id, o.nation) for o in opened] == [(object_id, "MYS")]
    with node.db.read() as session:
        row = node.store.latest_row(session, object_id)
        assert row.releasable == ()  # stored, but nothing crossed
        assert row.as_stix()["name"] == "C2 address"  # what was typed is kept
        (request,) = requests.for_object(session, object_id)
        assert (request.status, request.requested_by, request.nation) == ("pending", "asha", "MYS")
        assert [r.id for r in requests.queue(node.store, session, people["officer"].actor)] == [request.id]
        assert requests.queue(node.store, session, people["other_officer"].actor) == []  # another agency's
        assert requests.queue(node.store, session, people["analyst"].actor) == []
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == object_id)).all()
        assert "release_requested" in actions
        assert "release" not in actions


def test_approval_releases_as_the_officer_and_closes_the_request(node: Node, people: dict[str, Person]) -> None:
    _object_id, (opened,) = ask(node, people["analyst"])
    with node.db.write() as session, pytest.raises(Forbidden, match="release officer"):
        requests.approve(node.store, session, opened.request_id, people["other_officer"].actor)
    with node.db.write() as session:
        row = requests.approve(node.store, session, opened.request_id, people["officer"].actor)
        assert row.releasable == ("MYS",)
    with node.db.read() as session:
        request = requests.get(session, opened.request_id)
        assert (request.status, request.decided_by) == ("approved", "rao")
        assert requests.queue(node.store, session, people["officer"].actor) == []
    with node.db.write() as session, pytest.raises(Conflict, match="approved already"):
        requests.approve(node.store, session, opened.request_id, people["officer"].actor)


def test_refusal_needs_a_reason_and_the_releasers_right(node: Node, people: dict[str, Person]) -> None:
    object_id, (opened,) = ask(node, people["analyst"])
    with node.db.write() as session, pytest.raises(InvalidInput, match="reason"):
        requests.refuse(node.store, session, opened.request_id, people["officer"].actor, reason="  ")
    with node.db.write() as session, pytest.raises(Forbidden):
        requests.refuse(node.store, session, opened.request_id, people["analyst"].actor, reason="no")
    with node.db.write() as session:
        requests.refuse(node.store, session, opened.request_id, people["officer"].actor, reason="source not cleared")
    with node.db.read() as session:
        request = requests.get(session, opened.request_id)
        assert (request.status, request.reason) == ("refused", "source not cleared")
        assert node.store.latest_row(session, object_id).releasable == ()


def test_a_direct_release_or_a_revocation_closes_what_is_pending(node: Node, people: dict[str, Person]) -> None:
    released_id, (first,) = ask(node, people["analyst"])
    revoked_id, (second,) = ask(node, people["analyst"])
    with node.db.write() as session:
        node.store.release(session, object_id=released_id, to="MYS", actor=people["officer"].actor)
        node.store.revoke(session, object_id=revoked_id, actor=people["analyst"].actor)
    with node.db.read() as session:
        assert requests.get(session, first.request_id).status == "approved"
        closed = requests.get(session, second.request_id)
        assert (closed.status, closed.reason) == ("closed", "the object was revoked")


def test_asking_again_opens_no_second_request_and_writes_no_version(node: Node, people: dict[str, Person]) -> None:
    object_id, (opened,) = ask(node, people["analyst"])
    with node.db.write() as session:
        before = node.store.latest_row(session, object_id).seq
        again = node.store.release(session, object_id=object_id, to="MYS", actor=people["analyst"].actor)
        assert again.seq == before
        assert [o.request_id for o in releases.opened_in(session)] == [opened.request_id]
    with node.db.read() as session:
        assert len(requests.for_object(session, object_id)) == 1


def test_the_requester_may_withdraw_only_their_own(node: Node, people: dict[str, Person]) -> None:
    _, (opened,) = ask(node, people["analyst"])
    with node.db.write() as session, pytest.raises(NotFound):
        requests.withdraw(session, opened.request_id, people["officer"].actor)
    with node.db.write() as session:
        assert requests.withdraw(session, opened.request_id, people["analyst"].actor).status == "closed"


def test_what_could_never_be_released_is_refused_not_asked_for(node: Node, people: dict[str, Person]) -> None:
    with node.db.write() as session, pytest.raises(Forbidden, match="AMBER\\+STRICT"):
        node.store.create(
            session,
            obj=INDICATOR,
            handling=marked(node, "amber+strict", releasable_to=("MYS",)),
            actor=people["analyst"].actor,
        )
    with node.db.write() as session, pytest.raises(Forbidden, match="create needs"):
        node.store.create(
            session, obj=INDICATOR, handling=marked(node, releasable_to=("MYS",)), actor=people["viewer"].actor
        )
    with node.db.read() as session:
        assert requests.pending(session) == []


def test_a_release_officers_own_tick_is_a_release_with_no_request(node: Node, people: dict[str, Person]) -> None:
    object_id, opened = ask(node, people["officer"])
    assert opened == []
    with node.db.read() as session:
        assert node.store.latest_row(session, object_id).releasable == ("MYS",)
        assert requests.for_object(session, object_id) == []
