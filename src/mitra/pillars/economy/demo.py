"""What the demo loads for the economy pillar: the shipped trade and minerals files, into DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.economy.seed import load_shipped

if TYPE_CHECKING:
    from mitra.node import Node
    from mitra.policy import Actor


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    reports = load_shipped(node, shared / "economy")
    return [f"economy: {sum(r.added for r in reports):,} records from {len(reports)} files into the analytics store"]
