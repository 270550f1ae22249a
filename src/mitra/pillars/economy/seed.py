"""The economy pillar's seed, and loading the shipped economy files into a node's analytics store.

The seed is the partnership's trade facts of DESIGN.md: India's fiscal-year totals of trade with
Malaysia as DGCI&S publishes them (the shipped ``india_malaysia_trade_dgcis_fy_usd_mn.csv``, with its
source). The rest of the shipped files (the BACI extract takes a few seconds) are loaded by
``mitra economy import-shipped`` or the demo.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mitra.foundation.reports import ImportReport
from mitra.pillars.economy.importers import Tick, import_fiscal, import_shipped
from mitra.pillars.economy.store import EconomyStore

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


FISCAL_TOTALS = "india_malaysia_trade_dgcis_fy_usd_mn.csv"


def seed(node: Node) -> int:
    """India's fiscal-year trade totals with Malaysia into the store; idempotent. 0 if the file is not shipped."""
    path = shipped_data_dir() / FISCAL_TOTALS
    if not path.is_file():
        return 0
    return import_fiscal(store_of(node), path).added
