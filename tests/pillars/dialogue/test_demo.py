"""The Dialogue's demo: the intake reads the shipped source article against the seeded register, storing nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.node import Node
from mitra.pillars.dialogue.demo import load_demo_data
from tests.conftest import SHARED_DATA, shared_file


def _count(node: Node) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(StixObject)) or 0)


def test_the_demo_flags_the_articles_misdated_visit_and_stores_nothing(seeded: Node) -> None:
    article = shared_file("../seed/000_d1984914421980d1.txt")
    before = _count(seeded)
    lines = load_demo_data(seeded, SHARED_DATA, seeded.operator(username="demo:loader"))
    assert lines[0].startswith(f"dialogue: intake read {article.name}: ")
    # The article dates the Prime Minister's visit to August 2023; the register holds 19-21 August 2024.
    conflicts = [line for line in lines if "conflict:" in line]
    assert len(conflicts) == 1
    assert "August 2023" in conflicts[0]
    assert "19-21 August 2024" in conflicts[0]
    assert _count(seeded) == before


def test_without_the_seed_folder_the_demo_reads_nothing(seeded: Node, tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    assert load_demo_data(seeded, empty, seeded.operator(username="demo:loader")) == []
