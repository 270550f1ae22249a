"""REST for matching, sightings and correlations, under ``/api/v1/intel/match``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from mitra.core.access import permit
from mitra.pillars.intel.matching.correlation import CorrelationGroup, correlate
from mitra.pillars.intel.matching.observations import ObservationFormat, read_observations
from mitra.pillars.intel.matching.service import MatchOutcome, run_match
from mitra.policy import Action, Actor
from mitra.web.auth import api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/intel/match", tags=["intel"])
ActorDep = Annotated[Actor, Depends(api_actor)]


class MatchRequest(BaseModel):
    format: ObservationFormat = Field(default="jsonl", description="jsonl, csv, zeek-dns or zeek-conn")
    observations: str = Field(max_length=50_000_000, description="The observation file's text")
    source: str = Field(default="REST upload", max_length=200, description="Named in the sightings' description")


class MatchRead(BaseModel):
    line: int
    indicator_id: str
    indicator_name: str
    originator_nation: str


class SightingRead(BaseModel):
    id: str
    indicator_id: str
    count: int
    first_seen: str
    last_seen: str
    releasable_to: list[str]
    reason: str


class MatchResponse(BaseModel):
    observations: int
    indicators: int
    complex_indicators: int
    errors: int = Field(description="(observation, indicator) pairs stix2-matcher raised on, counted as no match")
    matches: list[MatchRead]
    sightings: list[SightingRead]

    @classmethod
    def of(cls, outcome: MatchOutcome) -> MatchResponse:
        return cls(
            observations=outcome.observations,
            indicators=outcome.indicators,
            complex_indicators=outcome.complex_indicators,
            errors=outcome.errors,
            matches=[MatchRead.model_validate(m, from_attributes=True) for m in outcome.matches],
            sightings=[
                SightingRead(
                    id=s.id,
                    indicator_id=s.indicator_id,
                    count=s.count,
                    first_seen=s.first_seen,
                    last_seen=s.last_seen,
                    releasable_to=list(s.releasable_to),
                    reason=s.reason,
                )
                for s in outcome.sightings
            ],
        )


class LinkedRead(BaseModel):
    id: str
    type: str
    label: str
    originator_nation: str


class CorrelationRead(BaseModel):
    type: str
    property: str
    value: str
    nations: list[str]
    objects: list[LinkedRead]
    incidents: list[LinkedRead]

    @classmethod
    def of(cls, group: CorrelationGroup) -> CorrelationRead:
        return cls(
            type=group.key[0],
            property=group.key[1],
            value=group.value,
            nations=group.nations,
            objects=[LinkedRead.model_validate(o, from_attributes=True) for o in group.objects],
            incidents=[LinkedRead.model_validate(o, from_attributes=True) for o in group.incidents],
        )


@router.post("", response_model=MatchResponse, responses=PROBLEM_RESPONSES)
def match_observations(
    request: Request,
    actor: ActorDep,
    body: MatchRequest,
    record_sightings: Annotated[bool, Query(description="Also record a sighting per matched indicator")] = False,
) -> MatchResponse:
    """Match observations against every active indicator the caller may see."""
    node = node_of(request)
    permit(actor, Action.CREATE if record_sightings else Action.READ_DATA, nation=node.nation)
    batch = read_observations(body.observations.encode("utf-8"), body.format)
    with node.db.write() if record_sightings else node.db.read() as session:  # sightings need the write lock
        outcome = run_match(
            session, store=node.store, actor=actor, batch=batch, record=record_sightings, source=body.source
        )
    return MatchResponse.of(outcome)


@router.get("/correlations", response_model=list[CorrelationRead], responses=PROBLEM_RESPONSES)
def list_correlations(request: Request, actor: ActorDep) -> list[CorrelationRead]:
    """Observable values shared by both nations' objects or by several incidents (only what the caller sees)."""
    node = node_of(request)
    permit(actor, Action.READ_DATA, nation=node.nation)
    with node.db.read() as session:
        return [CorrelationRead.of(g) for g in correlate(session, store=node.store, actor=actor)]
