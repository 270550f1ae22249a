"""Matches become ``sighting`` objects; a sighting of a partner's indicator goes back to it if policy allows.

The sighting carries the indicator's TLP and TLP:RED recipients (it reveals that the indicator
was seen). Whether it is made releasable to the indicator's originator is the policy engine's
answer to "may this node export an object so marked to that nation?", never a TLP comparison
here: a TLP:RED indicator's sighting, whose recipients are all on this side, stays home.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mitra.core.access import permit
from mitra.core.objects import ObjectStore
from mitra.core.stix import HandlingInput, nation_identity_id, to_policy_handling
from mitra.pillars.intel.matching.engine import ActiveIndicator, IndicatorMatcher, MatchSet
from mitra.pillars.intel.matching.observations import ObservationBatch
from mitra.policy import Action, Actor, Export, Role, decide

MAX_LINES_NAMED = 20


@dataclass(frozen=True, slots=True)
class SightingRecord:
    """One sighting written: of which indicator, how often, and whether it goes back to the originator."""

    id: str
    indicator_id: str
    count: int
    first_seen: str
    last_seen: str
    releasable_to: tuple[str, ...]
    reason: str


# The partnership's standing rule for sightings (issue: "sightings on a partner's indicator are sent back to
# the originator, if policy allows"): no release officer stands between a match and its originator.
FEEDBACK_RULE = "a sighting goes back to the originator of the indicator it is about"


def feedback_handling(indicator: ActiveIndicator, *, store: ObjectStore, actor: Actor) -> tuple[HandlingInput, str]:
    """The handling of a sighting of ``indicator`` made by ``actor``, and why it does or does not go back."""
    source = indicator.handling
    tlp = source.tlp if source is not None else "amber"
    red = source.red_recipients if source is not None else ()
    home = HandlingInput(
        tlp=tlp,
        originator_nation=store.nation,
        originator_agency=actor.agency or "",
        releasable_to=(),
        orcon=True,
        red_recipients=red,
    )
    originator = indicator.originator_nation
    if not originator or originator == store.nation:
        return home, "our own indicator: the sighting stays here"
    back = HandlingInput(
        tlp=home.tlp,
        originator_nation=home.originator_nation,
        originator_agency=home.originator_agency,
        releasable_to=(originator,),
        orcon=True,
        red_recipients=red,
    )
    partner = Actor(nation=originator, agency=None, username=None, roles=frozenset({Role.PARTNER}))
    decision = decide(partner, to_policy_handling(back, held_by=store.nation, revoked=False, withdrawn=False), Export())
    if decision.allowed:
        return back, f"sent back to {originator}: {decision.reason}"
    return home, f"stays here: {decision.reason}"


def record_sightings(
    session: Session,
    *,
    store: ObjectStore,
    actor: Actor,
    matcher: IndicatorMatcher,
    batch: ObservationBatch,
    matches: MatchSet,
    source: str,
) -> list[SightingRecord]:
    """One sighting per matched indicator, created by ``actor`` in the caller's transaction."""
    permit(actor, Action.CREATE, nation=store.nation)
    records: list[SightingRecord] = []
    for number, observations in sorted(matches.by_indicator().items()):
        indicator = matcher.indicators[number]
        times = sorted(batch.times[o] for o in observations)
        lines = [batch.lines[o] for o in observations]
        named = ", ".join(str(n) for n in lines[:MAX_LINES_NAMED]) + (" ..." if len(lines) > MAX_LINES_NAMED else "")
        handling, reason = feedback_handling(indicator, store=store, actor=actor)
        row = store.create(
            session,
            obj={
                "type": "sighting",
                "sighting_of_ref": indicator.id,
                "count": min(len(observations), 999_999_999),
                "first_seen": times[0],
                "last_seen": times[-1],
                "where_sighted_refs": [nation_identity_id(store.nation)],
                "description": f"Matched {len(observations)} observation(s) in {source[:200]} (lines {named}).",
            },
            handling=handling,
            actor=actor,
            release_rule=FEEDBACK_RULE if handling.releasable_to else None,
        )
        records.append(
            SightingRecord(
                id=row.id,
                indicator_id=indicator.id,
                count=len(observations),
                first_seen=times[0],
                last_seen=times[-1],
                releasable_to=handling.releasable_to,
                reason=reason,
            )
        )
    return records
