"""`mitra exchange verify` and `mitra audit verify --with-partner`: exit 0 on intact copies, non-zero on tampering."""

from __future__ import annotations

from sqlalchemy import select, text
from typer.testing import CliRunner

from mitra.cli import app
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.witness import publish_head
from tests.conftest import node_env
from tests.exchange.conftest import Pair
from tests.support.pair import given


def test_exchange_verify_exits_non_zero_when_a_received_copy_was_edited(nodes: Pair) -> None:
    indicator = {
        "type": "indicator",
        "name": "signed at IND",
        "pattern": "[ipv4-addr:value = '45.83.64.77']",
        "pattern_type": "stix",
        "valid_from": "2025-01-07T00:00:00Z",
    }
    object_id = given(nodes.ind, indicator, HandlingInput("green", "IND", "NSCS", releasable_to=("MYS",)))
    nodes.pull(nodes.mys)
    intact = CliRunner().invoke(app, ["exchange", "verify"], env=node_env(nodes.mys))
    assert intact.exit_code == 0, intact.output
    assert "received versions verify with their partner's key" in intact.output
    with nodes.mys.db.write() as session:
        row = session.scalar(select(StixObject).where(StixObject.id == object_id))
        assert row is not None
        row.body = row.body.replace("signed at IND", "edited at MYS")
    tampered = CliRunner().invoke(app, ["exchange", "verify"], env=node_env(nodes.mys))
    assert tampered.exit_code == 1, tampered.output
    assert object_id in tampered.output


def test_audit_verify_with_partner_exits_non_zero_when_our_witnessed_entry_changed(nodes: Pair) -> None:
    with nodes.ind.db.write() as session:
        publish_head(session, nodes.ind)
    nodes.pull(nodes.mys)
    nodes.pull(nodes.ind)
    intact = CliRunner().invoke(app, ["audit", "verify", "--with-partner"], env=node_env(nodes.ind))
    assert intact.exit_code == 0, intact.output
    assert "MATCH" in intact.output
    with nodes.ind.db.writer.begin() as connection:
        seq = connection.execute(text("SELECT max(seq) FROM audit_entries")).scalar_one()
        connection.execute(text("UPDATE audit_entries SET detail = '{}' WHERE seq = :s"), {"s": seq - 1})
    tampered = CliRunner().invoke(app, ["audit", "verify", "--with-partner"], env=node_env(nodes.ind))
    assert tampered.exit_code != 0, tampered.output
