"""``mitra ais ...``: ingest AIS, detect events, verify the store's files against their checksums."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
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


def _ingesting(node: Node, agency: str | None, as_user: str | None) -> Actor:
    """The person ingesting (see :func:`_actor`), once the policy lets them ingest AIS; else the command fails."""
    actor = _actor(node, agency, as_user)
    decision = authorize(actor, Action.INGEST, node_nation=node.nation)
    if not decision.allowed:
        fail(f"{actor.username} may not ingest AIS: {decision.reason}")
    return actor


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
        _ingesting(node, agency, as_user)
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
        if report.alerts:
            console.print(
                f"{len(report.alerts):,} alerts raised by the watch rules (/maritime/alerts)", highlight=False
            )
        if report.repeated:
            console.print(
                f"{report.repeated:,} events found twice under one id (same type, vessel, start and area): "
                "each stored once, the first kept",
                highlight=False,
            )
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


@app.command("feed")
def feed(
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="NAME=URL (tcp://HOST:PORT, udp://HOST:PORT, file:///PATH); repeat. Default: MITRA_AIS_FEEDS.",
        ),
    ] = None,
    agency: AgencyOption = None,
    as_user: AsOption = None,
) -> None:
    """Keep AIS sources open and store what they send until Ctrl-C, with a live table of each source's health.

    The standalone worker of the feed service that `mitra serve` runs when MITRA_AIS_FEEDS is set (docs/ais-feed.md).
    """
    import time as clock

    from rich.live import Live

    from mitra.pillars.maritime.ais.feed import FeedService, parse_source, parse_sources
    from mitra.pillars.maritime.workers import followed_feed

    node = open_node()
    try:
        _ingesting(node, agency, as_user)
        named: list[tuple[str, str]] = []
        for item in source or []:
            name, sep, url = item.partition("=")
            if not sep:
                fail(f"--source {item!r}: give NAME=URL, such as gpsd-1=tcp://127.0.0.1:10110")
            named.append((name.strip(), url.strip()))
        sources = [parse_source(n, u) for n, u in named] if named else parse_sources(node.settings.ais_feeds)
        if not sources:
            fail("no AIS source: give --source NAME=URL or set MITRA_AIS_FEEDS")
        service = FeedService(PositionStore.for_settings(node.settings), sources)
        follower = followed_feed(node, service)  # detection and the watch rules follow; the served maps read the store
        follower.start()
        try:
            with Live(_health_table(service), console=console, refresh_per_second=2) as live:
                while True:
                    clock.sleep(0.5)
                    live.update(_health_table(service))
        except KeyboardInterrupt:
            console.print("stopping: each source stores what it has read and checkpoints", highlight=False)
        finally:
            follower.stop()
        console.print(_health_table(service))
        totals = follower.totals
        console.print(
            f"detection: {totals.positions:,} positions followed, {totals.events_stored:,} events stored or updated"
            + (f", {totals.too_late:,} too late for the stream (run mitra ais detect)" if totals.too_late else "")
            + (f", {totals.failures:,} failures (see the log)" if totals.failures else ""),
            highlight=False,
        )
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()


def _health_table(service: object) -> Table:
    from mitra.pillars.maritime.ais.feed import FeedService

    assert isinstance(service, FeedService)
    table = Table(title="AIS feeds")
    for column in ("source", "state", "msg/s", "messages", "stored", "bad lines", "lag", "reconnects", "last error"):
        table.add_column(column, justify="right" if column in ("msg/s", "messages", "stored", "bad lines") else "left")
    for h in service.health():
        lag = "—" if h.lag_seconds is None else f"{h.lag_seconds:,.1f} s ({h.lag_basis})"
        table.add_row(
            f"{h.name}\n{h.url}",
            h.state,
            f"{h.messages_per_second:,.1f}",
            f"{h.messages:,}",
            f"{h.stored:,}",
            f"{h.bad_lines:,}",
            lag,
            f"{h.reconnects:,}",
            h.last_error or "—",
        )
    return table


@app.command("replay")
def replay(
    file: Annotated[Path, typer.Argument(help="An AIS NMEA capture (plain or gzip).")],
    speed: Annotated[str, typer.Option(help="How much faster than the capture: 1x, 10x, 0.5x.")] = "1x",
    tcp: Annotated[int | None, typer.Option(help="Serve the feed on this TCP port (any number of clients).")] = None,
    udp: Annotated[str | None, typer.Option(help="Send the feed as datagrams to HOST:PORT.")] = None,
    host: Annotated[str, typer.Option(help="The address the TCP server listens on.")] = "127.0.0.1",
    rate: Annotated[
        float, typer.Option(help="Lines a second (times --speed) of a capture that carries no time.")
    ] = 100.0,
    loop: Annotated[
        bool, typer.Option("--loop", help="Start again at the end, times shifted on, until Ctrl-C.")
    ] = False,
    stamp: Annotated[bool, typer.Option(help="Give a line without a time a tag block with its rewritten time.")] = True,
) -> None:
    """Serve a capture as a live AIS feed, paced by its own times and with its times rewritten to now.

    Times are shifted so that the capture's first message is now (each loop on by the capture's length).
    """
    import threading

    from mitra.pillars.maritime.ais.replay import TcpFanout, UdpSender, loops, parse_speed, read_capture, replay_lines

    if tcp is None and udp is None:
        fail("give --tcp PORT or --udp HOST:PORT (or both)")
    if not rate > 0:
        fail(f"--rate {rate}: give lines per second, more than 0")
    try:
        factor = parse_speed(speed)
        lines = read_capture(file)
        target: tuple[str, int] | None = None
        if udp is not None:
            udp_host, _, udp_port = udp.rpartition(":")
            if not udp_host or not udp_port.isdigit() or not 0 < int(udp_port) < 65536:
                fail(f"--udp {udp!r}: give HOST:PORT")
            target = (udp_host.strip("[]"), int(udp_port))
    except MitraError as exc:
        fail(str(exc))
    sinks: list[TcpFanout | UdpSender] = []
    try:
        if tcp is not None:
            try:
                server = TcpFanout(host, tcp)
            except OSError as exc:
                fail(f"--tcp {tcp}: cannot listen on {host}:{tcp} ({exc})")
            sinks.append(server)
            console.print(f"serving {file.name} on tcp://{host}:{server.port}", highlight=False)
        if target is not None:
            sinks.append(UdpSender(*target))
            console.print(f"sending {file.name} to udp://{target[0]}:{target[1]}", highlight=False)
        stop = threading.Event()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, disable=not sys.stdout.isatty()) as progress:
            for number, plan in enumerate(loops(lines, speed=factor, rate=rate, stamp=stamp, repeat=loop), start=1):
                task = progress.add_task(f"loop {number}", total=len(plan))

                def advance(done: int, task: TaskID = task) -> None:
                    progress.update(task, completed=done)

                sent = replay_lines(plan, sinks, stop=stop, on_sent=advance)
                if not sys.stdout.isatty():
                    console.print(f"loop {number}: {sent:,} lines sent", highlight=False)
    except KeyboardInterrupt:
        console.print("stopped", highlight=False)
    finally:
        for sink in sinks:
            sink.close()
