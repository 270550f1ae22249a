"""``mitra ais ...``: ingest AIS, detect events, verify the store's files against their checksums."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra.console import AgencyOption, console, fail, open_node, operator, print_report
from mitra.core import identity
from mitra.foundation.errors import InvalidInput, MitraError, NotFound
from mitra.foundation.timestamps import parse_day_or_timestamp, parse_timestamp
from mitra.node import Node
from mitra.pillars.maritime.ais.detect import PRESETS
from mitra.pillars.maritime.ais.events import SHIPPED_PORTS_DIR, run_detection
from mitra.pillars.maritime.ais.ingest import IngestResult, TimeBasis, ingest_file, ingest_stream
from mitra.pillars.maritime.ais.store import MANIFEST_NAME, PositionStore
from mitra.policy import Action, Actor, authorize

app = typer.Typer(
    help="AIS ingest (files, TCP, UDP), event detection and a check of the stored files.", no_args_is_help=True
)

# What each dataset of the store holds, as the ingest summary names it.
_STORED_LABELS = {
    "positions": "positions stored",
    "static": "static reports stored",
    "stations": "base-station reports stored",
    "sar": "SAR aircraft positions stored",
    "aids": "aid-to-navigation reports stored",
    "safety": "safety messages stored",
}


AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this registered user of the node (their roles) instead of the operator."),
]


def _actor(node: Node, agency: str | None, as_user: str | None) -> Actor:
    """``mitra``'s operator for one of the node's agencies, or with ``--as USER`` that registered user.

    Acting as a user takes the user's own nation, agency and roles, so that what a viewer or a partner
    account may not do is refused here as well.
    """
    if as_user is None:
        return operator(node, agency)
    with node.db.read() as session:
        try:
            user = identity.get_user(session, as_user)
        except NotFound:
            fail(f"--as {as_user!r}: no such user on this node (see `mitra user list`)")
        if not user.active:
            fail(f"--as {as_user!r}: the user is disabled")
        return user.actor()


def _summary(result: IngestResult) -> None:
    counts = result.counts
    if result.already_complete:
        console.print(f"{result.source}: ingested in full before; nothing added")
        return
    table = Table(title=f"AIS ingest: {result.source}")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("lines", counts.lines),
        ("AIS sentences", counts.sentences),
        ("non-AIS lines skipped", counts.skipped),
        ("messages", counts.messages),
        *((label, result.stored.get(name, 0)) for name, label in _STORED_LABELS.items()),
        ("stored with an unknown time", result.untimed),
    ]
    for label, value in rows:
        table.add_row(label, f"{value:,}")
    console.print(table)
    print_report(result.report, f"records of {result.source} (a message, or a line that is not one)")
    if result.untimed:
        console.print(
            f"{result.untimed:,} reports carry no time and none was named: stored with an unknown time, "
            "not used by maps or detectors (give --assume-time or --time-from-file-mtime to time them)",
            highlight=False,
        )
    if result.time_basis:
        console.print(f"time basis for reports without their own time: {result.time_basis}", highlight=False)
    rate = counts.messages / result.seconds if result.seconds else 0.0
    console.print(
        f"{counts.messages:,} messages in {result.seconds:.2f} s ({rate:,.0f}/s); report {result.report_path}"
    )


def _basis(assume_time: str | None, rate: float | None) -> TimeBasis | None:
    if assume_time is None:
        if rate is not None:
            fail("--rate goes with --assume-time: the rate counts lines from that start")
        return None
    try:
        start = parse_timestamp(assume_time, where="--assume-time")
    except InvalidInput as exc:
        fail(str(exc))
    if rate is not None and not rate > 0:
        fail(f"--rate {rate}: give lines per second, more than 0")
    return TimeBasis("assumed", start.timestamp(), rate)


@app.command("ingest")
def ingest(
    source: Annotated[str, typer.Argument(help="A file (plain or gzip), tcp://HOST:PORT or udp://HOST:PORT.")],
    max_seconds: Annotated[float, typer.Option(help="Stop reading a stream after this many seconds.")] = 60.0,
    assume_time: Annotated[
        str | None,
        typer.Option(help="A file's reports without their own time: the capture began then (UTC, ISO 8601)."),
    ] = None,
    rate: Annotated[
        float | None, typer.Option(help="With --assume-time: lines per second after the start (else all at it).")
    ] = None,
    time_from_file_mtime: Annotated[
        bool, typer.Option("--time-from-file-mtime", help="Time such reports by the file's modification time.")
    ] = False,
    agency: AgencyOption = None,
    as_user: AsOption = None,
) -> None:
    """Ingest AIS NMEA (AIVDM/AIVDO) into the position store; resumable and idempotent for files.

    A report without a time of its own (no tag block, receiver time or earlier base-station clock) is
    stored with an unknown time unless a basis is named; the basis is recorded with each report.
    """
    node = open_node()
    try:
        actor = _actor(node, agency, as_user)
        decision = authorize(actor, Action.INGEST, node_nation=node.nation)
        if not decision.allowed:
            fail(f"{actor.username} may not ingest AIS: {decision.reason}")
        store = PositionStore.for_settings(node.settings)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress:
            task = progress.add_task(f"ingesting {source}", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total or None)

            if source.startswith(("tcp://", "udp://")):
                if assume_time or rate or time_from_file_mtime:
                    fail("a stream's reports are timed as they arrive; --assume-time and friends are for files")
                result = ingest_stream(store, source, max_seconds=max_seconds, on_progress=advance)
            else:
                result = ingest_file(
                    store,
                    Path(source),
                    on_progress=advance,
                    basis=_basis(assume_time, rate),
                    time_from_file_mtime=time_from_file_mtime,
                )
        _summary(result)
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()


@app.command("detect")
def detect(
    preset: Annotated[str, typer.Option(help=f"Which detectors: {', '.join(PRESETS)}.")] = "all",
    since: Annotated[str | None, typer.Option(help="Only positions from this UTC time (ISO 8601).")] = None,
    agency: AgencyOption = None,
    as_user: AsOption = None,
) -> None:
    """Detect maritime events in the stored positions; prints events found, updated and withdrawn."""
    if preset not in PRESETS:
        fail(f"--preset {preset!r} is not one of {', '.join(PRESETS)}")
    try:
        start = parse_day_or_timestamp(since, where="--since")
    except InvalidInput as exc:
        fail(str(exc))
    node = open_node()
    try:
        actor = _actor(node, agency, as_user)
        decision = authorize(actor, Action.CREATE, node_nation=node.nation)
        if not decision.allowed:
            fail(f"{actor.username} may not record detected events: {decision.reason}")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress:
            task = progress.add_task("checking the stored files", total=None)

            def advance(what: str, done: int, total: int) -> None:
                progress.update(task, description=what, completed=done, total=total or None)

            report = run_detection(
                node, actor, preset=preset, since=start, ports_dir=SHIPPED_PORTS_DIR, on_progress=advance
            )
        console.print(f"settings: {report.settings}", highlight=False)
        console.print(
            f"{report.positions:,} positions: {report.found:,} events found, {report.updated:,} updated, "
            f"{report.withdrawn:,} withdrawn, {report.unchanged:,} unchanged"
        )
        for kind, count in sorted(report.by_type.items()):
            console.print(f"  {kind}: {count:,}")
        if report.untimed:
            console.print(
                f"{report.untimed:,} positions of unknown time skipped: no detector can place them in time "
                "(re-ingest their file with --assume-time or --time-from-file-mtime to use them)",
                highlight=False,
            )
    except (MitraError, ValueError) as exc:
        fail(str(exc))
    finally:
        node.close()


@app.command("verify")
def verify(
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Record the checksum of each file not recorded yet (written before checksums were kept), "
            "as it is now, if it reads in full.",
        ),
    ] = False,
    agency: AgencyOption = None,
    as_user: AsOption = None,
) -> None:
    """Check every Parquet file of the AIS store against the checksums recorded when it was written.

    Lists each file that is missing, changed or truncated (expected against actual, and whether its rows
    can still be read) and each file not recorded; exits 1 if any is, as `mitra ais detect` then refuses to run.
    """
    node = open_node()
    try:
        actor = _actor(node, agency, as_user)
        action = Action.INGEST if record else Action.READ_DATA
        decision = authorize(actor, action, node_nation=node.nation)
        if not decision.allowed:
            fail(f"{actor.username} may not {'record' if record else 'check'} the AIS store: {decision.reason}")
        store = PositionStore.for_settings(node.settings)
        if record:
            recorded, refused = store.record_unrecorded()
            for item in recorded:
                console.print(f"recorded as found: {item.path} ({item.rows:,} rows)", highlight=False)
            for item in refused:
                console.print(f"not recorded, cannot be read: {item.describe()}", highlight=False, markup=False)
        result = store.check()
        console.print(
            f"AIS store {store.root}: {len(result.files):,} Parquet files checked against {MANIFEST_NAME}",
            highlight=False,
        )
        for item in result.files:
            if item.state != "ok":
                label = "damaged" if item.damaged else "not recorded"
                console.print(f"{label}: {item.describe()}", highlight=False, markup=False)
        if not result.intact:
            damaged, unrecorded = len(result.damaged), len(result.unrecorded)
            fail(
                f"{damaged:,} file{'s' if damaged != 1 else ''} damaged or missing, {unrecorded:,} not recorded; "
                "detection refuses to run until every file is as recorded"
                + ("" if damaged else " (record them with `mitra ais verify --record` once you trust them)")
            )
        console.print("every file is as recorded", highlight=False)
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
