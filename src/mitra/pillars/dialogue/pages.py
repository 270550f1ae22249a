"""HTML pages under ``/dialogue``: dashboard, timeline, commitment detail and updates, compliance, reports, intake."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import pass_context
from jinja2.runtime import Context

from mitra.core import requests as release_requests
from mitra.core.access import may
from mitra.foundation.errors import Forbidden, InvalidInput, MitraError, NotFound
from mitra.foundation.timestamps import parse_date
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.intake import IntakeResult, propose
from mitra.pillars.dialogue.models import MILESTONE_STATUSES, STATUS_WORDS, STRENGTHS, session_line
from mitra.pillars.dialogue.reports import (
    NothingToReport,
    annual_report,
    draft_agenda,
    lag_line,
    ocds_package,
    readable_date,
    report_for,
    report_pdf,
    shorten_label,
)
from mitra.policy import Action, Handling, Release, decide
from mitra.web import formatting, i18n
from mitra.web.auth import PageUser, check_csrf, node_of
from mitra.web.i18n import N_, _
from mitra.web.marking import FieldInvalid, Marking, MarkingForm
from mitra.web.rendering import SignedIn, error_page, language_of, render

if TYPE_CHECKING:
    from mitra.node import Node

router = APIRouter(prefix="/dialogue", include_in_schema=False)
# Words the templates translate where they show them: the milestone statuses (models.STATUS_WORDS), the
# commitments' (service.COMMITMENT_STATUSES) and the timeline's kinds of entry (service.timeline).
SHOWN_WORDS = (
    *(N_("scheduled"), N_("met"), N_("not met"), N_("partially met")),
    *(N_("not started"), N_("in progress"), N_("overdue"), N_("conflict")),
    *(N_("partnership"), N_("session"), N_("announced"), N_("terms of reference"), N_("delivered")),
    N_("next session"),
)
MAX_UPLOAD = 150_000


def _today() -> date:
    return date.today()


def _load(request: Request, user: PageUser) -> service.Register:
    node = node_of(request)
    with node.db.read() as session:
        return service.load_register(session, node, user.actor, today=_today())


def _with_register(request: Request, user: PageUser, answer: Callable[[service.Register], Response]) -> Response:
    """``answer`` the register as ``user`` may see it (a refusal raises, and the app shows the error page)."""
    return answer(_load(request, user))


def _can_write(request: Request, user: PageUser) -> bool:
    return may(user.actor, Action.CREATE, nation=node_of(request).nation)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: SignedIn) -> Response:
    def answer(register: service.Register) -> Response:
        rows = service.compliance(register, years=[register.today.year])
        return _page(
            request,
            "dialogue/dashboard.html",
            user,
            register=register,
            statuses=service.COMMITMENT_STATUSES,
            rows={r.state.commitment.id: r for r in rows},
            session_line=session_line,
        )

    return _with_register(request, user, answer)


@router.get("/timeline", response_class=HTMLResponse)
def timeline(request: Request, user: SignedIn) -> Response:
    return _with_register(
        request,
        user,
        lambda register: _page(
            request, "dialogue/timeline.html", user, entries=service.timeline(register), register=register
        ),
    )


@router.get("/commitments/{commitment_id}", response_class=HTMLResponse)
def commitment_detail(request: Request, user: SignedIn, commitment_id: str) -> Response:
    return _detail(request, user, commitment_id)


def _detail(
    request: Request,
    user: PageUser,
    commitment_id: str,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        register = service.load_register(session, node, user.actor, today=_today())
        state = register.commitment(commitment_id)
        versions = service.commitment_versions(session, node, user.actor, commitment_id)
        requested = {(r.object_id, r.nation) for r in release_requests.pending(session)}
    history = [(v.modified, v.as_stix()) for v in versions]
    return _page(
        request,
        "dialogue/commitment.html",
        user,
        status=status,
        state=state,
        history=history,
        can_write=_can_write(request, user),
        statuses=MILESTONE_STATUSES,
        errors=errors or {},
        form=form or _blank_update(node, user),
        partners=node.partners,
        lag=lag_line(state),
        today=_today().isoformat(),
        requested=requested,
    )


@pass_context
def _partial_day(context: Context, value: str | None) -> str:
    """``partial_day`` in the page's language, for the templates."""
    language = context.get("language")
    return partial_day(value, language if isinstance(language, str) else None)


def _page(request: Request, name: str, user: PageUser, status: int = 200, **context: Any) -> HTMLResponse:
    """A Dialogue page: ``render`` with the pillar's own presentation helper."""
    return render(
        request,
        name,
        user,
        status=status,
        partial_day=_partial_day,
        wrap_label=_wrap_label,
        status_words=STATUS_WORDS,
        **context,
    )


def _wrap_label(text: str, width: int, lines: int) -> str:
    return shorten_label(text, width=width, lines=lines)


def partial_day(value: str | None, language: str | None = None) -> str:
    """A date known to the day ("7 Jan 2025"), the month ("Nov 2015") or the year ("2015"), as people read it."""
    return readable_date(value, locale=formatting.locale_of(language))


def _blank_update(node: Node, user: PageUser) -> dict[str, Any]:
    """A new update's form: dated today, releasable to each partner the policy lets this person release it to,
    and no originator control unless the person ticks it (the form shows what will be stored)."""
    mine = Handling(
        tlp="green", originator_nation=node.nation, originator_agency=user.actor.agency or "", held_by=node.nation
    )
    releasable = tuple(n for n in node.partners if decide(user.actor, mine, Release(to=n)).allowed)
    return {"date": _today().isoformat()} | MarkingForm(releasable_to=releasable, orcon=False).values()


# The form's fields by the names the service gives its problems.
_UPDATE_FIELDS = {"indicator_values": "indicator_value", "commitment_ref": "form"}


@router.post("/commitments/{commitment_id}/updates", response_class=HTMLResponse)
def post_update(
    request: Request,
    user: SignedIn,
    commitment_id: str,
    marking: Marking,
    summary: Annotated[str, Form(max_length=4000)] = "",
    when: Annotated[str, Form(alias="date", max_length=20)] = "",
    milestone_key: Annotated[str, Form(max_length=60)] = "",
    milestone_status: Annotated[str, Form(max_length=20)] = "",
    indicator_key: Annotated[str, Form(max_length=60)] = "",
    indicator_value: Annotated[str, Form(max_length=20)] = "",
    evidence: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record an update; a wrong value brings the form back as typed, with every problem beside its field."""
    check_csrf(user.csrf_token, csrf_token)
    form = {
        "summary": summary,
        "date": when,
        "milestone_key": milestone_key,
        "milestone_status": milestone_status,
        "indicator_key": indicator_key,
        "indicator_value": indicator_value,
        "evidence": evidence,
    } | marking.values()
    node = node_of(request)
    errors: dict[str, str] = {}
    values: tuple[tuple[str, float], ...] = ()
    if indicator_key or indicator_value.strip():
        try:
            values = ((indicator_key, float(indicator_value)),)
        except ValueError:
            with i18n.speaking(language_of(request, user)):
                errors["indicator_value"] = _("{value} is not a number (for example 3 or 2.5)").format(
                    value=repr(indicator_value)
                )
    handling = None
    try:
        handling = marking.choice()
    except FieldInvalid as exc:
        errors[exc.field] = exc.message
    data = service.UpdateInput(
        commitment_ref=commitment_id,
        summary=summary,
        date=when,
        milestone_key=milestone_key or None,
        milestone_status=milestone_status or None,
        indicator_values=values,
        evidence=_evidence_lines(evidence),
        handling=handling,
    )
    status = 422
    try:
        if errors:  # the page's own problems: ask the service for the rest, and store nothing
            with node.db.read() as session:
                _state, problems = service.check_update(
                    session=session, node=node, actor=user.actor, data=data, today=_today()
                )
            raise service.UpdateInvalid(problems)
        with node.db.write() as session:
            service.add_update(session=session, node=node, actor=user.actor, data=data, today=_today())
    except NotFound as exc:
        return error_page(request, user, exc)
    except service.UpdateInvalid as exc:
        errors |= {_UPDATE_FIELDS.get(name, name): _by_line(text) for name, text in exc.problems.items()}
    except Forbidden as exc:  # a release this person may not make: said beside the marking, the form kept
        errors["releasable_to"], status = str(exc), exc.status
    except InvalidInput as exc:
        errors["form"], status = str(exc), exc.status
    if errors:
        return _detail(request, user, commitment_id, errors=errors, form=form, status=status)
    return RedirectResponse(f"/dialogue/commitments/{commitment_id}", status_code=303)


_EVIDENCE_ITEM = re.compile(r"evidence\[(\d+)\]\.\w+: ")


def _by_line(text: str) -> str:
    """The service's ``evidence[0].ref: ...`` as the form's reader counts: ``line 1: ...``."""
    return _EVIDENCE_ITEM.sub(lambda m: f"line {int(m.group(1)) + 1}: ", text)


def _evidence_lines(text: str) -> tuple[service.EvidenceInput, ...]:
    """One evidence link per line: ``<object id> [indicator key to count toward]``."""
    links = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        links.append(service.EvidenceInput(ref=parts[0], counts_toward=parts[1] if len(parts) > 1 else None))
    return tuple(links)


@router.get("/compliance", response_class=HTMLResponse)
def compliance_page(request: Request, user: SignedIn) -> Response:
    def answer(register: service.Register) -> Response:
        years = service.year_window(register)
        rows = service.compliance(register, years=years)
        return _page(
            request,
            "dialogue/compliance.html",
            user,
            rows=rows,
            years=years,
            nations=register.nations,
            overall={(n, y): service.nation_percentage(rows, n, y) for n in register.nations for y in years},
            lag_line=lag_line,
            register=register,
        )

    return _with_register(request, user, answer)


Year = Annotated[int | None, Query(ge=2000, le=2100)]


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, user: SignedIn, year: Year = None) -> Response:
    def answer(register: service.Register) -> Response:
        chosen = year or register.today.year
        years = service.years_with_data(register)
        return _page(
            request,
            "dialogue/report.html",
            user,
            report=annual_report(register, year=chosen),
            has_data=chosen in years,
            years=years,
            agenda=draft_agenda(register),
            session_line=session_line,
            lag_line=lag_line,
            nations=register.nations,
        )

    return _with_register(request, user, answer)


@router.get("/report.pdf")
def report_download(request: Request, user: SignedIn, year: Year = None) -> Response:
    def answer(register: service.Register) -> Response:
        chosen = year or register.today.year
        try:
            report = report_for(register, year=chosen)
        except NothingToReport as exc:
            return error_page(request, user, exc)
        return Response(
            report_pdf(report, draft_agenda(register)),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="dialogue-report-{chosen}.pdf"'},
        )

    return _with_register(request, user, answer)


@router.get("/ocds.json")
def ocds_download(request: Request, user: SignedIn) -> Response:
    publisher = f"Mitra node {node_of(request).nation}"
    return _with_register(
        request, user, lambda register: JSONResponse(ocds_package(register, uri=str(request.url), publisher=publisher))
    )


def _intake_page(
    request: Request,
    user: PageUser,
    register: service.Register | None,
    *,
    status: int = 200,
    document: str = "",
    error: str | None = None,
    result: IntakeResult | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The intake page; after a refused acceptance, ``typed`` holds what the person had edited and ticked, and
    ``errors`` each problem by field (``s_number``, ``s_date``, ``s_venue``, ``s_host``, ``c<i>``, ``form``)."""
    return _page(
        request,
        "dialogue/intake.html",
        user,
        status=status,
        result=result,
        document=document,
        error=error,
        errors=errors or {},
        typed=typed,
        areas=register.areas if register else {},
        sessions=register.sessions if register else [],
        strengths=STRENGTHS,
        nations=register.nations if register else (),
        can_write=_can_write(request, user),
    )


@router.get("/intake", response_class=HTMLResponse)
def intake_form(request: Request, user: SignedIn) -> Response:
    return _intake_page(request, user, None)


@router.post("/intake", response_class=HTMLResponse)
async def intake_submit(
    request: Request,
    user: SignedIn,
    document: Annotated[str, Form(max_length=MAX_UPLOAD)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(user.csrf_token, csrf_token)
    error = None
    with i18n.speaking(language_of(request, user)):
        if upload is not None and upload.filename:
            raw = await upload.read(MAX_UPLOAD + 1)
            if len(raw) > MAX_UPLOAD:
                error = _("upload: {name} is larger than {limit} bytes").format(name=upload.filename, limit=MAX_UPLOAD)
            else:
                document = raw.decode("utf-8", errors="replace")
        if not document.strip() and error is None:
            error = _("document: paste a text or choose a file")
    return _with_register(
        request,
        user,
        lambda register: _intake_page(
            request,
            user,
            register,
            status=422 if error else 200,
            document=document,
            error=error,
            result=propose(document, register.facts()) if error is None else None,
        ),
    )


def _intake_problems(chosen: set[str], typed: dict[str, Any]) -> dict[str, str]:
    """Every problem of what a person ticked on the intake page, by field, before anything is stored."""
    problems: dict[str, str] = {}
    if "s" in chosen:
        number, when = str(typed["s_number"]).strip(), str(typed["s_date"]).strip()
        if not number.isdigit() or int(number) < 1:
            problems["s_number"] = _("{value} is not a session number (1, 2, 3 …)").format(value=repr(number))
        if not when:
            problems["s_date"] = _("give the day the session was held")
        else:
            try:
                parse_date(when, where="s_date")
            except InvalidInput as exc:
                problems["s_date"] = str(exc).removeprefix("s_date: ")
        if not str(typed["s_venue"]).strip():
            problems["s_venue"] = _("say where the session was held")
    for index, text in enumerate(typed["c_text"]):
        if f"c{index}" not in chosen:
            continue
        wrong = []
        if not str(text).strip():
            wrong.append(_("give the commitment's text"))
        if not _nth(typed["c_area"], index):
            wrong.append(_("choose its area"))
        if wrong:
            problems[f"c{index}"] = "; ".join(wrong)
    return problems


def _nth(values: list[str], index: int) -> str:
    """The ``index``-th of a form's repeated field, or empty when the form sent fewer."""
    return values[index] if index < len(values) else ""


@router.post("/intake/accept", response_class=HTMLResponse)
def intake_accept(
    request: Request,
    user: SignedIn,
    document: Annotated[str, Form(max_length=MAX_UPLOAD)] = "",
    source: Annotated[str, Form(max_length=300)] = "",
    session_ref: Annotated[str, Form(max_length=120)] = "",
    accept: Annotated[list[str] | None, Form()] = None,
    c_text: Annotated[list[str] | None, Form()] = None,
    c_area: Annotated[list[str] | None, Form()] = None,
    c_strength: Annotated[list[str] | None, Form()] = None,
    k_subject: Annotated[list[str] | None, Form()] = None,
    k_source_says: Annotated[list[str] | None, Form()] = None,
    k_register_says: Annotated[list[str] | None, Form()] = None,
    k_refs: Annotated[list[str] | None, Form()] = None,
    s_number: Annotated[str, Form(max_length=4)] = "",
    s_date: Annotated[str, Form(max_length=20)] = "",
    s_venue: Annotated[str, Form(max_length=200)] = "",
    s_host: Annotated[str, Form(max_length=3)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Create the objects for the proposals a person ticked (``accept`` holds ``s``, ``c<i>`` and ``k<i>``)."""
    node = node_of(request)
    chosen = set(accept or [])
    texts, areas, strengths = c_text or [], c_area or [], c_strength or []
    subjects, says, register_says, refs = k_subject or [], k_source_says or [], k_register_says or [], k_refs or []
    digest = hashlib.sha256(document.encode()).hexdigest()
    check_csrf(user.csrf_token, csrf_token)
    typed = {
        "accept": sorted(chosen),
        "c_text": texts,
        "c_area": areas,
        "c_strength": strengths,
        "k_source_says": says,
        "source": source,
        "session_ref": session_ref,
        "s_number": s_number,
        "s_date": s_date,
        "s_venue": s_venue,
        "s_host": s_host,
    }
    with i18n.speaking(language_of(request, user)):  # each problem in the person's language
        errors = _intake_problems(chosen, typed)
    status = 422
    created: list[str] = []
    if not errors:
        accepted = service.IntakeAcceptance(
            source=source.strip() or f"document sha256:{digest[:16]}",
            session=service.SessionInput(
                number=int(s_number),
                date=s_date.strip(),
                venue=s_venue,
                host_nation=s_host,
                readout_text=document,
                source_url=source.strip(),
            )
            if "s" in chosen
            else None,
            session_ref=session_ref or None,
            commitments=tuple(
                service.CommitmentInput(area=_nth(areas, i), text=text, strength=_nth(strengths, i))
                for i, text in enumerate(texts)
                if f"c{i}" in chosen
            ),
            conflicts=tuple(
                service.ConflictInput(subject, _nth(register_says, i), _nth(says, i), tuple(_nth(refs, i).split()))
                for i, subject in enumerate(subjects)
                if f"k{i}" in chosen
            ),
        )
        try:
            with node.db.write() as session:
                created = service.accept_intake(session=session, node=node, actor=user.actor, accepted=accepted)
        except MitraError as exc:  # what the page could not check (a session number taken...): nothing stored
            name, _sep, rest = str(exc).partition(": ")
            field = {"number": "s_number", "date": "s_date", "venue": "s_venue", "host_nation": "s_host"}.get(name)
            errors[field or "form"] = rest if field else str(exc)
            status = exc.status
    if errors:
        return _with_register(
            request,
            user,
            lambda register: _intake_page(
                request,
                user,
                register,
                status=status,
                document=document,
                result=propose(document, register.facts()),
                errors=errors,
                typed=typed,
            ),
        )
    return _page(request, "dialogue/intake_done.html", user, created=created)
