"""The live feed followed: each batch the feed stores moves the open maps' vessels, runs streaming detection
over it, stores what that changes as events and hands those (and the positions) to the pillar's watchers
(the alert rules).

:func:`node_feed_workers` is the maritime pillar's ``workers`` hook: when ``MITRA_AIS_FEEDS`` names sources, the
node runs one :class:`FeedFollower` (the feed service and what follows it) while it serves.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from mitra.foundation.errors import MitraError
from mitra.pillars.maritime.ais.detect import DetectedEvent
from mitra.pillars.maritime.ais.events import SHIPPED_PORTS_DIR, DetectionReport, event_id, record_stream_changes
from mitra.pillars.maritime.ais.feed import FEEDS, FeedService
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.ais.stream import StreamChanges, StreamDetector
from mitra.pillars.maritime.live import bus_for
from mitra.pillars.maritime.service import load_areas

if TYPE_CHECKING:
    from mitra.foundation.workers import Worker
    from mitra.node import Node
    from mitra.policy import Actor

log = logging.getLogger(__name__)

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


class FeedFollower:
    """The node's feed service, with detection, the live map and the watchers following what it stores."""

    def __init__(
        self,
        node: Node,
        feed: FeedService | None = None,
        *,
        ports_dir: Path | None = SHIPPED_PORTS_DIR,
        on_events: Sequence[EventsWatcher] = (),
        on_positions: Sequence[PositionsWatcher] = (),
        update_every: float = UPDATE_EVERY,
    ) -> None:
        self.node = node
        self.actor = node.operator(username=FEED_ACTOR)
        self.feed = feed or FeedService.for_settings(node.settings)
        self.feed.set_stored_hook(self.on_stored)
        self.detector = StreamDetector(areas=load_areas(node, self.actor), ports_dir=ports_dir)
        self.on_events = list(on_events)
        self.on_positions = list(on_positions)
        self.totals = FollowTotals()
        self.update_every = update_every
        self._written: dict[str, float] = {}  # open events' ids -> when their last version was stored (monotonic)
        self._held: dict[str, DetectedEvent] = {}  # open events' newest growth, not stored yet
        self._lock = threading.Lock()  # sources call on_stored on their own threads; the detector is one

    def start(self) -> None:
        """Take up the recent stored positions first (an event open before a restart goes on, and closes, as if
        the node had never stopped), then open the sources."""
        try:
            self.warm_up()
        except (MitraError, OSError, ValueError) as exc:
            log.warning("AIS feed: could not take up the stored positions (%s); detection starts from the feed", exc)
        self.feed.start()

    def stop(self) -> None:
        """Stop the sources, then store what open events have grown meanwhile (nothing is left unsaid)."""
        self.feed.stop()
        with self._lock:
            held, self._held = list(self._held.values()), {}
            if held:
                self._record(StreamChanges(updated=held), [])

    def warm_up(self) -> DetectionReport:
        """Feed the detector the stored positions of its window (before the newest stored one) and store what
        that changes: after a restart, what was open goes on as if the node had not stopped."""
        store = PositionStore.for_settings(self.node.settings)
        if not store.data_files():
            return DetectionReport()
        window = timedelta(microseconds=self.detector.late_us)
        with store.reading(datasets=("positions",)) as con:
            table = con.sql(
                "SELECT mmsi, ts, lat, lon, sog FROM all_positions "
                "WHERE ts >= (SELECT max(ts) FROM all_positions) - ?::INTERVAL ORDER BY ts, lat, lon",
                params=[window],
            ).to_arrow_table()
        with self._lock:
            return self._follow(table, publish=False)

    def on_stored(self, source: str, dataset: str, rows: pa.Table) -> None:
        """The feed's hook: ``rows`` were just stored into ``dataset`` by source ``source``."""
        if dataset != "positions" or rows.num_rows == 0:
            return
        bus_for(self.node).positions(rows.select(["mmsi", "ts", "lat", "lon", "sog", "cog"]).to_pylist())
        with self._lock:
            self._follow(rows, publish=True)

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


def node_feed_workers(node: Node) -> dict[str, Worker]:
    """The maritime pillar's workers: the followed feed, when ``MITRA_AIS_FEEDS`` names sources."""
    return {FEEDS: FeedFollower(node)} if node.settings.ais_feeds else {}
