"""Each act the issue names leaves its entry in the chain, in the same transaction as the act."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mitra.app import create_app
from mitra.audit.service import AuditEntry
from mitra.core.stix import HandlingInput
from mitra.node import Node
from tests.support.pair import Pair, paired_nodes
from tests.support.web import log_in

INDICATOR = {
    "type": "indicator",
    "name": "C2 relay",
    "pattern": "[ipv4-addr:value = '45.83.64.42']",
    "pattern_type": "stix",
    "valid_from": "2025-01-07T00:00:00Z",
}


@pytest.fixture
def nodes(tmp_path: Path, database_url: str) -> Iterator[Pair]:
    with paired_nodes(tmp_path, database_url) as both:
        yield both


def actions(node: Node, object_id: str | None = None) -> list[str]:
    query = select(AuditEntry.action).order_by(AuditEntry.seq)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    with node.db.read() as session:
        return list(session.scalars(query))


def test_create_update_release_export_receive_and_login_are_each_audited(nodes: Pair) -> None:
    analyst, officer = nodes.ind_people["analyst"], nodes.ind_people["officer"]
    with nodes.ind.db.write() as session:
        row = nodes.ind.store.create(
            session, obj=INDICATOR, handling=HandlingInput("green", "IND", "NSCS"), actor=analyst.actor
        )
    with nodes.ind.db.write() as session:
        nodes.ind.store.new_version(session, object_id=row.id, changes={"name": "C2 relay (seen)"}, actor=analyst.actor)
    with nodes.ind.db.write() as session:
        nodes.ind.store.release(session, object_id=row.id, to="MYS", actor=officer.actor)
    assert actions(nodes.ind, row.id) == ["create", "update", "release"]
    nodes.pull(nodes.mys)
    assert "export" in actions(nodes.ind)
    assert "receive" in actions(nodes.mys, row.id)
    with TestClient(create_app(nodes.ind.settings, node=nodes.ind)) as client:
        log_in(client, analyst)
    with nodes.ind.db.read() as session:
        logins = session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "login")).all()
    assert analyst.username in logins
