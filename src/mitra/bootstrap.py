"""The composition root: a node made of the core, the exchange and the partnership's pillars.

Only the edges (``app``, ``cli``, ``demo``) and tests call this; nothing below it knows which pillars exist.
"""

from __future__ import annotations

from mitra.exchange.live import Notifier
from mitra.exchange.retraction import retract_narrowed
from mitra.exchange.types import EXCHANGE_TYPES
from mitra.node import Node, Pillar
from mitra.settings import Settings


def all_pillars() -> list[Pillar]:
    """Every pillar, in the order the partnership lists them."""
    from mitra.pillars import defence, dialogue, economy, intel, maritime

    return [dialogue.PILLAR, intel.PILLAR, maritime.PILLAR, defence.PILLAR, economy.PILLAR]


def open_node(settings: Settings) -> Node:
    """The node these settings describe, with every pillar and the exchange's own object types."""
    node = Node.open(settings, pillars=all_pillars(), types=EXCHANGE_TYPES, on_narrowed=retract_narrowed)
    node.opener = open_worker_node  # a worker in a process of its own (the AIS feed's detection) opens its node so
    return node


def open_worker_node(settings: Settings) -> Node:
    """:func:`open_node` for a worker in a process of its own (the AIS feed's detection): like a serving node, it
    tells the partners when it stored objects (notify-then-pull), so what it releases crosses in seconds."""
    node = open_node(settings)
    if settings.sync_interval_seconds > 0:
        Notifier(node).install()
    return node
