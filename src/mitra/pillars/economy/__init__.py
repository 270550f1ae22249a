"""Economy pillar: trade flows and critical minerals."""

from mitra.pillars import Pillar

PILLAR = Pillar(
    name="economy",
    title="Trade & minerals",
    summary="Bilateral trade by HS code and year; critical minerals supply risk.",
    object_types=(),
)
