"""What the demo loads for the economy pillar: the shipped trade and minerals files, into DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.economy.seed import load_shipped

if TYPE_CHECKING:
    from mitra.foundation.reports import ImportReport
    from mitra.node import Node
    from mitra.policy import Actor


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    return [f"economy: {shipped_outcome(load_shipped(node, shared / 'economy'))}"]


def shipped_outcome(reports: list[ImportReport]) -> str:
    """What the demo says of the shipped files: what they added, or, on a second run, that they are held."""
    added, held = sum(r.added + r.updated for r in reports), sum(r.unchanged for r in reports)
    if not reports:
        return "no shipped economy files found"
    if not added and held:
        return f"{len(reports)} files held already ({held:,} records), nothing new"
    said = f"{added:,} records from {len(reports)} files into the analytics store"
    return said + (f" ({held:,} held already)" if held else "")
