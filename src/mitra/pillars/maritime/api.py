"""The maritime REST API, ``/api/v1/maritime``: incidents, statistics, areas, the picture and its AIS reports.

Thin over services.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from mitra.core import releases
from mitra.core.schemas import ObjectRead
from mitra.pillars.maritime import alert_api, feed_api
from mitra.pillars.maritime.ais.listing import ReportKind
from mitra.pillars.maritime.areas import parse_area_geojson
from mitra.pillars.maritime.models import AisReportList, IncidentInput
from mitra.pillars.maritime.schemas import (
    AidToNavigationPage,
    AidToNavigationRead,
    AreaUpload,
    BaseStationPage,
    BaseStationRead,
    IncidentCreate,
    IncidentPage,
    IncidentRead,
    SafetyMessagePage,
    SafetyMessageRead,
    SarAircraftPage,
    SarAircraftRead,
    StatsRead,
    StatsRow,
)
from mitra.pillars.maritime.service import (
    build_picture,
    create_incident,
    incident_stats,
    list_ais_reports,
    list_incidents,
    parse_box,
    save_areas,
    stored_areas,
    vessel_panel,
    vessel_track,
    window,
)
from mitra.policy import Actor
from mitra.web.auth import DataReader, api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/maritime", tags=["maritime"])
router.include_router(feed_api.router)  # GET /feeds: the live AIS sources' health
router.include_router(alert_api.router)  # /watch-rules and /alerts: the watch floor
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
        # one who may not release asked for it: saved unreleased, a release request opened per nation
        return ObjectRead.of(row, requested=[opened.nation for opened in releases.opened_in(session)])


@router.get("/incidents", response_model=IncidentPage, responses=ERRORS)
def list_incidents_endpoint(
    request: Request,
    actor: DataReader,
    since: DayQuery = None,
    until: DayQuery = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=200)] = None,
    source: Annotated[str | None, Query(max_length=100, description="e.g. NGA ASAM")] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the title, narrative or vessel name")] = None,
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
            source=source,
            text=q or "",
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


BoxQuery = Annotated[str | None, Query(max_length=100, description="south,west,north,east in degrees")]


@router.get("/picture", responses=ERRORS)
def picture(
    request: Request, actor: DataReader, since: DayQuery = None, until: DayQuery = None, box: BoxQuery = None
) -> dict[str, Any]:
    """The shared picture in the window (and box). Each layer that is capped says how many there are in all:
    ``vessels_total``, ``events_total``, ``incidents_total`` beside what is sent, and ``*_truncated``; ``as_of``
    is the time of the newest position held (``as_of_basis`` says when it is another kind of report)."""
    start, end = window(since, until)
    return build_picture(node_of(request), actor, since=start, until=end, box=parse_box(box))


@router.get("/vessels/{mmsi}", responses=ERRORS)
def vessel(
    request: Request, actor: ActorDep, mmsi: int, since: DayQuery = None, until: DayQuery = None
) -> dict[str, Any]:
    """One vessel: identity history, last fix, latest destination, its events and the incidents near it."""
    start, end = window(since, until)
    return vessel_panel(node_of(request), actor, mmsi=mmsi, since=start, until=end)


@router.get("/vessels/{mmsi}/track", responses=ERRORS)
def track(
    request: Request, actor: ActorDep, mmsi: int, since: DayQuery = None, until: DayQuery = None
) -> dict[str, Any]:
    start, end = window(since, until)
    return {"mmsi": mmsi, "positions": vessel_track(node_of(request), actor, mmsi=mmsi, since=start, until=end)}


# ----- the other AIS reports: pillar measurements, like positions (identity, then READ_DATA in the service) -----

LimitQuery = Annotated[int, Query(ge=1, le=5000, description="Items on the page")]
CursorQuery = Annotated[str | None, Query(max_length=200, description="`next` of the previous page")]


def _ais_list(
    request: Request,
    actor: Actor,
    kind: ReportKind,
    since: str | None,
    until: str | None,
    limit: int,
    cursor: str | None,
) -> AisReportList:
    start, end = window(since, until)
    return list_ais_reports(node_of(request), actor, kind=kind, since=start, until=end, limit=limit, cursor=cursor)


def _counts(listed: AisReportList) -> dict[str, Any]:
    """A page's cursor and counts, as every AIS report page has them."""
    return {
        "next": listed.next,
        "total": listed.total,
        "unknown_time_held": listed.unknown_time_held,
        "unknown_time_listed": listed.unknown_time_listed,
    }


@router.get("/base-stations", response_model=BaseStationPage, responses=ERRORS)
def list_base_stations(
    request: Request,
    actor: ActorDep,
    since: DayQuery = None,
    until: DayQuery = None,
    limit: LimitQuery = 500,
    cursor: CursorQuery = None,
) -> BaseStationPage:
    """Base stations by MMSI, each with its latest report in the window (types 4 and 11): one page and ``total``.

    Without ``since``/``until`` stations heard only at unknown times are listed too, ``at`` null.
    """
    listed = _ais_list(request, actor, "stations", since, until, limit, cursor)
    return BaseStationPage(items=[BaseStationRead(**i) for i in listed.items], **_counts(listed))


@router.get("/sar-aircraft", response_model=SarAircraftPage, responses=ERRORS)
def list_sar_aircraft(
    request: Request,
    actor: ActorDep,
    since: DayQuery = None,
    until: DayQuery = None,
    limit: LimitQuery = 500,
    cursor: CursorQuery = None,
) -> SarAircraftPage:
    """Search-and-rescue aircraft by MMSI, each with its latest position in the window (type 9)."""
    listed = _ais_list(request, actor, "sar", since, until, limit, cursor)
    return SarAircraftPage(items=[SarAircraftRead(**i) for i in listed.items], **_counts(listed))


@router.get("/aids-to-navigation", response_model=AidToNavigationPage, responses=ERRORS)
def list_aids_to_navigation(
    request: Request,
    actor: ActorDep,
    since: DayQuery = None,
    until: DayQuery = None,
    limit: LimitQuery = 500,
    cursor: CursorQuery = None,
) -> AidToNavigationPage:
    """Aids to navigation by MMSI, each with its latest report in the window (type 21)."""
    listed = _ais_list(request, actor, "aids", since, until, limit, cursor)
    return AidToNavigationPage(items=[AidToNavigationRead(**i) for i in listed.items], **_counts(listed))


@router.get("/safety-messages", response_model=SafetyMessagePage, responses=ERRORS)
def list_safety_messages(
    request: Request,
    actor: ActorDep,
    since: DayQuery = None,
    until: DayQuery = None,
    limit: LimitQuery = 500,
    cursor: CursorQuery = None,
) -> SafetyMessagePage:
    """Safety-related text messages newest first (types 12, addressed, and 14, broadcast), those of unknown
    time last (listed only without ``since``/``until``)."""
    listed = _ais_list(request, actor, "safety", since, until, limit, cursor)
    return SafetyMessagePage(items=[SafetyMessageRead(**i) for i in listed.items], **_counts(listed))
