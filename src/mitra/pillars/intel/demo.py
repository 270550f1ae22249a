"""What the demo loads for the intel pillar: the actors and campaigns that target India or Malaysia."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.intel import india_malaysia

if TYPE_CHECKING:
    from mitra.node import Node
    from mitra.policy import Actor


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    folder = shared / "intel" / "attack"
    path = folder / "india-malaysia-actors.derived.json"
    if not path.is_file():
        return []
    attack = folder / "enterprise-attack-18.1-stix21-derived.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    with node.db.write() as session:
        outcome = india_malaysia.import_targets(
            session,
            node,
            actor=actor,
            document=document,
            where=path.name,
            attack_path=attack if attack.is_file() else None,
        )
    return [f"intel: {outcome.added:,} actors, campaigns and their report for the India-Malaysia view"]
