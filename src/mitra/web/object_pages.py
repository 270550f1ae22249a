"""One object's own page, ``/objects/{id}``, and what a person does there: release, narrow, revoke, edit.

Each action is offered only when the policy engine (and the store's rules it rests on) would let the
signed-in person take it; each is a POST form with the session's CSRF token, answered with the page again
and a message, or with the form again, as typed, and what is wrong beside the field. The store does the act.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mitra.audit.service import AuditEvent, record
from mitra.core import releases, requests
from mitra.core.access import may
from mitra.core.objects import StixObject
from mitra.core.records import actor_label
from mitra.core.stix import HandlingInput
from mitra.exchange.retraction import acknowledgements, change_marking
from mitra.foundation.errors import MitraError
from mitra.node import Node
from mitra.policy import Action, Decision, Release, RequestRelease, Role, decide
from mitra.web import i18n
from mitra.web.auth import PageUser, node_of, posted_form
from mitra.web.i18n import _
from mitra.web.marking import FieldInvalid, MarkingForm
from mitra.web.rendering import SignedIn, error_page, language_of, render

router = APIRouter(include_in_schema=False)

REASON_LENGTH = 200


@dataclass(frozen=True)
class ObjectActions:
    """What the signed-in person may do with one object on this node, and why the rest is not offered."""

    release: Mapping[str, Decision] = field(default_factory=dict)  # partner -> the policy's Release decision
    request: tuple[str, ...] = ()  # partners this person may ask a release officer to release it to
    edit_page: str | None = None  # the pillar's edit form for this type
    may_edit: bool = False  # a new version of the content (through the pillar's form, where it has one)
    may_narrow: bool = False
    may_revoke: bool = False
    notes: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()  # what a release officer confirms before releasing it (the store asks too)

    @property
    def may_release(self) -> bool:
        return any(d.allowed for d in self.release.values())

    @property
    def any(self) -> bool:
        return (
            self.may_release
            or self.may_narrow
            or self.may_revoke
            or self.may_edit
            or bool(self.release)
            or bool(self.request)
        )


def _pillar_pages(node: Node, row: StixObject) -> Mapping[str, str]:
    """The pages a pillar serves for acting on an object of this type (its edit form, its release page)."""
    for pillar in node.pillars:
        if row.type in pillar.object_types and pillar.object_pages is not None:
            pages = pillar.object_pages(row.type, row.id)
            if pages:
                return pages
    return {}


def object_actions(node: Node, user: PageUser, row: StixObject) -> ObjectActions:
    """Ask the policy what ``user`` may do with ``row``; the store's refusals name the same conditions.

    Release: the policy's ``Release`` decision for each partner it is not yet releasable to. A new version
    (edit, narrowing, revocation) needs the policy's ``UPDATE`` and, as ``ObjectStore.new_version`` refuses
    otherwise, an object originated on this node and not revoked; another producer's object is only re-marked.
    """
    actor = user.actor
    handling = row.handling(held_by=node.nation)
    release = {n: decide(actor, handling, Release(to=n)) for n in node.partners if n not in row.releasable}
    officer = Role.RELEASE_OFFICER in actor.roles
    # Who may not release but may ask (an analyst of the originating agency) gets the form that asks.
    request = tuple(
        n for n, d in release.items() if not d.allowed and decide(actor, handling, RequestRelease(to=n)).allowed
    )
    if not officer and not any(d.allowed for d in release.values()):
        release = {}  # nothing to explain to someone without the role: no release form at all
    versions = may(actor, Action.UPDATE, nation=node.nation)
    own = row.originator_nation == node.nation
    notes: list[str] = []
    if versions or officer:
        if row.revoked:
            notes.append(_("Revoked: a revoked object gets no new versions, marking changes or releases."))
        elif not own:
            notes.append(
                _("Received from {nation}: only its originator edits, re-marks, releases or revokes it.").format(
                    nation=row.originator_nation
                )
            )
        elif row.is_foreign:
            notes.append(
                _(
                    "Another producer's object, kept here as published: this node may narrow its marking and release "
                    "it, but not edit or revoke it (only its producer may)."
                )
            )
    may_narrow = node.store.version_refusal(row, actor) is None  # the store's own conditions, asked
    content = node.store.version_refusal(row, actor, what="change its content") is None
    pages = _pillar_pages(node, row)
    return ObjectActions(
        release=release,
        request=request,
        edit_page=pages.get("edit") if content else None,
        may_edit=content,
        may_narrow=may_narrow,
        may_revoke=content,
        notes=tuple(notes),
        cautions=tuple(node.store.cautions_of(row.as_stix())) if release else (),
    )


def _object_page(
    request: Request,
    user: PageUser,
    object_id: str,
    *,
    done: str | None = None,
    failed: str | None = None,
    errors: Mapping[str, str] | None = None,
    typed: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    """The object's page; after an action, its message, or the failed form as typed with its errors."""
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        row = node.store.get(session, object_id=object_id, actor=user.actor)
        versions = node.store.versions(session, object_id=object_id, actor=user.actor)
        acks = acknowledgements(session, object_id)
        asked = requests.for_object(session, object_id)
    with i18n.speaking(language_of(request, user)):  # its notes are read by the person, in their language
        actions = object_actions(node, user, row)
    marking = MarkingForm.of(row.marking()).values()
    return render(
        request,
        "object.html",
        user,
        status=status,
        row=row,
        obj=row.as_stix(),
        versions=versions,
        acks=acks,
        asked=asked,
        may_ask=may(user.actor, Action.CREATE, nation=node.nation),  # the queue is for who may write
        red=json.loads(row.red_recipients),
        body=json.dumps(row.as_stix(), indent=2, ensure_ascii=False),
        actions=actions,
        done=done,
        failed=failed,
        errors=dict(errors or {}),
        typed=dict(typed or {}),
        marking=typed.get("marking", marking) if typed and failed == "narrow" else marking,
    )


def _after(request: Request, user: PageUser, object_id: str, done: str) -> Response:
    """The page again with ``done``; if the act took the object out of this person's sight (a revocation by another
    agency, a narrowing to AMBER+STRICT), the message alone, with the way on."""
    try:
        return _object_page(request, user, object_id, done=done)
    except MitraError:
        return render(request, "object_done.html", user, done=done, object_id=object_id)


def _failed(
    request: Request,
    user: PageUser,
    object_id: str,
    exc: MitraError,
    *,
    form: str,
    errors: Mapping[str, str],
    typed: Mapping[str, object],
) -> Response:
    """The page with ``form`` as typed and ``errors`` beside its fields; the error page if the form is not offered
    to this person at all (a forged post is answered as a refusal, not with a form they were never shown)."""
    node = node_of(request)
    with node.db.read() as session:
        row = node.store.get(session, object_id=object_id, actor=user.actor)
    actions = object_actions(node, user, row)
    offered = {
        "release": bool(actions.release or actions.request),
        "narrow": actions.may_narrow,
        "revoke": actions.may_revoke,
    }
    if not offered[form]:
        return error_page(request, user, exc)
    return _object_page(request, user, object_id, failed=form, errors=errors, typed=typed, status=exc.status)


def _reason(text: str, *, required: bool) -> str:
    reason = " ".join(text.split())
    if required and not reason:
        raise FieldInvalid("reason", _("is empty; say why, in a few words (it is kept in the audit log)"))
    if len(reason) > REASON_LENGTH:
        raise FieldInvalid(
            "reason", _("is {count} characters; at most {limit}").format(count=len(reason), limit=REASON_LENGTH)
        )
    return reason


@router.get("/objects/{object_id}", response_class=HTMLResponse)
def object_detail(request: Request, user: SignedIn, object_id: str) -> Response:
    return _object_page(request, user, object_id)


@router.post("/objects/{object_id}/release", response_class=HTMLResponse)
async def release_submit(request: Request, user: SignedIn, object_id: str) -> Response:
    """Make the object releasable to one partner (a release officer's act, decided by the policy)."""
    fields = dict(await posted_form(request, user))
    to = fields.get("to", "").strip().upper()
    node = node_of(request)
    with i18n.speaking(language_of(request, user)):  # its problems and outcome in their language
        try:
            if to not in node.partners:
                choices = ", ".join(node.partners) or _("none: this node has no partners")
                raise FieldInvalid(
                    "to",
                    _("{value} is not a partner of this node; choose one of: {choices}").format(
                        value=repr(to or _("nothing")), choices=choices
                    ),
                )
            with node.db.write() as session:
                node.store.release(
                    session,
                    object_id=object_id,
                    to=to,
                    actor=user.actor,
                    confirm_cautions=fields.get("confirm") == "on",
                )
                asked = bool(releases.opened_in(session))
        except MitraError as exc:
            where = exc.field if isinstance(exc, FieldInvalid) else "to"
            message = exc.message if isinstance(exc, FieldInvalid) else str(exc)
            typed = {"to": to, "confirm": "on" if fields.get("confirm") == "on" else ""}
            return _failed(request, user, object_id, exc, form="release", errors={where: message}, typed=typed)
        if asked:
            done = _(
                "Asked for release to {nation}: a release officer decides, and you are told in your inbox. "
                "Until then it stays on this node."
            ).format(nation=to)
        else:
            done = _("Released to {nation}: a new version, releasable to {nation}, goes to {nation} at its next pull.")
            done = done.format(nation=to)
    return _after(request, user, object_id, done)


@router.post("/objects/{object_id}/narrow", response_class=HTMLResponse)
async def narrow_submit(request: Request, user: SignedIn, object_id: str) -> Response:
    """Write a stricter marking; each partner that loses the object is sent a retraction."""
    items = await posted_form(request, user)
    fields = dict(items)
    chosen = MarkingForm.read(items)
    node = node_of(request)
    typed: dict[str, object] = {"marking": chosen.values(), "reason": fields.get("reason", "")}
    with i18n.speaking(language_of(request, user)):  # its problems and outcome in their language
        try:
            reason = _reason(fields.get("reason", ""), required=False)
            choice = chosen.choice()
            with node.db.write() as session:
                current = node.store.get(session, object_id=object_id, actor=user.actor).marking()
                handling = HandlingInput(
                    tlp=choice.tlp,
                    originator_nation=current.originator_nation,  # the originator is the object's, whoever narrows it
                    originator_agency=current.originator_agency,
                    releasable_to=tuple(choice.releasable_to),
                    orcon=choice.orcon,
                    red_recipients=tuple(choice.red_recipients),
                )
                if handling == current:
                    raise FieldInvalid(
                        "marking",
                        _("is the marking it has already: choose a stricter TLP, untick a nation or tick ORCON"),
                    )
                _version, notified = change_marking(
                    session,
                    node=node,
                    object_id=object_id,
                    handling=handling,
                    actor=user.actor,
                    reason=reason or f"marking narrowed by {user.user.username}",
                )
        except MitraError as exc:
            # A wrong field is said beside it; the policy's reason this is no narrowing, beside the whole marking.
            errors = {exc.field: exc.message} if isinstance(exc, FieldInvalid) else {"marking": str(exc)}
            return _failed(request, user, object_id, exc, form="narrow", errors=errors, typed=typed)
        if notified:
            done = _(
                "Marking narrowed to TLP:{tlp}; withdrawn from {nations} (a retraction goes at their next pull)."
            ).format(tlp=handling.tlp.upper(), nations=", ".join(notified))
        else:
            done = _("Marking narrowed to TLP:{tlp}.").format(tlp=handling.tlp.upper())
    return _after(request, user, object_id, done)


@router.post("/objects/{object_id}/revoke", response_class=HTMLResponse)
async def revoke_submit(request: Request, user: SignedIn, object_id: str) -> Response:
    """Revoke the object, once confirmed and with a reason; partners holding it apply the revocation."""
    fields = dict(await posted_form(request, user))
    typed = {"reason": fields.get("reason", ""), "confirm": fields.get("confirm") == "on"}
    node = node_of(request)
    with i18n.speaking(language_of(request, user)):  # its problems and outcome in their language
        try:
            reason = _reason(fields.get("reason", ""), required=True)
            if not typed["confirm"]:
                raise FieldInvalid("confirm", _("is not ticked; tick it to confirm the revocation"))
            with node.db.write() as session:
                node.store.revoke(session, object_id=object_id, actor=user.actor)
                # The store's revocation takes no reason: it is kept beside it, in the same transaction.
                record(session, AuditEvent(actor_label(user.actor), "revoke_reason", object_id, {"reason": reason}))
        except MitraError as exc:
            errors = {exc.field: exc.message} if isinstance(exc, FieldInvalid) else {"confirm": str(exc)}
            return _failed(request, user, object_id, exc, form="revoke", errors=errors, typed=typed)
        done = _("Revoked. Partners that hold it apply the revocation at their next pull.")
    return _after(request, user, object_id, done)
