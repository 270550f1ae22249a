"""Intelligence pillar: counter-terrorism and cyber threat intelligence exchange."""

from mitra.pillars import Pillar
from mitra.pillars.intel.seed import seed

PILLAR = Pillar(
    name="intel",
    title="Intelligence",
    summary="Threat actors, campaigns, incidents, indicators, malware and vulnerabilities.",
    object_types=(
        "threat-actor",
        "intrusion-set",
        "campaign",
        "incident",
        "indicator",
        "malware",
        "tool",
        "vulnerability",
        "attack-pattern",
        "course-of-action",
        "sighting",
        "observed-data",
        "infrastructure",
        "relationship",
    ),
    seed=seed,
)
