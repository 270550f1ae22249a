"""The live feed followed: each batch the feed stores moves the open maps' vessels, runs streaming detection
over it, stores what that changes as events and hands those (and the positions) to the pillar's watchers
(the alert rules).

:func:`mitra.pillars.maritime.workers.node_workers` (the pillar's ``workers`` hook) runs one while the node
serves, when ``MITRA_AIS_FEEDS`` names sources, with the watch rules as its watchers.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from shapely.geometry.base import BaseGeometry

from mitra.foundation.errors import MitraError
from mitra.pillars.maritime.ais.detect import DetectedEvent
from mitra.pillars.maritime.ais.events import SHIPPED_PORTS_DIR, DetectionReport, event_id, record_stream_changes
from mitra.pillars.maritime.ais.feed import FeedService
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.ais.stream import StreamChanges, StreamDetector
from mitra.pillars.maritime.live import bus_for
from mitra.pillars.maritime.service import load_areas

if TYPE_CHECKING:
    from mitra.node import Node
    from mitra.policy import Actor

log = logging.getLogger(__name__)

FOLLOWED = ("mmsi", "ts", "lat", "lon", "sog", "cog")  # what detection and the map take of a stored position
MAX_BACKLOG = 2_000_000  # positions queued for detection at most before it starts again from the store
TAKE_AT_ONCE = 200_000  # positions detected as one batch at most when the queue has many
AREAS_EVERY = 30.0  # seconds between looks at whether the node's areas of interest changed
UPDATE_EVERY = 300.0  # seconds between stored versions of an open event that only grows (see FeedFollower._paced)
FEED_ACTOR = "ais-feed"  # who the audit trail names for what the live feed's detection stores

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
    failures: int = 0  # batches whose detection or recording failed (logged); the positions stay stored
    catch_ups: int = 0  # times detection fell too far behind and started again from the store
    area_changes: int = 0  # times the areas of interest changed and detection started again over the new ones


class FeedFollower:
    """The node's feed service, with detection, the live map and the watchers following what it stores.

    The feed's sources never wait for detection: each stored batch is queued (:meth:`on_stored`) and the
    follower's own thread takes what is queued, as one batch, when it is free. If detection falls so far
    behind that the queue holds more than ``max_backlog`` positions, the queue is let go and the detector
    starts again from the store (:meth:`take_up`: the stored positions of its window, read while no batch can be
    stored): nothing is detected twice or invented from a hole, and the feed page counts each such catch-up.
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
    ) -> None:
        self.node = node
        self.actor = node.operator(username=FEED_ACTOR)
        self.feed = feed or FeedService.for_settings(node.settings)
        self.feed.set_stored_hook(self.on_stored)
        self.areas_every = areas_every
        self._areas_checked = time.monotonic()
        self.detector = StreamDetector(areas=load_areas(node, self.actor), ports_dir=ports_dir)
        self.on_events = list(on_events)
        self.on_positions = list(on_positions)
        self.totals = FollowTotals()
        self.update_every = update_every
        self.max_backlog = max_backlog
        self._written: dict[str, float] = {}  # open events' ids -> when their last version was stored (monotonic)
        self._held: dict[str, DetectedEvent] = {}  # open events' newest growth, not stored yet
        self._queue: deque[pa.Table] = deque()
        self._queued = 0  # positions in the queue
        self._overflowed = False  # the queue was let go: take up from the store before the next batch
        self._ready = threading.Condition()
        self._closing = False
        self._stopping = False
        self._busy = False  # the thread is detecting a batch (or taking up the store)
        self._thread = threading.Thread(target=self._run, name="ais-follower", daemon=True)

    def _new_detector(self, areas: Mapping[str, BaseGeometry] | None = None) -> StreamDetector:
        """A fresh detector over the node's areas of interest now, on the ports grid already built."""
        self._areas_checked = time.monotonic()
        chosen = areas if areas is not None else load_areas(self.node, self.actor)
        return StreamDetector(areas=chosen, ports=self.detector.ports)

    def _areas_changed(self) -> Mapping[str, BaseGeometry] | None:
        """The node's areas of interest, if they differ from the detector's (looked at every AREAS_EVERY s)."""
        if time.monotonic() - self._areas_checked < self.areas_every:
            return None
        self._areas_checked = time.monotonic()
        areas = load_areas(self.node, self.actor)
        if _signature(areas) == _signature(self.detector.areas):
            return None
        return areas

    def start(self) -> None:
        """Start following: the thread takes up the stored positions of the window first (an event open before a
        restart goes on, and closes, as if the node had never stopped), then opens the sources."""
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the sources, then store what open events have grown meanwhile. What is queued and not yet detected
        is let go (logged): it is stored, and the next start takes it up from the store, so a node with a long
        backlog stops at once instead of detecting it first."""
        with self._ready:
            self._closing = True  # the feed is not started from now on
        self.feed.stop()  # its sources store and hand over what they hold, then end
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

    @property
    def busy(self) -> bool:
        """Whether a batch taken from the queue is being detected now."""
        return self._busy

    @property
    def backlog(self) -> int:
        """Positions stored and not yet detected."""
        return self._queued

    def on_stored(self, source: str, dataset: str, rows: pa.Table) -> None:
        """The feed's hook (called while the store's write lock is held): the map is told, the rows queued."""
        if dataset != "positions" or rows.num_rows == 0:
            return
        rows = rows.select(list(FOLLOWED))
        bus_for(self.node).positions(rows.to_pylist())
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
        try:
            self.take_up()
        except (MitraError, OSError, ValueError) as exc:
            log.warning("AIS feed: could not take up the stored positions (%s); detection starts from the feed", exc)
        with self._ready:
            if not self._closing:  # under the lock: a stop() from now on stops a started feed
                self.feed.start()
        while True:
            with self._ready:
                self._busy = False
                if not self._queue and not self._overflowed and not self._stopping:
                    self._ready.wait(timeout=self.areas_every)
                if self._stopping:
                    break
                areas = self._areas_changed()
                if areas is not None:  # an area uploaded, changed or withdrawn: detect over the new ones from now
                    self.totals.area_changes += 1
                    log.info("AIS feed: the areas of interest changed; detection starts again from the store")
                    self._overflowed = True
                if not self._queue and not self._overflowed:
                    continue
                self._busy = True
                if self._overflowed:
                    self._overflowed = False
                    overflowed = True
                else:
                    overflowed = False
                    batch, taken = [], 0
                    while self._queue and taken < TAKE_AT_ONCE:
                        taken += self._queue[0].num_rows
                        batch.append(self._queue.popleft())
                    self._queued -= taken
            try:
                if overflowed:
                    self.detector = self._new_detector(areas)
                    self.take_up()
                else:
                    self._follow(pa.concat_tables(batch), publish=True)
            except Exception:  # the follower must go on: the next batch, or the next take-up, is tried
                self.totals.failures += 1
                log.exception("AIS feed: following a stored batch failed")
        held, self._held = list(self._held.values()), {}
        if held:
            self._record(StreamChanges(updated=held), [])

    def take_up(self) -> DetectionReport:
        """Feed the detector the stored positions of its window (before the newest stored one) and store what
        that changes: after a restart, or a catch-up, detection goes on as if it had never stopped. Read while
        the feed's write lock is held, so that no batch is both read here and queued."""
        store = PositionStore.for_settings(self.node.settings)
        window = timedelta(microseconds=self.detector.late_us)
        with self.feed.write_lock:
            with self._ready:
                self._queue.clear()
                self._queued = 0
                self._overflowed = False
            if not store.data_files():
                return DetectionReport()
            with store.reading(datasets=("positions",)) as con:
                table = con.sql(
                    "SELECT mmsi, ts, lat, lon, sog, cog FROM all_positions "
                    "WHERE ts >= (SELECT max(ts) FROM all_positions) - ?::INTERVAL ORDER BY ts, lat, lon",
                    params=[window],
                ).to_arrow_table()
        return self._follow(table, publish=False)

    def _follow(self, rows: pa.Table, *, publish: bool) -> DetectionReport:
        self.totals.batches += 1
        self.totals.positions += rows.num_rows
        try:
            changes = self.detector.feed(rows)
        except (MitraError, OSError, ValueError):
            self.totals.failures += 1
            log.exception("AIS feed: detection over a stored batch of %d positions failed", rows.num_rows)
            return DetectionReport()
        self.totals.too_late += changes.too_late
        self.totals.rejected += len(changes.rejected)
        return self._record(self._paced(changes), [rows] if publish else [])

    def _paced(self, changes: StreamChanges) -> StreamChanges:
        """An event opened, closed or withdrawn is stored at once; one that only grows (a loitering's hours, its
        mean place) at most once every ``update_every`` seconds, its newest state then: a versioned, signed,
        synced object must not take a new version with every second's batch. What is held is stored by the next
        batch after the interval, or at :meth:`stop`."""
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

    def _record(self, changes: StreamChanges, batches: list[pa.Table]) -> DetectionReport:
        try:
            report = record_stream_changes(self.node, self.actor, changes)
        except (MitraError, OSError, ValueError):
            self.totals.failures += 1
            log.exception("AIS feed: storing what detection changed failed")
            return DetectionReport()
        self.totals.events_stored += len(report.recorded)
        for rows in batches:
            for watcher in self.on_positions:
                self._watch(watcher, rows)
        if report.recorded:
            for events_watcher in self.on_events:
                self._watch(events_watcher, report.recorded)
        return report

    def _watch(self, watcher: Callable[[Node, Actor, Any], object], what: Any) -> None:
        try:
            watcher(self.node, self.actor, what)
        except Exception:  # a watcher's fault must not stop the feed: logged with its trace, the next batch goes on
            self.totals.failures += 1
            log.exception("AIS feed: watcher %s failed", getattr(watcher, "__name__", watcher))


def _signature(areas: Mapping[str, BaseGeometry]) -> list[tuple[str, bytes]]:
    return sorted((name, geometry.wkb) for name, geometry in areas.items())
