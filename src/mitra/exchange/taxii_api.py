"""The TAXII 2.1 HTTP edge (``/taxii2/``) and its in-process twin, both over one dispatcher."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from mitra.audit.service import AuditEvent, record
from mitra.core.identity import user_for_token
from mitra.exchange.models import Partner, TaxiiStatus
from mitra.exchange.receive import Receiver
from mitra.exchange.taxii import TAXII_MEDIA_TYPE, ObjectFilter, Page, TaxiiService
from mitra.exchange.transport import JsonText, TaxiiResponse
from mitra.foundation.errors import Forbidden, InvalidInput, MitraError, NotFound
from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.node import Node
from mitra.policy import Actor

router = APIRouter(include_in_schema=False)
Params = Sequence[tuple[str, str]]

_ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("GET", re.compile(r"^$")),
    ("GET", re.compile(r"^status/(?P<status>[^/]+)/$")),
    ("GET", re.compile(r"^collections/$")),
    ("GET", re.compile(r"^collections/(?P<cid>[^/]+)/$")),
    ("GET", re.compile(r"^collections/(?P<cid>[^/]+)/objects/$")),
    ("POST", re.compile(r"^collections/(?P<cid>[^/]+)/objects/$")),
    ("GET", re.compile(r"^collections/(?P<cid>[^/]+)/objects/(?P<oid>[^/]+)/$")),
    ("GET", re.compile(r"^collections/(?P<cid>[^/]+)/objects/(?P<oid>[^/]+)/versions/$")),
    ("GET", re.compile(r"^collections/(?P<cid>[^/]+)/manifest/$")),
]
_FILTERS = {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]"}


def _one(params: Params, name: str) -> str | None:
    values = [value for key, value in params if key == name]
    if len(values) > 1:
        raise InvalidInput(f"{name}: given {len(values)} times")
    return values[0] if values else None


def _many(params: Params, name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _limit(params: Params) -> int | None:
    text = _one(params, "limit")
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise _BadRequest(f"limit: {text!r} is not a positive integer")
    return int(text)


def _filter(params: Params, *, default_version: str) -> ObjectFilter:
    """The request's filters; one the server cannot understand is a 400, as TAXII 2.1 (section 3.6) says."""
    unknown = sorted({key for key, _ in params} - _FILTERS)
    if unknown:
        raise _BadRequest(f"unknown parameter {unknown[0]!r}")
    try:
        return ObjectFilter.parse(
            added_after=_one(params, "added_after"),
            ids=_many(params, "match[id]"),
            types=_many(params, "match[type]"),
            versions=_many(params, "match[version]"),
            spec_versions=_many(params, "match[spec_version]"),
            default_version=default_version,
        )
    except InvalidInput as exc:
        raise _BadRequest(str(exc)) from None


def dispatch(node: Node, actor: Actor, method: str, path: str, params: Params, body: Any = None) -> TaxiiResponse:
    """Answer one TAXII request for ``actor`` (already authenticated) at ``path`` below the API root."""
    service = TaxiiService(node)
    for route_method, pattern in _ROUTES:
        match = pattern.match(path)
        if match is None or route_method != method:
            continue
        parts = match.groupdict()
        handler = _HANDLERS[(route_method, pattern.pattern)]
        return handler(_Call(service, node, actor, parts, params, body))
    if any(pattern.match(path) for _, pattern in _ROUTES):
        raise _MethodNotAllowed(f"{method} is not allowed on {path or 'the API root'}")
    raise NotFound(f"no TAXII resource at {path!r}")


class _Call(NamedTuple):
    service: TaxiiService
    node: Node
    actor: Actor
    parts: dict[str, str]
    params: Params
    body: Any


def _page(call: _Call, flt: ObjectFilter) -> Page:
    with call.node.db.read() as session:
        return call.service.page(
            session, call.actor, call.parts["cid"], flt, limit=_limit(call.params), next_token=_one(call.params, "next")
        )


def _audit_export(call: _Call, page: Page) -> None:
    """Every page of objects that leaves the node is an audit entry: who, how many, which."""
    if not page.rows:
        return
    with call.node.db.write() as session:
        record(
            session,
            AuditEvent(
                f"partner:{call.actor.nation}",
                "export",
                None,
                {
                    "objects": len(page.rows),
                    "first_seq": page.rows[0].seq,
                    "last_seq": page.rows[-1].seq,
                    "versions": [f"{row.id}|{format_timestamp(row.modified)}" for row in page.rows[:1000]],
                },
            ),
        )


def _api_root(call: _Call) -> TaxiiResponse:
    return TaxiiResponse(200, {}, call.service.api_root())


def _collections(call: _Call) -> TaxiiResponse:
    return TaxiiResponse(200, {}, {"collections": call.service.collections(call.actor)})


def _collection(call: _Call) -> TaxiiResponse:
    return TaxiiResponse(200, {}, call.service.collection(call.actor, call.parts["cid"]))


def _objects(call: _Call) -> TaxiiResponse:
    flt = _filter(call.params, default_version="last")
    page = _page(call, flt)
    _audit_export(call, page)
    return TaxiiResponse(200, call.service.date_added_headers(page), call.service.envelope(page))


def _object(call: _Call) -> TaxiiResponse:
    flt = _filter([*call.params, ("match[id]", call.parts["oid"])], default_version="last")
    page = _page(call, flt)
    if not page.rows and _one(call.params, "next") is None:
        raise NotFound(f"no object {call.parts['oid']} in this collection for {call.actor.nation}")
    _audit_export(call, page)
    return TaxiiResponse(200, call.service.date_added_headers(page), call.service.envelope(page))


def _versions(call: _Call) -> TaxiiResponse:
    flt = _filter([*call.params, ("match[id]", call.parts["oid"])], default_version="all")
    page = _page(call, flt)
    if not page.rows and _one(call.params, "next") is None:
        raise NotFound(f"no object {call.parts['oid']} in this collection for {call.actor.nation}")
    return TaxiiResponse(200, call.service.date_added_headers(page), call.service.versions(page))


def _manifest(call: _Call) -> TaxiiResponse:
    flt = _filter(call.params, default_version="last")
    page = _page(call, flt)
    return TaxiiResponse(200, call.service.date_added_headers(page), call.service.manifest(page))


def _add_objects(call: _Call) -> TaxiiResponse:
    call.service.writable(call.actor, call.parts["cid"])
    if not isinstance(call.body, dict) or not isinstance(call.body.get("objects"), list):
        raise InvalidInput('the body must be a TAXII envelope: {"objects": [...]}')
    signatures = call.body.get("x_mitra_signatures")
    if signatures is not None and not isinstance(signatures, dict):
        raise InvalidInput("x_mitra_signatures must be an object")
    handlings = call.body.get("x_mitra_handling")
    if handlings is not None and not isinstance(handlings, dict):
        raise InvalidInput("x_mitra_handling must be an object")
    status_id = str(uuid.uuid4())
    requested = format_timestamp(now_utc())
    with call.node.db.write() as session:
        partner = session.get(Partner, call.actor.nation)
        if partner is None:
            raise Forbidden(f"{call.actor.nation} is not configured as a partner of this node")
        report = Receiver(call.node, partner).receive(session, call.body["objects"], signatures, handlings)
        successes = report.received + report.already_held
        status = TaxiiStatus(
            id=status_id,
            partner=call.actor.nation,
            request_timestamp=requested,
            total_count=len(call.body["objects"]),
            success_count=successes,
            failure_count=report.refused,
            details=json.dumps({"failures": report.failures[:100]}),
        )
        session.add(status)
    return TaxiiResponse(202, {}, _status_resource(status))


def _status(call: _Call) -> TaxiiResponse:
    with call.node.db.read() as session:
        status = session.get(TaxiiStatus, call.parts["status"])
        if status is None or status.partner != call.actor.nation:
            raise NotFound(f"no status {call.parts['status']}")
    return TaxiiResponse(200, {}, _status_resource(status))


def _status_resource(status: TaxiiStatus) -> dict[str, Any]:
    details = json.loads(status.details)
    failures = details.get("failures") or [
        {"id": "", "version": "", "message": reason} for reason in details.get("refusals", [])
    ]
    return {
        "id": status.id,
        "status": "complete",
        "request_timestamp": status.request_timestamp,
        "total_count": status.total_count,
        "success_count": status.success_count,
        "failure_count": status.failure_count,
        "pending_count": 0,
        "failures": failures,
    }


Handler = Callable[[_Call], TaxiiResponse]
_HANDLERS: dict[tuple[str, str], Handler] = {
    (method, pattern.pattern): handler
    for (method, pattern), handler in zip(
        _ROUTES,
        [_api_root, _status, _collections, _collection, _objects, _add_objects, _object, _versions, _manifest],
        strict=True,
    )
}


class _BadRequest(MitraError):
    status = 400
    title = "Bad request"


class _MethodNotAllowed(MitraError):
    status = 405
    title = "Method not allowed"


class _NotAcceptable(MitraError):
    status = 406
    title = "Not acceptable"


class _UnsupportedMediaType(MitraError):
    status = 415
    title = "Unsupported media type"


# ----- HTTP edge ----------------------------------------------------------------------


def _taxii_json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if isinstance(body, JsonText):
        return Response(body.text, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)
    return JSONResponse(body, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


def _error(exc: MitraError) -> Response:
    return _taxii_json(exc.status, {"title": exc.title, "description": str(exc), "http_status": str(exc.status)})


def _accepts_taxii(accept: str) -> bool:
    for item in accept.split(","):
        media = item.split(";")[0].strip().lower()
        params = item.replace(" ", "").lower()
        if media in ("*/*", "application/*"):
            return True
        if media == "application/taxii+json" and ("version=" not in params or "version=2.1" in params):
            return True
    return False


def _partner_actor(request: Request, node: Node) -> Actor:
    from mitra.foundation.errors import Unauthorized

    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("TAXII requests need 'Authorization: Bearer <partner token>'")
    with node.db.read() as session:
        return user_for_token(session, token.strip()).actor()


@router.get("/taxii2/")
def discovery(request: Request) -> Response:
    node: Node = request.app.state.node
    try:
        if not _accepts_taxii(request.headers.get("accept", "*/*")):
            raise _NotAcceptable(f"ask for {TAXII_MEDIA_TYPE}")
        _partner_actor(request, node)
    except MitraError as exc:
        return _error(exc)
    return _taxii_json(200, TaxiiService(node).discovery(str(request.base_url)))


@router.api_route("/taxii2/{root}/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
async def taxii(request: Request, root: str, path: str) -> Response:
    node: Node = request.app.state.node
    actor: Actor | None = None
    try:
        if root != node.nation.lower():
            raise NotFound(f"no API root {root!r} (this node's is {node.nation.lower()!r})")
        if not _accepts_taxii(request.headers.get("accept", "*/*")):
            raise _NotAcceptable(f"ask for {TAXII_MEDIA_TYPE}")
        actor = _partner_actor(request, node)
        body: Any = None
        if request.method == "POST":
            media = request.headers.get("content-type", "")
            if not media.replace(" ", "").lower().startswith("application/taxii+json"):
                raise _UnsupportedMediaType(f"send {TAXII_MEDIA_TYPE}, not {media or 'nothing'}")
            raw = await request.body()
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise InvalidInput(f"the body is not JSON: {exc}") from None
        params = list(request.query_params.multi_items())
        result = await _run(node, actor, request.method, path, params, body)
    except MitraError as exc:
        if request.method == "POST" and actor is not None and exc.status in (400, 403, 415, 422):
            await run_in_threadpool(_audit_refused_push, node, actor, path, exc)
        response = _error(exc)
        if isinstance(exc, _MethodNotAllowed):
            response.headers["Allow"] = "GET, POST" if path.endswith("objects/") else "GET"
        return response
    return _taxii_json(result.status, result.body, dict(result.headers))


async def _run(node: Node, actor: Actor, method: str, path: str, params: Params, body: Any) -> TaxiiResponse:
    return await run_in_threadpool(dispatch, node, actor, method, path, params, body)


def _audit_refused_push(node: Node, actor: Actor, path: str, exc: MitraError) -> None:
    """A partner's push refused whole (wrong media type, not JSON, not an envelope) is an audit entry too."""
    with node.db.write() as session:
        record(
            session,
            AuditEvent(
                f"partner:{actor.nation}",
                "refuse",
                None,
                {"path": path, "status": exc.status, "reason": str(exc)[:500]},
            ),
        )


class LocalTransport:
    """The in-process twin of :class:`~mitra.exchange.transport.HttpTransport`: same dispatcher, no socket."""

    def __init__(self, node: Node, actor: Actor) -> None:
        self.node = node
        self.actor = actor

    def get(self, path: str, params: Params) -> TaxiiResponse:
        return self._call("GET", path, params, None)

    def post(self, path: str, body: Any) -> TaxiiResponse:
        return self._call("POST", path, [], json.loads(json.dumps(body)))

    def _call(self, method: str, path: str, params: Params, body: Any) -> TaxiiResponse:
        from mitra.exchange.transport import TransportError

        try:
            result = dispatch(self.node, self.actor, method, path.lstrip("/"), params, body)
        except MitraError as exc:
            raise TransportError(f"{self.node.nation} {path}: HTTP {exc.status}: {exc}") from None
        # Round-trip through JSON, as a socket would.
        text = result.body.text if isinstance(result.body, JsonText) else json.dumps(result.body)
        return TaxiiResponse(result.status, result.headers, json.loads(text))
