"""Loading the shipped economy files into a node's analytics store (the demo and `mitra economy import-shipped`).

``PILLAR.seed`` does not do this: importing the BACI extract takes a few seconds, and seeding runs for
every node a test creates. The store is filled by ``mitra economy import-shipped`` (or the demo).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.economy.importers import Tick, import_shipped
from mitra.pillars.economy.store import EconomyStore, ImportReport

if TYPE_CHECKING:
    from mitra.node import Node


def shipped_data_dir() -> Path:
    """``../shared/data/economy`` beside the repository checkout."""
    return Path(__file__).resolve().parents[5] / "shared" / "data" / "economy"


def store_of(node: Node) -> EconomyStore:
    return EconomyStore.for_data_dir(node.settings.data_dir)


def load_shipped(node: Node, directory: Path | None = None, tick: Tick | None = None) -> list[ImportReport]:
    """Import every shipped file into the node's store; idempotent. Nothing happens if the folder is absent."""
    folder = directory or shipped_data_dir()
    if not folder.is_dir():
        return []
    return import_shipped(store_of(node), folder, tick)
