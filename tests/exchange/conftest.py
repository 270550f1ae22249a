"""Two nodes, India and Malaysia, paired, each with people; exchange runs in-process or over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mitra.exchange.models import Partner
from mitra.node import Node
from tests.support.pair import Pair, paired_nodes

__all__ = ["Pair"]


@pytest.fixture
def nodes(tmp_path: Path, database_url: str) -> Iterator[Pair]:
    """India on the parametrised database, Malaysia on SQLite."""
    with paired_nodes(tmp_path, database_url) as both:
        yield both


def partner_row(node: Node, nation: str) -> Partner:
    with node.db.read() as session:
        partner = session.get(Partner, nation)
        assert partner is not None
        return partner
