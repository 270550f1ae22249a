"""What the exchange tells people: what arrived (one notice per pull per person), what a partner took back."""

from __future__ import annotations

from sqlalchemy import select

from mitra.core.notices import Notice
from mitra.core.stix import HandlingInput
from mitra.exchange.retraction import change_marking
from mitra.node import Node
from tests.notify.conftest import Pair, indicator
from tests.support.pair import given


def _notices(node: Node, username: str, kind: str | None = None) -> list[Notice]:
    with node.db.read() as session:
        query = select(Notice).where(Notice.username == username).order_by(Notice.id)
        if kind:
            query = query.where(Notice.kind == kind)
        return list(session.scalars(query))


def _share(nodes: Pair, name: str, tlp: str = "green", **extra: object) -> str:
    handling = HandlingInput(tlp, "IND", "NSCS", ("MYS",), **extra)  # type: ignore[arg-type]
    return given(nodes.ind, indicator(name, ip=f"45.83.64.{len(name)}"), handling)


def test_a_pull_of_many_pages_is_one_notice_per_person_with_the_counts(nodes: Pair) -> None:
    for i in range(7):
        _share(nodes, f"Shared indicator {i}")
    nodes.pull(nodes.mys, page_size=2)  # four pages
    told = _notices(nodes.mys, "mys-analyst", "received")
    assert len(told) == 1
    assert told[0].details == {"indicator": "7"}
    assert told[0].subject == "7 objects received from IND"
    assert told[0].object_id is None


def test_an_idle_pull_tells_no_one(nodes: Pair) -> None:
    _share(nodes, "Shared once")
    nodes.pull(nodes.mys)
    before = [(n.id, n.detail) for n in _notices(nodes.mys, "mys-analyst")]
    nodes.pull(nodes.mys)
    nodes.pull(nodes.mys)
    assert [(n.id, n.detail) for n in _notices(nodes.mys, "mys-analyst")] == before
    assert len(before) == 1
    with nodes.ind.db.read() as session:  # India received only Mitra's bookkeeping (acknowledgements: none here)
        assert session.scalars(select(Notice)).all() == []


def test_a_red_object_is_not_counted_for_someone_not_named(nodes: Pair) -> None:
    _share(nodes, "Named for NSC only", tlp="red", red_recipients=("MYS:NSC",))
    _share(nodes, "Green for all")
    nodes.pull(nodes.mys)
    analyst = _notices(nodes.mys, "mys-analyst", "received")  # NSC: named
    viewer = _notices(nodes.mys, "mys-viewer", "received")  # NACSA: not named
    assert analyst[0].details == {"indicator": "2"}
    assert viewer[0].details == {"indicator": "1"}
    assert "Named for NSC only" not in viewer[0].subject


def test_reading_the_notice_starts_a_new_one_for_the_next_pull(nodes: Pair) -> None:
    _share(nodes, "First batch")
    nodes.pull(nodes.mys)
    with nodes.mys.db.write() as session:
        for notice in session.scalars(select(Notice).where(Notice.username == "mys-analyst")):
            notice.read_at = notice.created_at
    _share(nodes, "Second batch")
    nodes.pull(nodes.mys)
    told = _notices(nodes.mys, "mys-analyst", "received")
    assert [n.details for n in told] == [{"indicator": "1"}, {"indicator": "1"}]


def test_a_partners_revocation_is_told_to_those_who_could_see_it(nodes: Pair) -> None:
    object_id = _share(nodes, "Soon revoked")
    nodes.pull(nodes.mys)
    with nodes.ind.db.write() as session:
        nodes.ind.store.revoke(session, object_id=object_id, actor=nodes.ind_people["analyst"].actor)
    nodes.pull(nodes.mys)
    told = _notices(nodes.mys, "mys-analyst", "retracted")
    assert [(n.object_id, n.subject) for n in told] == [(object_id, "Soon revoked revoked by IND")]
    nodes.pull(nodes.mys)  # the same revocation again is not a second notice
    assert len(_notices(nodes.mys, "mys-analyst", "retracted")) == 1


def test_a_partners_narrowing_is_told_and_names_nothing_once_hidden(nodes: Pair) -> None:
    object_id = _share(nodes, "Soon narrowed", tlp="amber")
    nodes.pull(nodes.mys)
    with nodes.ind.db.write() as session:
        change_marking(
            session,
            node=nodes.ind,
            object_id=object_id,
            actor=nodes.ind_people["analyst"].actor,
            reason="source protection",
            handling=HandlingInput("amber", "IND", "NSCS", releasable_to=()),
        )
    nodes.pull(nodes.mys)
    told = _notices(nodes.mys, "mys-viewer", "narrowed")
    assert len(told) == 1
    assert told[0].details == {"reason": "source protection"}
    assert _notices(nodes.mys, "mys-viewer", "received")[0].details == {"indicator": "1"}  # the retraction is not
