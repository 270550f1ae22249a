"""An idle pair's sync writes (almost) nothing to the audit chain, and the chain still covers every object that moved.

Issue 14: 15,675 entries after 77 idle minutes, nearly all of them a head published every round, the partner's
countersignature of it coming back, and that receipt calling for a new head, for ever.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select, text

from mitra.audit.service import AuditEntry, AuditEvent, record, verify
from mitra.bootstrap import open_node
from mitra.core.stix import HandlingInput
from mitra.exchange.live import Syncer
from mitra.exchange.partners import pair
from mitra.exchange.witness import check_witnesses, head_is_due, publish_head
from mitra.node import Node
from tests.conftest import make_settings
from tests.exchange.conftest import Pair
from tests.support.live import LiveServer, free_port
from tests.support.pair import given

INDICATOR = {
    "type": "indicator",
    "name": "moved while the pair idled",
    "pattern": "[ipv4-addr:value = '45.83.64.90']",
    "pattern_type": "stix",
    "valid_from": "2025-01-07T00:00:00Z",
}


def entries(node: Node) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def sync_round(nodes: Pair) -> None:
    """What the demo does every 5 s: each node publishes its head, then each pulls from the other."""
    for node in (nodes.ind, nodes.mys):
        with node.db.write() as session:
            publish_head(session, node)
    nodes.pull(nodes.ind)
    nodes.pull(nodes.mys)


def test_an_idle_pair_syncing_thirty_rounds_writes_at_most_a_handful_of_entries(nodes: Pair) -> None:
    before = {n.nation: entries(n) for n in (nodes.ind, nodes.mys)}
    for _ in range(30):
        sync_round(nodes)
    grown = {n.nation: entries(n) - before[n.nation] for n in (nodes.ind, nodes.mys)}
    # The first rounds carry the heads out and the countersignatures back (a dozen entries or so a node); then none.
    assert all(count <= 20 for count in grown.values()), grown
    settled = {n.nation: entries(n) for n in (nodes.ind, nodes.mys)}
    for _ in range(10):
        sync_round(nodes)
    assert {n.nation: entries(n) for n in (nodes.ind, nodes.mys)} == settled


def test_after_idling_an_object_that_moves_is_exported_received_and_witnessed(nodes: Pair) -> None:
    for _ in range(5):
        sync_round(nodes)
    object_id = given(nodes.ind, INDICATOR, HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)))
    with nodes.ind.db.read() as session:
        moved_at = session.scalars(select(AuditEntry.seq).where(AuditEntry.object_id == object_id)).one()
    for _ in range(5):
        sync_round(nodes)
    with nodes.ind.db.read() as session:
        exports = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export")).all()
        assert any(object_id in detail for detail in exports)
        checks = check_witnesses(session, nodes.ind)
    assert [c.matches for c in checks] == [True]
    assert checks[0].seq is not None
    assert checks[0].seq >= moved_at  # the new head covers the object's entry
    with nodes.mys.db.read() as session:
        received = session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == object_id))
    assert received == "receive"


def test_a_persons_act_calls_for_a_new_head_and_a_countersignature_does_not(nodes: Pair) -> None:
    nodes.pull(nodes.mys)  # what IND releases to MYS anyway (Mitra's type definitions) has moved
    with nodes.ind.db.write() as session:
        assert publish_head(session, nodes.ind) is not None
        assert head_is_due(session, nodes.ind) is False
    nodes.pull(nodes.mys)  # MYS countersigns
    nodes.pull(nodes.ind)  # the countersignature comes back: a receipt, a page, nothing to witness
    with nodes.ind.db.read() as session:
        assert head_is_due(session, nodes.ind) is False
    with nodes.ind.db.write() as session:
        record(session, AuditEvent("asha", "login", None, {"address": "127.0.0.1"}))
        assert head_is_due(session, nodes.ind) is True


def test_a_refused_head_is_worth_witnessing(nodes: Pair) -> None:
    with nodes.ind.db.write() as session:
        publish_head(session, nodes.ind)
        record(session, AuditEvent("partner:MYS", "refuse", "x-mitra-audit-head--0", {"reason": "forged"}))
        assert head_is_due(session, nodes.ind) is True


def test_audit_verify_still_catches_an_edited_entry_after_idle_rounds(nodes: Pair) -> None:
    for _ in range(5):
        sync_round(nodes)
    with nodes.ind.db.read() as session:
        assert verify(session).ok
    with nodes.ind.db.writer.begin() as connection:
        connection.execute(text("UPDATE audit_entries SET actor = 'IND:NSCS:mallory' WHERE seq = 3"))
    with nodes.ind.db.read() as session:
        report = verify(session)
    assert not report.ok
    assert report.first_bad_seq == 3


def test_two_served_nodes_syncing_live_are_witnessed_and_then_quiet(tmp_path: Path) -> None:
    ports = {"IND": free_port(), "MYS": free_port()}
    both = {n: open_node(make_settings(tmp_path, nation=n)) for n in ports}
    for node in both.values():
        node.init()
    pair(both["IND"], both["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    # Rounds every 0.1 s and a head whenever one is due: the idle worst case, 50 times faster than every 5 s.
    syncers = [Syncer(node, interval=0.1, witness_every=0) for node in both.values()]
    try:
        with LiveServer(both["IND"], ports["IND"]), LiveServer(both["MYS"], ports["MYS"]):
            for syncer in syncers:
                syncer.start()
            deadline = time.monotonic() + 30
            witnessed = False
            while not witnessed and time.monotonic() < deadline:
                time.sleep(0.2)
                witnessed = True
                for node in both.values():
                    with node.db.read() as session:
                        witnessed = witnessed and all(c.matches for c in check_witnesses(session, node))
            time.sleep(1.5)  # the last countersignatures come back
            settled = {n: entries(node) for n, node in both.items()}
            rounds = [syncer.rounds for syncer in syncers]
            time.sleep(3)
            grown = {n: entries(node) - settled[n] for n, node in both.items()}
            idle_rounds = min(s.rounds - r for s, r in zip(syncers, rounds, strict=True))
            for syncer in syncers:
                syncer.stop()
    finally:
        for node in both.values():
            node.close()
    assert witnessed
    assert idle_rounds >= 10
    assert all(count <= 3 for count in grown.values()), grown
