"""Thin REST router for intelligence objects, imports, MISP export and warninglists (``/api/v1/intel``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from mitra.core.paging import read_cursor
from mitra.core.schemas import ImportReportRead, ObjectPage, ObjectRead, StixTypeName, TlpLevel
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import parse_timestamp
from mitra.pillars.intel import india_malaysia, models, service
from mitra.pillars.intel.schemas import (
    GraphRead,
    IntelCreate,
    IntelObjectRead,
    IntelReleaseRequest,
    IntelVersionCreate,
    SharedRead,
    TargetRead,
    WarninglistHitRead,
)
from mitra.pillars.intel.warninglists import node_warninglists
from mitra.policy import Actor
from mitra.web.auth import DataReader, api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/intel", tags=["intel"])
ActorDep = Annotated[Actor, Depends(api_actor)]
ERRORS = PROBLEM_RESPONSES


_MOMENT = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$"


def _moment(value: str | None, where: str) -> datetime | None:
    """A UTC date (midnight) or ``...Z`` timestamp from a query parameter."""
    if value is None:
        return None
    text = value if "T" in value else f"{value}T00:00:00Z"
    return parse_timestamp(text.replace("Z", ":00Z") if text.count(":") == 1 else text, where=where)


@router.get("/objects", response_model=ObjectPage, responses=ERRORS)
def list_objects(
    request: Request,
    actor: ActorDep,
    type: Annotated[list[StixTypeName] | None, Query(description="Intelligence types")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tlp: TlpLevel | None = None,
    originator: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    since: Annotated[str | None, Query(pattern=_MOMENT, max_length=40, description="Modified at or after")] = None,
    until: Annotated[str | None, Query(pattern=_MOMENT, max_length=40, description="Modified at or before")] = None,
    cursor: Annotated[str | None, Query(max_length=30, description="From the previous page's next")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ObjectPage:
    node = node_of(request)
    unknown = [t for t in type or () if t not in models.PAGE_TYPES]
    if unknown:
        raise InvalidInput(f"type: {', '.join(unknown)} not an intelligence type")
    filters = models.ListFilters(
        types=tuple(type or ()),
        text=q or None,
        tlp=tlp,
        originator=originator,
        since=_moment(since, "since"),
        until=_moment(until, "until"),
    )
    with node.db.read() as session:
        rows, nxt = service.list_objects(
            session, node, actor=actor, filters=filters, cursor=read_cursor(cursor), limit=limit
        )
        return ObjectPage(items=[ObjectRead.of(r) for r in rows], next=nxt)


@router.post("/objects", response_model=ObjectRead, status_code=201, responses=ERRORS)
def create_object(request: Request, actor: ActorDep, body: IntelCreate) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        row = service.create_object(
            session,
            node,
            actor=actor,
            obj=body.object,
            handling=body.handling.for_actor(actor),
            confirm_hits=body.confirm_warninglist_hits,
        )
        return ObjectRead.of(row)


@router.get("/objects/{object_id}", response_model=IntelObjectRead, responses=ERRORS)
def get_object(request: Request, actor: ActorDep, object_id: str) -> IntelObjectRead:
    node = node_of(request)
    index = node_warninglists(node.settings.data_dir)
    with node.db.write() as session:  # a view of RED is audited
        row = node.store.get(session, object_id=object_id, actor=actor)
        graph = service.relationship_graph(session, node, actor=actor, row=row)
        return IntelObjectRead(
            item=ObjectRead.of(row),
            graph=GraphRead.of(graph),
            warninglist_hits=[WarninglistHitRead.of(h) for h in service.warninglist_hits(index, row)],
        )


@router.post("/objects/{object_id}/versions", response_model=ObjectRead, status_code=201, responses=ERRORS)
def add_version(request: Request, actor: ActorDep, object_id: str, body: IntelVersionCreate) -> ObjectRead:
    node = node_of(request)
    handling = body.handling.for_actor(actor) if body.handling else None
    with node.db.write() as session:
        row = service.edit_object(
            session, node, actor=actor, object_id=object_id, changes=body.changes, handling=handling
        )
        return ObjectRead.of(row)


@router.post("/objects/{object_id}/release", response_model=ObjectRead, status_code=201, responses=ERRORS)
def release_object(request: Request, actor: ActorDep, object_id: str, body: IntelReleaseRequest) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        row = service.release_object(
            session, node, actor=actor, object_id=object_id, to=body.to, confirm_hits=body.confirm_warninglist_hits
        )
        return ObjectRead.of(row)


@router.get("/warninglists", response_model=list[WarninglistHitRead], responses=ERRORS)
def check_warninglists(
    request: Request, actor: DataReader, value: Annotated[list[str], Query(max_length=2048)]
) -> list[WarninglistHitRead]:
    """Which warninglists each value is on."""
    node = node_of(request)
    index = node_warninglists(node.settings.data_dir)
    return [WarninglistHitRead.of(hit) for v in value[:100] for hit in index.check(v)]


@router.post("/import/stix", response_model=ImportReportRead, responses=ERRORS)
def import_stix(
    request: Request,
    actor: ActorDep,
    bundle: Annotated[dict[str, Any], Body(description="A STIX 2.1 bundle")],
    tlp: TlpLevel | None = None,
) -> ImportReportRead:
    node = node_of(request)
    with node.db.write() as session:
        outcome = service.import_stix(session, node, actor=actor, document=bundle, where="bundle", tlp=tlp)
    return ImportReportRead.of(outcome)


@router.post("/import/misp", response_model=ImportReportRead, responses=ERRORS)
def import_misp(
    request: Request, actor: ActorDep, event: Annotated[dict[str, Any], Body(description="A MISP event (MISP JSON)")]
) -> ImportReportRead:
    node = node_of(request)
    with node.db.write() as session:
        outcome = service.import_misp(session, node, actor=actor, document=event, where="event")
    return ImportReportRead.of(outcome)


_CSV_BODY = {"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.post("/import/csv", response_model=ImportReportRead, responses=ERRORS, openapi_extra=_CSV_BODY)
async def import_csv(
    request: Request, actor: ActorDep, tlp: TlpLevel | None = None, skip_bad: bool = False
) -> ImportReportRead:
    """A CSV (type,value[,name,description,labels]) or plain list of indicators, as the request body."""
    node = node_of(request)
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("body: not UTF-8 text") from None
    with node.db.write() as session:
        outcome = service.import_csv(session, node, actor=actor, text=text, where="body", tlp=tlp, skip_bad=skip_bad)
    return ImportReportRead.of(outcome)


@router.get("/reports/{report_id}/misp", response_model=dict[str, Any], responses=ERRORS)
def export_misp(request: Request, actor: ActorDep, report_id: str) -> dict[str, Any]:
    """A report and the objects it names that the caller may see, as a MISP event."""
    node = node_of(request)
    with node.db.write() as session:
        return service.export_misp_event(session, node, actor=actor, report_id=report_id)


@router.get("/india-malaysia", response_model=list[TargetRead], responses=ERRORS)
def india_malaysia_view(request: Request, actor: DataReader) -> list[TargetRead]:
    """Actors and campaigns targeting India or Malaysia, with what each nation shared about them."""
    node = node_of(request)
    nations = node.partnership
    with node.db.read() as session:
        views = india_malaysia.view(session, node, actor=actor, nations=nations)
        return [
            TargetRead(
                object_id=v.object_id,
                name=v.row.name if v.row else None,
                type=v.row.type if v.row else None,
                targets=list(v.target.get("targets", [])),
                based_in=list(v.target.get("based_in", [])),
                source=str(v.target.get("source", "")),
                shared=[
                    SharedRead(nation=n, count=s.count, examples=[e.id for e in s.examples])
                    for n, s in sorted(v.shared.items())
                ],
            )
            for v in views
        ]
