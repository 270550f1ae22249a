"""The live feed followed: each batch the feed stores moves the open maps' vessels, runs streaming detection
over it, stores what that changes as events and hands those (and the positions) to the pillar's watchers
(the alert rules).

:func:`mitra.pillars.maritime.workers.node_workers` (the pillar's ``workers`` hook) runs one while the node
serves, when ``MITRA_AIS_FEEDS`` names sources, with the watch rules as its watchers, and its detection in a
process of its own (:class:`DetectionProcess`): the feed's decoding and the node's pages keep one interpreter,
detection, the event writes and the events watchers the other, so that a busy feed is not read more slowly because
detection is busy too. The positions watchers (a watched vessel seen) run on a thread of their own beside the feed
(:class:`_Watching`), so that such an alert does not wait for detection.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
from shapely.geometry.base import BaseGeometry

from mitra.foundation.errors import MitraError
from mitra.pillars.maritime.ais.detect import DetectedEvent
from mitra.pillars.maritime.ais.events import SHIPPED_PORTS_DIR, event_id, record_stream_changes
from mitra.pillars.maritime.ais.feed import FeedService
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.ais.stream import PortGrid, StreamChanges, StreamDetector
from mitra.pillars.maritime.live import bus_for
from mitra.pillars.maritime.service import load_areas

if TYPE_CHECKING:
    from mitra.node import Node
    from mitra.policy import Actor
    from mitra.settings import Settings

log = logging.getLogger(__name__)

FOLLOWED = ("mmsi", "ts", "lat", "lon", "sog", "cog")  # what detection and the map take of a stored position
MAX_BACKLOG = 2_000_000  # positions queued for detection at most before it starts again from the store
TAKE_AT_ONCE = 200_000  # positions detected as one batch at most when the queue has many
AREAS_EVERY = 30.0  # seconds between looks at whether the node's areas of interest changed
UPDATE_EVERY = 300.0  # seconds between stored versions of an open event that only grows (see Detection._paced)
FEED_ACTOR = "ais-feed"  # who the audit trail names for what the live feed's detection stores
CHILD_START_SECONDS = 120.0  # how long a detection process may take to start (import, open the node, the ports)

# What watches the followed feed (the alert rules): given the node, who acts, and what was just stored.
EventsWatcher = Callable[["Node", "Actor", Sequence[Mapping[str, Any]]], object]
PositionsWatcher = Callable[["Node", "Actor", pa.Table], object]


@dataclass
class FollowTotals:
    """What following the feed has done since the node started: shown with the feed's health."""

    batches: int = 0
    positions: int = 0
    events_stored: int = 0  # new events and new versions (updated, closed, withdrawn)
    too_late: int = 0  # positions behind their vessel's window: stored, but only `mitra ais detect` sees them
    rejected: int = 0  # positions without a time or a place: stored, but no detector can use them
    failures: int = 0  # batches whose detection, recording or a watcher failed (logged); the positions stay stored
    catch_ups: int = 0  # times detection fell too far behind and started again from the store
    area_changes: int = 0  # times the areas of interest changed and detection started again over the new ones
    restarts: int = 0  # times the detection process ended unasked and was started again (from the store)
    unwatched: int = 0  # positions the positions watchers fell too far behind to be told of (logged)

    def add(self, other: FollowTotals) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


class DetectionLost(MitraError):
    """The detection process ended (or could not start): the follower starts a new one and takes up the store."""


class Follows(Protocol):
    """What follows each stored batch (:class:`Detection` in the follower's process, or a
    :class:`DetectionProcess`): the follower's thread calls it, one batch at a time."""

    @property
    def late_us(self) -> int: ...

    @property
    def areas(self) -> Mapping[str, BaseGeometry]: ...

    def open(self) -> None: ...

    def follow(
        self, rows: pa.Table, *, restart: bool = False, areas: Mapping[str, BaseGeometry] | None = None
    ) -> FollowTotals: ...

    def finish(self) -> FollowTotals: ...

    def terminate(self) -> None: ...


class Detection:
    """Streaming detection over the batches it is given, the changed events stored (open events that only grow
    at a pace), and the watchers told: what follows the feed, in whichever process runs it."""

    def __init__(
        self,
        node: Node,
        *,
        areas: Mapping[str, BaseGeometry] | None = None,
        ports_dir: Path | None = SHIPPED_PORTS_DIR,
        on_events: Sequence[EventsWatcher] = (),
        update_every: float = UPDATE_EVERY,
    ) -> None:
        self.node = node
        self.actor = node.operator(username=FEED_ACTOR)
        self.detector = self._detector(areas, ports=PortGrid.from_dir(ports_dir))
        self.on_events = list(on_events)
        self.update_every = update_every
        self._written: dict[str, float] = {}  # open events' ids -> when their last version was stored (monotonic)
        self._held: dict[str, DetectedEvent] = {}  # open events' newest growth, not stored yet

    def _detector(self, areas: Mapping[str, BaseGeometry] | None, *, ports: PortGrid) -> StreamDetector:
        """A fresh detector over ``areas`` (the node's now, if None), on a ports grid built already."""
        return StreamDetector(areas=areas if areas is not None else load_areas(self.node, self.actor), ports=ports)

    @property
    def late_us(self) -> int:
        return self.detector.late_us

    @property
    def areas(self) -> Mapping[str, BaseGeometry]:
        return self.detector.areas

    def open(self) -> None:
        """Nothing to start: the detector was built with the follower."""

    def follow(
        self, rows: pa.Table, *, restart: bool = False, areas: Mapping[str, BaseGeometry] | None = None
    ) -> FollowTotals:
        """Detect over ``rows`` (with a fresh detector over ``areas``, or the node's now, if ``restart``: a take-up
        from the store) and store what changed, telling the events watchers."""
        done = FollowTotals(batches=1 if rows.num_rows else 0, positions=rows.num_rows)
        if restart:
            self.detector = self._detector(areas, ports=self.detector.ports)
        if not rows.num_rows:
            return done
        try:
            changes = self.detector.feed(rows)
        except (MitraError, OSError, ValueError):
            done.failures += 1
            log.exception("AIS feed: detection over a stored batch of %d positions failed", rows.num_rows)
            return done
        done.too_late += changes.too_late
        done.rejected += len(changes.rejected)
        self._record(self._paced(changes), done)
        return done

    def terminate(self) -> None:
        """Nothing to end: detection runs on the follower's thread."""

    def finish(self) -> FollowTotals:
        """Store what open events have grown since their last stored version (the follower is stopping)."""
        done = FollowTotals()
        held, self._held = list(self._held.values()), {}
        if held:
            self._record(StreamChanges(updated=held), done)
        return done

    def _paced(self, changes: StreamChanges) -> StreamChanges:
        """An event opened, closed or withdrawn is stored at once; one that only grows (a loitering's hours, its
        mean place) at most once every ``update_every`` seconds, its newest state then: a versioned, signed,
        synced object must not take a new version with every second's batch. What is held is stored by the next
        batch after the interval, or at :meth:`finish`."""
        now = time.monotonic()
        paced = StreamChanges(opened=changes.opened, closed=changes.closed, withdrawn=changes.withdrawn)
        for event in changes.opened:
            self._written[event_id(self.node, event)] = now
        for event in (*changes.closed, *changes.withdrawn):
            self._written.pop(event_id(self.node, event), None)
            self._held.pop(event_id(self.node, event), None)
        for event in changes.updated:
            self._held[event_id(self.node, event)] = event
        for object_id, event in list(self._held.items()):
            if now - self._written.get(object_id, -math.inf) >= self.update_every:
                paced.updated.append(event)
                self._written[object_id] = now
                del self._held[object_id]
        return paced

    def _record(self, changes: StreamChanges, done: FollowTotals) -> None:
        try:
            report = record_stream_changes(self.node, self.actor, changes)
        except (MitraError, OSError, ValueError):
            done.failures += 1
            log.exception("AIS feed: storing what detection changed failed")
            return
        done.events_stored += len(report.recorded)
        if report.recorded:
            for watcher in self.on_events:
                done.failures += not _watched(watcher, self.node, self.actor, report.recorded)


def _watched(watcher: Callable[[Node, Actor, Any], object], node: Node, actor: Actor, what: Any) -> bool:
    """Tell one watcher; whether it went well (a watcher's fault must not stop the feed: logged with its trace,
    the next batch goes on)."""
    try:
        watcher(node, actor, what)
    except Exception:
        log.exception("AIS feed: watcher %s failed", getattr(watcher, "__name__", watcher))
        return False
    return True


@dataclass(frozen=True)
class _ChildSpec:
    """What a detection process is started with (pickled to it: the watchers are module-level functions)."""

    opener: Callable[[Settings], Node]
    settings: Settings
    areas: dict[str, BaseGeometry]
    ports_dir: Path | None
    on_events: tuple[EventsWatcher, ...]
    update_every: float


def _end_with(parent: int) -> None:
    """End this process if the follower's process is gone (killed without a word: no finish comes)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    log.warning("AIS feed: the follower's process %d is gone; detection ends (its open transaction is undone)", parent)
    os._exit(1)


def _child(spec: _ChildSpec, conn: Connection) -> None:
    """A detection process's life: open the node, build the detector, then follow each batch it is sent and
    answer with what that did, until told to finish (or the follower's end of the pipe closes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C stops the follower, which tells this process to finish
    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), name="ais-detection-watchdog", daemon=True).start()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s [detection] %(message)s")
    node = spec.opener(spec.settings)
    try:
        detection = Detection(
            node,
            areas=spec.areas,
            ports_dir=spec.ports_dir,
            on_events=spec.on_events,
            update_every=spec.update_every,
        )
        conn.send(("ready", detection.late_us))
        while True:
            try:
                message = conn.recv()
            except EOFError:  # the follower is gone: what grew is stored, as at a stop
                detection.finish()
                return
            if message[0] == "finish":
                conn.send(("done", asdict(detection.finish())))
                return
            _, rows, restart, areas = message
            conn.send(("done", asdict(detection.follow(rows, restart=restart, areas=areas))))
    finally:
        node.close()


class DetectionProcess:
    """:class:`Detection` in a process of its own (``spawn``: nothing of the node's threads or connections is
    inherited), fed each batch over a pipe and answering with what it did. The node it opens is the follower's
    (``node.opener`` with its settings): the events and alerts it stores reach the maps through the store.

    If the process ends unasked (killed, out of memory), the call that finds it raises :class:`DetectionLost`; the
    follower then starts a new one (:meth:`open`) and takes up the store, as after a restart of the node."""

    def __init__(
        self,
        node: Node,
        *,
        areas: Mapping[str, BaseGeometry],
        ports_dir: Path | None = SHIPPED_PORTS_DIR,
        on_events: Sequence[EventsWatcher] = (),
        update_every: float = UPDATE_EVERY,
    ) -> None:
        if node.opener is None:
            raise MitraError("the AIS feed's detection process needs a node opened by the composition root (opener)")
        self._spec = _ChildSpec(node.opener, node.settings, dict(areas), ports_dir, tuple(on_events), update_every)
        self._late_us = 0
        self._process: Any = None  # a multiprocessing SpawnProcess once opened
        self._conn: Connection | None = None

    @property
    def late_us(self) -> int:
        return self._late_us

    @property
    def areas(self) -> Mapping[str, BaseGeometry]:
        return self._spec.areas

    @property
    def pid(self) -> int | None:
        """The detection process's id while it runs."""
        pid = None if self._process is None else self._process.pid
        return None if pid is None else int(pid)

    def open(self) -> None:
        """Start the process (again, if it ended) and wait until its detector is built."""
        self.close()
        context = mp.get_context("spawn")
        ours, theirs = context.Pipe()
        self._process = context.Process(target=_child, args=(self._spec, theirs), name="ais-detection", daemon=True)
        self._process.start()
        theirs.close()
        self._conn = ours
        _, late_us = self._answer(CHILD_START_SECONDS)
        self._late_us = int(late_us)
        log.info("AIS feed: detection runs in process %s", self._process.pid)

    def follow(
        self, rows: pa.Table, *, restart: bool = False, areas: Mapping[str, BaseGeometry] | None = None
    ) -> FollowTotals:
        if restart and areas is not None:  # a process started again later starts over these
            self._spec = replace(self._spec, areas=dict(areas))
        self._send(("follow", rows, restart, None if areas is None else dict(areas)))
        return FollowTotals(**self._answer(None)[1])

    def finish(self) -> FollowTotals:
        """Have the process store what open events grew, then end it."""
        if self._conn is None:
            return FollowTotals()
        try:
            self._send(("finish",))
            return FollowTotals(**self._answer(None)[1])
        finally:
            self.close()

    def terminate(self) -> None:
        """End the process now, whatever it is doing (its open transaction is undone): a stop that waited long
        enough for a batch. The follower's thread, waiting for its answer, then finds it gone."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()

    def close(self) -> None:
        """End the process (it is asked to finish first by :meth:`finish`; here it is only waited for, then ended)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)
            self._process = None

    def _send(self, message: tuple[Any, ...]) -> None:
        if self._conn is None:
            raise DetectionLost("the AIS feed's detection process is not running")
        try:
            self._conn.send(message)
        except (OSError, ValueError) as exc:
            raise self._lost() from exc

    def _answer(self, timeout: float | None) -> tuple[str, Any]:
        """The process's answer, waiting while it lives (up to ``timeout`` seconds, if one is given)."""
        assert self._conn is not None
        began = time.monotonic()
        while not self._conn.poll(1.0):
            if not self._process.is_alive():
                raise self._lost()
            if timeout is not None and time.monotonic() - began > timeout:
                self.close()
                raise DetectionLost(f"the AIS feed's detection process did not start in {timeout:g} s")
        try:
            answer: tuple[str, Any] = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise self._lost() from exc
        return answer

    def _lost(self) -> DetectionLost:
        code = None if self._process is None else self._process.exitcode
        self.close()
        return DetectionLost(f"the AIS feed's detection process ended (exit code {code})")


class _Watching:
    """The positions watchers (a watched vessel seen) on a thread of their own, in the follower's process: a
    position stored raises its alert within about a second, whatever detection is busy with. What is queued is
    told before the thread ends at a stop; a queue past ``bound`` positions lets its oldest go, counted in the
    totals' ``unwatched`` and logged."""

    def __init__(
        self, node: Node, actor: Actor, watchers: Sequence[PositionsWatcher], totals: FollowTotals, bound: int
    ) -> None:
        self.node, self.actor, self.watchers, self.totals, self.bound = node, actor, list(watchers), totals, bound
        self._queue: deque[pa.Table] = deque()
        self.queued = 0
        self._ready = threading.Condition()
        self._stopping = False
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="ais-watch", daemon=True)

    @property
    def idle(self) -> bool:
        return not self.queued and not self._busy

    def put(self, rows: pa.Table) -> None:
        if not self.watchers:
            return
        with self._ready:
            while self._queue and self.queued + rows.num_rows > self.bound:
                dropped = self._queue.popleft()
                self.queued -= dropped.num_rows
                self.totals.unwatched += dropped.num_rows
                log.warning("AIS feed: the positions watchers fell behind; %d positions not watched", dropped.num_rows)
            self._queue.append(rows)
            self.queued += rows.num_rows
            self._ready.notify_all()

    def start(self) -> None:
        if self.watchers:
            self._thread.start()

    def stop(self, timeout: float) -> None:
        with self._ready:
            self._stopping = True
            self._ready.notify_all()
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                self._busy = False
                self._ready.wait_for(lambda: bool(self._queue) or self._stopping)
                if not self._queue:
                    return  # stopping, and everything queued was told
                batch = list(self._queue)
                self._queue.clear()
                self.queued -= sum(rows.num_rows for rows in batch)
                self._busy = True
            rows = pa.concat_tables(batch)
            for watcher in self.watchers:
                if not _watched(watcher, self.node, self.actor, rows):
                    self.totals.failures += 1


@dataclass(frozen=True)
class _TakeUp:
    areas: Mapping[str, BaseGeometry] | None  # the new areas of interest, or None: the node's now


class FeedFollower:
    """The node's feed service, with detection, the live map and the watchers following what it stores.

    The feed's sources never wait for detection: each stored batch is queued (:meth:`on_stored`) and the
    follower's own thread takes what is queued, as one batch, when it is free, and hands it to its detection
    (in this process, or in one of its own with ``own_process``). If detection falls so far behind that the queue
    holds more than ``max_backlog`` positions, the queue is let go and the detector starts again from the store
    (:meth:`take_up`: the stored positions of its window, read while no batch can be stored): nothing is
    detected twice or invented from a hole, and the feed page counts each such catch-up.
    """

    def __init__(
        self,
        node: Node,
        feed: FeedService | None = None,
        *,
        ports_dir: Path | None = SHIPPED_PORTS_DIR,
        on_events: Sequence[EventsWatcher] = (),
        on_positions: Sequence[PositionsWatcher] = (),
        update_every: float = UPDATE_EVERY,
        max_backlog: int = MAX_BACKLOG,
        areas_every: float = AREAS_EVERY,
        own_process: bool = False,
    ) -> None:
        self.node = node
        self.actor = node.operator(username=FEED_ACTOR)
        self.feed = feed or FeedService.for_settings(node.settings)
        self.feed.set_stored_hook(self.on_stored)
        self.areas_every = areas_every
        self._areas_checked = time.monotonic()
        areas = load_areas(node, self.actor)
        hooks: dict[str, Any] = {
            "areas": areas,
            "ports_dir": ports_dir,
            "on_events": on_events,
            "update_every": update_every,
        }
        self.detection: Follows = DetectionProcess(node, **hooks) if own_process else Detection(node, **hooks)
        self.totals = FollowTotals()
        self.watching = _Watching(node, self.actor, on_positions, self.totals, max_backlog)
        self.max_backlog = max_backlog
        self._queue: deque[pa.Table] = deque()
        self._queued = 0  # positions in the queue
        self._overflowed = False  # the queue was let go: take up from the store before the next batch
        self._ready = threading.Condition()
        self._closing = False
        self._stopping = False
        self._busy = False  # the thread is detecting a batch (or taking up the store)
        self._lost_in_a_row = 0  # detection processes that ended unasked since the last batch followed
        self._thread = threading.Thread(target=self._run, name="ais-follower", daemon=True)

    def _areas_changed(self) -> Mapping[str, BaseGeometry] | None:
        """The node's areas of interest, if they differ from the detector's (looked at every AREAS_EVERY s)."""
        if time.monotonic() - self._areas_checked < self.areas_every:
            return None
        self._areas_checked = time.monotonic()
        areas = load_areas(self.node, self.actor)
        if _signature(areas) == _signature(self.detection.areas):
            return None
        return areas

    def start(self) -> None:
        """Start following: the thread starts detection, takes up the stored positions of the window first (an
        event open before a restart goes on, and closes, as if the node had never stopped), then opens the
        sources. The positions watchers have a thread of their own."""
        self.watching.start()
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the sources, then store what open events have grown meanwhile. What is queued and not yet detected
        is let go (logged): it is stored, and the next start takes it up from the store, so a node with a long
        backlog stops at once instead of detecting it first."""
        with self._ready:
            self._closing = True  # the feed is not started from now on
        self.feed.stop()  # its sources store and hand over what they hold, then end
        self.watching.stop(timeout)  # what they were handed is watched first
        with self._ready:
            self._stopping = True
            if self._queued:
                log.info(
                    "AIS feed: %d positions stored and not yet detected: the next start takes them up", self._queued
                )
            self._queue.clear()
            self._queued = 0
            self._ready.notify_all()
        if self._thread.ident is not None:  # started
            self._thread.join(timeout)
            if self._thread.is_alive():  # a batch longer than the stop may wait: its process is ended
                log.warning(
                    "AIS feed: detection did not finish its batch in %g s; it is ended (stored, taken up at "
                    "the next start)",
                    timeout,
                )
                self.detection.terminate()
                self._thread.join(10)

    @property
    def busy(self) -> bool:
        """Whether a batch taken from the queue is being detected (or watched) now."""
        return self._busy or not self.watching.idle

    @property
    def backlog(self) -> int:
        """Positions stored and not yet detected (or not yet watched)."""
        return self._queued + self.watching.queued

    def on_stored(self, source: str, dataset: str, rows: pa.Table) -> None:
        """The feed's hook (called while the store's write lock is held): the map is told, the rows queued."""
        if dataset != "positions" or rows.num_rows == 0:
            return
        rows = rows.select(list(FOLLOWED))
        bus_for(self.node).positions(rows.to_pylist())
        self.watching.put(rows)
        with self._ready:
            if self._overflowed:
                return  # the store has them: the take-up reads them
            if self._queued + rows.num_rows > self.max_backlog:
                log.warning(
                    "AIS feed: detection fell %d positions behind; it starts again from the store", self._queued
                )
                self._overflowed = True
                self._queue.clear()
                self._queued = 0
                self.totals.catch_ups += 1
            else:
                self._queue.append(rows)
                self._queued += rows.num_rows
            self._ready.notify_all()

    def _run(self) -> None:
        self._busy = True
        try:
            self.detection.open()
            self.take_up()
        except DetectionLost as exc:
            self._lost(exc)
        except (MitraError, OSError, ValueError) as exc:
            log.warning("AIS feed: could not take up the stored positions (%s); detection starts from the feed", exc)
        with self._ready:
            if not self._closing:  # under the lock: a stop() from now on stops a started feed
                self.feed.start()
        while (work := self._next_work()) is not None:
            try:
                if isinstance(work, pa.Table):
                    self.totals.add(self.detection.follow(work))
                else:
                    self.take_up(work.areas)
                self._lost_in_a_row = 0
            except DetectionLost as exc:
                self._lost(exc)
            except Exception:  # the follower must go on: the next batch, or the next take-up, is tried
                self.totals.failures += 1
                log.exception("AIS feed: following a stored batch failed")
        try:
            self.totals.add(self.detection.finish())
        except DetectionLost as exc:
            log.warning("AIS feed: %s before it stored what open events grew; the next start takes them up", exc)

    def _next_work(self) -> pa.Table | _TakeUp | None:
        """What the thread does next, once there is something: the queued batches as one (up to TAKE_AT_ONCE
        positions), a take-up from the store (after an overflow, or over changed areas), or nothing (stopping)."""
        with self._ready:
            while True:
                self._busy = False
                if not self._queue and not self._overflowed and not self._stopping:
                    self._ready.wait(timeout=self.areas_every)
                if self._stopping:
                    return None
                areas = self._areas_changed()
                if areas is not None:  # an area uploaded, changed or withdrawn: detect over the new ones from now
                    self.totals.area_changes += 1
                    log.info("AIS feed: the areas of interest changed; detection starts again from the store")
                    self._overflowed = True
                if self._overflowed:
                    self._busy = True
                    self._overflowed = False
                    return _TakeUp(areas)
                if self._queue:
                    self._busy = True
                    batch, taken = [], 0
                    while self._queue and taken < TAKE_AT_ONCE:
                        taken += self._queue[0].num_rows
                        batch.append(self._queue.popleft())
                    self._queued -= taken
                    return pa.concat_tables(batch)

    def _lost(self, exc: DetectionLost) -> None:
        """Detection's process ended unasked: start a new one, which takes up the store before the next batch. A
        process that keeps ending is started again after a wait that doubles each time (up to a minute)."""
        if self._stopping:
            log.info("AIS feed: %s while stopping", exc)
            return
        self.totals.failures += 1
        self.totals.restarts += 1
        self._lost_in_a_row += 1
        pause = min(60.0, 2.0 ** (self._lost_in_a_row - 1)) if self._lost_in_a_row > 1 else 0.0
        log.warning("AIS feed: %s; it is started again (in %g s) and takes up the stored positions", exc, pause)
        with self._ready:
            self._overflowed = True
            if pause:
                self._ready.wait_for(lambda: self._stopping, timeout=pause)
            if self._stopping:
                return
        try:
            self.detection.open()
        except DetectionLost as again:
            log.error("AIS feed: %s; the next batch tries again", again)

    def take_up(self, areas: Mapping[str, BaseGeometry] | None = None) -> FollowTotals:
        """Start detection again (over ``areas``, or the node's now) and feed it the stored positions of its window
        (before the newest stored one), storing what that changes: after a restart, or a catch-up, detection goes
        on as if it had never stopped. Read while the feed's write lock is held, so that no batch is both read
        here and queued."""
        store = PositionStore.for_settings(self.node.settings)
        window = timedelta(microseconds=self.detection.late_us)
        with self.feed.write_lock:
            with self._ready:
                self._queue.clear()
                self._queued = 0
                self._overflowed = False
            if not store.data_files():
                table = pa.table({name: [] for name in FOLLOWED})  # nothing stored yet: a fresh detector only
            else:
                with store.reading(datasets=("positions",)) as con:
                    table = con.sql(
                        "SELECT mmsi, ts, lat, lon, sog, cog FROM all_positions "
                        "WHERE ts >= (SELECT max(ts) FROM all_positions) - ?::INTERVAL ORDER BY ts, lat, lon",
                        params=[window],
                    ).to_arrow_table()
        done = self.detection.follow(table, restart=True, areas=areas)
        self.totals.add(done)
        return done


def _signature(areas: Mapping[str, BaseGeometry]) -> list[tuple[str, bytes]]:
    return sorted((name, geometry.wkb) for name, geometry in areas.items())
