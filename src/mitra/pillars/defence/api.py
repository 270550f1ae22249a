"""REST for the defence pillar under ``/api/v1/defence``: a thin edge over :mod:`service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from mitra.core.errors import Forbidden
from mitra.pillars.defence import service
from mitra.pillars.defence.calendar import calendar_bytes
from mitra.pillars.defence.models import (
    AgreementView,
    ArmsTransferView,
    ExerciseView,
    LessonView,
    OpportunityView,
    OrganisationView,
)
from mitra.pillars.defence.schemas import (
    AgreementCreate,
    EditionIn,
    ExerciseCreate,
    LessonCreate,
    OpportunityCreate,
    OrganisationCreate,
)
from mitra.pillars.defence.service import Match, SearchHit
from mitra.pillars.defence.vocabulary import CAPABILITIES, Capability
from mitra.policy import Action, Actor, authorize
from mitra.web.auth import api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/defence", tags=["defence"], responses=PROBLEM_RESPONSES)


def reader(request: Request, actor: Annotated[Actor, Depends(api_actor)]) -> Actor:
    """People of this node read the pillar's views; partner nodes read only through TAXII."""
    decision = authorize(actor, Action.READ_DATA, node_nation=node_of(request).nation)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    return actor


ActorDep = Annotated[Actor, Depends(reader)]


@router.get("/capabilities")
def capabilities(actor: ActorDep) -> list[Capability]:
    """The controlled vocabulary of capabilities."""
    return list(CAPABILITIES)


@router.get("/organisations")
def organisations(request: Request, actor: ActorDep) -> list[OrganisationView]:
    node = node_of(request)
    with node.db.read() as session:
        return service.list_organisations(session, store=node.store, actor=actor)


@router.get("/organisations/search")
def search(
    request: Request, actor: ActorDep, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> list[SearchHit]:
    """Organisations matching every word of ``q`` (names, aliases, capabilities, platforms)."""
    node = node_of(request)
    with node.db.read() as session:
        return service.search_organisations(session, store=node.store, actor=actor, query=q)


@router.post("/organisations", status_code=201)
def create_organisation(request: Request, actor: ActorDep, body: OrganisationCreate) -> OrganisationView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_organisation(session, store=node.store, data=body, actor=actor)


@router.get("/agreements")
def agreements(request: Request, actor: ActorDep) -> list[AgreementView]:
    node = node_of(request)
    with node.db.read() as session:
        return service.list_agreements(session, store=node.store, actor=actor)


@router.post("/agreements", status_code=201)
def create_agreement(request: Request, actor: ActorDep, body: AgreementCreate) -> AgreementView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_agreement(session, store=node.store, data=body, actor=actor)


@router.get("/opportunities")
def opportunities(request: Request, actor: ActorDep) -> list[OpportunityView]:
    node = node_of(request)
    with node.db.read() as session:
        return service.list_opportunities(session, store=node.store, actor=actor)


@router.post("/opportunities", status_code=201)
def create_opportunity(request: Request, actor: ActorDep, body: OpportunityCreate) -> OpportunityView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_opportunity(session, store=node.store, data=body, actor=actor)


@router.get("/opportunities/{opportunity_id}/matches")
def matches(request: Request, actor: ActorDep, opportunity_id: str) -> list[Match]:
    """Organisations on the other side, ranked, each with the reasons for its score."""
    node = node_of(request)
    with node.db.write() as session:  # reading a RED opportunity is audited
        return service.match_opportunity(session, store=node.store, actor=actor, opportunity_id=opportunity_id)


@router.get("/exercises")
def exercises(request: Request, actor: ActorDep) -> list[ExerciseView]:
    node = node_of(request)
    with node.db.read() as session:
        return service.list_exercises(session, store=node.store, actor=actor)


@router.post("/exercises", status_code=201)
def create_exercise(request: Request, actor: ActorDep, body: ExerciseCreate) -> ExerciseView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_exercise(session, store=node.store, data=body, actor=actor)


@router.post("/exercises/{exercise_id}/editions", status_code=201)
def add_edition(request: Request, actor: ActorDep, exercise_id: str, body: EditionIn) -> ExerciseView:
    node = node_of(request)
    with node.db.write() as session:
        return service.add_edition(session, store=node.store, exercise_id=exercise_id, edition=body, actor=actor)


@router.get(
    "/exercises.ics",
    response_class=Response,
    responses={200: {"description": "iCalendar", "content": {"text/calendar": {}}}},
)
def exercises_ics(request: Request, actor: ActorDep) -> Response:
    """Every exercise edition the caller may see, as iCalendar."""
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_exercises(session, store=node.store, actor=actor)
    return Response(calendar_bytes(views), media_type="text/calendar")


@router.get("/lessons")
def lessons(
    request: Request, actor: ActorDep, exercise: Annotated[str | None, Query(max_length=120)] = None
) -> list[LessonView]:
    node = node_of(request)
    with node.db.read() as session:
        return service.list_lessons(session, store=node.store, actor=actor, exercise_id=exercise)


@router.post("/lessons", status_code=201)
def create_lesson(request: Request, actor: ActorDep, body: LessonCreate) -> LessonView:
    node = node_of(request)
    with node.db.write() as session:  # checking cited commitments may view RED ones, which is audited
        return service.create_lesson(session, store=node.store, data=body, actor=actor)


@router.get("/transfers")
def transfers(
    request: Request,
    actor: ActorDep,
    recipient: Annotated[str | None, Query(max_length=80)] = None,
    supplier: Annotated[str | None, Query(max_length=80)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ArmsTransferView]:
    """Arms transfers imported from SIPRI, filtered by recipient, supplier and text."""
    node = node_of(request)
    with node.db.read() as session:
        return service.list_transfers(
            session, store=node.store, actor=actor, recipient=recipient, supplier=supplier, text=q
        )
