"""The core REST API, ``/api/v1``: objects, versions, release, import, audit. Thin over services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi import Path as FastApiPath
from sqlalchemy.orm import Session

from mitra.audit.service import verify
from mitra.core import releases, requests
from mitra.core.access import permit
from mitra.core.keys import public_key_text
from mitra.core.paging import read_cursor
from mitra.core.schemas import (
    AuditVerifyRead,
    ImportReportRead,
    NodeRead,
    ObjectCreate,
    ObjectPage,
    ObjectRead,
    RefusalCreate,
    ReleaseRequest,
    ReleaseRequestRead,
    StixTypeName,
    TlpLevel,
    VersionCreate,
)
from mitra.core.stix import HandlingInput, iter_bundle
from mitra.foundation.timestamps import format_timestamp
from mitra.policy import Action, Actor
from mitra.web.auth import api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["objects"])
ActorDep = Annotated[Actor, Depends(api_actor)]
ERRORS = PROBLEM_RESPONSES
RequestId = Annotated[int, FastApiPath(ge=1, le=2**31 - 1, description="A release request's number")]


def _requested(session: Session) -> list[str]:
    """The nations the write asked a release officer for (the person may not release, so it did not)."""
    return [opened.nation for opened in releases.opened_in(session)]


@router.get("/node", response_model=NodeRead, responses=ERRORS)
def node_info(request: Request, actor: ActorDep) -> NodeRead:
    node = node_of(request)
    with node.db.read() as session:
        count = sum(node.store.counts_by_type(session, actor=actor).values())  # only what the caller may see
    return NodeRead(
        nation=node.nation,
        agencies=list(node.settings.agencies),
        public_key=public_key_text(node.signing_key),
        objects=count,
    )


@router.post("/objects", response_model=ObjectRead, status_code=201, responses=ERRORS)
def create_object(request: Request, actor: ActorDep, body: ObjectCreate) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        row = node.store.create(session, obj=body.object, handling=body.handling.for_actor(actor), actor=actor)
        return ObjectRead.of(row, requested=_requested(session))


@router.get("/objects", response_model=ObjectPage, responses=ERRORS)
def search_objects(
    request: Request,
    actor: ActorDep,
    type: Annotated[list[StixTypeName] | None, Query(description="STIX types")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text to find")] = None,
    tlp: TlpLevel | None = None,
    originator: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    received: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=30)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> ObjectPage:
    node = node_of(request)
    with node.db.read() as session:
        rows, nxt = node.store.search(
            session,
            actor=actor,
            types=type or (),
            text=q,
            tlp=tlp,
            originator=originator,
            received=received,
            after_seq=read_cursor(cursor),
            limit=limit,
        )
        return ObjectPage(items=[ObjectRead.of(r) for r in rows], next=nxt)


@router.get("/objects/{object_id}", response_model=ObjectRead, responses=ERRORS)
def get_object(
    request: Request,
    actor: ActorDep,
    object_id: str,
    version: Annotated[str | None, Query(max_length=40)] = None,
) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        return ObjectRead.of(node.store.get(session, object_id=object_id, actor=actor, modified=version))


@router.get("/objects/{object_id}/versions", response_model=list[ObjectRead], responses=ERRORS)
def list_versions(request: Request, actor: ActorDep, object_id: str) -> list[ObjectRead]:
    node = node_of(request)
    with node.db.write() as session:  # reading a RED object's versions is audited
        return [ObjectRead.of(r) for r in node.store.versions(session, object_id=object_id, actor=actor)]


@router.post("/objects/{object_id}/versions", response_model=ObjectRead, status_code=201, responses=ERRORS)
def add_version(request: Request, actor: ActorDep, object_id: str, body: VersionCreate) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        handling = (
            body.handling.for_actor(actor) if body.handling is not None else None
        )  # the store keeps the originator
        row = node.store.new_version(session, object_id=object_id, changes=body.changes, actor=actor, handling=handling)
        return ObjectRead.of(row, requested=_requested(session))


@router.post("/objects/{object_id}/release", response_model=ObjectRead, status_code=201, responses=ERRORS)
def release_object(
    request: Request, response: Response, actor: ActorDep, object_id: str, body: ReleaseRequest
) -> ObjectRead:
    """A release officer releases (201, a new version); anyone else who may ask opens a request (202)."""
    node = node_of(request)
    with node.db.write() as session:
        row = node.store.release(
            session, object_id=object_id, to=body.to, actor=actor, confirm_cautions=body.confirm_cautions
        )
        requested = _requested(session)
        if requested:
            response.status_code = 202
        return ObjectRead.of(row, requested=requested)


@router.post("/objects/{object_id}/revoke", response_model=ObjectRead, status_code=201, responses=ERRORS)
def revoke_object(request: Request, actor: ActorDep, object_id: str) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        return ObjectRead.of(node.store.revoke(session, object_id=object_id, actor=actor))


@router.post("/bundles", response_model=ImportReportRead, responses=ERRORS)
def import_bundle(
    request: Request,
    actor: ActorDep,
    bundle: Annotated[dict[str, Any], Body(description="A STIX 2.1 bundle")],
    tlp: Annotated[str | None, Query(description="TLP for objects that carry none")] = None,
) -> ImportReportRead:
    node = node_of(request)
    default = HandlingInput(
        tlp=tlp or node.settings.default_tlp,
        originator_nation=actor.nation,
        originator_agency=actor.agency or "",
    )
    with node.db.write() as session:
        report = node.store.import_objects(
            session,
            iter_bundle(bundle, where="bundle"),
            actor=actor,
            default_handling=default,
            where="bundle",
            as_published=True,
        )
    return ImportReportRead.of(report)


@router.get("/audit/verify", response_model=AuditVerifyRead, responses=ERRORS, tags=["audit"])
def audit_verify(request: Request, actor: ActorDep) -> AuditVerifyRead:
    node = node_of(request)
    permit(actor, Action.READ_AUDIT, nation=node.nation)
    with node.db.read() as session:
        report = verify(session)
    return AuditVerifyRead(**{k: getattr(report, k) for k in AuditVerifyRead.model_fields})


# ----- release requests ---------------------------------------------------------------


def _request_read(row: requests.ReleaseRequest) -> ReleaseRequestRead:
    return ReleaseRequestRead(
        id=row.id,
        object_id=row.object_id,
        to=row.nation,
        status=row.status,
        requested_by=row.requested_by,
        requested_at=format_timestamp(row.requested_at),
        decided_by=row.decided_by,
        decided_at=format_timestamp(row.decided_at) if row.decided_at else None,
        reason=row.reason,
    )


@router.get("/release-requests", response_model=list[ReleaseRequestRead], responses=ERRORS, tags=["releases"])
def list_release_requests(
    request: Request,
    actor: ActorDep,
    view: Annotated[
        Literal["queue", "mine"], Query(description="queue: what you may decide; mine: what you asked")
    ] = "queue",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ReleaseRequestRead]:
    node = node_of(request)
    permit(actor, Action.CREATE, nation=node.nation)
    with node.db.read() as session:
        if view == "mine":
            rows, _ = requests.mine(session, actor, offset=offset, limit=limit)
        else:
            rows = requests.queue(node.store, session, actor)[offset : offset + limit]
        return [_request_read(r) for r in rows]


@router.post("/release-requests/{request_id}/approve", response_model=ObjectRead, responses=ERRORS, tags=["releases"])
def approve_release_request(
    request: Request, actor: ActorDep, request_id: RequestId, confirm_cautions: bool = False
) -> ObjectRead:
    """Release as asked; ``confirm_cautions=true`` once what the node cautions against was checked (else 409)."""
    node = node_of(request)
    with node.db.write() as session:
        return ObjectRead.of(
            requests.approve(node.store, session, request_id, actor, confirm_cautions=confirm_cautions)
        )


@router.post(
    "/release-requests/{request_id}/refuse", response_model=ReleaseRequestRead, responses=ERRORS, tags=["releases"]
)
def refuse_release_request(
    request: Request, actor: ActorDep, request_id: RequestId, body: RefusalCreate
) -> ReleaseRequestRead:
    node = node_of(request)
    with node.db.write() as session:
        return _request_read(requests.refuse(node.store, session, request_id, actor, reason=body.reason))


@router.post(
    "/release-requests/{request_id}/withdraw", response_model=ReleaseRequestRead, responses=ERRORS, tags=["releases"]
)
def withdraw_release_request(request: Request, actor: ActorDep, request_id: RequestId) -> ReleaseRequestRead:
    node = node_of(request)
    with node.db.write() as session:
        return _request_read(requests.withdraw(session, request_id, actor))
