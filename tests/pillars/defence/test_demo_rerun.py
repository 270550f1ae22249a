"""A second ``make demo`` says the SIPRI register is held already, not "0 rows" as if it had failed."""

from __future__ import annotations

from pathlib import Path

from mitra.node import Node
from mitra.pillars.defence.demo import load_demo_data
from mitra.policy import Role
from tests.conftest import add_person, shared_file


def test_the_second_demo_load_says_the_register_is_held_already(sqlite_node: Node) -> None:
    shared = shared_file("economy/sipri_trade_register_india_malaysia.csv").parents[1]
    officer = add_person(sqlite_node, "rao", {Role.ANALYST, Role.RELEASE_OFFICER}, agency="NSCS").actor
    first = load_demo_data(sqlite_node, Path(shared), officer)
    second = load_demo_data(sqlite_node, Path(shared), officer)
    assert first == ["defence: 1,176 SIPRI arms transfers added"]
    assert second == ["defence: SIPRI arms transfers: 1,176 held already, nothing new"]
