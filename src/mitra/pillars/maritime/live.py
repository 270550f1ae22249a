"""The live maritime picture: what changes reaches every open map as Server-Sent Events, without a reload.

Two sources feed a map. Positions come from the AIS feed in this process (the feed's ``on_stored`` hook calls
:meth:`LiveBus.positions`); they are pillar measurements, so only a viewer who may ``READ_DATA`` is sent them.
Objects — detected events, incidents, alerts, a partner's released alert — are read from the store after the seq
the map last saw (:meth:`ObjectStore.changed_since`, through policy for the viewer), so what a partner's sync or
another process stored reaches the map too. Nothing is dropped silently: a map that falls behind the bus's bound
is told to reload its picture (``resync``) and says so.
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mitra.core.access import may
from mitra.pillars.maritime.service import event_view, incident_point, incident_view
from mitra.pillars.maritime.types import MARITIME_EVENT, MARITIME_INCIDENT, OBJECT_TYPES
from mitra.policy import Action, Actor

if TYPE_CHECKING:
    from mitra.core.objects import StixObject
    from mitra.node import Node

QUEUE_BOUND = 256  # messages a slow map may fall behind before it is told to reload instead
OBJECTS_EVERY = 1.0  # seconds between a map's reads of what the store holds since it last looked
TICK_EVERY = 5.0  # seconds between "as of" heartbeats when nothing moves (the age on the page keeps counting)
MAX_FIXES = 5000  # one positions message at most; a bigger batch is sent as several


def _iso(value: datetime) -> str:
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Subscription:
    """One open map: its queue on the event loop that serves it."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_BOUND))
    overflowed: int = 0  # times it fell behind and was told to reload

    def offer(self, message: dict[str, Any]) -> None:
        """On the loop's thread: queue the message, or, when full, clear the queue and ask for a reload first."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed += 1
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait({"kind": "resync", "reason": "this map fell behind the live feed"})
            self.queue.put_nowait(message)  # what follows the reload


class LiveBus:
    """Fan-out of positions to every open map of one node; the feed's threads publish, the maps' loops read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscription] = []
        self.as_of: str | None = None  # the newest position's time the feed has brought in this process

    def subscribe(self) -> Subscription:
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def publish(self, message: Mapping[str, Any]) -> None:
        """From any thread: each open map gets the message (a closed loop is forgotten)."""
        with self._lock:
            targets = list(self._subscribers)
        for subscription in targets:
            try:
                subscription.loop.call_soon_threadsafe(subscription.offer, dict(message))
            except RuntimeError:  # its loop has closed: the map is gone
                self.unsubscribe(subscription)

    def positions(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """The newest fix of each vessel among ``rows`` (newly stored positions: mmsi, ts, lat, lon, sog, cog),
        published; how many vessels moved."""
        newest: dict[int, Mapping[str, Any]] = {}
        for fix in rows:
            when = fix.get("ts")
            if when is None or fix.get("lat") is None or fix.get("lon") is None:
                continue  # no time or no place: nothing to move on a map (the store counted it)
            held = newest.get(fix["mmsi"])
            if held is None or when > held["ts"]:
                newest[fix["mmsi"]] = fix
        if not newest:
            return 0
        fixes = [
            {
                "mmsi": int(f["mmsi"]),
                "lat": f["lat"],
                "lon": f["lon"],
                "sog": f.get("sog"),
                "cog": f.get("cog"),
                "at": _iso(f["ts"]),
            }
            for f in sorted(newest.values(), key=lambda f: (f["ts"], f["mmsi"]))
        ]
        latest = fixes[-1]["at"]
        if self.as_of is None or latest > self.as_of:
            self.as_of = latest
        for start in range(0, len(fixes), MAX_FIXES):
            self.publish({"kind": "positions", "fixes": fixes[start : start + MAX_FIXES], "as_of": self.as_of})
        return len(fixes)


_BUSES: dict[int, LiveBus] = {}
_BUSES_LOCK = threading.Lock()


def bus_for(node: Node) -> LiveBus:
    """The node's bus in this process (made on first use, forgotten with the node)."""
    key = id(node)
    with _BUSES_LOCK:
        bus = _BUSES.get(key)
        if bus is None:
            bus = _BUSES[key] = LiveBus()
            weakref.finalize(node, _BUSES.pop, key, None)
        return bus


def object_message(node: Node, row: StixObject) -> dict[str, Any] | None:
    """What a map draws of a newly stored object it may see; None for a type the map does not draw."""
    obj = row.as_stix()
    base = {
        "id": row.id,
        "type": row.type,
        "seq": row.seq,
        "received": row.originator_nation != node.nation,
        "originator": row.originator_nation,
        "revoked": bool(row.revoked),
    }
    if row.type == MARITIME_EVENT.name:
        view = event_view(obj, row)
        return None if view is None else {"kind": "event", **base, "event": view}
    if row.type == MARITIME_INCIDENT.name:
        if not isinstance(obj.get("latitude"), int | float) or not isinstance(obj.get("longitude"), int | float):
            return None
        return {"kind": "incident", **base, "incident": incident_point(incident_view(obj, row))}
    drawn = _OBJECT_VIEWS.get(row.type)
    if drawn is None:
        return None
    view = drawn(obj, row)
    return None if view is None else {"kind": view.pop("kind", "object"), **base, **view}


# Other maritime types a map draws (an alert's module adds its own): type -> (object, row) -> message fields.
_OBJECT_VIEWS: dict[str, Callable[[dict[str, Any], StixObject], dict[str, Any] | None]] = {}


def draws(type_name: str, view: Callable[[dict[str, Any], StixObject], dict[str, Any] | None]) -> None:
    """Let the live map draw objects of ``type_name`` (its ``kind`` field names the message, e.g. ``alert``)."""
    _OBJECT_VIEWS[type_name] = view


def _objects_since(node: Node, actor: Actor, seq: int) -> tuple[list[dict[str, Any]], int]:
    with node.db.read() as session:
        changes = node.store.changed_since(session, actor=actor, types=OBJECT_TYPES, seq=seq)
        messages = [m for row in changes.visible if (m := object_message(node, row)) is not None]
    messages += [{"kind": "gone", "id": object_id, "seq": changes.last_seq} for object_id in changes.gone]
    return messages, changes.last_seq


def _start_seq(node: Node) -> int:
    with node.db.read() as session:
        return node.store.newest_seq(session)


async def stream(
    node: Node, actor: Actor, *, since_seq: int | None = None, disconnected: Callable[[], Any] | None = None
) -> AsyncIterator[dict[str, str]]:
    """The Server-Sent Events of one map: ``hello`` first (where it starts), then positions as the feed stores
    them (if the viewer may read data), objects as they are stored, ``tick`` heartbeats and ``resync`` if it lags.

    ``since_seq`` resumes after a reconnect (the browser's ``Last-Event-ID``): what was stored meanwhile is sent.
    """
    bus = bus_for(node)
    positions = may(actor, Action.READ_DATA, nation=node.nation)
    seq = since_seq if since_seq is not None else await asyncio.to_thread(_start_seq, node)
    subscription = bus.subscribe() if positions else None
    loop = asyncio.get_running_loop()
    try:
        yield _event("hello", {"seq": seq, "positions": positions, "as_of": bus.as_of if positions else None}, seq)
        next_objects = loop.time()
        last_sent = loop.time()
        while True:
            if disconnected is not None and await disconnected():
                return
            now = loop.time()
            if now >= next_objects:
                messages, seq = await asyncio.to_thread(_objects_since, node, actor, seq)
                for message in messages:
                    yield _event(message["kind"], message, message["seq"])
                    last_sent = loop.time()
                next_objects = now + OBJECTS_EVERY
            wait = max(0.05, next_objects - loop.time())
            if subscription is not None:
                try:
                    message = await asyncio.wait_for(subscription.queue.get(), timeout=wait)
                except TimeoutError:
                    pass
                else:
                    yield _event(message["kind"], message, seq)
                    last_sent = loop.time()
                    continue
            else:
                await asyncio.sleep(wait)
            if loop.time() - last_sent >= TICK_EVERY:
                yield _event("tick", {"as_of": bus.as_of if positions else None, "seq": seq}, seq)
                last_sent = loop.time()
    finally:
        if subscription is not None:
            bus.unsubscribe(subscription)


def _event(kind: str, data: Mapping[str, Any], seq: int) -> dict[str, str]:
    """One SSE event; its id is the object seq reached, so a reconnect resumes from there."""
    return {"event": kind, "id": str(seq), "data": json.dumps(dict(data), separators=(",", ":"), default=str)}
