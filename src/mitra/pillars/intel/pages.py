"""Thin HTML views of the intelligence pillar under ``/intel``; templates in ``templates/intel/``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from mitra.core import requests as release_requests
from mitra.core.access import may, permit
from mitra.core.objects import StixObject
from mitra.core.paging import read_cursor
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import InvalidInput, MitraError, NotFound
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import parse_timestamp
from mitra.node import Node
from mitra.pillars.intel import forms, india_malaysia, models, service
from mitra.pillars.intel.warninglists import node_warninglists
from mitra.policy import TLP_LEVELS, Action, Release, decide
from mitra.web import i18n
from mitra.web.auth import PageUser, check_csrf, node_of
from mitra.web.i18n import N_, _
from mitra.web.marking import FIELDS as MARKING_FIELDS
from mitra.web.marking import FieldInvalid, MarkingForm
from mitra.web.rendering import SignedIn, error_page, language_of, render

router = APIRouter(prefix="/intel", include_in_schema=False)
# Words the templates translate where they show them: the types' titles (models.PAGE_TYPES), each type and each
# choice of a form's select in words (``|human``).
SHOWN_WORDS = (
    *(N_("Threat actors"), N_("Intrusion sets"), N_("Campaigns"), N_("Incidents"), N_("Reports"), N_("Indicators")),
    *(N_("Malware"), N_("Vulnerabilities"), N_("Courses of action"), N_("Sightings"), N_("Relationships")),
    *(N_("Threat actor"), N_("Intrusion set"), N_("Campaign"), N_("Incident"), N_("Report"), N_("Indicator")),
    *(N_("Vulnerability"), N_("Course of action"), N_("Sighting"), N_("Relationship")),
    *(N_("Terrorism"), N_("Cyber"), N_("Counter narrative"), N_("Deradicalisation"), N_("Technical mitigation")),
    N_("Other"),
)
MAX_UPLOAD = 50_000_000


def _time(value: str | None, where: str) -> datetime | None:
    if not value:
        return None
    return parse_timestamp(value if "T" in value else f"{value}T00:00:00Z", where=where)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        counts = node.store.counts_by_type(session, actor=user.actor)
    can_create = may(user.actor, Action.CREATE, nation=node.nation)
    can_import = may(user.actor, Action.IMPORT, nation=node.nation)
    return render(
        request,
        "intel/home.html",
        user,
        types=models.PAGE_TYPES,
        counts=counts,
        can_create=can_create,
        can_import=can_import,
    )


@router.get("/objects", response_class=HTMLResponse)
def object_list(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    params = request.query_params
    filters_text = {k: str(params.get(k, ""))[:200] for k in ("type", "q", "tlp", "originator", "since", "until")}
    chosen = filters_text["type"]
    if chosen and chosen not in models.PAGE_TYPES:
        raise InvalidInput(f"type: {chosen!r} is not an intelligence type")
    if filters_text["tlp"] and filters_text["tlp"] not in TLP_LEVELS:
        raise InvalidInput(f"tlp: {filters_text['tlp']!r} is not a TLP level")
    cursor = read_cursor(str(params.get("cursor", "")))
    filters = models.ListFilters(
        types=(chosen,) if chosen else (),
        text=filters_text["q"] or None,
        tlp=filters_text["tlp"] or None,
        originator=filters_text["originator"].upper() or None,
        since=_time(filters_text["since"], "since"),
        until=_time(filters_text["until"], "until"),
    )
    index = node_warninglists(node.settings.data_dir)
    with node.db.read() as session:
        rows, nxt = service.list_objects(session, node, actor=user.actor, filters=filters, cursor=cursor)
    flagged = {row.id: service.warninglist_hits(index, row) for row in rows if row.type == "indicator"}
    query = "&".join(f"{k}={v}" for k, v in filters_text.items() if v)
    return render(
        request,
        "intel/list.html",
        user,
        rows=rows,
        next_cursor=nxt,
        filters=filters_text,
        query=query,
        types=models.PAGE_TYPES,
        tlps=TLP_LEVELS,
        flagged=flagged,
        can_create=may(user.actor, Action.CREATE, nation=node.nation),
    )


@router.get("/objects/{object_id}", response_class=HTMLResponse)
def object_detail(request: Request, user: SignedIn, object_id: str) -> Response:
    node = node_of(request)
    index = node_warninglists(node.settings.data_dir)
    with node.db.write() as session:  # a view of RED is audited
        row = node.store.get(session, object_id=object_id, actor=user.actor)
        versions = node.store.versions(session, object_id=object_id, actor=user.actor)
        graph = service.relationship_graph(session, node, actor=user.actor, row=row)
        handling = row.handling(held_by=node.nation)
        requested = [r for r in release_requests.for_object(session, object_id) if r.status == release_requests.PENDING]
    release_to = [n for n in node.partners if decide(user.actor, handling, Release(to=n)).allowed]
    can_edit = (
        may(user.actor, Action.UPDATE, nation=node.nation)
        and row.originator_nation == node.nation
        and not row.revoked
        and row.type in forms.FORM_FIELDS
    )
    return render(
        request,
        "intel/detail.html",
        user,
        row=row,
        obj=row.as_stix(),
        versions=versions,
        graph=graph,
        hits=service.warninglist_hits(index, row),
        red=json.loads(row.red_recipients),
        release_to=release_to,
        requested=requested,
        can_edit=can_edit,
        type_title=models.PAGE_TYPES.get(row.type, row.type),
        body=json.dumps(row.as_stix(), indent=2, ensure_ascii=False),
    )


def _form_page(
    request: Request,
    user: PageUser,
    *,
    type_name: str,
    values: Mapping[str, str],
    action: str,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
    editing: bool = False,
) -> Response:
    return render(
        request,
        "intel/form.html",
        user,
        status=status,
        type_name=type_name,
        type_title=models.PAGE_TYPES.get(type_name, type_name),
        fields=forms.FORM_FIELDS[type_name],
        values=values,
        action=action,
        errors=dict(errors or {}),
        tlps=TLP_LEVELS,
        partners=node_of(request).partners,
        editing=editing,
    )


async def _checked_form(request: Request, user: PageUser) -> tuple[dict[str, str], MarkingForm]:
    """The submitted text fields and marking, once the form's CSRF token is checked."""
    async with request.form() as form:
        items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    text = dict(items)
    check_csrf(user.csrf_token, text.get("csrf_token", ""))
    return text, MarkingForm.read(items)


@router.get("/new/{type_name}", response_class=HTMLResponse)
def new_form(request: Request, user: SignedIn, type_name: str) -> Response:
    if type_name not in forms.FORM_FIELDS:
        return error_page(request, user, NotFound(f"no form for {type_name!r}"))
    permit(user.actor, Action.CREATE, nation=node_of(request).nation)
    values = MarkingForm(tlp="amber", orcon=False).values()  # ORCON only when the person ticks it
    return _form_page(request, user, type_name=type_name, values=values, action=f"/intel/new/{type_name}")


async def _submit_form(
    request: Request,
    user: PageUser,
    *,
    type_name: str,
    action: str,
    editing: bool,
    save: Callable[[Session, Node, dict[str, str], HandlingInput], StixObject],
) -> Response:
    """Save a creation or edit form: to the object when it worked, else the form again, as typed, with every
    problem beside its field (and nothing stored)."""
    text, marking = await _checked_form(request, user)
    if type_name not in forms.FORM_FIELDS:
        return error_page(request, user, NotFound(f"no form for {type_name!r}"))
    node = node_of(request)
    errors: dict[str, str] = {}
    status = 422
    handling = None
    with i18n.speaking(language_of(request, user)):  # each problem in the person's language
        try:
            handling = marking.handling(user.actor)
        except FieldInvalid as exc:
            errors[exc.field] = exc.message
        try:
            forms.object_from_form(type_name, text)
        except forms.FormInvalid as exc:
            errors |= exc.problems
    if handling is not None and not errors:
        try:
            with node.db.write() as session:
                object_id = save(session, node, text, handling).id
        except NotFound as exc:
            return error_page(request, user, exc)
        except forms.FormInvalid as exc:
            errors |= exc.problems
        except MitraError as exc:  # refused or invalid: said beside the field it names, or above the form
            field, message = _field_of(type_name, str(exc))
            errors[field], status = message, exc.status
    if errors:
        return _form_page(
            request,
            user,
            type_name=type_name,
            values=text | marking.values(),
            action=action,
            errors=errors,
            status=status,
            editing=editing,
        )
    return RedirectResponse(f"/intel/objects/{object_id}", status_code=303)


def _field_of(type_name: str, message: str) -> tuple[str, str]:
    """The form field an error's ``"field: what is wrong"`` names (else ``form``, shown above the form)."""
    name, _, rest = message.partition(": ")
    names = {spec.name for spec in forms.FORM_FIELDS.get(type_name, ())} | set(MARKING_FIELDS)
    return (name, rest) if rest and name in names else ("form", message)


@router.post("/new/{type_name}", response_class=HTMLResponse)
async def new_submit(request: Request, user: SignedIn, type_name: str) -> Response:
    return await _submit_form(
        request,
        user,
        type_name=type_name,
        action=f"/intel/new/{type_name}",
        editing=False,
        save=lambda session, node, form, handling: forms.create_from_form(
            session, node, actor=user.actor, type_name=type_name, form=form, handling=handling
        ),
    )


@router.get("/objects/{object_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, user: SignedIn, object_id: str) -> Response:
    node = node_of(request)
    with node.db.write() as session:
        row = node.store.get(session, object_id=object_id, actor=user.actor)
    if row.type not in forms.FORM_FIELDS:
        return error_page(request, user, NotFound(f"no form for {row.type!r}"))
    marking = MarkingForm.of(row.marking())
    values = forms.form_values(row.as_stix()) | marking.values()
    return _form_page(
        request, user, type_name=row.type, values=values, action=f"/intel/objects/{object_id}/edit", editing=True
    )


@router.post("/objects/{object_id}/edit", response_class=HTMLResponse)
async def edit_submit(request: Request, user: SignedIn, object_id: str) -> Response:
    return await _submit_form(
        request,
        user,
        type_name=object_id.partition("--")[0],  # a STIX id starts with its type
        action=f"/intel/objects/{object_id}/edit",
        editing=True,
        save=lambda session, node, form, handling: forms.edit_from_form(
            session, node, actor=user.actor, object_id=object_id, form=form, handling=handling
        ),
    )


def _release_page(
    request: Request, user: PageUser, object_id: str, *, error: str | None = None, status: int = 200
) -> Response:
    node = node_of(request)
    index = node_warninglists(node.settings.data_dir)
    with node.db.write() as session:
        row = node.store.get(session, object_id=object_id, actor=user.actor)
        handling = row.handling(held_by=node.nation)
    choices = {n: decide(user.actor, handling, Release(to=n)) for n in node.partners}
    return render(
        request,
        "intel/release.html",
        user,
        status=status,
        row=row,
        hits=service.warninglist_hits(index, row),
        choices=choices,
        error=error,
    )


@router.get("/objects/{object_id}/release", response_class=HTMLResponse)
def release_form(request: Request, user: SignedIn, object_id: str) -> Response:
    return _release_page(request, user, object_id)


@router.post("/objects/{object_id}/release", response_class=HTMLResponse)
async def release_submit(request: Request, user: SignedIn, object_id: str) -> Response:
    form, _ = await _checked_form(request, user)
    node = node_of(request)
    try:
        with node.db.write() as session:
            service.release_object(
                session,
                node,
                actor=user.actor,
                object_id=object_id,
                to=form.get("to", ""),
                confirm_hits=form.get("confirm") == "on",
            )
    except MitraError as exc:
        return _release_page(request, user, object_id, error=str(exc), status=exc.status)
    return RedirectResponse(f"/intel/objects/{object_id}", status_code=303)


def _import_page(
    request: Request,
    user: PageUser,
    *,
    outcome: ImportReport | None = None,
    error: str | None = None,
    chosen: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    """The import page: the form as the person left it, the last import's report, or why they may not import."""
    return render(
        request,
        "intel/import.html",
        user,
        status=status,
        outcome=outcome,
        error=error,
        tlps=TLP_LEVELS,
        may_import=may(user.actor, Action.IMPORT, nation=node_of(request).nation),
        chosen=dict(chosen or {"kind": "stix", "tlp": "", "skip_bad": False}),
    )


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, user: SignedIn) -> Response:
    return _import_page(request, user)


@router.post("/import", response_class=HTMLResponse)
async def import_submit(request: Request, user: SignedIn) -> Response:
    async with request.form(max_part_size=MAX_UPLOAD) as form:
        check_csrf(user.csrf_token, str(form.get("csrf_token", "")))
        upload = form.get("file")
        kind = str(form.get("kind", ""))
        tlp = str(form.get("tlp", "")) or None
        skip_bad = form.get("skip_bad") == "on"
        raw = await upload.read(MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else None
        where = (upload.filename if isinstance(upload, UploadFile) else None) or "upload"
    chosen = {"kind": kind, "tlp": tlp or "", "skip_bad": skip_bad}
    node = node_of(request)
    with i18n.speaking(language_of(request, user)):  # its problems in the person's language
        try:
            if raw is None:
                raise InvalidInput(_("file: choose a file to import"))
            if len(raw) > MAX_UPLOAD:
                raise InvalidInput(
                    _("file: larger than {limit} bytes; use `mitra intel import-{kind}`").format(
                        limit=f"{MAX_UPLOAD:,}", kind=kind
                    )
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(_("file: not UTF-8 text")) from None
            with node.db.write() as session:
                if kind == "csv":
                    outcome = service.import_csv(
                        session,
                        node,
                        actor=user.actor,
                        text=text,
                        where=where,
                        tlp=tlp,
                        skip_bad=skip_bad,
                    )
                elif kind in ("stix", "misp"):
                    try:
                        document = json.loads(text)
                    except json.JSONDecodeError as exc:
                        raise InvalidInput(
                            _("{where}: not valid JSON ({problem})").format(where=where, problem=exc)
                        ) from None
                    if kind == "stix":
                        outcome = service.import_stix(
                            session, node, actor=user.actor, document=document, where=where, tlp=tlp
                        )
                    else:
                        outcome = service.import_misp(session, node, actor=user.actor, document=document, where=where)
                else:
                    raise InvalidInput(_("kind: choose STIX, MISP or CSV"))
        except MitraError as exc:
            error = _("{problem} (nothing was imported)").format(problem=exc)
            return _import_page(request, user, error=error, chosen=chosen, status=exc.status)
    return _import_page(request, user, outcome=outcome, chosen=chosen)


@router.get("/india-malaysia", response_class=HTMLResponse)
def india_malaysia_page(request: Request, user: SignedIn) -> Response:
    node = node_of(request)
    permit(user.actor, Action.READ_DATA, nation=node.nation)
    nations = node.partnership
    with node.db.read() as session:
        views = india_malaysia.view(session, node, actor=user.actor, nations=nations)
    return render(request, "intel/india_malaysia.html", user, views=views, nations=nations)
