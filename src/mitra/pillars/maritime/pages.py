"""Maritime pages under ``/maritime``: the shared picture (map), incidents, statistics, areas, AIS safety messages.

Thin over services.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mitra.core.access import may
from mitra.foundation.errors import Forbidden, InvalidInput, Unauthorized
from mitra.foundation.timestamps import parse_form_time
from mitra.pillars.maritime.areas import parse_area_geojson
from mitra.pillars.maritime.models import CATEGORIES, NOT_GRADED, SEVERITIES, IncidentInput, severity_label
from mitra.pillars.maritime.service import (
    build_picture,
    create_incident,
    get_incident,
    incident_stats,
    list_ais_reports,
    list_incidents,
    save_areas,
    vessel_track,
    window,
)
from mitra.pillars.maritime.types import AREA_OF_INTEREST
from mitra.policy import Action, Actor
from mitra.web.auth import PageUser, check_csrf, node_of, page_user
from mitra.web.marking import Marking, MarkingForm
from mitra.web.rendering import SignedIn, render

pages = APIRouter(prefix="/maritime", include_in_schema=False)


def _render(request: Request, name: str, user: PageUser, status: int = 200, **context: Any) -> HTMLResponse:
    """An incident page: the shared rendering, with the words for categories and severities."""
    return render(
        request,
        name,
        user,
        status,
        severity_label=severity_label,
        not_graded=NOT_GRADED,
        categories=CATEGORIES,
        **context,
    )


@pages.get("/", response_class=HTMLResponse)
def picture_page(request: Request, user: SignedIn, since: str = "", until: str = "") -> Response:
    return render(request, "maritime/picture.html", user, since=since, until=until)


def _viewer(request: Request) -> Actor:
    """The signed-in viewer of a JSON feed behind the pages: 401 without a session (a script gets no login form).

    Errors, this one included, reach the browser as problem JSON through the app's ``MitraError`` handler.
    """
    user = page_user(request)
    if user is None:
        raise Unauthorized("sign in first")
    return user.actor


@pages.get("/picture.json")
def picture_json(request: Request, since: str = "", until: str = "") -> Response:
    """The map's data, for the signed-in viewer (session cookie), filtered by policy."""
    actor = _viewer(request)
    start, end = window(since, until)
    return JSONResponse(build_picture(node_of(request), actor, since=start, until=end))


@pages.get("/track.json")
def track_json(request: Request, mmsi: int, since: str = "", until: str = "") -> Response:
    actor = _viewer(request)
    start, end = window(since, until)
    positions = vessel_track(node_of(request), actor, mmsi=mmsi, since=start, until=end)
    return JSONResponse({"mmsi": mmsi, "positions": positions})


@pages.get("/safety-messages", response_class=HTMLResponse)
def safety_messages_page(
    request: Request,
    user: SignedIn,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Every AIS safety message in the window, newest first, 200 a page (the map shows the newest 100)."""
    start, end = window(since, until)
    listed = list_ais_reports(
        node_of(request), user.actor, kind="safety", since=start, until=end, limit=200, cursor=cursor
    )
    return render(request, "maritime/safety.html", user, listed=listed, since=since, until=until, cursor=cursor)


def _form_page(
    request: Request,
    user: PageUser,
    template: str,
    *,
    status: int,
    error: str | None,
    marking: MarkingForm | None = None,
    **context: Any,
) -> Response:
    """A list page with its creation form: the form shows only to those who may create, partners to pick from."""
    node = node_of(request)
    return _render(
        request,
        template,
        user,
        status=status,
        partners=node.partners,
        may_create=may(user.actor, Action.CREATE, nation=node.nation),
        error=error,
        marking=(marking or MarkingForm()).values(),
        **context,
    )


def _incidents_page(
    request: Request,
    user: PageUser,
    *,
    status: int = 200,
    error: str | None = None,
    marking: MarkingForm | None = None,
    cursor: str | None = None,
) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        page, total = list_incidents(session, node=node, actor=user.actor, limit=200, cursor=cursor)
    return _form_page(
        request,
        user,
        "maritime/incidents.html",
        status=status,
        error=error,
        marking=marking,
        items=page.items,
        next=page.next,
        total=total,
        severities=SEVERITIES,
    )


@pages.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request, user: SignedIn, cursor: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    return _incidents_page(request, user, cursor=cursor)


@pages.post("/incidents", response_class=HTMLResponse)
def incidents_create(
    request: Request,
    user: SignedIn,
    marking: Marking,
    name: Annotated[str, Form(max_length=300)],
    category: Annotated[str, Form(max_length=40)],
    occurred_at: Annotated[str, Form(max_length=40)],
    latitude: Annotated[float, Form()],
    longitude: Annotated[float, Form()],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    severity: Annotated[str, Form(max_length=10)] = "",
    attempted: Annotated[str, Form(max_length=5)] = "",
    vessel_name: Annotated[str, Form(max_length=200)] = "",
    vessel_imo: Annotated[str, Form(max_length=20)] = "",
    vessel_mmsi: Annotated[str, Form(max_length=20)] = "",
    description: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    check_csrf(user.csrf_token, csrf_token)
    node = node_of(request)
    try:
        when = parse_form_time(occurred_at, where="occurred_at")
        data = IncidentInput(
            name=name,
            category=category,
            occurred_at=when,
            latitude=latitude,
            longitude=longitude,
            severity=severity or None,
            attempted=attempted == "on",
            vessel_name=vessel_name.strip() or None,
            vessel_imo=vessel_imo.strip() or None,
            vessel_mmsi=vessel_mmsi.strip() or None,
            description=description,
        )
        handling = marking.handling(user.actor)
        with node.db.write() as session:
            row = create_incident(session, node=node, actor=user.actor, data=data, handling=handling)
            object_id = row.id
    except (InvalidInput, Forbidden) as exc:
        return _incidents_page(request, user, status=exc.status, error=str(exc), marking=marking)
    return RedirectResponse(f"/objects/{object_id}", status_code=303)


def _year(text: str) -> int | None:
    """The year a statistics page was asked for; anything but digits means every year."""
    return int(text) if text.isdigit() else None


@pages.get("/incidents/stats", response_class=HTMLResponse)
def stats_page(request: Request, user: SignedIn, year: str = "") -> Response:
    chosen = _year(year)
    stats = incident_stats(node_of(request), user.actor, year=chosen)
    return render(request, "maritime/stats.html", user, stats=stats, year=chosen)


@pages.get("/incidents/stats.csv")
def stats_csv(request: Request, user: SignedIn, year: str = "") -> Response:
    stats = incident_stats(node_of(request), user.actor, year=_year(year))
    return Response(
        stats.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="maritime-incident-stats.csv"'},
    )


@pages.get("/incidents/{object_id}", response_class=HTMLResponse)
def incident_page(request: Request, user: SignedIn, object_id: str) -> Response:
    """One incident: what it says, its severity or "not graded"; handling and versions on ``/objects/{id}``."""
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        incident = get_incident(session, node=node, actor=user.actor, object_id=object_id)
    return _render(request, "maritime/incident.html", user, incident=incident)


def _areas_page(
    request: Request, user: PageUser, *, status: int = 200, error: str | None = None, marking: MarkingForm | None = None
) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        areas = [
            r.as_stix() | {"tlp": r.tlp}
            for r in node.store.iter_visible(session, actor=user.actor, types=[AREA_OF_INTEREST.name])
        ]
    return _form_page(request, user, "maritime/areas.html", status=status, error=error, marking=marking, areas=areas)


@pages.get("/areas", response_class=HTMLResponse)
def areas_page(request: Request, user: SignedIn) -> Response:
    return _areas_page(request, user)


@pages.post("/areas", response_class=HTMLResponse)
async def areas_upload(
    request: Request,
    user: SignedIn,
    marking: Marking,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(user.csrf_token, csrf_token)
    content = await file.read()
    node = node_of(request)
    try:
        try:
            document = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"{file.filename or 'upload'}: not GeoJSON ({exc})") from None
        areas = parse_area_geojson(document, where=file.filename or "upload", name=name.strip() or None)
        handling = marking.handling(user.actor)
        with node.db.write() as session:
            save_areas(session, node=node, actor=user.actor, areas=areas, handling=handling)
    except (InvalidInput, Forbidden) as exc:
        return _areas_page(request, user, status=exc.status, error=str(exc), marking=marking)
    return RedirectResponse("/maritime/areas", status_code=303)
