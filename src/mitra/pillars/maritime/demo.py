"""What the demo loads for the maritime pillar: NGA's piracy reports (ASAM) and an AIS sample, with its events.

The events are detected as ``mitra ais detect`` detects them (:func:`run_detection`: preset ``all``,
the node's areas of interest, the shipped ports), and the demo's line names those settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.maritime.ais.events import run_detection
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import PositionStore, StoreDamaged
from mitra.pillars.maritime.asam import import_asam

if TYPE_CHECKING:
    from mitra.foundation.reports import ImportReport
    from mitra.node import Node
    from mitra.policy import Actor


def _counts(report: ImportReport) -> str:
    return (
        f"{report.read:,} read: {report.added:,} added, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged, {report.duplicate_count:,} duplicates, {report.rejected_count:,} rejected"
    )


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    path = shared / "maritime" / "piracy" / "nga_asam_2022-06-21.csv"
    if not path.is_file():
        return []
    report = import_asam(node, path=path, actor=actor, handling=node.public_handling())
    lines = [f"maritime: ASAM incidents ({path.name}): {_counts(report)}"]
    sample = shared / "maritime" / "ais_nmea" / "gpsd_aishub_ais-nmea-sample.log"
    if not sample.is_file():
        return lines
    ingested = ingest_file(PositionStore.for_settings(node.settings), sample)
    if ingested.already_complete:
        lines.append(f"maritime: AIS sample {sample.name}: ingested in full before; nothing added")
    else:
        lines.append(f"maritime: AIS sample {sample.name} (messages): {_counts(ingested.report)}")
    try:
        detected = run_detection(node, actor, ports_dir=shared / "maritime" / "ports")
    except StoreDamaged as exc:
        lines.append(f"maritime: AIS events not detected: {exc}")
        return lines
    lines.append(
        f"maritime: AIS events over {detected.positions:,} positions: {detected.found:,} found, "
        f"{detected.updated:,} updated, {detected.withdrawn:,} withdrawn, {detected.unchanged:,} unchanged "
        f"(the settings of `mitra ais detect`: {detected.settings})"
    )
    return lines
