"""What the demo loads for the defence pillar: SIPRI's India-Malaysia arms-transfer register."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.defence import service
from mitra.pillars.defence.sipri import parse_sipri

if TYPE_CHECKING:
    from mitra.foundation.reports import ImportReport
    from mitra.node import Node
    from mitra.policy import Actor


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    path = shared / "economy" / "sipri_trade_register_india_malaysia.csv"
    if not path.is_file():
        return []
    parsed = parse_sipri(path.read_bytes().decode("utf-8-sig"))
    with node.db.write() as session:
        report = service.import_sipri(session, store=node.store, parsed=parsed, actor=actor, where=path.name)
    return [f"defence: {sipri_outcome(report)}"]


def sipri_outcome(report: ImportReport) -> str:
    """What the demo says of the SIPRI load: what it added, or, on a second run, that the register is held."""
    if not report.added and not report.updated and report.unchanged:
        said = f"SIPRI arms transfers: {report.unchanged:,} held already, nothing new"
    else:
        said = f"{report.added:,} SIPRI arms transfers added"
        if report.updated:
            said += f", {report.updated:,} updated"
        if report.unchanged:
            said += f", {report.unchanged:,} held already"
    if report.rejected_count:
        said += f" ({report.rejected_count:,} rows refused: see mitra defence import-sipri)"
    return said
