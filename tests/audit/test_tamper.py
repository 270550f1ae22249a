"""``mitra audit verify`` catches tampering done directly in the database, and exits non-zero."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from mitra.audit.service import verify
from mitra.bootstrap import open_node
from mitra.cli import app
from mitra.node import Node
from tests.conftest import make_settings, node_env


@pytest.fixture
def busy_node(node: Node) -> Node:
    node.seed()
    return node


def run_verify(node: Node) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify"], env=node_env(node))
    return result.exit_code, result.output


def tamper(node: Node, sql: str) -> None:
    with node.db.writer.begin() as connection:
        connection.execute(text(sql))


def test_intact_chain_verifies_with_exit_0(busy_node: Node) -> None:
    code, output = run_verify(busy_node)
    assert code == 0, output
    assert "intact" in output


def test_an_edited_entry_is_named_and_exits_1(busy_node: Node) -> None:
    tamper(busy_node, "UPDATE audit_entries SET actor = 'IND:NSCS:mallory' WHERE seq = 5")
    code, output = run_verify(busy_node)
    assert code == 1
    assert "entry 5" in output
    assert "edited" in output


def test_a_deleted_entry_is_found(busy_node: Node) -> None:
    tamper(busy_node, "DELETE FROM audit_entries WHERE seq = 3")
    code, output = run_verify(busy_node)
    assert code == 1
    assert "missing" in output


def test_a_truncated_tail_is_found_against_the_node_head(busy_node: Node) -> None:
    tamper(busy_node, "DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)")
    with busy_node.db.read() as session:
        report = verify(session)
    assert not report.ok
    assert "missing" in (report.problem or "")


def test_reordered_entries_are_found(busy_node: Node) -> None:
    tamper(busy_node, "UPDATE audit_entries SET seq = -1 WHERE seq = 2")
    tamper(busy_node, "UPDATE audit_entries SET seq = 2 WHERE seq = 3")
    tamper(busy_node, "UPDATE audit_entries SET seq = 3 WHERE seq = -1")
    code, output = run_verify(busy_node)
    assert code == 1
    assert "entry 2" in output


def test_a_change_and_its_audit_entry_commit_together_or_not_at_all(tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from mitra.core.objects import StixObject
    from mitra.core.stix import HandlingInput
    from mitra.policy import Role
    from tests.conftest import add_person

    node = open_node(make_settings(tmp_path))
    node.init()
    analyst = add_person(node, "asha", {Role.ANALYST})
    with node.db.read() as session:
        entries_before = verify(session).entries
        objects_before = session.scalar(select(func.count()).select_from(StixObject))
    indicator = {
        "type": "indicator",
        "pattern": "[ipv4-addr:value = '45.83.64.1']",
        "pattern_type": "stix",
        "valid_from": "2025-01-01T00:00:00Z",
    }
    # The failure must come inside the transaction, after the change: hence two statements.
    with pytest.raises(RuntimeError, match="after the change"), node.db.write() as session:  # noqa: PT012
        node.store.create(session, obj=indicator, handling=HandlingInput("green", "IND", "NSCS"), actor=analyst.actor)
        raise RuntimeError("failure after the change was written")
    with node.db.read() as session:
        report = verify(session)
        assert report.ok
        assert report.entries == entries_before
        assert session.scalar(select(func.count()).select_from(StixObject)) == objects_before
    node.close()
