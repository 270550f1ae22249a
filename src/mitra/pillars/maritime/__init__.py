"""Maritime pillar: the shared maritime picture, events and incident reports."""

from mitra.node import Pillar
from mitra.pillars.maritime.ais.cli import app as ais_app
from mitra.pillars.maritime.api import router
from mitra.pillars.maritime.cli import maritime_app
from mitra.pillars.maritime.demo import load_demo_data
from mitra.pillars.maritime.pages import pages
from mitra.pillars.maritime.seed import seed
from mitra.pillars.maritime.types import CUSTOM_TYPES, OBJECT_TYPES
from mitra.pillars.maritime.workers import node_workers
from mitra.web.i18n import N_

PILLAR = Pillar(
    demo=load_demo_data,
    name="maritime",
    title=N_("Maritime"),
    summary=N_("Vessels, maritime events and incident reports; areas of interest."),
    object_types=OBJECT_TYPES,
    custom_types=CUSTOM_TYPES,
    seed=seed,
    router=router,
    pages=pages,
    cli={"maritime": maritime_app, "ais": ais_app},
    home="/maritime/",
    workers=node_workers,
)
