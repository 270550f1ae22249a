"""Defence pillar: industry collaboration, agreements and joint exercises."""

from mitra.pillars import Pillar
from mitra.pillars.defence.seed import seed

PILLAR = Pillar(
    name="defence",
    title="Defence industry",
    summary="Organisations, capabilities, agreements and joint exercises.",
    object_types=("identity",),
    seed=seed,
)
