"""HTML pages of the defence pillar under ``/defence``: registry, matching, exercise calendar, forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from mitra.core.access import may
from mitra.core.schemas import TlpLevel
from mitra.foundation.errors import MitraError
from mitra.node import Node
from mitra.pillars.defence import service
from mitra.pillars.defence.calendar import calendar_bytes, year_only
from mitra.pillars.defence.schemas import (
    EditionIn,
    ExerciseCreate,
    LessonCreate,
    OpportunityCreate,
    OrganisationCreate,
)
from mitra.pillars.defence.transfers import TransferFilter, page_transfers, transfer_choices
from mitra.pillars.defence.vocabulary import (
    AGREEMENT_KINDS,
    AGREEMENT_STATUSES,
    CAPABILITIES,
    OPPORTUNITY_KINDS,
    OPPORTUNITY_STATUSES,
    ORGANISATION_KINDS,
    SERVICES,
    capability_label,
)
from mitra.policy import Action
from mitra.web import i18n
from mitra.web.auth import PageUser, check_csrf, node_of
from mitra.web.i18n import N_, _
from mitra.web.marking import Marking, MarkingForm
from mitra.web.rendering import SignedIn, language_of, permit, render

router = APIRouter(prefix="/defence", include_in_schema=False)
TLPS = get_args(TlpLevel)
Text = Annotated[str, Form(max_length=4000)]
# The vocabulary's words (``vocabulary``: kinds, statuses, services), translated where a page shows them.
_WORDS = (
    *(N_("Company"), N_("Government agency or armed service"), N_("Research body"), N_("Bilateral committee")),
    *(N_("Memorandum of understanding"), N_("Amendment"), N_("Joint venture"), N_("Contract")),
    *(N_("Terms of reference"), N_("Proposed"), N_("Under negotiation"), N_("In force"), N_("Agreed")),
    *(N_("Completed"), N_("Expired"), N_("Terminated"), N_("Procurement"), N_("Maintenance, repair and overhaul")),
    *(N_("Co-production"), N_("Open"), N_("Closed"), N_("Awarded"), N_("Army"), N_("Navy"), N_("Air force")),
    N_("Joint"),
)


def _common(request: Request, user: PageUser) -> dict[str, Any]:
    node = node_of(request)
    return {
        "can_write": may(user.actor, Action.CREATE, nation=node.nation),
        "partners": list(node.partners),
        "capabilities": CAPABILITIES,
        "capability_label": capability_label,
        "tlps": TLPS,
        "services": SERVICES,
        "vocab": {
            "organisation_kinds": ORGANISATION_KINDS,
            "agreement_kinds": AGREEMENT_KINDS,
            "agreement_statuses": AGREEMENT_STATUSES,
            "opportunity_kinds": OPPORTUNITY_KINDS,
            "opportunity_statuses": OPPORTUNITY_STATUSES,
        },
    }


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors())
    return str(exc)


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, user: SignedIn, q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    permit(request, user, Action.READ_DATA)
    node = node_of(request)
    with node.db.read() as session:
        store = node.store
        organisations = service.list_organisations(session, store=store, actor=user.actor)
        hits = service.search_organisations(session, store=store, actor=user.actor, query=q) if q else None
        agreements = service.list_agreements(session, store=store, actor=user.actor)
        meetings = service.list_meetings(session, store=store, actor=user.actor)
        opportunities = service.list_opportunities(session, store=store, actor=user.actor)
        exercises = service.list_exercises(session, store=store, actor=user.actor)
    return render(
        request,
        "defence/index.html",
        user,
        q=q or "",
        hits=hits,
        organisations=organisations,
        agreements=agreements,
        meetings=meetings,
        opportunities=opportunities,
        exercises=exercises,
        **_common(request, user),
    )


@router.get("/exercises", response_class=HTMLResponse)
def exercises_page(request: Request, user: SignedIn) -> Response:
    permit(request, user, Action.READ_DATA)
    node = node_of(request)
    with node.db.read() as session:
        exercises = service.list_exercises(session, store=node.store, actor=user.actor)
        lessons = service.list_lessons(session, store=node.store, actor=user.actor)
    years = sorted({e.year for x in exercises for e in x.editions})
    span = list(range(years[0], years[-1] + 1)) if years else []
    return render(
        request,
        "defence/exercises.html",
        user,
        values=MarkingForm().values(),
        exercises=exercises,
        lessons=lessons,
        years=span,
        undated=year_only(exercises),
        **_common(request, user),
    )


@router.get("/exercises.ics")
def exercises_ics(request: Request, user: SignedIn) -> Response:
    permit(request, user, Action.READ_DATA)
    node = node_of(request)
    with node.db.read() as session:
        exercises = service.list_exercises(session, store=node.store, actor=user.actor)
    return Response(
        calendar_bytes(exercises),
        media_type="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="exercises.ics"'},
    )


TRANSFERS_PER_PAGE = 50
TRANSFER_SORTS = {"year": N_("Year of order, oldest first"), "-year": N_("Year of order, newest first")}


def _year_field(name: str, text: str, errors: dict[str, str]) -> int | None:
    """A year typed into a filter: empty is no bound; anything but a year between 1900 and 2100 is an error."""
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        errors[name] = _("“{value}” is not a year: type four digits between 1900 and 2100, or leave it empty.").format(
            value=value
        )
        return None
    return int(value)


@router.get("/transfers", response_class=HTMLResponse)
def transfers_page(
    request: Request,
    user: SignedIn,
    recipient: Annotated[str, Query(max_length=80)] = "",
    supplier: Annotated[str, Query(max_length=80)] = "",
    weapon_type: Annotated[str, Query(alias="type", max_length=80)] = "",
    year_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    year_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(max_length=10)] = "year",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The SIPRI register a page at a time: the database filters, orders and cuts the page."""
    permit(request, user, Action.READ_DATA)
    node = node_of(request)
    errors: dict[str, str] = {}
    with i18n.speaking(language_of(request, user)):  # each problem in the person's language
        first, last = _year_field("from", year_from, errors), _year_field("to", year_to, errors)
        if first is not None and last is not None and first > last:
            errors["to"] = _("{last} is before {first}: the range runs from the earlier year to the later one.").format(
                last=last, first=first
            )
    order = sort if sort in TRANSFER_SORTS else "year"
    where = TransferFilter(
        recipient=recipient.strip() or None,
        supplier=supplier.strip() or None,
        weapon_type=weapon_type.strip() or None,
        year_from=first,
        year_to=last if "to" not in errors else None,
        text=q.strip() or None,
    )
    with node.db.read() as session:
        choices = transfer_choices(session, store=node.store, actor=user.actor)
        found = page_transfers(
            session,
            store=node.store,
            actor=user.actor,
            where=where,
            order="-year" if order == "-year" else "year",
            offset=(page - 1) * TRANSFERS_PER_PAGE,
            per_page=TRANSFERS_PER_PAGE,
        )
    filters = {"recipient": recipient, "supplier": supplier, "type": weapon_type, "from": year_from}
    filters |= {"to": year_to, "q": q, "sort": order}
    kept = {k: v for k, v in filters.items() if v and not (k == "sort" and v == "year")}
    flipped = {"sort": "year" if order == "-year" else "-year"}
    return render(
        request,
        "defence/transfers.html",
        user,
        status=422 if errors else 200,
        page=found,
        choices=choices,
        errors=errors,
        filters=filters,
        kept=kept,
        sorts=TRANSFER_SORTS,
        sort_href="/defence/transfers?" + urlencode({k: v for k, v in kept.items() if k != "sort"} | flipped),
        **_common(request, user),
    )


# ----- forms ----------------------------------------------------------------------------------


def _form(
    request: Request,
    user: PageUser,
    template: str,
    *,
    status: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    context = {"error": error, "values": MarkingForm().values() | (values or {}), **extra, **_common(request, user)}
    return render(request, f"defence/{template}", user, status=status, **context)


def _submit(
    request: Request,
    user: PageUser,
    csrf_token: str,
    save: Callable[[Node, Session], str],
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    """Run ``save`` (which returns where to go next) for a writer with the form's CSRF token.

    Bad input shows ``form`` again with the problem and the values given, or the error page
    for the small forms embedded in a list page.
    """
    permit(request, user, Action.CREATE)
    check_csrf(user.csrf_token, csrf_token)
    node = node_of(request)
    try:
        with node.db.write() as session:
            target = save(node, session)
    except (MitraError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        status = exc.status if isinstance(exc, MitraError) else 422
        if form is None:
            return render(request, "error.html", user, status=status, title=N_("Invalid input"), detail=_problem(exc))
        return _form(request, user, form, status=status, error=_problem(exc), values=values, **extra)
    return RedirectResponse(target, status_code=303)


@router.get("/organisations/new", response_class=HTMLResponse)
def organisation_form(request: Request, user: SignedIn) -> Response:
    permit(request, user, Action.CREATE)
    return _form(request, user, "organisation_form.html", kinds=ORGANISATION_KINDS)


@router.post("/organisations/new", response_class=HTMLResponse)
def organisation_submit(
    request: Request,
    user: SignedIn,
    marking: Marking,
    name: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=40)] = "company",
    country: Annotated[str, Form(max_length=3)] = "",
    aliases: Text = "",
    capabilities: Annotated[list[str] | None, Form()] = None,
    platforms: Text = "",
    certifications: Text = "",
    description: Text = "",
) -> Response:
    def save(node: Node, session: Session) -> str:
        data = OrganisationCreate(
            name=name,
            kind=kind,
            country=country.upper() or None,
            aliases=_split(aliases),
            capabilities=capabilities or [],
            platforms=_split(platforms),
            certifications=_split(certifications),
            description=description,
            handling=marking.choice(),
        )
        service.create_organisation(session, store=node.store, data=data, actor=user.actor)
        return "/defence/"

    values = {"name": name, "kind": kind, "country": country, "aliases": aliases, "platforms": platforms}
    values |= marking.values()
    return _submit(
        request, user, csrf_token, save, form="organisation_form.html", values=values, kinds=ORGANISATION_KINDS
    )


@router.get("/opportunities/new", response_class=HTMLResponse)
def opportunity_form(request: Request, user: SignedIn) -> Response:
    permit(request, user, Action.CREATE)
    return _form(request, user, "opportunity_form.html", kinds=OPPORTUNITY_KINDS)


@router.post("/opportunities/new", response_class=HTMLResponse)
def opportunity_submit(
    request: Request,
    user: SignedIn,
    marking: Marking,
    name: Annotated[str, Form(max_length=200)],
    kind: Annotated[str, Form(max_length=40)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    capabilities: Annotated[list[str] | None, Form()] = None,
    platforms: Text = "",
    certifications: Text = "",
    closes: Annotated[str, Form(max_length=10)] = "",
    description: Text = "",
) -> Response:
    def save(node: Node, session: Session) -> str:
        data = OpportunityCreate(
            name=name,
            kind=kind,
            capabilities=capabilities or [],
            platforms=_split(platforms),
            certifications=_split(certifications),
            closes=closes or None,
            description=description,
            handling=marking.choice(),
        )
        view = service.create_opportunity(session, store=node.store, data=data, actor=user.actor)
        return f"/defence/opportunities/{view.id}"

    values = {"name": name, "kind": kind, "platforms": platforms, "certifications": certifications}
    values |= marking.values()
    return _submit(
        request, user, csrf_token, save, form="opportunity_form.html", values=values, kinds=OPPORTUNITY_KINDS
    )


# After /opportunities/new, which this pattern would otherwise take.
@router.get("/opportunities/{opportunity_id}", response_class=HTMLResponse)
def opportunity_page(request: Request, user: SignedIn, opportunity_id: str) -> Response:
    permit(request, user, Action.READ_DATA)
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        opportunity = service.get_opportunity(
            session, store=node.store, actor=user.actor, opportunity_id=opportunity_id
        )
        matches = service.match_opportunity(session, store=node.store, actor=user.actor, opportunity_id=opportunity_id)
    return render(
        request,
        "defence/opportunity.html",
        user,
        opportunity=opportunity,
        matches=matches,
        **_common(request, user),
    )


def _edition_in(year: str, uncertain: str | None, host: str, venue: str, start: str, end: str, note: str) -> EditionIn:
    return EditionIn(
        year=int(year) if year.strip().isdigit() else -1,
        year_uncertain=uncertain == "on",
        host=host.upper() or None,
        venue=venue.strip() or None,
        start=date.fromisoformat(start) if start else None,
        end=date.fromisoformat(end) if end else None,
        note=note,
    )


@router.get("/exercises/new", response_class=HTMLResponse)
def exercise_form(request: Request, user: SignedIn) -> Response:
    permit(request, user, Action.CREATE)
    return _form(request, user, "exercise_form.html")


@router.post("/exercises/new", response_class=HTMLResponse)
def exercise_submit(
    request: Request,
    user: SignedIn,
    marking: Marking,
    name: Annotated[str, Form(max_length=200)],
    service_name: Annotated[str, Form(alias="service", max_length=20)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    aliases: Text = "",
    year: Annotated[str, Form(max_length=4)] = "",
    year_uncertain: Annotated[str | None, Form(max_length=5)] = None,
    host: Annotated[str, Form(max_length=3)] = "",
    venue: Annotated[str, Form(max_length=120)] = "",
    start: Annotated[str, Form(max_length=10)] = "",
    end: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    description: Text = "",
) -> Response:
    def save(node: Node, session: Session) -> str:
        data = ExerciseCreate(
            name=name,
            aliases=_split(aliases),
            service=service_name,
            nations=[node.nation, *node.partners],
            editions=[_edition_in(year, year_uncertain, host, venue, start, end, note)] if year else [],
            description=description,
            handling=marking.choice(),
        )
        service.create_exercise(session, store=node.store, data=data, actor=user.actor)
        return "/defence/exercises"

    values = {"name": name, "service": service_name, "aliases": aliases, "year": year, "venue": venue}
    values |= marking.values()
    return _submit(request, user, csrf_token, save, form="exercise_form.html", values=values)


@router.post("/exercises/{exercise_id}/editions", response_class=HTMLResponse)
def edition_submit(
    request: Request,
    user: SignedIn,
    exercise_id: str,
    year: Annotated[str, Form(max_length=4)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    year_uncertain: Annotated[str | None, Form(max_length=5)] = None,
    host: Annotated[str, Form(max_length=3)] = "",
    venue: Annotated[str, Form(max_length=120)] = "",
    start: Annotated[str, Form(max_length=10)] = "",
    end: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    def save(node: Node, session: Session) -> str:
        edition = _edition_in(year, year_uncertain, host, venue, start, end, note)
        service.add_edition(session, store=node.store, exercise_id=exercise_id, edition=edition, actor=user.actor)
        return "/defence/exercises"

    return _submit(request, user, csrf_token, save)


@router.post("/lessons", response_class=HTMLResponse)
def lesson_submit(
    request: Request,
    user: SignedIn,
    marking: Marking,
    exercise_ref: Annotated[str, Form(max_length=120)],
    kind: Annotated[str, Form(max_length=20)],
    statement: Annotated[str, Form(max_length=4000)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    edition_year: Annotated[str, Form(max_length=4)] = "",
    commitment_refs: Text = "",
    due: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def save(node: Node, session: Session) -> str:
        data = LessonCreate.model_validate(
            {
                "exercise_ref": exercise_ref,
                "edition_year": int(edition_year) if edition_year.isdigit() else None,
                "kind": kind,
                "statement": statement,
                "status": "open" if kind == "follow-up" else None,
                "due": due or None,
                "commitment_refs": _split(commitment_refs),
                "handling": marking.choice(),
            }
        )
        service.create_lesson(session, store=node.store, data=data, actor=user.actor)
        return "/defence/exercises"

    return _submit(request, user, csrf_token, save)


__all__ = ["router"]
