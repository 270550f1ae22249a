"""REST for the defence pillar under ``/api/v1/defence``: a thin edge over :mod:`service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from mitra.core.errors import Forbidden
from mitra.pillars.defence import service
from mitra.pillars.defence.calendar import calendar_bytes
from mitra.pillars.defence.schemas import (
    AgreementCreate,
    AgreementRead,
    ArmsTransferRead,
    CapabilityRead,
    EditionIn,
    ExerciseCreate,
    ExerciseRead,
    LessonCreate,
    LessonRead,
    MatchRead,
    OpportunityCreate,
    OpportunityRead,
    OrganisationCreate,
    OrganisationRead,
    SearchHitRead,
)
from mitra.pillars.defence.vocabulary import CAPABILITIES
from mitra.policy import Action, Actor, authorize
from mitra.web.auth import api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/defence", tags=["defence"])
ERRORS = PROBLEM_RESPONSES


def reader(request: Request, actor: Annotated[Actor, Depends(api_actor)]) -> Actor:
    """People of this node read the pillar's views; partner nodes read only through TAXII."""
    decision = authorize(actor, Action.READ_DATA, node_nation=node_of(request).nation)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    return actor


ActorDep = Annotated[Actor, Depends(reader)]


@router.get("/capabilities", response_model=list[CapabilityRead], responses=ERRORS)
def capabilities(actor: ActorDep) -> list[CapabilityRead]:
    """The controlled vocabulary of capabilities."""
    return [CapabilityRead.model_validate(c) for c in CAPABILITIES]


@router.get("/organisations", response_model=list[OrganisationRead], responses=ERRORS)
def organisations(request: Request, actor: ActorDep) -> list[OrganisationRead]:
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_organisations(session, store=node.store, actor=actor)
    return [OrganisationRead.model_validate(v) for v in views]


@router.get("/organisations/search", response_model=list[SearchHitRead], responses=ERRORS)
def search(
    request: Request, actor: ActorDep, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> list[SearchHitRead]:
    """Organisations matching every word of ``q`` (names, aliases, capabilities, platforms)."""
    node = node_of(request)
    with node.db.read() as session:
        hits = service.search_organisations(session, store=node.store, actor=actor, query=q)
    return [SearchHitRead.model_validate(h) for h in hits]


@router.post("/organisations", response_model=OrganisationRead, status_code=201, responses=ERRORS)
def create_organisation(request: Request, actor: ActorDep, body: OrganisationCreate) -> OrganisationRead:
    node = node_of(request)
    with node.db.write() as session:
        view = service.create_organisation(session, store=node.store, data=body, actor=actor)
    return OrganisationRead.model_validate(view)


@router.get("/agreements", response_model=list[AgreementRead], responses=ERRORS)
def agreements(request: Request, actor: ActorDep) -> list[AgreementRead]:
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_agreements(session, store=node.store, actor=actor)
    return [AgreementRead.model_validate(v) for v in views]


@router.post("/agreements", response_model=AgreementRead, status_code=201, responses=ERRORS)
def create_agreement(request: Request, actor: ActorDep, body: AgreementCreate) -> AgreementRead:
    node = node_of(request)
    with node.db.write() as session:
        view = service.create_agreement(session, store=node.store, data=body, actor=actor)
    return AgreementRead.model_validate(view)


@router.get("/opportunities", response_model=list[OpportunityRead], responses=ERRORS)
def opportunities(request: Request, actor: ActorDep) -> list[OpportunityRead]:
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_opportunities(session, store=node.store, actor=actor)
    return [OpportunityRead.model_validate(v) for v in views]


@router.post("/opportunities", response_model=OpportunityRead, status_code=201, responses=ERRORS)
def create_opportunity(request: Request, actor: ActorDep, body: OpportunityCreate) -> OpportunityRead:
    node = node_of(request)
    with node.db.write() as session:
        view = service.create_opportunity(session, store=node.store, data=body, actor=actor)
    return OpportunityRead.model_validate(view)


@router.get("/opportunities/{opportunity_id}/matches", response_model=list[MatchRead], responses=ERRORS)
def matches(request: Request, actor: ActorDep, opportunity_id: str) -> list[MatchRead]:
    """Organisations on the other side, ranked, each with the reasons for its score."""
    node = node_of(request)
    with node.db.write() as session:  # reading a RED opportunity is audited
        found = service.match_opportunity(session, store=node.store, actor=actor, opportunity_id=opportunity_id)
    return [MatchRead.model_validate(m) for m in found]


@router.get("/exercises", response_model=list[ExerciseRead], responses=ERRORS)
def exercises(request: Request, actor: ActorDep) -> list[ExerciseRead]:
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_exercises(session, store=node.store, actor=actor)
    return [ExerciseRead.model_validate(v) for v in views]


@router.post("/exercises", response_model=ExerciseRead, status_code=201, responses=ERRORS)
def create_exercise(request: Request, actor: ActorDep, body: ExerciseCreate) -> ExerciseRead:
    node = node_of(request)
    with node.db.write() as session:
        view = service.create_exercise(session, store=node.store, data=body, actor=actor)
    return ExerciseRead.model_validate(view)


@router.post("/exercises/{exercise_id}/editions", response_model=ExerciseRead, status_code=201, responses=ERRORS)
def add_edition(request: Request, actor: ActorDep, exercise_id: str, body: EditionIn) -> ExerciseRead:
    node = node_of(request)
    with node.db.write() as session:
        view = service.add_edition(session, store=node.store, exercise_id=exercise_id, edition=body, actor=actor)
    return ExerciseRead.model_validate(view)


@router.get(
    "/exercises.ics",
    response_class=Response,
    responses={**ERRORS, 200: {"description": "iCalendar", "content": {"text/calendar": {}}}},
)
def exercises_ics(request: Request, actor: ActorDep) -> Response:
    """Every exercise edition the caller may see, as iCalendar."""
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_exercises(session, store=node.store, actor=actor)
    return Response(calendar_bytes(views), media_type="text/calendar")


@router.get("/lessons", response_model=list[LessonRead], responses=ERRORS)
def lessons(
    request: Request, actor: ActorDep, exercise: Annotated[str | None, Query(max_length=120)] = None
) -> list[LessonRead]:
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_lessons(session, store=node.store, actor=actor, exercise_id=exercise)
    return [LessonRead.model_validate(v) for v in views]


@router.post("/lessons", response_model=LessonRead, status_code=201, responses=ERRORS)
def create_lesson(request: Request, actor: ActorDep, body: LessonCreate) -> LessonRead:
    node = node_of(request)
    with node.db.write() as session:  # checking cited commitments may view RED ones, which is audited
        view = service.create_lesson(session, store=node.store, data=body, actor=actor)
    return LessonRead.model_validate(view)


@router.get("/transfers", response_model=list[ArmsTransferRead], responses=ERRORS)
def transfers(
    request: Request,
    actor: ActorDep,
    recipient: Annotated[str | None, Query(max_length=80)] = None,
    supplier: Annotated[str | None, Query(max_length=80)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ArmsTransferRead]:
    """Arms transfers imported from SIPRI, filtered by recipient, supplier and text."""
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_transfers(
            session, store=node.store, actor=actor, recipient=recipient, supplier=supplier, text=q
        )
    return [ArmsTransferRead.model_validate(v) for v in views]
