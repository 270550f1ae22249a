"""Economy pillar: trade flows and critical minerals.

Trade flows, fiscal-year totals, production tables and governance indicators are analytics kept in DuckDB
(``<data_dir>/economy/economy.duckdb``), not shareable STIX objects (``types``); see docs/economy.md.
"""

from mitra.node import Pillar
from mitra.pillars.economy.api import router
from mitra.pillars.economy.cli import economy_app
from mitra.pillars.economy.demo import load_demo_data
from mitra.pillars.economy.pages import router as pages
from mitra.pillars.economy.seed import seed
from mitra.pillars.economy.types import CUSTOM_TYPES, OBJECT_TYPES
from mitra.web.i18n import N_

PILLAR = Pillar(
    demo=load_demo_data,
    name="economy",
    title=N_("Trade & minerals"),
    nav_title=N_("Trade"),
    summary=N_("Bilateral trade by HS code and year; critical minerals supply risk."),
    object_types=OBJECT_TYPES,
    custom_types=CUSTOM_TYPES,
    seed=seed,
    router=router,
    pages=pages,
    cli={"economy": economy_app},
    home="/economy/",
)
