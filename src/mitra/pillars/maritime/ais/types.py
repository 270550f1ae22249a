"""The maritime event, a shareable object derived from AIS positions."""

from __future__ import annotations

from mitra.core.stix import CustomType

MARITIME_EVENT = CustomType(
    name="x-mitra-maritime-event",
    description=(
        "An event detected in AIS positions (gap, loitering, encounter, rendezvous, impossible jump, "
        "identity conflict, area entry or dwell, speed band, port visit); versioned, open or closed, withdrawn "
        "when later data disproves it."
    ),
    pillar="maritime",
    required=("event_type", "mmsi", "start", "status"),
)
