"""Maritime pillar: the shared maritime picture, events and incident reports."""

from mitra.pillars import Pillar

PILLAR = Pillar(
    name="maritime",
    title="Maritime",
    summary="Vessels, maritime events and incident reports; areas of interest.",
    object_types=("location",),
)
