"""What the demo loads for the maritime pillar: NGA's piracy reports (ASAM) and an AIS sample, with its events.

The events are detected as ``mitra ais detect`` detects them (:func:`run_detection`: preset ``all``,
the node's areas of interest, the shipped ports), and the demo's line names those settings. A node that
follows live AIS feeds (``ais_feeds``: the demo's replays of the same sample) does neither: its map shows
what the feeds bring, dated now, and its events are detected as they arrive.
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
    """What an import did; on a re-run that brings nothing new it says so ("8,642 held already, nothing new")."""
    if report.read and not report.added and not report.updated:
        said = f"{report.unchanged:,} held already, nothing new"
        skipped = [
            f"{n:,} {what}" for n, what in ((report.duplicate_count, "duplicates"), (report.rejected_count, "rejected"))
        ]
        if report.duplicate_count or report.rejected_count:
            said += f" ({' and '.join(skipped)} as before)"
        return said
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
    if node.settings.ais_feeds:
        # A node that follows live feeds (the demo's replays of this sample) shows what they bring, dated now, and
        # detects events as they store positions (streaming): the sample ingested as a file would date its
        # positions by the capture's own 2012 base-station clocks, and a batch run would race the stream.
        lines.append(
            f"maritime: AIS sample {sample.name} not ingested as a file: the map follows the live feeds "
            f"{', '.join(sorted(node.settings.ais_feeds))}, and their events are detected as they arrive"
        )
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
    if detected.unchanged and not (detected.found or detected.updated or detected.withdrawn):
        outcome = f"{detected.unchanged:,} held already, nothing new"
    else:
        outcome = (
            f"{detected.found:,} found, {detected.updated:,} updated, {detected.withdrawn:,} withdrawn, "
            f"{detected.unchanged:,} unchanged"
        )
    lines.append(
        f"maritime: AIS events over {detected.positions:,} positions: {outcome} "
        f"(the settings of `mitra ais detect`: {detected.settings})"
    )
    return lines
