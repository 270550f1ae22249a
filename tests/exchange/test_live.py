"""While both nodes serve, a write on one reaches the other by notify-then-pull, without waiting a round."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from mitra.bootstrap import open_node
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.live import Syncer
from mitra.exchange.partners import pair
from mitra.policy import Role
from tests.conftest import add_person, make_settings
from tests.support.live import LiveServer, free_port
from tests.support.pair import given


def test_a_release_reaches_the_partner_by_notify_then_pull(tmp_path: Path) -> None:
    ports = {"IND": free_port(), "MYS": free_port()}
    # Scheduled rounds an hour apart: only the notification can bring the object over in time.
    nodes = {n: open_node(make_settings(tmp_path, nation=n, sync_interval_seconds=3600)) for n in ports}
    for node in nodes.values():
        node.init()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    analyst = add_person(nodes["IND"], "asha", {Role.ANALYST, Role.RELEASE_OFFICER})  # creates released objects
    with LiveServer(nodes["IND"], ports["IND"]), LiveServer(nodes["MYS"], ports["MYS"]):
        with nodes["IND"].db.write() as session:
            created = nodes["IND"].store.create(
                session,
                obj={
                    "type": "indicator",
                    "name": "fresh",
                    "pattern_type": "stix",
                    "valid_from": "2025-01-07T00:00:00Z",
                    "pattern": "[ipv4-addr:value = '45.83.64.200']",
                },
                handling=HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)),
                actor=analyst.actor,
            )
        arrived = False
        deadline = time.monotonic() + 30
        while not arrived and time.monotonic() < deadline:
            with nodes["MYS"].db.read() as session:
                arrived = session.scalar(select(StixObject.seq).where(StixObject.id == created.id)) is not None
            time.sleep(0.1)
    for node in nodes.values():
        node.close()
    assert arrived, "the object did not reach MYS within 30 s of its release"


def test_notify_is_for_partner_accounts_only(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from mitra.app import create_app

    node = open_node(make_settings(tmp_path))
    node.init()
    person = add_person(node, "asha", {Role.ADMIN})
    partner = add_person(node, "partner-mys", {Role.PARTNER}, nation="MYS")
    with TestClient(create_app(node.settings, node=node)) as client:
        denied = client.post("/api/v1/exchange/notify", headers={"Authorization": f"Bearer {person.token}"})
        assert denied.status_code == 403
        not_syncing = client.post("/api/v1/exchange/notify", headers={"Authorization": f"Bearer {partner.token}"})
        assert not_syncing.status_code == 409
        assert "MITRA_SYNC_INTERVAL_SECONDS" in not_syncing.json()["detail"]
    node.close()


def test_the_scheduled_pull_brings_what_was_released_without_any_notification(tmp_path: Path) -> None:
    port = free_port()
    nodes = {n: open_node(make_settings(tmp_path, nation=n)) for n in ("IND", "MYS")}  # nobody notifies
    for node in nodes.values():
        node.init()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{port}", b_url="http://127.0.0.1:1")
    indicator = {
        "type": "indicator",
        "name": "on schedule",
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
        "pattern": "[ipv4-addr:value = '45.83.64.201']",
    }
    syncer = Syncer(nodes["MYS"], interval=0.3)
    try:
        with LiveServer(nodes["IND"], port):
            syncer.start()
            object_id = given(nodes["IND"], indicator, HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)))
            arrived = False
            deadline = time.monotonic() + 30
            while not arrived and time.monotonic() < deadline:
                with nodes["MYS"].db.read() as session:
                    arrived = session.scalar(select(StixObject.seq).where(StixObject.id == object_id)) is not None
                time.sleep(0.1)
            syncer.stop()
    finally:
        for node in nodes.values():
            node.close()
    assert arrived, "the scheduled pull did not bring the object within 30 s"
    assert syncer.rounds >= 1


def test_live_sync_alone_gets_each_nodes_audit_head_witnessed(tmp_path: Path) -> None:
    """Issue 13: after live sync alone, `audit verify --with-partner` failed: the rounds never published a head."""
    from mitra.exchange.witness import check_witnesses

    ports = {"IND": free_port(), "MYS": free_port()}
    nodes = {n: open_node(make_settings(tmp_path, nation=n)) for n in ports}
    for node in nodes.values():
        node.init()
    pair(nodes["IND"], nodes["MYS"], a_url=f"http://127.0.0.1:{ports['IND']}", b_url=f"http://127.0.0.1:{ports['MYS']}")
    syncers = [Syncer(node, interval=0.2, witness_every=0) for node in nodes.values()]
    witnessed: dict[str, bool] = {}
    try:
        with LiveServer(nodes["IND"], ports["IND"]), LiveServer(nodes["MYS"], ports["MYS"]):
            for syncer in syncers:
                syncer.start()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not all(witnessed.get(n) for n in nodes):
                for nation, node in nodes.items():
                    with node.db.read() as session:
                        witnessed[nation] = all(check.matches for check in check_witnesses(session, node))
                time.sleep(0.2)
            for syncer in syncers:
                syncer.stop()
    finally:
        for node in nodes.values():
            node.close()
    assert witnessed == {"IND": True, "MYS": True}


def test_an_idle_node_does_not_publish_a_head_every_round(tmp_path: Path) -> None:
    node, partner = open_node(make_settings(tmp_path)), open_node(make_settings(tmp_path, nation="MYS"))
    node.init()
    partner.init()
    pair(node, partner, a_url="http://127.0.0.1:1", b_url="http://127.0.0.1:2")
    syncer = Syncer(node, interval=3600, witness_every=0)
    assert syncer.publish_head_if_due() is True
    assert syncer.publish_head_if_due() is False  # nothing happened since: the chain ends at that publication
    node.close()
    partner.close()
