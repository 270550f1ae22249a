"""What the demo shows of the Dialogue beyond its seed: the intake reading the shipped source article.

The register itself is the pillar's seed (the 1st session and its outcomes). The article the partnership's
facts come from (``../shared/seed/``) is read by the intake against that register, as a secretariat
would read a new readout: what it proposes and any statement that contradicts the register. Nothing is
stored; a person accepts or edits proposals on the intake page.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from mitra.pillars.dialogue.intake import propose
from mitra.pillars.dialogue.service import load_register

if TYPE_CHECKING:
    from mitra.node import Node
    from mitra.policy import Actor


def load_demo_data(node: Node, shared: Path, actor: Actor) -> list[str]:
    """``shared`` is ``../shared/data``; the source article sits beside it in ``../shared/seed``."""
    articles = sorted((shared.parent / "seed").glob("*.txt"))
    if not articles:
        return []
    with node.db.read() as session:
        facts = load_register(session, node, actor, today=date.today()).facts()
    lines = []
    for article in articles:
        result = propose(article.read_text(encoding="utf-8", errors="replace"), facts)
        proposed = _count(len(result.commitments), "proposed commitment")
        conflicts = _count(len(result.conflicts), "conflict")
        lines.append(f"dialogue: intake read {article.name}: {proposed}, {conflicts} with the register")
        lines += [
            f"dialogue:   conflict: {c.subject}: the article says {c.source_says}, the register {c.register_says}"
            for c in result.conflicts
        ]
    if lines:
        lines.append("dialogue: review the proposals at /dialogue/intake (nothing is stored until a person accepts)")
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
