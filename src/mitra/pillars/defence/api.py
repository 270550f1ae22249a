"""REST for the defence pillar under ``/api/v1/defence``: a thin edge over :mod:`service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from mitra.core.schemas import PageRead
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
from mitra.pillars.defence.transfers import TransferFilter, transfers_after
from mitra.pillars.defence.vocabulary import CAPABILITIES, Capability
from mitra.web.auth import DataReader, node_of
from mitra.web.paging import Paging, page_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/defence", tags=["defence"], responses=PROBLEM_RESPONSES)


@router.get("/capabilities")
def capabilities(actor: DataReader) -> list[Capability]:
    """The controlled vocabulary of capabilities."""
    return list(CAPABILITIES)


@router.get("/organisations")
def organisations(request: Request, actor: DataReader, paging: Paging) -> PageRead[OrganisationView]:
    node = node_of(request)
    with node.db.read() as session:
        return page_of(
            service.list_organisations(session, store=node.store, actor=actor),
            key=service.organisation_order,
            paging=paging,
        )


@router.get("/organisations/search")
def search(
    request: Request, actor: DataReader, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> list[SearchHit]:
    """Organisations matching every word of ``q`` (names, aliases, capabilities, platforms)."""
    node = node_of(request)
    with node.db.read() as session:
        return service.search_organisations(session, store=node.store, actor=actor, query=q)


@router.post("/organisations", status_code=201)
def create_organisation(request: Request, actor: DataReader, body: OrganisationCreate) -> OrganisationView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_organisation(session, store=node.store, data=body, actor=actor)


@router.get("/agreements")
def agreements(request: Request, actor: DataReader, paging: Paging) -> PageRead[AgreementView]:
    node = node_of(request)
    with node.db.read() as session:
        return page_of(
            service.list_agreements(session, store=node.store, actor=actor),
            key=service.agreement_order,
            paging=paging,
        )


@router.post("/agreements", status_code=201)
def create_agreement(request: Request, actor: DataReader, body: AgreementCreate) -> AgreementView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_agreement(session, store=node.store, data=body, actor=actor)


@router.get("/opportunities")
def opportunities(request: Request, actor: DataReader, paging: Paging) -> PageRead[OpportunityView]:
    node = node_of(request)
    with node.db.read() as session:
        return page_of(
            service.list_opportunities(session, store=node.store, actor=actor),
            key=service.opportunity_order,
            paging=paging,
        )


@router.post("/opportunities", status_code=201)
def create_opportunity(request: Request, actor: DataReader, body: OpportunityCreate) -> OpportunityView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_opportunity(session, store=node.store, data=body, actor=actor)


@router.get("/opportunities/{opportunity_id}/matches")
def matches(request: Request, actor: DataReader, opportunity_id: str) -> list[Match]:
    """Organisations on the other side, ranked, each with the reasons for its score."""
    node = node_of(request)
    with node.db.write() as session:  # reading a RED opportunity is audited
        return service.match_opportunity(session, store=node.store, actor=actor, opportunity_id=opportunity_id)


@router.get("/exercises")
def exercises(request: Request, actor: DataReader, paging: Paging) -> PageRead[ExerciseView]:
    node = node_of(request)
    with node.db.read() as session:
        return page_of(
            service.list_exercises(session, store=node.store, actor=actor),
            key=service.exercise_order,
            paging=paging,
        )


@router.post("/exercises", status_code=201)
def create_exercise(request: Request, actor: DataReader, body: ExerciseCreate) -> ExerciseView:
    node = node_of(request)
    with node.db.write() as session:
        return service.create_exercise(session, store=node.store, data=body, actor=actor)


@router.post("/exercises/{exercise_id}/editions", status_code=201)
def add_edition(request: Request, actor: DataReader, exercise_id: str, body: EditionIn) -> ExerciseView:
    node = node_of(request)
    with node.db.write() as session:
        return service.add_edition(session, store=node.store, exercise_id=exercise_id, edition=body, actor=actor)


@router.get(
    "/exercises.ics",
    response_class=Response,
    responses={200: {"description": "iCalendar", "content": {"text/calendar": {}}}},
)
def exercises_ics(request: Request, actor: DataReader) -> Response:
    """Every exercise edition the caller may see, as iCalendar."""
    node = node_of(request)
    with node.db.read() as session:
        views = service.list_exercises(session, store=node.store, actor=actor)
    return Response(calendar_bytes(views), media_type="text/calendar")


@router.get("/lessons")
def lessons(
    request: Request,
    actor: DataReader,
    paging: Paging,
    exercise: Annotated[str | None, Query(max_length=120)] = None,
) -> PageRead[LessonView]:
    node = node_of(request)
    with node.db.read() as session:
        found = service.list_lessons(session, store=node.store, actor=actor, exercise_id=exercise)
    return page_of(found, key=service.lesson_order, paging=paging)


@router.post("/lessons", status_code=201)
def create_lesson(request: Request, actor: DataReader, body: LessonCreate) -> LessonView:
    node = node_of(request)
    with node.db.write() as session:  # checking cited commitments may view RED ones, which is audited
        return service.create_lesson(session, store=node.store, data=body, actor=actor)


@router.get("/transfers")
def transfers(
    request: Request,
    actor: DataReader,
    paging: Paging,
    recipient: Annotated[str | None, Query(max_length=80)] = None,
    supplier: Annotated[str | None, Query(max_length=80)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> PageRead[ArmsTransferView]:
    """Arms transfers imported from SIPRI, filtered by recipient, supplier and text, by year of order (unknown
    years last); the database filters and cuts each page (keyset paging on the order)."""
    node = node_of(request)
    with node.db.read() as session:
        page = transfers_after(
            session,
            store=node.store,
            actor=actor,
            where=TransferFilter(recipient=recipient, supplier=supplier, text=q),
            cursor=paging.cursor,
            limit=paging.limit,
        )
    return PageRead[ArmsTransferView](items=page.items, next=page.next)
