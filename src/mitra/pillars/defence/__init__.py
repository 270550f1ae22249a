"""Defence pillar: industry collaboration, agreements, opportunities and joint exercises."""

from mitra.node import Pillar
from mitra.pillars.defence.api import router
from mitra.pillars.defence.cli import defence_app
from mitra.pillars.defence.demo import load_demo_data
from mitra.pillars.defence.pages import router as pages
from mitra.pillars.defence.seed import seed
from mitra.pillars.defence.types import CUSTOM_TYPES, OBJECT_TYPES
from mitra.web.i18n import N_

PILLAR = Pillar(
    demo=load_demo_data,
    name="defence",
    title=N_("Defence industry"),
    nav_title=N_("Defence"),
    summary=N_("Organisations, capabilities, agreements, opportunities matched to capabilities, joint exercises."),
    object_types=OBJECT_TYPES,
    custom_types=CUSTOM_TYPES,
    seed=seed,
    router=router,
    pages=pages,
    cli={"defence": defence_app},
    home="/defence/",
)
