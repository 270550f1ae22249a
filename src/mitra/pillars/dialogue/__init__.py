"""Dialogue pillar: the annual Security Dialogue, its sessions, commitments, progress and reports."""

from mitra.node import Pillar
from mitra.pillars.dialogue.api import router
from mitra.pillars.dialogue.cli import dialogue_app
from mitra.pillars.dialogue.models import CUSTOM_TYPES, OBJECT_TYPES
from mitra.pillars.dialogue.pages import router as pages
from mitra.pillars.dialogue.seed import seed

PILLAR = Pillar(
    name="dialogue",
    title="Security Dialogue",
    summary="Sessions of the annual Security Dialogue, agreed outcomes and their follow-up.",
    object_types=(*OBJECT_TYPES, "report", "note", "grouping"),
    custom_types=CUSTOM_TYPES,
    seed=seed,
    router=router,
    pages=pages,
    cli={"dialogue": dialogue_app},
    home="/dialogue/",
)
