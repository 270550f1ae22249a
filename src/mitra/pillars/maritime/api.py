"""The maritime REST API, ``/api/v1/maritime``: incidents, statistics, areas, the picture. Thin over services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from mitra.core.schemas import ObjectRead
from mitra.pillars.maritime.areas import parse_area_geojson
from mitra.pillars.maritime.models import IncidentInput
from mitra.pillars.maritime.schemas import (
    AreaUpload,
    IncidentCreate,
    IncidentPage,
    IncidentRead,
    StatsRead,
    StatsRow,
)
from mitra.pillars.maritime.service import (
    build_picture,
    create_incident,
    incident_stats,
    list_incidents,
    save_areas,
    stored_areas,
    vessel_track,
    window,
)
from mitra.policy import Actor
from mitra.web.auth import DataReader, api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/maritime", tags=["maritime"])
ActorDep = Annotated[Actor, Depends(api_actor)]
ERRORS = PROBLEM_RESPONSES
DayQuery = Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or a STIX timestamp")]


@router.post("/incidents", response_model=ObjectRead, status_code=201, responses=ERRORS)
def create_incident_endpoint(request: Request, actor: ActorDep, body: IncidentCreate) -> ObjectRead:
    node = node_of(request)
    data = IncidentInput(
        name=body.name,
        category=body.category,
        occurred_at=body.occurred_at,
        latitude=body.latitude,
        longitude=body.longitude,
        severity=body.severity,
        attempted=body.attempted,
        vessel_name=body.vessel_name,
        vessel_imo=body.vessel_imo,
        vessel_mmsi=body.vessel_mmsi,
        description=body.description,
    )
    with node.db.write() as session:
        row = create_incident(session, node=node, actor=actor, data=data, handling=body.handling.for_actor(actor))
        return ObjectRead.of(row)


@router.get("/incidents", response_model=IncidentPage, responses=ERRORS)
def list_incidents_endpoint(
    request: Request,
    actor: DataReader,
    since: DayQuery = None,
    until: DayQuery = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    cursor: Annotated[str | None, Query(max_length=200, description="`next` of the previous page")] = None,
) -> IncidentPage:
    """Incidents newest first: ``items`` (one page), ``next`` (the cursor of the next page, null at the end) and
    ``total`` (how many match the filters). Each item's ``severity`` is its ReCAAP category, null when not graded."""
    node = node_of(request)
    start, end = window(since, until)
    with node.db.read() as session:
        page, total = list_incidents(
            session,
            node=node,
            actor=actor,
            since=start,
            until=end,
            category=category,
            area=area,
            limit=limit,
            cursor=cursor,
        )
    return IncidentPage(total=total, items=[IncidentRead(**item) for item in page.items], next=page.next)


@router.get("/incidents/stats", response_model=StatsRead, responses=ERRORS)
def incident_stats_endpoint(
    request: Request, actor: DataReader, year: Annotated[int | None, Query(ge=1900, le=2200)] = None
) -> StatsRead:
    stats = incident_stats(node_of(request), actor, year=year)
    return StatsRead(total=stats.total, rows=[StatsRow(**r) for r in stats.rows()])


@router.get("/incidents/stats.csv", responses=ERRORS, response_class=Response)
def incident_stats_csv(
    request: Request, actor: DataReader, year: Annotated[int | None, Query(ge=1900, le=2200)] = None
) -> Response:
    stats = incident_stats(node_of(request), actor, year=year)
    return Response(stats.csv(), media_type="text/csv; charset=utf-8")


@router.get("/areas", responses=ERRORS)
def list_areas(request: Request, actor: DataReader) -> dict[str, Any]:
    node = node_of(request)
    with node.db.read() as session:
        return {"items": list(stored_areas(session, node, actor))}


@router.post("/areas", response_model=list[ObjectRead], status_code=201, responses=ERRORS)
def upload_areas(request: Request, actor: ActorDep, body: AreaUpload) -> list[ObjectRead]:
    node = node_of(request)
    areas = parse_area_geojson(body.geojson, where="geojson", name=body.name)
    with node.db.write() as session:
        rows = save_areas(session, node=node, actor=actor, areas=areas, handling=body.handling.for_actor(actor))
        return [ObjectRead.of(r) for r in rows]


@router.get("/picture", responses=ERRORS)
def picture(request: Request, actor: DataReader, since: DayQuery = None, until: DayQuery = None) -> dict[str, Any]:
    start, end = window(since, until)
    return build_picture(node_of(request), actor, since=start, until=end)


@router.get("/vessels/{mmsi}/track", responses=ERRORS)
def track(
    request: Request, actor: ActorDep, mmsi: int, since: DayQuery = None, until: DayQuery = None
) -> dict[str, Any]:
    start, end = window(since, until)
    return {"mmsi": mmsi, "positions": vessel_track(node_of(request), actor, mmsi=mmsi, since=start, until=end)}
