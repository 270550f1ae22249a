"""What the demo loads for the defence pillar: SIPRI's India-Malaysia arms-transfer register."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.defence import service
from mitra.pillars.defence.sipri import parse_sipri

if TYPE_CHECKING:
    from mitra.node import Node
    from mitra.policy import Actor


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    path = shared / "economy" / "sipri_trade_register_india_malaysia.csv"
    if not path.is_file():
        return []
    parsed = parse_sipri(path.read_bytes().decode("utf-8-sig"))
    with node.db.write() as session:
        report = service.import_sipri(session, store=node.store, parsed=parsed, actor=actor, where=path.name)
    return [f"defence: {report.added:,} SIPRI arms transfers ({report.rejected_count} rows reported)"]
