"""Dialogue pillar: the annual Security Dialogue, its sessions, commitments and progress."""

from mitra.pillars import Pillar
from mitra.pillars.dialogue.seed import seed

PILLAR = Pillar(
    name="dialogue",
    title="Security Dialogue",
    summary="Sessions of the annual Security Dialogue, agreed outcomes and their follow-up.",
    object_types=("report", "note", "grouping"),
    seed=seed,
)
