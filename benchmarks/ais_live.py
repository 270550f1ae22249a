"""AIS live: a replayed TCP feed into one node at a sustained rate — loss, ingest lag, CPU and memory over time,
and the streaming detectors' throughput against the batch detectors' on the same positions, in one run.

    .venv/bin/python benchmarks/ais_live.py [--seconds 300] [--rate 10000] [--capture PATH]

``--seconds 20`` is the quick mode for trying it.

The node: a real one (``open_node`` + ``init``, embedded SQLite, its Parquet store) on a temporary data dir, whose
``MITRA_AIS_FEEDS`` names one TCP source, ``bench``. It runs what the maritime pillar's ``workers`` hook gives it
(what ``mitra serve`` starts: the feed service with what follows it — the live map's bus in the node's process,
streaming detection storing events and the watch rules raising alerts in a detection process of its own); the
benchmark only wraps that feed's ``on_stored`` hook to time it.

The sender: ``replay.py`` (``plan_replay``, ``replay_lines``, ``TcpFanout``) in a child process (so that it does not
share the node's interpreter lock; on a real deployment the sender is another machine), replaying the AISHub capture
in loops. The capture carries no times; it is "3 minutes of live AISHub feed" (its header), so its lines are dated
at its own pace (:data:`CAPTURE_SECONDS`) and sent ``speed`` = rate / that pace times faster, each loop's times
shifted on by the capture's length (the vessels keep their real speeds; the times run ahead of the clock). Each
line is stamped with a tag block ``c:`` of its rewritten time (so the node dates it by the message, as a file).

Accounting (units: *records*, as the ingest reports them — a whole message, its fragments together, or a line that
could not become one). After the sender stops, the node is given time to read everything, its feed is stopped, and:

* ``sent``: the lines the sender handed to its TCP server; ``sent_records``: the records those lines make, as the
  same ingest (``AisIngestor``, into a scratch store, after the run) frames and decodes the very lines sent.
* ``stored``: rows the node's Parquet store holds from the source (every dataset; a type 19 report, stored as a
  position and as static data, counted once, as the ingest counts it), checked against the feed's health count.
* ``duplicates`` and ``counted_bad``: the feed's health counters (the same report twice; framing rejects,
  non-NMEA lines, over-long lines).
* ``counted_non_position``: records that are good sentences the store does not keep (types not kept, a report
  without a usable position) — the reference ingest's count of them, since the feed's health counts them nowhere.

``lost = sent_records - stored - duplicates - counted_bad - counted_non_position``; it must be 0. A line lost on
the socket (the TCP server drops a client that falls 10,000 writes behind) shows as a record neither stored nor
counted. The feed's decoded message count is also checked equal to the reference's, so that a non-position
message lost inside the node would not hide behind the reference's count.

Ingest lag: for each batch the feed stores, its positions hook records when it ran and the batch's first and last
line number; the sender records when it handed each chunk of lines to its TCP server (its queue to the socket). The
lag of a line is (batch stored) - (line sent), over every line of every batch: p50, p95, max.

Alert latency (``alert_p95_ms``): a "watched vessel seen" rule over the capture's first :data:`WATCHED` vessels
raises one alert per vessel at its first position; per alert, from that line handed to the socket (wall clock) to the
alert's first version stored at the node (its ``created``). What follows it to the partner's map (release, signed
sync) is not in this figure. Before the feed is stopped, detection is given time to catch up with what was stored
(:data:`DETECT_DRAIN_SECONDS`; detection runs in its own process, so the feed never waits for it).

Peer: the batch detectors (``EventDetector``, DuckDB) over the positions the node stored, after the run, against
the stream detectors over the same positions after the run, fed in the order and the mean batch size the feed
stored them (the in-run detection is in another process, and shares the machine with the feed);
``ais_stream.check_same`` compares their events, and a batch run of the stream preset at the node
(``detect_and_record``) checks that the events the node's detection stored are the batch's, unchanged.
RESULT: ``mitra`` the lines the node read ÷ the seconds the sender sent, ``peer`` the lines sent ÷ the same seconds
(the replay's own rate), ``ratio`` read / sent; beside them the lag, the loss, both detectors' rates and their ratio.
``--feed-only`` runs the feed service alone (no detection, no events, no alerts), to tell the feed's own capacity
from that of what follows it. CPU (user + system, % of one core) and resident memory
(VmRSS, and RssAnon: the heap, without mapped files) of the node's process are sampled every
:data:`SAMPLE_EVERY` seconds; first, last and max are printed, so growth shows.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import load_average
from ais_stream import check_same
from mitra.bootstrap import open_node
from mitra.pillars.maritime.ais.decode import POSITION_TYPES
from mitra.pillars.maritime.ais.detect import DetectedEvent, EventDetector
from mitra.pillars.maritime.ais.events import SHIPPED_PORTS_DIR
from mitra.pillars.maritime.ais.feed import FEEDS, FeedHealth, FeedService
from mitra.pillars.maritime.ais.ingest import AisIngestor
from mitra.pillars.maritime.ais.replay import ReplayLine, TcpFanout, plan_replay, read_capture, replay_lines
from mitra.pillars.maritime.ais.store import DATASETS, PositionStore
from mitra.pillars.maritime.ais.stream import STREAMED, StreamDetector
from mitra.pillars.maritime.areas import default_areas
from mitra.settings import load_settings

CAPTURE = Path(__file__).resolve().parents[2] / "shared" / "data" / "maritime" / "ais_nmea"
CAPTURE_FILE = CAPTURE / "gpsd_aishub_ais-nmea-sample.log"
CAPTURE_SECONDS = 180.0  # "3 minutes of live AISHub feed"
SOURCE = "bench"
SAMPLE_EVERY = 5.0  # seconds between CPU / memory samples
DRAIN_SECONDS = 120.0  # after the sender stops: how long the node may take to read what was sent
STOP_SECONDS = 300.0  # then how long its feed may take to store, and follow, what it read before it ends
# The feed's health does not count these rejects as bad lines (feed._NOT_BAD): good sentences not kept.
NOT_BAD = ("not kept", "not decoded", "reserved variant", "position not available", "coordinates out of range")
TICKS = os.sysconf("SC_CLK_TCK")


# ----- the sender (a child process) ---------------------------------------------------------------------------


def _sender(lines: list[bytes], rate: float, capture_rate: float, seconds: float, pipe: Connection) -> None:
    """Serve the capture on a free port; once the node is connected and told to go, replay it in loops for
    ``seconds``; send back what was sent: the loops' start times, lines sent, and (count, time) per chunk."""
    fanout = TcpFanout("127.0.0.1", 0)
    pipe.send(fanout.port)
    pipe.recv()  # go
    while not fanout.clients:
        time.sleep(0.01)
    speed = rate / capture_rate
    stop = threading.Event()
    counts: list[int] = []
    times: list[float] = []
    walls: list[float] = []  # the same moments by the wall clock: an alert's stored time is a wall-clock time
    starts: list[float] = []
    total = 0
    plans: queue.Queue[tuple[float, list[ReplayLine]]] = queue.Queue(maxsize=1)

    def plan_ahead() -> None:  # the next loop's plan is made while this one is sent, so loops follow on
        at = time.time()
        while not stop.is_set():
            plan, span = plan_replay(lines, speed=speed, rate=capture_rate, start=at)
            while not stop.is_set():
                try:
                    plans.put((at, plan), timeout=0.2)
                    break
                except queue.Full:
                    continue
            at += span

    threading.Thread(target=plan_ahead, daemon=True).start()
    while plans.empty():
        time.sleep(0.01)
    began = time.monotonic()
    threading.Timer(seconds, stop.set).start()
    while not stop.is_set():
        try:
            at, plan = plans.get(timeout=0.2)
        except queue.Empty:
            continue
        starts.append(at)
        base = total

        def sent_now(done: int, base: int = base) -> None:
            counts.append(base + done)
            times.append(time.monotonic())
            walls.append(time.time())

        total += replay_lines(plan, [fanout], stop=stop, on_sent=sent_now)
    elapsed = time.monotonic() - began
    time.sleep(1.0)  # the server's queues to the socket empty
    dropped = fanout.clients_dropped
    cpu = os.times()
    pipe.send(
        {
            "starts": starts,
            "sent": total,
            "elapsed": elapsed,
            "counts": np.array(counts, dtype=np.int64),
            "times": np.array(times, dtype=np.float64),
            "walls": np.array(walls, dtype=np.float64),
            "dropped": dropped,
            "cpu_seconds": cpu.user + cpu.system,
            "speed": speed,
        }
    )
    pipe.recv()  # the node has read what it will: close
    fanout.close()


# ----- the node's process: sampling, timing -------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    cpu_percent: float
    rss_mb: float
    anon_mb: float
    lines: int
    detection_cpu_percent: float = 0.0  # the detection process (the follower's own, when it runs one)
    detection_rss_mb: float = 0.0


def _cpu_seconds(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _memory_mb(pid: int | str = "self") -> tuple[float, float]:
    rss = anon = 0.0
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("RssAnon:"):
                anon = int(line.split()[1]) / 1024
    return rss, anon


class Sampler(threading.Thread):
    """The node's process, and its detection process (``child()``: its pid, while one runs), every few seconds."""

    def __init__(self, health: Any, child: Any) -> None:
        super().__init__(name="bench-sampler", daemon=True)
        self.health = health
        self.child = child
        self.samples: list[Sample] = []
        self.stop = threading.Event()

    def _child_cpu(self) -> tuple[int | None, float]:
        pid = self.child()
        try:
            return pid, _cpu_seconds(pid) if pid else 0.0
        except OSError:  # it ended between the two looks
            return None, 0.0

    def run(self) -> None:
        began = last_at = time.monotonic()
        last_cpu = _cpu_seconds()
        last_pid, last_child = self._child_cpu()
        while not self.stop.wait(SAMPLE_EVERY):
            now, cpu = time.monotonic(), _cpu_seconds()
            pid, child_cpu = self._child_cpu()
            rss, anon = _memory_mb()
            try:
                child_rss = _memory_mb(pid)[0] if pid else 0.0
            except OSError:
                child_rss = 0.0
            lines = sum(h.lines for h in self.health())
            span = now - last_at
            child_percent = 100 * (child_cpu - last_child) / span if pid and pid == last_pid else 0.0
            self.samples.append(
                Sample(now - began, 100 * (cpu - last_cpu) / span, rss, anon, lines, child_percent, child_rss)
            )
            last_at, last_cpu, last_pid, last_child = now, cpu, pid, child_cpu


@dataclass
class Timing:
    """What the wrapped hooks measured, on the feed's thread."""

    batches: list[tuple[float, int, int]] = field(default_factory=list)  # (stored at, first line, last line)
    hook_seconds: float = 0.0


def _node_feed(node: Any) -> tuple[Any, FeedService]:
    """The maritime pillar's feed worker as the node runs it, and the feed service inside it."""
    workers = {name: w for p in node.pillars if p.workers is not None for name, w in p.workers(node).items()}
    if FEEDS not in workers:
        raise SystemExit(f"the node runs no {FEEDS!r} worker with MITRA_AIS_FEEDS set")
    worker = workers[FEEDS]
    service = getattr(worker, "feed", worker)
    if not isinstance(service, FeedService):
        raise SystemExit(f"the {FEEDS!r} worker holds no FeedService")
    return worker, service


def _wire(worker: Any, service: FeedService, timing: Timing) -> None:
    """Time the worker's stored hook (what the feed's thread does per batch besides storing it: the live bus, the
    queue to detection), and note each stored batch's lines for the lag."""
    downstream = getattr(worker, "on_stored", None) if worker is not service else None

    def hook(source: str, dataset: str, rows: pa.Table) -> None:
        if dataset == "positions" and rows.num_rows:
            lines = rows.column("line")
            timing.batches.append((time.monotonic(), int(pc.min(lines).as_py()), int(pc.max(lines).as_py())))
        started = time.perf_counter()
        if downstream is not None:
            downstream(source, dataset, rows)
        timing.hook_seconds += time.perf_counter() - started

    if not hasattr(service, "set_stored_hook"):
        raise SystemExit("this checkout's FeedService has no set_stored_hook: the benchmark cannot time its batches")
    service.set_stored_hook(hook)


# ----- after the run ------------------------------------------------------------------------------------------


def _lags(timing: Timing, counts: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per line of every stored batch: stored at - sent at (seconds). Line n (from 1) went in the first chunk whose
    cumulative count reaches n."""
    out = []
    for stored_at, first, last in timing.batches:
        lines = np.arange(first, last + 1)
        chunk = np.searchsorted(counts, lines, side="left")
        chunk = np.clip(chunk, 0, len(times) - 1)
        out.append(stored_at - times[chunk])
    return np.concatenate(out) if out else np.zeros(0)


def _reference(lines: list[bytes], sent: dict[str, Any], capture_rate: float, root: Path) -> tuple[Any, int]:
    """The records the sent lines make, by the same ingest into a scratch store: its report and messages."""
    store = PositionStore(root)
    ingestor = AisIngestor(store, source=SOURCE)
    remaining = sent["sent"]
    number = 1
    for start in sent["starts"]:
        if remaining <= 0:
            break
        plan, _ = plan_replay(lines, speed=sent["speed"], rate=capture_rate, start=start)
        texts = [line.text for line in plan[:remaining]]
        remaining -= len(texts)
        for at in range(0, len(texts), 50_000):
            piece = texts[at : at + 50_000]
            ingestor.feed(piece, first_line=number)
            number += len(piece)
    ingestor.finish()
    return ingestor.counts, ingestor.counts.messages


def _stored_records(store: PositionStore) -> tuple[int, dict[str, int], int]:
    """Records the node stored from the source (a type 19 counted once), rows per dataset, and positions."""
    rows: dict[str, int] = {}
    doubles = 0
    with store.reading() as con:
        for name in DATASETS:
            row = con.execute(f"SELECT count(*) FROM all_{name} WHERE source = $1", [SOURCE]).fetchone()
            rows[name] = int(row[0]) if row else 0
        types = ", ".join(str(t) for t in sorted(POSITION_TYPES))
        row = con.execute(
            f"SELECT count(*) FROM all_static WHERE source = $1 AND msg_type IN ({types})",
            [SOURCE],
        ).fetchone()
        doubles = int(row[0]) if row else 0
    return sum(rows.values()) - doubles, rows, rows["positions"]


def _batch_events(store: PositionStore, areas: Any) -> tuple[list[DetectedEvent], float, int]:
    with store.reading(verified=True) as con:
        count_row = con.execute("SELECT count(*) FROM positions").fetchone()
        started = time.perf_counter()
        events = EventDetector(con, ports_dir=SHIPPED_PORTS_DIR, areas=areas).run(list(STREAMED))
        seconds = time.perf_counter() - started
    return events, seconds, int(count_row[0]) if count_row else 0


def _stream_events(store: PositionStore, areas: Any, batch: int) -> tuple[list[DetectedEvent], float, int]:
    """The stream detectors over the same stored positions, in the order the feed stored them (by line), fed
    ``batch`` rows at a time (the run's mean stored batch), timed: the in-run detection is in another process."""
    with store.reading(datasets=("positions",)) as con:
        table = con.sql("SELECT mmsi, ts, lat, lon, sog, cog FROM all_positions ORDER BY line").to_arrow_table()
    detector = StreamDetector(areas=areas, ports_dir=SHIPPED_PORTS_DIR)
    started = time.perf_counter()
    for at in range(0, table.num_rows, max(batch, 1)):
        detector.feed(table.slice(at, batch))
    seconds = time.perf_counter() - started
    return detector.events(), seconds, table.num_rows


def _node_same(node: Any, areas: Any) -> str:
    """What the node's detection stored against a batch run of the stream preset over what its store holds."""
    from mitra.pillars.maritime.ais.events import detect_and_record

    actor = node.operator(username="bench")
    report = detect_and_record(node, actor, preset="stream", areas=areas, ports_dir=SHIPPED_PORTS_DIR)
    if report.found or report.updated or report.withdrawn:
        return (
            f"the node's stored events differ from the batch's: {report.found:,} found, {report.updated:,} updated, "
            f"{report.withdrawn:,} withdrawn, {report.unchanged:,} unchanged"
        )
    return f"the node stored the batch's {report.unchanged:,} events, unchanged"


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _describe(samples: list[Sample]) -> str:
    if not samples:
        return "no samples (a run shorter than one sampling interval)"
    first, last = samples[0], samples[-1]
    cpu = max(s.cpu_percent for s in samples)
    rss = max(s.rss_mb for s in samples)
    anon = max(s.anon_mb for s in samples)
    return (
        f"CPU {first.cpu_percent:.0f}% first, {last.cpu_percent:.0f}% last, {cpu:.0f}% max (of one core); "
        f"RSS {first.rss_mb:.0f} MB first, {last.rss_mb:.0f} MB last, {rss:.0f} MB max; "
        f"heap (RssAnon) {first.anon_mb:.0f} / {last.anon_mb:.0f} / {anon:.0f} MB"
    )


WATCHED = 150  # vessels a "watched vessel seen" rule watches: each raises one alert, at its first position sent
DETECT_DRAIN_SECONDS = 600.0  # after the feed has read everything: how long detection may take to catch up


def _watch(node: Any, lines: list[bytes], root: Path) -> str:
    """A watch rule over the first :data:`WATCHED` vessels of the capture (by the same ingest, into a scratch
    store): any position of one raises an alert, so each vessel's first sighting is one alert to time."""
    from mitra.pillars.maritime.alerts import create_rule, rule_input

    scratch = PositionStore(root)
    ingestor = AisIngestor(scratch, source="watch")
    ingestor.feed(lines, first_line=1)
    ingestor.finish()
    with scratch.reading() as con:
        mmsis = [
            int(r[0])
            for r in con.execute(
                "SELECT mmsi FROM all_positions GROUP BY mmsi ORDER BY min(line) LIMIT ?", [WATCHED]
            ).fetchall()
        ]
    with node.db.write() as session:
        rule = create_rule(
            session,
            node,
            data=rule_input(name="benchmark: first sightings", vessel_mmsis=mmsis, watch_seen=True),
            actor=node.operator(username="bench"),
        )
        return str(rule.id)


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None


def _alert_latencies(
    node: Any, store: PositionStore, rule_id: str, counts: np.ndarray, walls: np.ndarray
) -> np.ndarray:
    """Per alert of the rule: (its first version stored, wall clock) - (the line that raised it sent, wall clock).
    The line: the vessel's position at the alert's start time, as the node stored it (its line number)."""
    from mitra.pillars.maritime.alerts import ALERT_TYPE

    actor = node.operator(username="bench")
    out: list[float] = []
    with node.db.read() as session, store.reading(datasets=("positions",)) as con:
        for row in node.store.iter_visible(session, actor=actor, types=[ALERT_TYPE]):
            obj = row.as_stix()
            if obj.get("rule_ref") != rule_id:
                continue
            start, created = _instant(obj.get("start")), _instant(obj.get("created"))
            if start is None or created is None:
                continue
            found = con.execute(
                "SELECT min(line) FROM positions WHERE source = $1 AND mmsi = $2 AND ts = $3",
                [SOURCE, int(obj["mmsi"]), start.replace(tzinfo=None)],
            ).fetchone()
            if not found or found[0] is None:
                continue
            chunk = int(np.clip(np.searchsorted(counts, int(found[0]), side="left"), 0, len(walls) - 1))
            out.append(created.timestamp() - float(walls[chunk]))
    return np.array(out, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="how long the sender sends (default 300)")
    parser.add_argument("--rate", type=float, default=10_000.0, help="lines a second sent (default 10,000)")
    parser.add_argument("--capture", type=Path, default=CAPTURE_FILE, help="the AIS capture replayed")
    parser.add_argument(
        "--feed-only",
        action="store_true",
        help="the feed service alone, not the node's worker (no detection, no events stored)",
    )
    args = parser.parse_args()
    lines = read_capture(args.capture)
    capture_rate = len(lines) / CAPTURE_SECONDS
    load_start = load_average()
    print(
        f"capture {args.capture.name}: {len(lines):,} lines over {CAPTURE_SECONDS:g} s ({capture_rate:,.0f}/s); "
        f"sending {args.rate:,.0f} lines/s (speed {args.rate / capture_rate:.1f}x) for {args.seconds:g} s"
    )
    print(f"load average at start {load_start}; {os.cpu_count()} CPUs")

    context = mp.get_context("fork")  # before any thread of the node starts
    parent, child = context.Pipe()
    sender = context.Process(target=_sender, args=(lines, args.rate, capture_rate, args.seconds, child), daemon=True)
    sender.start()
    port = parent.recv()

    with tempfile.TemporaryDirectory(prefix="mitra-ais-live-") as tmp:
        root = Path(tmp)
        settings = load_settings(
            nation="IND",
            agencies="NSCS",
            data_dir=root / "node",
            database_url="",
            ais_feeds={SOURCE: f"tcp://127.0.0.1:{port}"},
        )
        node = open_node(settings)
        node.init()
        if args.feed_only:
            service = FeedService.for_settings(settings)
            worker: Any = service
        else:
            worker, service = _node_feed(node)
        rule_id = "" if args.feed_only else _watch(node, lines, root / "watch")
        timing = Timing()
        _wire(worker, service, timing)
        detection = getattr(worker, "detection", None)
        print(
            f"node worker: {type(worker).__name__} (stored hook: {'its own' if worker is not service else 'none'}; "
            f"detection: {type(detection).__name__ if detection is not None else 'none'}, detectors "
            f"{', '.join(STREAMED)})"
        )
        sampler = Sampler(service.health, lambda: getattr(detection, "pid", None))
        worker.start()
        sampler.start()
        parent.send("go")
        sent: dict[str, Any] = parent.recv()  # when the sender has sent for --seconds
        drain_began = last_move = time.monotonic()
        read = -1
        while time.monotonic() - drain_began < DRAIN_SECONDS:
            now_read = sum(h.lines for h in service.health())
            if now_read >= sent["sent"]:
                break
            if now_read != read:
                read, last_move = now_read, time.monotonic()
            elif sent["dropped"] and time.monotonic() - last_move > 30:
                break  # the server dropped the node's connection: what it had queued for it is gone
            time.sleep(0.2)
        drained = time.monotonic() - drain_began
        time.sleep(1.5)  # the last batch (batches are stored at most every second)
        detect_began = time.monotonic()
        while hasattr(worker, "backlog") and time.monotonic() - detect_began < DETECT_DRAIN_SECONDS:
            if worker.backlog == 0 and not worker.busy:
                break
            time.sleep(0.2)  # detection catching up with what was stored (it stops without waiting for it)
        caught_up = time.monotonic() - detect_began
        all_detected = not hasattr(worker, "backlog") or (worker.backlog == 0 and not worker.busy)
        worker.stop()
        stop_began = time.monotonic()
        while service.health()[0].state != "stopped" and time.monotonic() - stop_began < STOP_SECONDS:
            time.sleep(0.2)  # the feed's thread stores (and its hook follows) what it had read before it ends
        stopping = time.monotonic() - stop_began
        sampler.stop.set()
        sampler.join()
        parent.send("close")
        sender.join(timeout=10)
        health: FeedHealth = service.health()[0]
        store = PositionStore.for_settings(settings)

        stored, rows, _positions = _stored_records(store)
        reference, ref_messages = _reference(lines, sent, capture_rate, root / "reference")
        report = reference.report
        non_position = sum(held.count for reason, held in report.rejected.items() if any(w in reason for w in NOT_BAD))
        ref_bad = sum(held.count for reason, held in report.rejected.items() if not any(w in reason for w in NOT_BAD))
        lost = report.read - stored - health.duplicates - health.bad_lines - non_position
        lags = _lags(timing, sent["counts"], sent["times"])

        totals = getattr(worker, "totals", None)
        alert_lags = _alert_latencies(node, store, rule_id, sent["counts"], sent["walls"]) if rule_id else np.zeros(0)
        areas = detection.areas if detection is not None else default_areas()
        mean_batch = health.stored // max(len(timing.batches), 1)
        streamed, stream_seconds, stream_positions = _stream_events(store, areas, mean_batch)
        batched, batch_seconds, batch_positions = _batch_events(store, areas)
        if detection is None:
            node_same = "no detection in the node (--feed-only)"
        elif not all_detected:  # a batch run would only redo what detection had not reached, one version at a time
            node_same = "the node's stored events not checked: detection had not caught up when the feed stopped"
        else:
            node_same = _node_same(node, areas)
        try:
            same = check_same(streamed, batched)
            same_said = f"the same {same:,} events"
        except AssertionError as exc:
            same = -1
            same_said = f"NOT the same events: {exc}"
        node.close()

    load_end = load_average()
    sent_rate = sent["sent"] / sent["elapsed"]
    print(
        f"sent {sent['sent']:,} lines in {sent['elapsed']:.1f} s ({sent_rate:,.0f}/s, {len(sent['starts'])} loops; "
        f"sender CPU {sent['cpu_seconds']:.1f} s; clients dropped by the server: {sent['dropped']})"
    )
    print(
        f"node read {health.lines:,} lines ({drained:.1f} s after the sender stopped, all read: "
        f"{health.lines >= sent['sent']}; its feed stopped {stopping:.1f} s after being told); "
        f"feed health: {health.messages:,} messages, {health.stored:,} stored, "
        f"{health.duplicates:,} duplicates, {health.bad_lines:,} bad lines, {health.reconnects} reconnects"
        + (f", last error: {health.last_error}" if health.last_error else "")
    )
    print(
        f"records: sent {report.read:,} (reference ingest of the lines sent: {ref_messages:,} messages; "
        f"{report.added:,} stored, {report.duplicate_count + report.unchanged:,} duplicates, {ref_bad:,} bad, "
        f"{non_position:,} good but not kept); stored {stored:,} "
        f"(Parquet; rows {', '.join(f'{k} {v:,}' for k, v in rows.items())}; "
        f"feed health says {health.stored:,}); decoded messages node {health.messages:,} vs reference {ref_messages:,}"
    )
    print(
        f"lost = {report.read:,} - {stored:,} - {health.duplicates:,} - {health.bad_lines:,} - {non_position:,} "
        f"= {lost:,}"
        + (
            ""
            if health.messages == ref_messages
            else f" (and {ref_messages - health.messages:,} messages never decoded)"
        )
    )
    print(
        f"ingest lag over {len(lags):,} lines in {len(timing.batches):,} batches: "
        f"p50 {_percentile(lags, 50) * 1000:,.0f} ms, "
        f"p95 {_percentile(lags, 95) * 1000:,.0f} ms, max {(lags.max() if len(lags) else float('nan')) * 1000:,.0f} ms"
    )
    print(_describe(sampler.samples))
    print(
        "samples (s: CPU%, RSS MB, heap MB, lines read | detection process CPU%, RSS MB): "
        + "; ".join(
            f"{s.at:.0f}: {s.cpu_percent:.0f}, {s.rss_mb:.0f}, {s.anon_mb:.0f}, {s.lines:,} | "
            f"{s.detection_cpu_percent:.0f}, {s.detection_rss_mb:.0f}"
            for s in sampler.samples
        )
    )
    stream_rate = stream_positions / stream_seconds if stream_seconds else float("nan")
    batch_rate = batch_positions / batch_seconds if batch_seconds else float("nan")
    print(
        f"detection ({', '.join(STREAMED)}), after the run over the stored positions: stream {stream_positions:,} "
        f"positions in batches of {mean_batch:,} in {stream_seconds:.2f} s ({stream_rate:,.0f}/s); batch "
        f"{batch_positions:,} positions in {batch_seconds:.2f} s ({batch_rate:,.0f}/s); {same_said}; {node_same}; "
        f"the feed's stored hook (the live bus, the queue to detection) {timing.hook_seconds:.1f} s"
    )
    alert_p95 = f"{_percentile(alert_lags, 95) * 1000:.0f}" if len(alert_lags) else "na"
    print(
        f"detection caught up {caught_up:.1f} s after the feed had read everything"
        + (
            f"; followed {totals.positions:,} positions in {totals.batches:,} batches, {totals.events_stored:,} "
            f"events stored, {totals.catch_ups} catch-ups from the store, {totals.failures} failures, "
            f"{totals.restarts} detection restarts"
            if totals is not None
            else ""
        )
    )
    print(
        f"alerts: {len(alert_lags)} first sightings of {WATCHED} watched vessels; line sent -> alert stored at this "
        f"node: p50 {_percentile(alert_lags, 50) * 1000:,.0f} ms, p95 {_percentile(alert_lags, 95) * 1000:,.0f} ms "
        "(the partner's map is not measured here: release and sync follow)"
        if len(alert_lags)
        else "alerts: none raised (--feed-only runs no watch rule)"
    )
    print(f"load average at end {load_end}")
    print(
        f"RESULT name=ais_live mitra={health.lines / sent['elapsed']:.0f} peer={sent_rate:.0f} unit=lines/s "
        f"ratio={health.lines / max(sent['sent'], 1):.3f} peer_is=replay_sent lost={lost} alert_p95_ms={alert_p95} "
        f"lag_p50_ms={_percentile(lags, 50) * 1000:.0f} lag_p95_ms={_percentile(lags, 95) * 1000:.0f} "
        f"stream_positions_per_s={stream_rate:.0f} batch_positions_per_s={batch_rate:.0f} "
        f"stream_batch_ratio={stream_rate / batch_rate:.2f} same_events={same} seconds={args.seconds:g} "
        f"rate={args.rate:g} worker={'feed_only' if args.feed_only else type(worker).__name__} "
        f"load_start={load_start} load_end={load_end}"
    )


if __name__ == "__main__":
    main()
