"""One matching run for a person: check the action, build the matcher, match, optionally record sightings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from mitra.core.access import permit
from mitra.core.objects import ObjectStore
from mitra.pillars.intel.matching.engine import IndicatorMatcher, MatchSet
from mitra.pillars.intel.matching.observations import ObservationBatch
from mitra.pillars.intel.matching.sightings import SightingRecord, record_sightings
from mitra.policy import Action, Actor


@dataclass(frozen=True, slots=True)
class MatchLine:
    line: int
    indicator_id: str
    indicator_name: str
    originator_nation: str


@dataclass
class MatchOutcome:
    observations: int
    indicators: int
    complex_indicators: int
    matches: list[MatchLine]
    errors: int
    sightings: list[SightingRecord] = field(default_factory=list)


def run_match(
    session: Session,
    *,
    store: ObjectStore,
    actor: Actor,
    batch: ObservationBatch,
    record: bool,
    source: str,
    matcher: IndicatorMatcher | None = None,
) -> MatchOutcome:
    """Match ``batch`` against the indicators ``actor`` may see; with ``record``, write the sightings too."""
    permit(actor, Action.READ_DATA, nation=store.nation)
    if record:
        permit(actor, Action.CREATE, nation=store.nation)
    matcher = matcher or IndicatorMatcher.for_actor(session, store=store, actor=actor)
    matches: MatchSet = matcher.match(batch)
    lines = [
        MatchLine(
            line=batch.lines[o],
            indicator_id=matcher.indicators[i].id,
            indicator_name=matcher.indicators[i].name,
            originator_nation=matcher.indicators[i].originator_nation,
        )
        for o, i in sorted(matches.pairs)
    ]
    outcome = MatchOutcome(
        observations=len(batch),
        indicators=len(matcher.indicators),
        complex_indicators=matcher.complex_count,
        matches=lines,
        errors=matches.errors,
    )
    if record:
        outcome.sightings = record_sightings(
            session, store=store, actor=actor, matcher=matcher, batch=batch, matches=matches, source=source
        )
    return outcome
