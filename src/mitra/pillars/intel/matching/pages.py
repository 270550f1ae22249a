"""Pages for matches, sightings and correlations, under ``/intel/match``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from mitra.core.access import may, permit
from mitra.foundation.errors import InvalidInput
from mitra.pillars.intel.matching.correlation import correlate
from mitra.pillars.intel.matching.observations import FORMATS, ObservationFormat, read_observations
from mitra.pillars.intel.matching.service import MatchOutcome, run_match
from mitra.policy import Action
from mitra.web.auth import PageUser, check_csrf, node_of
from mitra.web.rendering import SignedIn, render

router = APIRouter(prefix="/intel/match", include_in_schema=False)


def _match_page(
    request: Request,
    user: PageUser,
    *,
    chosen: ObservationFormat = "jsonl",
    text: str = "",
    outcome: MatchOutcome | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The matching form (offering to record sightings only to who may create), with a result or an error."""
    can_record = may(user.actor, Action.CREATE, nation=node_of(request).nation)
    return render(
        request,
        "intel/matching/match.html",
        user,
        status=status,
        formats=FORMATS,
        chosen=chosen,
        text=text,
        outcome=outcome,
        error=error,
        can_record=can_record,
    )


@router.get("/", response_class=HTMLResponse)
def match_form(request: Request, user: SignedIn) -> Response:
    permit(user.actor, Action.READ_DATA, nation=node_of(request).nation)
    return _match_page(request, user)


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
    try:
        batch = read_observations(observations.encode("utf-8"), format)
    except InvalidInput as exc:
        return _match_page(request, user, chosen=format, text=observations, error=str(exc), status=422)
    with node.db.write() if record else node.db.read() as session:  # sightings need the write lock
        outcome = run_match(session, store=node.store, actor=user.actor, batch=batch, record=record, source="web form")
    return _match_page(request, user, chosen=format, text=observations, outcome=outcome)


@router.get("/correlations", response_class=HTMLResponse)
def correlations(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    permit(user.actor, Action.READ_DATA, nation=node.nation)
    with node.db.read() as session:
        groups = correlate(session, store=node.store, actor=user.actor)
    return render(request, "intel/matching/correlations.html", user, groups=groups)
