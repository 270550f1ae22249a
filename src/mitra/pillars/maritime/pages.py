"""Maritime pages under ``/maritime``: the shared picture (map), incidents, statistics, areas, AIS safety messages.

Thin over services.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sse_starlette import EventSourceResponse

from mitra.core.access import may
from mitra.foundation.errors import Forbidden, InvalidInput, Unauthorized
from mitra.foundation.timestamps import parse_day_or_timestamp, parse_form_time
from mitra.pillars.maritime import alert_pages, alerts, feed_pages, live
from mitra.pillars.maritime.areas import parse_area_geojson
from mitra.pillars.maritime.models import CATEGORIES, NOT_GRADED, SEVERITIES, IncidentInput, severity_label
from mitra.pillars.maritime.service import (
    IncidentFilter,
    build_picture,
    create_incident,
    get_incident,
    incident_stats,
    list_ais_reports,
    load_areas,
    page_of_incidents,
    parse_box,
    save_areas,
    vessel_panel,
    vessel_track,
    window,
)
from mitra.pillars.maritime.types import AREA_OF_INTEREST
from mitra.policy import Action, Actor
from mitra.web import i18n
from mitra.web.auth import PageUser, check_csrf, node_of, page_user
from mitra.web.i18n import N_, _
from mitra.web.marking import FieldInvalid, Marking, MarkingForm
from mitra.web.rendering import SignedIn, language_of, render

pages = APIRouter(prefix="/maritime", include_in_schema=False)
pages.include_router(feed_pages.pages)  # /maritime/feeds: the live AIS sources' health
pages.include_router(alert_pages.pages)  # /maritime/alerts and /maritime/watch-rules: the watch floor

# The words of the categories and of "not graded" (models.CATEGORIES, NOT_GRADED), translated where shown.
_WORDS = (
    *(N_("Piracy"), N_("Armed robbery against ships"), N_("Smuggling")),
    *(N_("Illegal, unreported and unregulated fishing"), N_("Irregular migration")),
    *(N_("Maritime incident"), N_("Hybrid threat"), N_("Pollution"), N_("not graded")),
)


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
def picture_page(
    request: Request,
    user: SignedIn,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    box: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The map; its data comes from ``picture.json`` with the same window and box."""
    return render(request, "maritime/picture.html", user, since=since, until=until, box=box)


def _viewer(request: Request) -> Actor:
    """The signed-in viewer of a JSON feed behind the pages: 401 without a session (a script gets no login form).

    Errors, this one included, reach the browser as problem JSON through the app's ``MitraError`` handler.
    """
    user = page_user(request)
    if user is None:
        raise Unauthorized("sign in first")
    return user.actor


@pages.get("/picture.json")
def picture_json(
    request: Request,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    box: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The map's data, for the signed-in viewer (session cookie), filtered by policy."""
    actor = _viewer(request)
    start, end = window(since, until)
    node, area = node_of(request), parse_box(box)
    body = build_picture(node, actor, since=start, until=end, box=area)
    with node.db.read() as session:
        body["alerts"], body["alerts_total"] = alerts.picture_alerts(
            session, node, actor=actor, since=start, until=end, box=area
        )
    return JSONResponse(body)


@pages.get("/live")
async def live_events(request: Request) -> Response:
    """The map's live feed (Server-Sent Events): positions, events, incidents and alerts as they are stored.

    A reconnecting browser sends ``Last-Event-ID`` (the object seq it reached) and is sent what it missed.
    """
    actor = _viewer(request)
    resume = request.headers.get("last-event-id", "")
    since_seq = int(resume) if resume.isdigit() and len(resume) < 19 else None
    events = live.stream(node_of(request), actor, since_seq=since_seq, disconnected=request.is_disconnected)
    return EventSourceResponse(events, ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@pages.get("/vessel.json")
def vessel_json(request: Request, mmsi: int, since: str = "", until: str = "") -> Response:
    """The side panel's data on one vessel (identity history, last fix, events, nearby incidents)."""
    actor = _viewer(request)
    start, end = window(since, until)
    return JSONResponse(vessel_panel(node_of(request), actor, mmsi=mmsi, since=start, until=end))


@pages.get("/track.json")
def track_json(request: Request, mmsi: int, since: str = "", until: str = "") -> Response:
    actor = _viewer(request)
    start, end = window(since, until)
    positions = vessel_track(node_of(request), actor, mmsi=mmsi, since=start, until=end)
    return JSONResponse({"mmsi": mmsi, "positions": positions})


SAFETY_PER_PAGE = 100


@pages.get("/safety-messages", response_class=HTMLResponse)
def safety_messages_page(
    request: Request,
    user: SignedIn,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[str, Query(max_length=10)] = "1",
) -> Response:
    """Every AIS safety message in the window, newest first, 100 a page with numbered page links (the map
    shows the newest 100); a wrong date or page is said beside its field."""
    errors: dict[str, str] = {}
    start = end = None
    with i18n.speaking(language_of(request, user)):  # each problem in the person's language
        try:
            start = parse_day_or_timestamp(since, where="since")
        except InvalidInput:
            errors["since"] = _("“{value}” is not a date: give a day such as {example}").format(
                value=since, example="2012-03-14"
            )
        try:
            end = parse_day_or_timestamp(until, where="until", end=True)
        except InvalidInput:
            errors["until"] = _("“{value}” is not a date: give a day such as {example}").format(
                value=until, example="2012-03-14"
            )
        if start is not None and end is not None and start > end:
            errors["until"] = _("“{end}” is before “{start}”: the end of a range comes after its start").format(
                end=until, start=since
            )
            start = end = None
        number = int(page) if page.isdigit() and 0 < int(page) < 10**6 else None
        if number is None:
            errors["page"] = _("“{value}” is not a page number (1 or more)").format(value=page)
    listed = list_ais_reports(
        node_of(request),
        user.actor,
        kind="safety",
        since=None if "since" in errors else start,
        until=None if "until" in errors else end,
        limit=SAFETY_PER_PAGE,
        page=number or 1,
    )
    current = listed.offset // SAFETY_PER_PAGE + 1
    last = max(1, -(-listed.total // SAFETY_PER_PAGE))

    def link(n: int) -> str:
        params = {k: v for k, v in (("since", since), ("until", until)) if v} | ({"page": str(n)} if n > 1 else {})
        return "/maritime/safety-messages" + ("?" + urlencode(params) if params else "")

    return render(
        request,
        "maritime/safety.html",
        user,
        422 if errors else 200,
        listed=listed,
        since=since,
        until=until,
        errors=errors,
        current=current,
        last=last,
        page_numbers=_page_numbers(current, last),
        link=link,
    )


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


PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    """The incident list's filters as typed in its form (kept as typed, to fill the form again)."""

    q: str = ""
    source: str = ""
    category: str = ""
    area: str = ""
    since: str = ""
    until: str = ""
    page: str = "1"

    def parsed(self) -> tuple[IncidentFilter, int, dict[str, str]]:
        """The filter, the page number and every problem with what was typed (field -> plain words, in the
        language being spoken: the caller sets it)."""
        errors: dict[str, str] = {}
        start = end = None
        try:
            start = parse_day_or_timestamp(self.since, where="since")
        except InvalidInput:
            errors["since"] = _("“{value}” is not a date: give a day such as {example}").format(
                value=self.since, example="2022-05-20"
            )
        try:
            end = parse_day_or_timestamp(self.until, where="until", end=True)
        except InvalidInput:
            errors["until"] = _("“{value}” is not a date: give a day such as {example}").format(
                value=self.until, example="2022-06-21"
            )
        if start is not None and end is not None and start > end:
            errors["until"] = _("“{end}” is before “{start}”: the end of a range comes after its start").format(
                end=self.until, start=self.since
            )
        if self.category and self.category not in CATEGORIES:
            errors["category"] = _("“{value}” is not a category: pick one from the list").format(value=self.category)
        number = int(self.page) if self.page.isdigit() and 0 < int(self.page) < 10**6 else None
        if number is None:
            errors["page"] = _("“{value}” is not a page number (1 or more)").format(value=self.page)
        filters = IncidentFilter(
            since=None if "since" in errors else start,
            until=None if "until" in errors else end,
            category=self.category if self.category in CATEGORIES else None,
            area=self.area.strip() or None,
            source=self.source or None,
            text=self.q.strip(),
        )
        return filters, number or 1, errors

    def link(self, page: int) -> str:
        """This list's address at ``page``, the filters kept."""
        params = {k: v for k, v in asdict(self).items() if v and k != "page"} | (
            {"page": str(page)} if page > 1 else {}
        )
        return "/maritime/incidents" + ("?" + urlencode(params) if params else "")

    @property
    def filtered(self) -> bool:
        return any(v for k, v in asdict(self).items() if k != "page")


def _page_numbers(current: int, last: int) -> list[int | None]:
    """The page links to offer: the first, the last, and two either side of the current one (None: a gap)."""
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and isinstance(shown[-1], int) and number - shown[-1] > 1:
            shown.append(None)
        shown.append(number)
    return shown


def _incidents_page(
    request: Request,
    user: PageUser,
    *,
    query: IncidentQuery | None = None,
    status: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    marking: MarkingForm | None = None,
) -> Response:
    node = node_of(request)
    query = query or IncidentQuery()
    with i18n.speaking(language_of(request, user)):
        filters, number, filter_errors = query.parsed()
    with node.db.read() as session:
        listing = page_of_incidents(
            session, node=node, actor=user.actor, filters=filters, page=number, per_page=PER_PAGE
        )
    return _form_page(
        request,
        user,
        "maritime/incidents.html",
        status=422 if filter_errors and status == 200 else status,
        error=error,
        marking=marking,
        listing=listing,
        query=query,
        filter_errors=filter_errors,
        page_numbers=_page_numbers(listing.page, listing.pages),
        areas=sorted(load_areas(node, user.actor)),
        errors=errors or {},
        form=form or {},
        severities=SEVERITIES,
    )


@pages.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    user: SignedIn,
    q: Annotated[str, Query(max_length=200)] = "",
    source: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[str, Query(max_length=40)] = "",
    area: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    page: Annotated[str, Query(max_length=10)] = "1",
) -> Response:
    """Incidents newest first, 50 a page, filtered on the server (text, source, category, area, date range)."""
    query = IncidentQuery(q=q, source=source, category=category, area=area, since=since, until=until, page=page)
    return _incidents_page(request, user, query=query)


def _number(value: str, field_name: str, low: float, high: float, errors: dict[str, str]) -> float:
    try:
        number = float(value)
    except ValueError:
        errors[field_name] = _("“{value}” is not a number: give degrees as a decimal, between {low} and {high}").format(
            value=value, low=f"{low:g}", high=f"{high:g}"
        )
        return 0.0
    if not low <= number <= high:
        errors[field_name] = _("{value} is outside {low} to {high} degrees").format(
            value=value, low=f"{low:g}", high=f"{high:g}"
        )
    return number


@pages.post("/incidents", response_class=HTMLResponse)
def incidents_create(
    request: Request,
    user: SignedIn,
    marking: Marking,
    name: Annotated[str, Form(max_length=300)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    occurred_at: Annotated[str, Form(max_length=40)] = "",
    latitude: Annotated[str, Form(max_length=40)] = "",
    longitude: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    severity: Annotated[str, Form(max_length=10)] = "",
    attempted: Annotated[str, Form(max_length=5)] = "",
    vessel_name: Annotated[str, Form(max_length=200)] = "",
    vessel_imo: Annotated[str, Form(max_length=20)] = "",
    vessel_mmsi: Annotated[str, Form(max_length=20)] = "",
    description: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Record an incident; every wrong value is said beside its field at once, the form kept as typed."""
    check_csrf(user.csrf_token, csrf_token)
    node = node_of(request)
    form = {
        "name": name,
        "category": category,
        "occurred_at": occurred_at,
        "latitude": latitude,
        "longitude": longitude,
        "severity": severity,
        "attempted": attempted,
        "vessel_name": vessel_name,
        "vessel_imo": vessel_imo,
        "vessel_mmsi": vessel_mmsi,
        "description": description,
    }
    errors: dict[str, str] = {}
    when = None
    with i18n.speaking(language_of(request, user)):  # each problem in the person's language
        try:
            when = parse_form_time(occurred_at, where="occurred_at")
        except InvalidInput:
            errors["occurred_at"] = _("“{value}” is not a date and time: pick a day and a time (UTC)").format(
                value=occurred_at
            )
        lat = _number(latitude, "latitude", -90, 90, errors)
        lon = _number(longitude, "longitude", -180, 180, errors)
    data = IncidentInput(
        name=name,
        category=category,
        occurred_at=when or datetime.now(UTC),  # only checked, never stored, when the time is wrong
        latitude=lat,
        longitude=lon,
        severity=severity or None,
        attempted=attempted == "on",
        vessel_name=vessel_name.strip() or None,
        vessel_imo=vessel_imo.strip() or None,
        vessel_mmsi=vessel_mmsi.strip() or None,
        description=description,
    )
    errors = {k: v for k, v in data.problems().items() if k not in errors} | errors
    try:
        handling = marking.handling(user.actor)
    except FieldInvalid as exc:
        errors[exc.field] = exc.message
    status = 422
    if not errors:
        try:
            with node.db.write() as session:
                row = create_incident(session, node=node, actor=user.actor, data=data, handling=handling)
                object_id = row.id
        except Forbidden as exc:  # a release this person may not make: said beside the marking
            errors["releasable_to"], status = str(exc), exc.status
        except InvalidInput as exc:
            errors["form"], status = str(exc), exc.status
    if errors:
        return _incidents_page(request, user, status=status, errors=errors, form=form, marking=marking)
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
            with i18n.speaking(language_of(request, user)):
                said = _("{file}: not GeoJSON ({problem})").format(file=file.filename or "upload", problem=exc)
            raise InvalidInput(said) from None
        areas = parse_area_geojson(document, where=file.filename or "upload", name=name.strip() or None)
        handling = marking.handling(user.actor)
        with node.db.write() as session:
            save_areas(session, node=node, actor=user.actor, areas=areas, handling=handling)
    except (InvalidInput, Forbidden) as exc:
        return _areas_page(request, user, status=exc.status, error=str(exc), marking=marking)
    return RedirectResponse("/maritime/areas", status_code=303)
