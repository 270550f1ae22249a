"""The defence pillar's controlled vocabularies: capabilities (closed list) and platforms (known families).

Capabilities are a closed list: an organisation or an opportunity may only name these ids.
Platforms are open text, but a known platform's variants (Su-30MKM, Su-30MKI) are folded into
its family (``su-30``) so that matching and search treat them as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mitra.foundation.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Capability:
    id: str
    label: str
    description: str


CAPABILITIES: tuple[Capability, ...] = (
    Capability("mro", "Maintenance, repair and overhaul (MRO)", "Depot and field maintenance, repair, overhaul."),
    Capability("co-production", "Co-production / licence production", "Building a partner's design, or a joint one."),
    Capability("avionics-upgrade", "Avionics upgrade", "Mission systems, cockpit and sensor integration."),
    Capability("aerostructures", "Aircraft and helicopter manufacture", "Airframes, rotorcraft, aerostructures."),
    Capability("engines", "Engines and propulsion", "Aero, marine and vehicle engines; overhaul of them."),
    Capability("shipbuilding", "Shipbuilding and ship repair", "Warships, submarines, patrol craft; refits."),
    Capability("submarine-support", "Submarine support", "Submarine refits, batteries, crew systems."),
    Capability("munitions", "Munitions and missiles", "Ammunition, guided weapons, their integration."),
    Capability("land-systems", "Land systems", "Armoured vehicles, artillery, small arms."),
    Capability("radar-electronics", "Radar and defence electronics", "Radars, EW, communications, sonar."),
    Capability("uav", "Unmanned systems", "Unmanned aerial, surface and underwater vehicles."),
    Capability("simulation-training", "Simulation and training", "Simulators, training courses, instructors."),
    Capability("cyber", "Cyber security", "Defensive cyber, secure networks, assurance."),
    Capability("logistics", "Logistics and spares supply", "Spares pools, supply chains, obsolescence."),
    Capability("research", "Research and development", "Applied research, test and evaluation."),
    Capability("policy", "Defence policy and cooperation", "Government bodies that frame cooperation."),
)
CAPABILITY_BY_ID: dict[str, Capability] = {c.id: c for c in CAPABILITIES}

ORGANISATION_KINDS: dict[str, str] = {
    "company": "Company",
    "agency": "Government agency or armed service",
    "research": "Research body",
    "committee": "Bilateral committee",
}
AGREEMENT_KINDS: dict[str, str] = {
    "mou": "Memorandum of understanding",
    "amendment": "Amendment",
    "jv": "Joint venture",
    "contract": "Contract",
    "terms-of-reference": "Terms of reference",
}
AGREEMENT_STATUSES: dict[str, str] = {
    "proposed": "Proposed",
    "under-negotiation": "Under negotiation",
    "in-force": "In force",
    "agreed": "Agreed",
    "completed": "Completed",
    "expired": "Expired",
    "terminated": "Terminated",
}
# Agreements that count as a working relationship when ranking matches.
ACTIVE_AGREEMENT_STATUSES = frozenset({"in-force", "agreed", "completed"})
OPPORTUNITY_KINDS: dict[str, str] = {
    "procurement": "Procurement",
    "mro": "Maintenance, repair and overhaul",
    "co-production": "Co-production",
}
OPPORTUNITY_STATUSES: dict[str, str] = {"open": "Open", "closed": "Closed", "awarded": "Awarded"}
SERVICES: dict[str, str] = {"army": "Army", "navy": "Navy", "air-force": "Air force", "joint": "Joint"}


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    label: str
    variants: tuple[str, ...]


PLATFORMS: tuple[Platform, ...] = (
    Platform("su-30", "Su-30", ("Su-30MK", "Su-30MKM", "Su-30MKI", "Su-30SM", "Sukhoi Su-30", "Flanker")),
    Platform("scorpene", "Scorpene", ("Scorpene-class", "Kalvari-class", "Tunku Abdul Rahman-class", "CM-2000")),
    Platform("mig-29", "MiG-29", ("MiG-29N", "MiG-29K", "MiG-29UPG", "Fulcrum")),
    Platform("hawk", "BAE Hawk", ("Hawk-108", "Hawk-208", "Hawk-132", "Hawk Mk-132")),
    Platform("tejas", "Tejas LCA", ("LCA", "Tejas Mk-1A", "Light Combat Aircraft")),
    Platform("dhruv", "Dhruv ALH", ("ALH", "Advanced Light Helicopter")),
    Platform("c-130", "C-130 Hercules", ("C-130H", "C-130J", "Hercules")),
    Platform("kedah", "Kedah-class OPV", ("MEKO A-100", "Kedah class")),
    Platform("lekiu", "Lekiu-class frigate", ("Lekiu class", "F2000")),
    Platform("brahmos", "BrahMos", ("BrahMos-A", "PJ-10")),
)

_FOLD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case with every non-alphanumeric removed: 'Su-30 MKM' -> 'su30mkm'."""
    return _FOLD.sub("", text.lower())


_PLATFORM_BY_FOLD: dict[str, Platform] = {}
for _platform in PLATFORMS:
    for _name in (_platform.id, _platform.label, *_platform.variants):
        _PLATFORM_BY_FOLD[fold(_name)] = _platform


def platform_family(name: str) -> str:
    """The family id of a platform name ('Su-30MKM' -> 'su-30'); unknown names fold to themselves."""
    folded = fold(name)
    known = _PLATFORM_BY_FOLD.get(folded)
    if known is not None:
        return known.id
    # 'Su-30MKM (RMAF)' or 'Su-30 fleet': longest known name the text starts with.
    for key in sorted(_PLATFORM_BY_FOLD, key=len, reverse=True):
        if len(key) >= 3 and folded.startswith(key):
            return _PLATFORM_BY_FOLD[key].id
    return folded


def platform_label(family: str) -> str:
    for platform in PLATFORMS:
        if platform.id == family:
            return platform.label
    return family


def platform_search_terms(name: str) -> list[str]:
    """What a platform is known by, folded: the name itself, its family and the family's variants."""
    family = platform_family(name)
    terms = {fold(name), fold(family)}
    for platform in PLATFORMS:
        if platform.id == family:
            terms.update(fold(n) for n in (platform.label, *platform.variants))
    return sorted(t for t in terms if t)


def check_capabilities(ids: Iterable[str], *, where: str) -> list[str]:
    """The ids, each checked against the vocabulary, deduplicated in order."""
    result: list[str] = []
    for value in ids:
        if value not in CAPABILITY_BY_ID:
            known = ", ".join(CAPABILITY_BY_ID)
            raise InvalidInput(f"{where}: {value!r} is not a capability (one of: {known})")
        if value not in result:
            result.append(value)
    return result


def check_choice(value: str, choices: dict[str, str], *, where: str) -> str:
    if value not in choices:
        raise InvalidInput(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return value


def capability_label(capability_id: str) -> str:
    known = CAPABILITY_BY_ID.get(capability_id)
    return known.label if known else capability_id
