"""Dialogue pillar: the annual Security Dialogue, its sessions, commitments, progress and reports."""

from mitra.node import Pillar
from mitra.pillars.dialogue.api import router
from mitra.pillars.dialogue.cli import dialogue_app
from mitra.pillars.dialogue.demo import load_demo_data
from mitra.pillars.dialogue.pages import router as pages
from mitra.pillars.dialogue.reminders import overdue_milestones
from mitra.pillars.dialogue.seed import seed
from mitra.pillars.dialogue.types import CUSTOM_TYPES, OBJECT_TYPES
from mitra.web.i18n import N_

PILLAR = Pillar(
    demo=load_demo_data,
    name="dialogue",
    title=N_("Security Dialogue"),
    nav_title=N_("Dialogue"),
    summary=N_("Sessions of the annual Security Dialogue, agreed outcomes and their follow-up."),
    object_types=OBJECT_TYPES,
    custom_types=CUSTOM_TYPES,
    seed=seed,
    router=router,
    pages=pages,
    cli={"dialogue": dialogue_app},
    home="/dialogue/",
    reminders=overdue_milestones,
)
