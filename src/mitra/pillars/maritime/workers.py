"""The maritime pillar's background workers: the node's live AIS feed, followed by detection, with the watch
rules watching what it stores (alerts raised from events and from watched vessels' positions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mitra.pillars.maritime.ais.feed import FEEDS, FeedService
from mitra.pillars.maritime.ais.follow import FeedFollower
from mitra.pillars.maritime.alerts import evaluate_positions, raise_alerts, watches_positions

if TYPE_CHECKING:
    import pyarrow as pa

    from mitra.foundation.workers import Worker
    from mitra.node import Node
    from mitra.policy import Actor


def alert_on_events(node: Node, actor: Actor, events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The watch rules over events the feed's detection just stored."""
    return raise_alerts(node, actor, events=events)


def alert_on_positions(node: Node, actor: Actor, rows: pa.Table) -> list[str]:
    """The "watched vessel seen" rules over positions the feed just stored."""
    with node.db.read() as session:
        if not watches_positions(session, node, actor=actor):
            return []  # no rule watches positions: no write lock taken for this batch
    with node.db.write() as session:
        return evaluate_positions(session, node, rows=rows, actor=actor)


def followed_feed(node: Node, feed: FeedService | None = None) -> FeedFollower:
    """The feed (the node's ``MITRA_AIS_FEEDS``, or ``feed``) followed by detection in a process of its own, the
    watch rules raising alerts from its events and positions: what `mitra serve` and `mitra ais feed` run."""
    return FeedFollower(node, feed, on_events=[alert_on_events], on_positions=[alert_on_positions], own_process=True)


def node_workers(node: Node) -> dict[str, Worker]:
    """The followed feed, when ``MITRA_AIS_FEEDS`` names sources (docs/ais-feed.md)."""
    if not node.settings.ais_feeds:
        return {}
    return {FEEDS: followed_feed(node)}
