"""Two nodes exchange what policy releases: nothing lost, nothing doubled, nothing leaked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from mitra.audit.service import AuditEntry
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.models import Refusal, SyncState
from mitra.exchange.retraction import acknowledgements, change_marking
from mitra.exchange.sync import SyncError, pull_from_partner
from mitra.exchange.taxii_api import LocalTransport
from mitra.exchange.transport import TaxiiResponse, TransportError
from mitra.exchange.witness import check_witnesses, publish_head, verify_received
from mitra.node import Node
from mitra.policy import Actor, Role
from tests.conftest import add_person
from tests.exchange.conftest import Pair
from tests.support.pair import given


def indicator(name: str, ip: str = "45.83.64.1") -> dict[str, Any]:
    return {
        "type": "indicator",
        "name": name,
        "pattern": f"[ipv4-addr:value = '{ip}']",
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
    }


def create(node: Node, actor: Actor, name: str, tlp: str, releasable: tuple[str, ...] = (), **extra: Any) -> str:
    handling = HandlingInput(
        tlp=tlp, originator_nation=node.nation, originator_agency=actor.agency or "", releasable_to=releasable, **extra
    )
    if releasable:
        return given(node, indicator(name), handling)
    with node.db.write() as session:
        return node.store.create(session, obj=indicator(name), handling=handling, actor=actor).id


def received_ids(node: Node) -> list[str]:
    with node.db.read() as session:
        return list(
            session.scalars(select(StixObject.id).where(StixObject.source == "partner", StixObject.type == "indicator"))
        )


def visible(node: Node, actor: Actor, object_id: str) -> bool:
    with node.db.read() as session:
        row = node.store.latest_row(session, object_id)
        return node.store.decide_view(row, actor).allowed


def test_what_policy_releases_arrives_and_nothing_else(nodes: Pair) -> None:
    analyst = nodes.ind_people["analyst"].actor
    shared = create(nodes.ind, analyst, "green for MYS", "green", ("MYS",))
    amber = create(nodes.ind, analyst, "amber for MYS", "amber", ("MYS",))
    kept = create(nodes.ind, analyst, "amber, not released", "amber")
    strict = create(nodes.ind, analyst, "strict", "amber+strict", ("MYS",))
    red_unnamed = create(nodes.ind, analyst, "red, nobody in MYS named", "red", ("MYS",))
    red_named = create(nodes.ind, analyst, "red for MYS:NSC", "red", ("MYS",), red_recipients=("MYS:NSC",))
    report = nodes.pull(nodes.mys)
    assert report.finished
    got = set(received_ids(nodes.mys))
    assert got == {shared, amber, red_named}
    assert not got & {kept, strict, red_unnamed}
    # A MYS viewer outside the named agency does not see the RED object it received.
    assert visible(nodes.mys, nodes.mys_people["analyst"].actor, red_named)
    assert not visible(nodes.mys, nodes.mys_people["viewer"].actor, red_named)


def test_pulling_again_doubles_nothing(nodes: Pair) -> None:
    analyst = nodes.ind_people["analyst"].actor
    for index in range(5):
        create(nodes.ind, analyst, f"green {index}", "green", ("MYS",))
    nodes.pull(nodes.mys)
    with nodes.mys.db.write() as session:  # forget the cursor: the partner re-sends everything
        session.get(SyncState, "IND").next_token = None  # type: ignore[union-attr]
        session.get(SyncState, "IND").added_after = None  # type: ignore[union-attr]
    again = nodes.pull(nodes.mys)
    assert again.received.received == 0
    assert again.received.already_held >= 5
    assert len(received_ids(nodes.mys)) == 5


def test_paging_is_exact_when_thousands_share_one_date_added(nodes: Pair) -> None:
    admin = add_person(nodes.ind, "bulk", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS").actor  # imports released
    objects = [
        dict(
            indicator(f"bulk {i}", f"198.51.{i // 250}.{i % 250}"),
            spec_version="2.1",
            id=f"indicator--00000000-0000-4000-8000-{i:012d}",
            created="2025-01-01T00:00:00.000Z",
            modified="2025-01-01T00:00:00.000Z",
        )
        for i in range(1500)
    ]
    with nodes.ind.db.write() as session:
        nodes.ind.store.import_objects(
            session,
            objects,
            actor=admin,
            default_handling=HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)),
            where="bulk",
        )
    with nodes.ind.db.read() as session:
        stamps = set(session.scalars(select(StixObject.date_added).where(StixObject.type == "indicator")))
    assert len(stamps) == 1
    report = nodes.pull(nodes.mys, page_size=100)
    assert report.pages >= 15
    ids = received_ids(nodes.mys)
    assert len(ids) == 1500
    assert len(set(ids)) == 1500


class FlakyTransport:
    """Drops the connection on the chosen calls, as a killed server would."""

    def __init__(self, inner: LocalTransport, fail_on: set[int]) -> None:
        self.inner = inner
        self.fail_on = fail_on
        self.calls = 0

    def get(self, path: str, params: Any) -> TaxiiResponse:
        self.calls += 1
        if self.calls in self.fail_on:
            raise TransportError("connection reset by peer (injected)")
        return self.inner.get(path, params)

    def post(self, path: str, body: Any) -> TaxiiResponse:
        return self.inner.post(path, body)


def partner_actor(node: Node) -> Actor:
    return Actor(nation=node.nation, agency=None, username=None, roles=frozenset({Role.PARTNER}))


def test_a_dropped_connection_mid_transfer_resumes_without_loss_or_duplicates(nodes: Pair) -> None:
    analyst = nodes.ind_people["analyst"].actor
    nodes.pull(nodes.mys)  # Mitra's type definitions cross first: the pages below are the items'
    expected = {create(nodes.ind, analyst, f"item {i}", "green", ("MYS",)) for i in range(40)}
    flaky = FlakyTransport(LocalTransport(nodes.ind, partner_actor(nodes.mys)), fail_on={3})
    with pytest.raises(TransportError, match="injected"):
        pull_from_partner(nodes.mys, "IND", flaky, page_size=10)
    partial = set(received_ids(nodes.mys))
    assert 0 < len(partial) < 40
    with nodes.mys.db.read() as session:
        assert "injected" in (session.get(SyncState, "IND").last_error or "")  # type: ignore[union-attr]
    pull_from_partner(nodes.mys, "IND", flaky, page_size=10)
    ids = received_ids(nodes.mys)
    assert set(ids) == expected
    assert len(ids) == 40


def test_a_crash_while_storing_a_page_loses_nothing(nodes: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    from mitra.exchange import receive

    analyst = nodes.ind_people["analyst"].actor
    nodes.pull(nodes.mys)  # Mitra's type definitions cross first: the pages below are the items'
    expected = {create(nodes.ind, analyst, f"item {i}", "green", ("MYS",)) for i in range(25)}
    original = receive.Receiver.receive
    calls = {"n": 0}

    def crash_on_second_page(self: receive.Receiver, session: Any, *page: Any) -> Any:
        calls["n"] += 1
        result = original(self, session, *page)
        if calls["n"] == 2:
            raise RuntimeError("process killed mid-page (injected)")
        return result

    monkeypatch.setattr(receive.Receiver, "receive", crash_on_second_page)
    with pytest.raises(RuntimeError, match="injected"):
        nodes.pull(nodes.mys, page_size=10)
    assert len(received_ids(nodes.mys)) == 10  # the first page committed; the second rolled back whole
    monkeypatch.setattr(receive.Receiver, "receive", original)
    nodes.pull(nodes.mys, page_size=10)
    assert set(received_ids(nodes.mys)) == expected
    assert len(received_ids(nodes.mys)) == 25


def test_revocation_propagates_and_is_acknowledged(nodes: Pair) -> None:
    analyst = nodes.ind_people["analyst"].actor
    object_id = create(nodes.ind, analyst, "soon revoked", "green", ("MYS",))
    nodes.pull(nodes.mys)
    assert visible(nodes.mys, nodes.mys_people["analyst"].actor, object_id)
    with nodes.ind.db.write() as session:
        nodes.ind.store.revoke(session, object_id=object_id, actor=analyst)
    nodes.pull(nodes.mys)
    with nodes.mys.db.read() as session:
        assert nodes.mys.store.latest_row(session, object_id).revoked
    assert not visible(nodes.mys, nodes.mys_people["analyst"].actor, object_id)
    nodes.pull(nodes.ind)
    with nodes.ind.db.read() as session:
        acks = acknowledgements(session, object_id)
    assert [(a["from"], a["applied"]) for a in acks] == [("MYS", "revoked")]


def test_a_narrowed_marking_withdraws_the_partners_copy(nodes: Pair) -> None:
    analyst = nodes.ind_people["analyst"].actor
    object_id = create(nodes.ind, analyst, "to be narrowed", "amber", ("MYS",))
    nodes.pull(nodes.mys)
    assert visible(nodes.mys, nodes.mys_people["analyst"].actor, object_id)
    with nodes.ind.db.write() as session:
        _, notified = change_marking(
            session,
            node=nodes.ind,
            object_id=object_id,
            actor=analyst,
            reason="source protection",
            handling=HandlingInput("amber", "IND", "NSCS", releasable_to=()),
        )
    assert notified == ["MYS"]
    rows = _withdrawn_at_mys_and_acknowledged(nodes, object_id)
    assert all("MYS" in r.releasable for r in rows)  # the narrowed version itself never reached MYS


def test_widening_is_not_a_marking_change(nodes: Pair) -> None:
    from mitra.foundation.errors import Forbidden

    analyst = nodes.ind_people["analyst"].actor
    object_id = create(nodes.ind, analyst, "local", "amber")
    with nodes.ind.db.write() as session, pytest.raises(Forbidden, match="is a release"):
        change_marking(
            session,
            node=nodes.ind,
            object_id=object_id,
            actor=analyst,
            reason="x",
            handling=HandlingInput("amber", "IND", "NSCS", releasable_to=("MYS",)),
        )


def test_received_objects_are_never_passed_back_or_on(nodes: Pair) -> None:
    analyst = nodes.ind_people["analyst"].actor
    create(nodes.ind, analyst, "for MYS only", "green", ("MYS", "SGP"))
    nodes.pull(nodes.mys)
    assert received_ids(nodes.mys)
    nodes.pull(nodes.ind)
    assert "indicator" not in received_types(nodes.ind)
    sgp = Actor(nation="SGP", agency=None, username=None, roles=frozenset({Role.PARTNER}))
    with nodes.mys.db.read() as session:
        rows = list(session.scalars(select(StixObject).where(StixObject.type == "indicator")))
    from mitra.policy import Export, decide

    assert rows
    assert all(not decide(sgp, r.handling(held_by="MYS"), Export()).allowed for r in rows)


def received_types(node: Node) -> list[str]:
    with node.db.read() as session:
        return list(session.scalars(select(StixObject.type).where(StixObject.source == "partner")))


def test_signatures_are_stored_and_verify_later(nodes: Pair) -> None:
    create(nodes.ind, nodes.ind_people["analyst"].actor, "signed", "green", ("MYS",))
    nodes.pull(nodes.mys)
    with nodes.mys.db.read() as session:
        checks = verify_received(session, nodes.mys)
    assert checks
    assert all(c.ok for c in checks)
    with nodes.mys.db.write() as session:
        row = session.scalar(select(StixObject).where(StixObject.type == "indicator"))
        assert row is not None
        row.body = row.body.replace("signed", "tampered")
    with nodes.mys.db.read() as session:
        assert not all(c.ok for c in verify_received(session, nodes.mys))


def test_audit_heads_are_witnessed_by_the_partner(nodes: Pair) -> None:
    with nodes.ind.db.write() as session:
        publish_head(session, nodes.ind)
    nodes.pull(nodes.mys)
    nodes.pull(nodes.ind)
    with nodes.ind.db.read() as session:
        checks = check_witnesses(session, nodes.ind)
    assert [(c.partner, c.matches) for c in checks] == [("MYS", True)]
    from sqlalchemy import text

    seq = checks[0].seq
    with nodes.ind.db.writer.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET hash = :h WHERE seq = :s"), {"h": "0" * 64, "s": seq})
    with nodes.ind.db.read() as session:
        tampered = check_witnesses(session, nodes.ind)
    assert not tampered[0].matches
    assert "differs" in tampered[0].detail


class Forger:
    """A man in the middle: rewrites what the partner sends."""

    def __init__(self, inner: LocalTransport, change: Any) -> None:
        self.inner = inner
        self.change = change

    def get(self, path: str, params: Any) -> TaxiiResponse:
        response = self.inner.get(path, params)
        return TaxiiResponse(response.status, response.headers, self.change(response.body))

    def post(self, path: str, body: Any) -> TaxiiResponse:
        return self.inner.post(path, body)


def refusals(node: Node) -> list[str]:
    with node.db.read() as session:
        return list(session.scalars(select(Refusal.reason)))


def test_a_forged_object_is_refused_and_audited(nodes: Pair) -> None:
    create(nodes.ind, nodes.ind_people["analyst"].actor, "genuine", "green", ("MYS",))

    def forge(body: dict[str, Any]) -> dict[str, Any]:
        for obj in body["objects"]:
            if obj["type"] == "indicator":
                obj["pattern"] = "[ipv4-addr:value = '45.83.65.66']"
        return body

    transport = Forger(LocalTransport(nodes.ind, partner_actor(nodes.mys)), forge)
    report = pull_from_partner(nodes.mys, "IND", transport)
    assert report.received.refused == 1
    assert received_ids(nodes.mys) == []
    assert any("signature does not verify" in r for r in refusals(nodes.mys))
    from mitra.audit.service import AuditEntry

    with nodes.mys.db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "refuse")) == 1


def refused_in_audit(node: Node) -> list[str | None]:
    """The objects the node's audit chain records as refused from a partner."""
    with node.db.read() as session:
        return list(session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "refuse")))


def test_an_object_for_a_third_nation_is_refused_even_if_signed(nodes: Pair) -> None:
    from mitra.core.stix import apply_handling
    from mitra.exchange.signing import sign_value
    from mitra.exchange.taxii import version_key

    obj = apply_handling(
        dict(
            indicator("for SGP"),
            id="indicator--aaaaaaaa-0000-4000-8000-000000000001",
            spec_version="2.1",
            created="2025-01-01T00:00:00.000Z",
            modified="2025-01-01T00:00:00.000Z",
        ),
        HandlingInput("green", "IND", "NSCS", releasable_to=("SGP",)),
    )

    def inject(body: dict[str, Any]) -> dict[str, Any]:
        body["objects"].append(obj)
        body["x_mitra_signatures"][version_key(obj)] = sign_value(nodes.ind.signing_key, obj)
        return body

    transport = Forger(LocalTransport(nodes.ind, partner_actor(nodes.mys)), inject)
    report = pull_from_partner(nodes.mys, "IND", transport)
    assert report.received.refused == 1
    assert any("not releasable to MYS" in r for r in refusals(nodes.mys))
    assert refused_in_audit(nodes.mys) == [obj["id"]]


def test_a_replayed_version_with_other_content_is_refused(nodes: Pair) -> None:
    create(nodes.ind, nodes.ind_people["analyst"].actor, "original", "green", ("MYS",))
    nodes.pull(nodes.mys)
    with nodes.mys.db.write() as session:
        session.get(SyncState, "IND").next_token = None  # type: ignore[union-attr]
        session.get(SyncState, "IND").added_after = None  # type: ignore[union-attr]

    def alter(body: dict[str, Any]) -> dict[str, Any]:
        from mitra.exchange.signing import sign_value
        from mitra.exchange.taxii import version_key

        for obj in body["objects"]:
            if obj["type"] == "indicator":
                obj["name"] = "altered"
                body["x_mitra_signatures"][version_key(obj)] = sign_value(nodes.ind.signing_key, obj)
        return body

    report = pull_from_partner(nodes.mys, "IND", Forger(LocalTransport(nodes.ind, partner_actor(nodes.mys)), alter))
    assert report.received.refused == 1
    assert any("different text" in r for r in refusals(nodes.mys))
    assert len(refused_in_audit(nodes.mys)) == 1
    with nodes.mys.db.read() as session:
        assert session.scalar(select(StixObject.name).where(StixObject.type == "indicator")) == "original"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda body: [1, 2], "not a JSON object"),
        (lambda body: {**body, "objects": "x"}, "not a list"),
        (lambda body: {**body, "more": "yes"}, "not true or false"),
        (lambda body: {**body, "objects": body["objects"] * 200}, "page refused"),
        (lambda body: {**body, "x_mitra_signatures": [1]}, "map of strings"),
    ],
)
def test_a_malformed_envelope_is_refused_whole(nodes: Pair, change: Any, message: str) -> None:
    create(nodes.ind, nodes.ind_people["analyst"].actor, "x", "green", ("MYS",))
    transport = Forger(LocalTransport(nodes.ind, partner_actor(nodes.mys)), change)
    with pytest.raises(SyncError, match=message):
        pull_from_partner(nodes.mys, "IND", transport, page_size=10)
    assert received_ids(nodes.mys) == []
    from mitra.audit.service import AuditEntry

    with nodes.mys.db.read() as session:
        failures = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "sync_failed")))
        state = session.get(SyncState, "IND")
    assert len(failures) == 1
    assert message.split(maxsplit=1)[0] in failures[0]
    assert state is not None
    assert state.next_token is None  # the cursor did not move


@pytest.mark.parametrize("route", ["/api/v1/objects/{id}/versions", "/api/v1/intel/objects/{id}/versions"])
def test_a_narrowing_through_the_rest_api_reaches_the_partner_as_a_retraction(nodes: Pair, route: str) -> None:
    """MISP #4784, #2223: an object made unreleasable must not stay at the partner, whatever door narrowed it."""
    from fastapi.testclient import TestClient

    from mitra.app import create_app

    handling = HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",))
    object_id = given(nodes.ind, indicator("to be narrowed"), handling)
    nodes.pull(nodes.mys)
    assert visible(nodes.mys, nodes.mys_people["analyst"].actor, object_id)
    analyst = nodes.ind_people["analyst"]
    with TestClient(create_app(nodes.ind.settings, node=nodes.ind)) as client:
        response = client.post(
            route.format(id=object_id),
            headers={"Authorization": f"Bearer {analyst.token}"},
            json={"changes": {}, "handling": {"tlp": "green", "releasable_to": []}},
        )
    assert response.status_code == 201, response.text
    _withdrawn_at_mys_and_acknowledged(nodes, object_id)


def test_a_narrowing_on_the_edit_page_reaches_the_partner_as_a_retraction(nodes: Pair) -> None:
    """The same promise through the intel edit page: unticking "releasable to MYS" withdraws it at MYS."""
    from fastapi.testclient import TestClient

    from mitra.app import create_app
    from tests.support.web import log_in

    body = indicator("narrowed on a page", ip="45.83.64.9")
    object_id = given(nodes.ind, body, HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)))
    nodes.pull(nodes.mys)
    assert visible(nodes.mys, nodes.mys_people["analyst"].actor, object_id)
    with TestClient(create_app(nodes.ind.settings, node=nodes.ind)) as client:
        token = log_in(client, nodes.ind_people["analyst"])
        form = {k: body[k] for k in ("name", "pattern", "valid_from")} | {"tlp": "green", "orcon": "on"}
        response = client.post(
            f"/intel/objects/{object_id}/edit", data=form | {"csrf_token": token}, follow_redirects=False
        )
    assert response.status_code == 303, response.text
    _withdrawn_at_mys_and_acknowledged(nodes, object_id)


def test_a_narrowing_by_a_bundle_import_reaches_the_partner_as_a_retraction(nodes: Pair) -> None:
    """The same promise through an import (REST /bundles; `mitra import` is the same store path)."""
    from fastapi.testclient import TestClient

    from mitra.app import create_app
    from mitra.core.stix import HANDLING_EXTENSION_ID

    object_id = given(nodes.ind, indicator("narrowed by an import"), HandlingInput("green", "IND", "NSCS", ("MYS",)))
    nodes.pull(nodes.mys)
    assert visible(nodes.mys, nodes.mys_people["analyst"].actor, object_id)
    with nodes.ind.db.read() as session:
        body = nodes.ind.store.latest_row(session, object_id).as_stix()
    body["modified"] = "2099-01-01T00:00:00.000Z"
    body["extensions"][HANDLING_EXTENSION_ID]["releasable_to"] = []
    bundle = {"type": "bundle", "id": "bundle--6a7b8c9d-0000-4000-8000-000000000001", "objects": [body]}
    analyst = nodes.ind_people["analyst"]
    with TestClient(create_app(nodes.ind.settings, node=nodes.ind)) as client:
        response = client.post("/api/v1/bundles", headers={"Authorization": f"Bearer {analyst.token}"}, json=bundle)
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    _withdrawn_at_mys_and_acknowledged(nodes, object_id)


def _withdrawn_at_mys_and_acknowledged(nodes: Pair, object_id: str) -> list[StixObject]:
    """After a narrowing on IND: MYS pulls and withdraws every version, then IND pulls its acknowledgement."""
    nodes.pull(nodes.mys)
    assert not visible(nodes.mys, nodes.mys_people["analyst"].actor, object_id)
    with nodes.mys.db.read() as session:
        rows = list(session.scalars(select(StixObject).where(StixObject.id == object_id)))
    assert rows
    assert all(r.withdrawn for r in rows)
    nodes.pull(nodes.ind)
    with nodes.ind.db.read() as session:
        assert [a["applied"] for a in acknowledgements(session, object_id)] == ["withdrawn"]
    return rows


def test_a_partner_failing_the_same_way_every_round_is_audited_once(nodes: Pair) -> None:
    """A partner that is down fails every round: one sync_failed entry, not one a round, until a page lands."""
    create(nodes.ind, nodes.ind_people["analyst"].actor, "x", "green", ("MYS",))
    broken = FlakyTransport(LocalTransport(nodes.ind, partner_actor(nodes.mys)), fail_on=set(range(1, 100)))
    for _ in range(5):
        with pytest.raises(TransportError):
            pull_from_partner(nodes.mys, "IND", broken, page_size=10)

    def failures() -> int:
        with nodes.mys.db.read() as session:
            return int(
                session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "sync_failed"))
                or 0
            )

    assert failures() == 1
    nodes.pull(nodes.mys)  # the partner is back: the error is cleared
    with pytest.raises(TransportError):
        pull_from_partner(nodes.mys, "IND", FlakyTransport(LocalTransport(nodes.ind, partner_actor(nodes.mys)), {1}))
    assert failures() == 2  # the next outage is recorded again
