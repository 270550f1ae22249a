"""Maritime pillar: the shared maritime picture, events and incident reports."""

from mitra.node import Pillar
from mitra.pillars.maritime.ais.cli import app as ais_app
from mitra.pillars.maritime.ais.types import MARITIME_EVENT
from mitra.pillars.maritime.api import router
from mitra.pillars.maritime.areas import AREA_OF_INTEREST
from mitra.pillars.maritime.cli import maritime_app
from mitra.pillars.maritime.demo import load_demo_data
from mitra.pillars.maritime.incidents import MARITIME_INCIDENT
from mitra.pillars.maritime.pages import pages
from mitra.pillars.maritime.seed import seed

PILLAR = Pillar(
    demo=load_demo_data,
    name="maritime",
    title="Maritime",
    summary="Vessels, maritime events and incident reports; areas of interest.",
    object_types=("location", MARITIME_EVENT.name, MARITIME_INCIDENT.name, AREA_OF_INTEREST.name),
    custom_types=(MARITIME_EVENT, MARITIME_INCIDENT, AREA_OF_INTEREST),
    seed=seed,
    router=router,
    pages=pages,
    cli={"maritime": maritime_app, "ais": ais_app},
    home="/maritime/",
)
