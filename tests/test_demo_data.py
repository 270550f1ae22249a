"""The interactive demo loads each pillar's public data from ../shared/data into a node, once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.demo import load_pillar_data
from mitra.node import Node
from mitra.pillars.economy.seed import store_of
from tests.conftest import SHARED_DATA, shared_file


def _count(node: Node, type_name: str) -> int:
    with node.db.read() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(StixObject).where(StixObject.type == type_name, StixObject.is_latest)
            )
            or 0
        )


def test_the_demo_loads_piracy_reports_arms_transfers_actors_and_trade(sqlite_node: Node, tmp_path: Path) -> None:
    shared_file("maritime/piracy/nga_asam_2022-06-21.csv")
    load_pillar_data({"IND": sqlite_node}, SHARED_DATA)
    incidents, transfers = (
        _count(sqlite_node, "x-mitra-maritime-incident"),
        _count(sqlite_node, "x-mitra-arms-transfer"),
    )
    assert incidents > 8000
    assert transfers > 1000
    assert _count(sqlite_node, "intrusion-set") > 0
    assert store_of(sqlite_node).count("trade_flows") > 0
    assert _count(sqlite_node, "x-mitra-maritime-event") > 0  # detected in the ingested AIS sample
    load_pillar_data({"IND": sqlite_node}, SHARED_DATA)  # a second start adds nothing
    assert _count(sqlite_node, "x-mitra-maritime-incident") == incidents
    assert _count(sqlite_node, "x-mitra-arms-transfer") == transfers
