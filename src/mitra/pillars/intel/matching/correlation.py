"""Correlation: the same observable value in indicators and sightings of both nations, or across incidents.

Values come from indicator patterns (equality tests on indexed observables); a sighting
contributes the values of the indicator it sights, under the sighting's own originator; an
incident is linked to a value through a relationship between it and an indicator carrying the
value. Only objects the viewer may see are read, so a group never reveals a hidden object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from stix2matcher.matcher import Pattern

from mitra.core.objects import ObjectStore, StixObject
from mitra.pillars.intel.matching.patterns import HASH_KEYS, VALUE_TYPES, ObservableKey, parse_simple
from mitra.policy import Actor


@dataclass(frozen=True, slots=True)
class LinkedObject:
    id: str
    type: str
    label: str
    originator_nation: str


@dataclass
class CorrelationGroup:
    """One observable value and every visible object that carries or saw it."""

    key: ObservableKey
    value: str
    objects: list[LinkedObject] = field(default_factory=list)
    incidents: list[LinkedObject] = field(default_factory=list)

    @property
    def nations(self) -> list[str]:
        return sorted({o.originator_nation for o in self.objects})

    @property
    def observable(self) -> str:
        return f"{self.key[0]}:{self.key[1]} = {self.value}"


def pattern_values(pattern: str) -> set[tuple[ObservableKey, str]]:
    """The (key, value) pairs a pattern tests for equality (any pattern; complex ones via stix2-patterns)."""
    simple = parse_simple(pattern)
    if simple is not None:
        return set(simple.equalities)
    try:
        comparisons: dict[str, Any] = Pattern(pattern, "2.1").inspect().comparisons
    except Exception:  # an unparsable pattern carries no values (antlr raises many kinds)
        return set()
    found: set[tuple[ObservableKey, str]] = set()
    for type_name, tests in comparisons.items():
        for path, operator, literal in tests:
            if operator != "=" or not (isinstance(literal, str) and literal.startswith("'")):
                continue
            value = literal[1:-1].replace("\\'", "'").replace("\\\\", "\\")
            if type_name in VALUE_TYPES and path == ["value"]:
                found.add(((type_name, "value"), value))
            elif type_name == "file" and len(path) == 2 and path[0] == "hashes" and path[1] in HASH_KEYS:
                found.add((("file", f"hashes.{path[1]}"), value))
    return found


def _linked(row: StixObject) -> LinkedObject:
    return LinkedObject(row.id, row.type, row.name or row.id, row.originator_nation)


def correlate(session: Session, *, store: ObjectStore, actor: Actor) -> list[CorrelationGroup]:
    """Groups of objects sharing an observable value, seen by two nations or linked to two incidents."""
    indicators: dict[str, tuple[StixObject, set[tuple[ObservableKey, str]]]] = {}
    sightings: list[StixObject] = []
    incidents: dict[str, StixObject] = {}
    relationships: list[StixObject] = []
    for row in store.iter_visible(session, actor=actor, types=["indicator", "sighting", "incident", "relationship"]):
        if row.type == "indicator":
            pattern = row.as_stix().get("pattern")
            if isinstance(pattern, str) and row.as_stix().get("pattern_type") == "stix":
                indicators[row.id] = (row, pattern_values(pattern))
        elif row.type == "sighting":
            sightings.append(row)
        elif row.type == "incident":
            incidents[row.id] = row
        else:
            relationships.append(row)
    groups: dict[tuple[ObservableKey, str], CorrelationGroup] = {}

    def group(value: tuple[ObservableKey, str]) -> CorrelationGroup:
        if value not in groups:
            groups[value] = CorrelationGroup(value[0], value[1])
        return groups[value]

    for row, values in indicators.values():
        for value in values:
            group(value).objects.append(_linked(row))
    for row in sightings:
        target = row.as_stix().get("sighting_of_ref")
        if isinstance(target, str) and target in indicators:
            for value in indicators[target][1]:
                group(value).objects.append(_linked(row))
    for row in relationships:
        body = row.as_stix()
        ends = (body.get("source_ref"), body.get("target_ref"))
        indicator_id = next((e for e in ends if isinstance(e, str) and e in indicators), None)
        incident_id = next((e for e in ends if isinstance(e, str) and e in incidents), None)
        if indicator_id is None or incident_id is None:
            continue
        for value in indicators[indicator_id][1]:
            linked = group(value).incidents
            if all(i.id != incident_id for i in linked):
                linked.append(_linked(incidents[incident_id]))
    found = [g for g in groups.values() if len(g.nations) >= 2 or len(g.incidents) >= 2]
    return sorted(found, key=lambda g: (g.key, g.value))
