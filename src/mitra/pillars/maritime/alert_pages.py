"""Pages for the watch floor: ``/maritime/alerts`` (listed, filtered, paged), one alert with its evidence and
history and the forms that work it, and ``/maritime/watch-rules`` (list, create, edit, disable). Thin over
:mod:`mitra.pillars.maritime.alerts`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from mitra.core.access import may
from mitra.core.objects import StixObject
from mitra.foundation.errors import MitraError, NotFound
from mitra.pillars.maritime import alerts
from mitra.pillars.maritime.alerts import EVENT_THRESHOLDS, SEEN, WatchRuleInput
from mitra.policy import Action
from mitra.web import i18n
from mitra.web.auth import PageUser, node_of, posted_form
from mitra.web.i18n import N_, _
from mitra.web.rendering import SignedIn, language_of, render

pages = APIRouter()
PER_PAGE = 50

# The words of the event types and thresholds (alerts.EVENT_THRESHOLDS), translated where shown.
EVENT_WORDS: dict[str, str] = {
    "ais_gap": N_("AIS gap"),
    "likely_disabling": N_("Likely AIS disabling"),
    "loitering": N_("Loitering"),
    "encounter": N_("Encounter"),
    "close_rendezvous": N_("Close rendezvous"),
    "impossible_jump": N_("Impossible jump"),
    "identity_conflict": N_("Identity conflict"),
    "area_entry": N_("Area entry"),
    "area_dwell": N_("Area dwell"),
    "speed_band": N_("Speed band"),
    "port_visit": N_("Port visit"),
    SEEN: N_("Watched vessel seen"),
}
THRESHOLD_WORDS: dict[str, str] = {
    "min_hours": N_("at least (hours)"),
    "min_minutes": N_("at least (minutes)"),
    "min_speed_kn": N_("speed at least (knots)"),
    "min_distance_nm": N_("distance at least (nautical miles)"),
    "min_offshore_nm": N_("offshore at least (nautical miles)"),
    "max_distance_m": N_("closest at most (metres)"),
}
STATUS_WORDS: dict[str, str] = {"open": N_("open"), "acknowledged": N_("acknowledged"), "closed": N_("closed")}
ACTION_WORDS: dict[str, str] = {
    "raised": N_("raised"),
    "acknowledged": N_("acknowledged"),
    "assigned": N_("assigned"),
    "closed": N_("closed"),
}


def _render(request: Request, name: str, user: PageUser, status: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        name,
        user,
        status,
        event_words=EVENT_WORDS,
        threshold_words=THRESHOLD_WORDS,
        status_words=STATUS_WORDS,
        action_words=ACTION_WORDS,
        **context,
    )


# ----- alerts --------------------------------------------------------------------------------------------------------


def _page_numbers(current: int, last: int) -> list[int | None]:
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and isinstance(shown[-1], int) and number - shown[-1] > 1:
            shown.append(None)
        shown.append(number)
    return shown


@pages.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    user: SignedIn,
    status: Annotated[str, Query(max_length=20)] = "",
    mine: Annotated[str, Query(max_length=5)] = "",
    page: Annotated[str, Query(max_length=10)] = "1",
) -> Response:
    """Alerts the person may see, newest first, 50 a page, the total said; filtered by status and "mine"."""
    node = node_of(request)
    errors: dict[str, str] = {}
    with i18n.speaking(language_of(request, user)):
        if status and status not in STATUS_WORDS:
            errors["status"] = _("“{value}” is not a status: pick one from the list").format(value=status)
        number = int(page) if page.isdigit() and 0 < int(page) < 10**6 else None
        if number is None:
            errors["page"] = _("“{value}” is not a page number (1 or more)").format(value=page)
    with node.db.read() as session:
        listing = alerts.list_alerts(
            session,
            node,
            actor=user.actor,
            status=status if status in STATUS_WORDS else None,
            mine=mine == "on",
            page=number or 1,
            per_page=PER_PAGE,
        )

    def link(n: int) -> str:
        params = {k: v for k, v in (("status", status), ("mine", mine)) if v} | ({"page": str(n)} if n > 1 else {})
        return "/maritime/alerts" + ("?" + urlencode(params) if params else "")

    return _render(
        request,
        "maritime/alerts.html",
        user,
        422 if errors else 200,
        listing=listing,
        rows=[_row(r) for r in listing.items],
        chosen_status=status,
        mine=mine == "on",
        errors=errors,
        link=link,
        page_numbers=_page_numbers(listing.page, listing.pages),
    )


def _row(row: StixObject) -> dict[str, Any]:
    return row.as_stix() | {"tlp": row.tlp, "originator_nation": row.originator_nation}


def _alert_page(
    request: Request,
    user: PageUser,
    alert_id: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        row = alerts.get_alert(session, node, alert_id=alert_id, actor=user.actor)
        alert = _row(row)
        people = alerts.assignable_people(session, node)
        event = rule = None
        for ref, kind in ((alert.get("event_ref"), "event"), (alert.get("rule_ref"), "rule")):
            if not isinstance(ref, str):
                continue
            try:
                seen = node.store.get(session, object_id=ref, actor=user.actor)
            except MitraError:
                continue  # not held here (a partner's rule), or not for this person: named, not linked
            if kind == "event":
                event = seen.as_stix()
            else:
                rule = seen.as_stix()
    own = row.originator_nation == node.nation
    return _render(
        request,
        "maritime/alert.html",
        user,
        status,
        alert=alert,
        event=event,
        rule=rule,
        own=own,
        may_work=own and may(user.actor, Action.UPDATE, nation=node.nation),
        people=people,
        errors=errors or {},
        form=form or {},
        done=done,
    )


DONE_WORDS: dict[str, str] = {
    "acknowledge": N_("Acknowledged: the note is in the alert's history."),
    "assign": N_("Assigned: the person is told in their inbox."),
    "close": N_("Closed: the note is in the alert's history."),
}


@pages.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(
    request: Request, user: SignedIn, alert_id: str, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    """One alert: what raised it, its evidence as a table, the event, its history, and the forms that work it."""
    return _alert_page(request, user, alert_id, done=DONE_WORDS.get(done, ""))


_ACTIONS = ("acknowledge", "assign", "close")


@pages.post("/alerts/{alert_id}/{action}", response_class=HTMLResponse)
async def alert_work(request: Request, user: SignedIn, alert_id: str, action: str) -> Response:
    """Acknowledge, assign or close the alert with a note; a problem is said beside its field, the note kept."""
    if action not in _ACTIONS:
        raise NotFound(f"no alert action {action!r} ({', '.join(_ACTIONS)})")
    fields = dict(await posted_form(request, user))
    node = node_of(request)
    note = fields.get("note", "")
    assignee = fields.get("assignee", "")
    form = {"action": action, "note": note, "assignee": assignee}
    try:
        with node.db.write() as session:
            if action == "acknowledge":
                alerts.acknowledge(session, node, alert_id=alert_id, note=note, actor=user.actor)
            elif action == "assign":
                alerts.assign(session, node, alert_id=alert_id, note=note, actor=user.actor, assignee=assignee)
            else:
                alerts.close(session, node, alert_id=alert_id, note=note, actor=user.actor)
    except MitraError as exc:
        message = str(exc)
        head, said, rest = message.partition(": ")
        field = head if said and head in ("note", "assignee", "status") else "form"
        errors = {f"{action}_{field}": rest if field != "form" else message}
        return _alert_page(request, user, alert_id, status=exc.status, errors=errors, form=form)
    return RedirectResponse(f"/maritime/alerts/{alert_id}?done={action}", status_code=303)


# ----- watch rules ---------------------------------------------------------------------------------------------------

_SPLIT = re.compile(r"[\s,;]+")


def _numbers(text: str, field: str, errors: dict[str, str]) -> list[int]:
    values: list[int] = []
    for part in (p for p in _SPLIT.split(text.strip()) if p):
        if not part.isdigit():
            errors[field] = _("“{value}” is not a number: give whole numbers separated by commas").format(value=part)
            return []
        values.append(int(part))
    return values


def _read_rule_form(items: Sequence[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """What the rule form says: the values as typed (to fill the form again), the rule's fields, and the problems
    found in reading them (field -> words; the caller speaks the person's language)."""
    fields = dict(items)
    chosen_areas = [v for k, v in items if k == "areas"]
    chosen_types = [v for k, v in items if k == "event_type"]
    typed: dict[str, Any] = {
        "name": fields.get("name", ""),
        "description": fields.get("description", ""),
        "vessel_mmsis": fields.get("vessel_mmsis", ""),
        "vessel_imos": fields.get("vessel_imos", ""),
        "vessel_name_pattern": fields.get("vessel_name_pattern", ""),
        "vessel_flags": fields.get("vessel_flags", ""),
        "areas": chosen_areas,
        "event_types": chosen_types,
        "thresholds": {k: v for k, v in fields.items() if k.startswith("th_")},
        "watch_seen": fields.get("watch_seen") == "on",
        "assignee": fields.get("assignee", ""),
        "share_with": [v for k, v in items if k == "share_with"],
        "active": fields.get("active", "on" if "name" not in fields else "") == "on",
    }
    errors: dict[str, str] = {}
    conditions = []
    for event_type in chosen_types:
        thresholds: dict[str, float] = {}
        for name in EVENT_THRESHOLDS.get(event_type, {}):
            text = fields.get(f"th_{event_type}_{name}", "").strip()
            if not text:
                continue
            try:
                thresholds[name] = float(text)
            except ValueError:
                errors[f"th_{event_type}_{name}"] = _("“{value}” is not a number").format(value=text)
        conditions.append({"event_type": event_type, "thresholds": thresholds})
    values = {
        "name": typed["name"],
        "description": typed["description"],
        "vessel_mmsis": _numbers(typed["vessel_mmsis"], "vessel_mmsis", errors),
        "vessel_imos": _numbers(typed["vessel_imos"], "vessel_imos", errors),
        "vessel_name_pattern": typed["vessel_name_pattern"],
        "vessel_flags": [p for p in _SPLIT.split(typed["vessel_flags"].strip()) if p],
        "areas": chosen_areas,
        "event_rules": conditions,
        "watch_seen": typed["watch_seen"],
        "assignee": typed["assignee"],
        "share_with": typed["share_with"],
        "active": typed["active"],
    }
    return typed, values, errors


def _typed_of(obj: dict[str, Any]) -> dict[str, Any]:
    """A stored rule as its form shows it."""
    conditions = obj.get("event_rules") or []
    return {
        "name": obj.get("name", ""),
        "description": obj.get("description", ""),
        "vessel_mmsis": ", ".join(f"{m:09d}" for m in obj.get("vessel_mmsis") or ()),
        "vessel_imos": ", ".join(str(i) for i in obj.get("vessel_imos") or ()),
        "vessel_name_pattern": obj.get("vessel_name_pattern", ""),
        "vessel_flags": ", ".join(obj.get("vessel_flags") or ()),
        "areas": list(obj.get("areas") or ()),
        "event_types": [c["event_type"] for c in conditions],
        "thresholds": {
            f"th_{c['event_type']}_{name}": f"{value:g}"
            for c in conditions
            for name, value in (c.get("thresholds") or {}).items()
        },
        "watch_seen": obj.get("watch_seen") is True,
        "assignee": obj.get("assignee", ""),
        "share_with": list(obj.get("share_with") or ()),
        "active": obj.get("active") is True,
    }


def _rules_page(
    request: Request,
    user: PageUser,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    editing: str | None = None,
) -> Response:
    node = node_of(request)
    with node.db.read() as session:
        rows = alerts.list_rules(session, node, actor=user.actor)
        areas = alerts.area_names(session, node, user.actor)
        people = alerts.assignable_people(session, node)
        if editing is not None and typed is None:
            typed = _typed_of(alerts.get_rule(session, node, rule_id=editing, actor=user.actor).as_stix())
    rules = [_row(r) for r in rows]
    return _render(
        request,
        "maritime/watch_rules.html",
        user,
        status,
        rules=rules,
        areas=areas,
        people=people,
        event_types=list(EVENT_THRESHOLDS),
        thresholds=EVENT_THRESHOLDS,
        may_create=may(user.actor, Action.CREATE, nation=node.nation),
        may_edit=may(user.actor, Action.UPDATE, nation=node.nation),
        errors=errors or {},
        form=typed or {"active": True, "areas": [], "event_types": [], "thresholds": {}, "share_with": []},
        editing=editing,
        partners=node.partners,
    )


@pages.get("/watch-rules", response_class=HTMLResponse)
def watch_rules_page(request: Request, user: SignedIn, edit: Annotated[str, Query(max_length=120)] = "") -> Response:
    """The watch rules the person may see; the form to create one (or, with ``edit``, to change one)."""
    return _rules_page(request, user, editing=edit or None)


def _saved(request: Request, user: PageUser, items: Sequence[tuple[str, str]], rule_id: str | None) -> Response:
    node = node_of(request)
    with i18n.speaking(language_of(request, user)):
        typed, values, errors = _read_rule_form(items)
    data: WatchRuleInput | None = None
    try:
        data = WatchRuleInput(**values)
    except ValidationError as exc:
        errors = alerts.input_problems(exc) | errors
    status = 422
    if data is not None and not errors:
        try:
            with node.db.write() as session:
                errors = alerts.node_problems(session, node, user.actor, data)
                refused = alerts.share_refusals(node, user.actor, data.share_with)
                if refused and not errors:
                    status = 403
                    with i18n.speaking(language_of(request, user)):
                        words = _("Only a release officer of the rule's agency saves a rule that shares its alerts.")
                        said = "; ".join(f"{n}: {i18n.reason(why)}" for n, why in refused.items())
                        errors["share_with"] = f"{words} ({said})"
                if not errors:
                    if rule_id is None:
                        alerts.create_rule(session, node, data=data, actor=user.actor)
                    else:
                        alerts.update_rule(session, node, rule_id=rule_id, data=data, actor=user.actor)
        except MitraError as exc:
            errors, status = {"form": str(exc)}, exc.status
    if errors:
        return _rules_page(request, user, status=status, errors=errors, typed=typed, editing=rule_id)
    return RedirectResponse("/maritime/watch-rules", status_code=303)


@pages.post("/watch-rules", response_class=HTMLResponse)
async def watch_rule_create(request: Request, user: SignedIn) -> Response:
    """Create a rule; each wrong value is said beside its field, what was typed kept."""
    return _saved(request, user, await posted_form(request, user), None)


@pages.post("/watch-rules/{rule_id}", response_class=HTMLResponse)
async def watch_rule_edit(request: Request, user: SignedIn, rule_id: str) -> Response:
    """Save a changed rule (a new version; the owner stays)."""
    return _saved(request, user, await posted_form(request, user), rule_id)


@pages.post("/watch-rules/{rule_id}/{state}", response_class=HTMLResponse)
async def watch_rule_state(request: Request, user: SignedIn, rule_id: str, state: str) -> Response:
    """Disable a rule (it raises nothing more; its alerts stay) or enable it again."""
    if state not in ("disable", "enable"):
        raise NotFound(f"no rule action {state!r} (disable, enable)")
    await posted_form(request, user)
    node = node_of(request)
    try:
        with node.db.write() as session:
            alerts.set_rule_active(session, node, rule_id=rule_id, active=state == "enable", actor=user.actor)
    except MitraError as exc:
        return _rules_page(request, user, status=exc.status, errors={"form": str(exc)})
    return RedirectResponse("/maritime/watch-rules", status_code=303)
