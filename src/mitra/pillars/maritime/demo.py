"""What the demo loads for the maritime pillar: NGA's piracy reports (ASAM) and an AIS sample, with its events."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.maritime.ais.events import detect_and_record
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.asam import import_asam

if TYPE_CHECKING:
    from mitra.node import Node
    from mitra.policy import Actor


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    path = shared / "maritime" / "piracy" / "nga_asam_2022-06-21.csv"
    if not path.is_file():
        return []
    report = import_asam(node, path=path, actor=actor, handling=node.public_handling())
    lines = [f"maritime: {report.added:,} ASAM incidents ({report.rejected_count} bad rows reported)"]
    sample = shared / "maritime" / "ais_nmea" / "gpsd_aishub_ais-nmea-sample.log"
    if sample.is_file():
        ingested = ingest_file(PositionStore.for_settings(node.settings), sample)
        detected = detect_and_record(node, actor)
        lines.append(
            f"maritime: AIS sample ingested ({ingested.stored_positions:,} new positions); "
            f"{detected.found:,} events found, {detected.updated:,} updated"
        )
    return lines
