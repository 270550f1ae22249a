"""Pages for matches, sightings and correlations, under ``/intel/match``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from mitra.core.errors import Forbidden, InvalidInput
from mitra.pillars.intel.matching.correlation import correlate
from mitra.pillars.intel.matching.observations import FORMATS, ObservationFormat, read_observations
from mitra.pillars.intel.matching.service import run_match
from mitra.policy import Action, authorize
from mitra.web.auth import check_csrf, node_of
from mitra.web.rendering import SignedIn, render

router = APIRouter(prefix="/intel/match", include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def match_form(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    allowed = authorize(user.actor, Action.READ_DATA, node_nation=node.nation)
    if not allowed.allowed:
        raise Forbidden(allowed.reason)
    can_record = authorize(user.actor, Action.CREATE, node_nation=node.nation).allowed
    return render(
        request,
        "intel/matching/match.html",
        user,
        formats=FORMATS,
        chosen="jsonl",
        text="",
        outcome=None,
        error=None,
        can_record=can_record,
    )


@router.post("/", response_class=HTMLResponse)
def match_submit(
    request: Request,
    user: SignedIn,
    observations: Annotated[str, Form(max_length=5_000_000)],
    format: Annotated[ObservationFormat, Form()] = "jsonl",
    record: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(user.csrf_token, csrf_token)
    node = node_of(request)
    can_record = authorize(user.actor, Action.CREATE, node_nation=node.nation).allowed
    context: dict[str, Any] = {"formats": FORMATS, "chosen": format, "text": observations, "can_record": can_record}
    try:
        batch = read_observations(observations.encode("utf-8"), format)
    except InvalidInput as exc:
        return render(request, "intel/matching/match.html", user, status=422, outcome=None, error=str(exc), **context)
    with node.db.write() if record else node.db.read() as session:  # sightings need the write lock
        outcome = run_match(session, store=node.store, actor=user.actor, batch=batch, record=record, source="web form")
    return render(request, "intel/matching/match.html", user, outcome=outcome, error=None, **context)


@router.get("/correlations", response_class=HTMLResponse)
def correlations(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    allowed = authorize(user.actor, Action.READ_DATA, node_nation=node.nation)
    if not allowed.allowed:
        raise Forbidden(allowed.reason)
    with node.db.read() as session:
        groups = correlate(session, store=node.store, actor=user.actor)
    return render(request, "intel/matching/correlations.html", user, groups=groups)
