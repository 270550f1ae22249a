"""Two nodes, India and Malaysia, paired, each with people; exchange runs in-process (any test may use it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mitra.bootstrap import open_node
from mitra.core.objects import Provenance
from mitra.core.stix import HandlingInput, apply_handling, new_id
from mitra.exchange.partners import pair
from mitra.exchange.sync import SyncReport, pull_from_partner
from mitra.exchange.taxii_api import LocalTransport
from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.node import Node
from mitra.policy import Actor, Role
from tests.conftest import Person, add_person, make_settings


def given(node: Node, obj: dict[str, Any], handling: HandlingInput) -> str:
    """Store ``obj`` on ``node`` under ``handling`` as a test's starting state (not a person's act).

    Exchange tests start from objects already released (or marked in ways no release officer
    could release, to prove the export refuses them anyway); how they came to be so is the
    store's and policy's business, tested there.
    """
    stamp = format_timestamp(now_utc())
    full = {"spec_version": "2.1", "id": new_id(obj["type"]), "created": stamp, "modified": stamp, **obj}
    with node.db.write() as session:
        node.store.store_versions(
            session, [apply_handling(full, handling)], provenance=Provenance(), audit_actor="test-setup"
        )
    return str(full["id"])


@dataclass
class Pair:
    ind: Node
    mys: Node
    ind_people: dict[str, Person]
    mys_people: dict[str, Person]

    def pull(self, into: Node, page_size: int = 500) -> SyncReport:
        """``into`` pulls from the other node in-process."""
        source = self.mys if into is self.ind else self.ind
        actor = Actor(
            nation=into.nation, agency=None, username=f"partner-{into.nation.lower()}", roles=frozenset({Role.PARTNER})
        )
        return pull_from_partner(into, source.nation, LocalTransport(source, actor), page_size=page_size)


def _people(node: Node, lead: str, other: str) -> dict[str, Person]:
    return {
        "analyst": add_person(node, f"{node.nation.lower()}-analyst", {Role.ANALYST}, agency=lead),
        "officer": add_person(
            node, f"{node.nation.lower()}-officer", {Role.RELEASE_OFFICER, Role.ANALYST}, agency=lead
        ),
        "viewer": add_person(node, f"{node.nation.lower()}-viewer", {Role.VIEWER}, agency=other),
        "admin": add_person(node, f"{node.nation.lower()}-admin", {Role.ADMIN}, agency=lead),
    }


@contextmanager
def paired_nodes(tmp_path: Path, database_url: str = "") -> Iterator[Pair]:
    """India on ``database_url`` (SQLite when empty), Malaysia on SQLite, paired, with people on both."""
    ind = open_node(make_settings(tmp_path, database_url, nation="IND"))
    mys = open_node(make_settings(tmp_path, nation="MYS"))
    try:
        for node in (ind, mys):
            node.init()
        pair(ind, mys, a_url="http://127.0.0.1:1", b_url="http://127.0.0.1:2")
        yield Pair(ind, mys, _people(ind, "NSCS", "CERT-In"), _people(mys, "NSC", "NACSA"))
    finally:
        ind.close()
        mys.close()
