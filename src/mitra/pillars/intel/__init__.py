"""Intelligence pillar: counter-terrorism and cyber threat intelligence exchange."""

from fastapi import APIRouter

from mitra.node import Pillar
from mitra.pillars.intel.api import router as intel_api
from mitra.pillars.intel.cli import intel_app
from mitra.pillars.intel.demo import load_demo_data
from mitra.pillars.intel.forms import FORM_FIELDS
from mitra.pillars.intel.matching import api as matching_api
from mitra.pillars.intel.matching import pages as matching_pages
from mitra.pillars.intel.pages import router as intel_pages
from mitra.pillars.intel.seed import seed
from mitra.pillars.intel.service import warninglist_cautions
from mitra.pillars.intel.types import CUSTOM_TYPES, OBJECT_TYPES
from mitra.web.i18n import N_

# Umbrella routers: this package's own and the matching engine's, mounted as one.
router = APIRouter()
router.include_router(intel_api)
router.include_router(matching_api.router)
pages = APIRouter(include_in_schema=False)
pages.include_router(intel_pages)
pages.include_router(matching_pages.router)


def object_pages(type_name: str, object_id: str) -> dict[str, str]:
    """This pillar's pages for one object: its edit form (types with one). Releases go through the object page,
    where the store's cautions (the warninglist hits) are shown and confirmed, as on every door."""
    return {"edit": f"/intel/objects/{object_id}/edit"} if type_name in FORM_FIELDS else {}


PILLAR = Pillar(
    demo=load_demo_data,
    name="intel",
    title=N_("Intelligence"),
    summary=N_("Threat actors, campaigns, incidents, indicators, malware and vulnerabilities."),
    object_types=OBJECT_TYPES,
    custom_types=CUSTOM_TYPES,
    seed=seed,
    router=router,
    pages=pages,
    cli={"intel": intel_app},
    home="/intel/",
    object_pages=object_pages,
    release_cautions=warninglist_cautions,
)
