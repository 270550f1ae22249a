"""``/api/v1/dialogue``: the register over REST. Thin over the service; the actor comes from the token."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from mitra.core.objects import StixObject
from mitra.core.schemas import PageRead
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.intake import IntakeResult, propose
from mitra.pillars.dialogue.reports import ocds_package
from mitra.pillars.dialogue.schemas import (
    AreaCreate,
    CommitmentCreate,
    CommitmentRead,
    ComplianceRead,
    Created,
    IntakeRequest,
    SessionCreate,
    StatusRead,
    UpdateCreate,
)
from mitra.policy import Actor
from mitra.web.auth import api_actor, node_of
from mitra.web.paging import Paging, page_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/dialogue", tags=["dialogue"])
ActorDep = Annotated[Actor, Depends(api_actor)]
ERRORS = PROBLEM_RESPONSES


def _created(row: StixObject) -> Created:
    return Created(id=row.id, type=row.type, modified=str(row.as_stix()["modified"]))


def _register(session: Session, node: Node, actor: Actor) -> service.Register:
    return service.load_register(session, node, actor, today=date.today())


@router.get("/commitments", response_model=PageRead[CommitmentRead], responses=ERRORS)
def list_commitments(
    request: Request, actor: ActorDep, paging: Paging, area: Annotated[str | None, Query(max_length=60)] = None
) -> PageRead[CommitmentRead]:
    node = node_of(request)
    with node.db.read() as session:
        register = _register(session, node, actor)
    found = [CommitmentRead.of(s) for s in register.commitments if area is None or s.commitment.area == area]
    return page_of(found, key=lambda c: (c.area, c.id), paging=paging)


@router.get("/commitments/{commitment_id}", response_model=CommitmentRead, responses=ERRORS)
def get_commitment(request: Request, actor: ActorDep, commitment_id: str) -> CommitmentRead:
    node = node_of(request)
    with node.db.read() as session:
        register = _register(session, node, actor)
    return CommitmentRead.of(register.commitment(commitment_id))


@router.post("/commitments", response_model=Created, status_code=201, responses=ERRORS)
def create_commitment(request: Request, actor: ActorDep, body: CommitmentCreate) -> Created:
    node = node_of(request)
    with node.db.write() as session:
        return _created(service.add_commitment(session=session, node=node, actor=actor, data=body.to_input()))


@router.post("/commitments/{commitment_id}/updates", response_model=Created, status_code=201, responses=ERRORS)
def create_update(request: Request, actor: ActorDep, commitment_id: str, body: UpdateCreate) -> Created:
    node = node_of(request)
    with node.db.write() as session:
        row = service.add_update(
            session=session, node=node, actor=actor, data=body.to_input(commitment_id), today=date.today()
        )
        return _created(row)


@router.post("/sessions", response_model=Created, status_code=201, responses=ERRORS)
def create_session(request: Request, actor: ActorDep, body: SessionCreate) -> Created:
    node = node_of(request)
    with node.db.write() as session:
        return _created(service.add_session(session=session, node=node, actor=actor, data=body.to_input()))


@router.post("/areas", response_model=Created, status_code=201, responses=ERRORS)
def create_area(request: Request, actor: ActorDep, body: AreaCreate) -> Created:
    node = node_of(request)
    with node.db.write() as session:
        row = service.add_area(
            session=session, node=node, actor=actor, key=body.key, name=body.name, handling=body.handling
        )
        return _created(row)


@router.get("/status", response_model=StatusRead, responses=ERRORS)
def status(request: Request, actor: ActorDep) -> StatusRead:
    node = node_of(request)
    with node.db.read() as session:
        register = _register(session, node, actor)
    nxt = register.next_session
    return StatusRead(
        sessions=len(register.sessions),
        next_session_number=nxt.number if nxt else None,
        next_session_due=nxt.due.isoformat() if nxt else None,
        next_session_overdue=bool(nxt and nxt.overdue),
        status_counts=register.status_counts(),
    )


@router.get("/compliance", response_model=ComplianceRead, responses=ERRORS)
def compliance(request: Request, actor: ActorDep, year: Annotated[int, Query(ge=2000, le=2100)]) -> ComplianceRead:
    node = node_of(request)
    with node.db.read() as session:
        register = _register(session, node, actor)
    rows = service.compliance(register, years=[year])
    return ComplianceRead(
        year=year,
        overall={n: service.nation_percentage(rows, n, year) for n in register.nations},
        commitments={r.state.commitment.id: {n: r.percentage(n) for n in register.nations} for r in rows},
    )


@router.get("/ocds", responses=ERRORS)
def ocds(request: Request, actor: ActorDep) -> dict[str, Any]:
    """The commitments as an OCDS 1.1 release package."""
    node = node_of(request)
    with node.db.read() as session:
        register = _register(session, node, actor)
    return ocds_package(register, uri=str(request.url), publisher=f"Mitra node {node.nation}")


@router.post("/intake", responses=ERRORS)
def intake(request: Request, actor: ActorDep, body: IntakeRequest) -> dict[str, Any]:
    """Proposals found in a document (nothing is stored)."""
    node = node_of(request)
    with node.db.read() as session:
        register = _register(session, node, actor)
    return intake_json(propose(body.text, register.facts()))


def intake_json(result: IntakeResult) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    converted: dict[str, Any] = convert(dataclasses.asdict(result))
    return converted
