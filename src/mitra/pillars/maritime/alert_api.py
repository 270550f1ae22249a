"""The watch floor's REST API under ``/api/v1/maritime``: watch rules (list, create, change, disable) and alerts
(list with filters, read, acknowledge, assign, close). Thin over :mod:`mitra.pillars.maritime.alerts`; every
write is the store's (identity, role and policy checked there), errors are problem JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from mitra.core.schemas import ObjectRead
from mitra.pillars.maritime import alerts
from mitra.pillars.maritime.alerts import EventCondition, WatchRuleInput
from mitra.policy import Actor
from mitra.web.auth import DataReader, api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter()
ActorDep = Annotated[Actor, Depends(api_actor)]
ERRORS = PROBLEM_RESPONSES


class WatchRulePatch(BaseModel):
    """The fields of a rule to change; those not given are kept."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    active: bool | None = None
    vessel_mmsis: list[int] | None = None
    vessel_imos: list[int] | None = None
    vessel_name_pattern: str | None = Field(default=None, max_length=100)
    vessel_flags: list[str] | None = None
    areas: list[str] | None = None
    event_rules: list[EventCondition] | None = None
    watch_seen: bool | None = None
    assignee: str | None = Field(default=None, max_length=64)
    share_with: list[str] | None = Field(default=None, description="partner nations; saved by a release officer")


class RuleList(BaseModel):
    items: list[ObjectRead]
    total: int


class AlertList(BaseModel):
    items: list[ObjectRead]
    total: int = Field(description="How many alerts match the filters")
    page: int
    pages: int


class AlertAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000, description="What was seen or done (required to close)")


class AlertAssign(AlertAction):
    assignee: str = Field(max_length=64, description="A person of this node who may work alerts")


@router.get("/watch-rules", response_model=RuleList, responses=ERRORS)
def list_rules_endpoint(request: Request, actor: DataReader) -> RuleList:
    """The watch rules the caller may see, active first."""
    node = node_of(request)
    with node.db.read() as session:
        rows = alerts.list_rules(session, node, actor=actor)
        return RuleList(items=[ObjectRead.of(r) for r in rows], total=len(rows))


@router.post("/watch-rules", response_model=ObjectRead, status_code=201, responses=ERRORS)
def create_rule_endpoint(request: Request, actor: ActorDep, body: WatchRuleInput) -> ObjectRead:
    """A new watch rule, owned by the caller (an analyst, a release officer or an admin)."""
    node = node_of(request)
    with node.db.write() as session:
        return ObjectRead.of(alerts.create_rule(session, node, data=body, actor=actor))


@router.get("/watch-rules/{rule_id}", response_model=ObjectRead, responses=ERRORS)
def get_rule_endpoint(request: Request, actor: DataReader, rule_id: str) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        return ObjectRead.of(alerts.get_rule(session, node, rule_id=rule_id, actor=actor))


@router.patch("/watch-rules/{rule_id}", response_model=ObjectRead, responses=ERRORS)
def patch_rule_endpoint(request: Request, actor: ActorDep, rule_id: str, body: WatchRulePatch) -> ObjectRead:
    """Change the fields given (a new version); the rule is checked whole, as on creation."""
    node = node_of(request)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    with node.db.write() as session:
        return ObjectRead.of(alerts.patch_rule(session, node, rule_id=rule_id, changes=changes, actor=actor))


@router.post("/watch-rules/{rule_id}/disable", response_model=ObjectRead, responses=ERRORS)
def disable_rule_endpoint(request: Request, actor: ActorDep, rule_id: str) -> ObjectRead:
    """Stop the rule raising alerts (its alerts stay); ``PATCH {"active": true}`` enables it again."""
    node = node_of(request)
    with node.db.write() as session:
        return ObjectRead.of(alerts.set_rule_active(session, node, rule_id=rule_id, active=False, actor=actor))


@router.get("/alerts", response_model=AlertList, responses=ERRORS)
def list_alerts_endpoint(
    request: Request,
    actor: DataReader,
    status: Annotated[Literal["open", "acknowledged", "closed"] | None, Query()] = None,
    mine: Annotated[bool, Query(description="only alerts of the caller's rules or assigned to the caller")] = False,
    rule: Annotated[str | None, Query(max_length=120, description="only this rule's alerts")] = None,
    mmsi: Annotated[int | None, Query(ge=0, le=2**30 - 1)] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AlertList:
    """Alerts the caller may see (this node's and the partner's), newest hit first: one page and the total."""
    node = node_of(request)
    with node.db.read() as session:
        listing = alerts.list_alerts(
            session,
            node,
            actor=actor,
            status=status,
            mine=mine,
            rule_id=rule,
            mmsi=mmsi,
            page=page,
            per_page=per_page,
        )
        return AlertList(
            items=[ObjectRead.of(r) for r in listing.items],
            total=listing.total,
            page=listing.page,
            pages=listing.pages,
        )


@router.get("/alerts/{alert_id}", response_model=ObjectRead, responses=ERRORS)
def get_alert_endpoint(request: Request, actor: DataReader, alert_id: str) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:  # a view of RED is audited
        return ObjectRead.of(alerts.get_alert(session, node, alert_id=alert_id, actor=actor))


@router.post("/alerts/{alert_id}/acknowledge", response_model=ObjectRead, responses=ERRORS)
def acknowledge_endpoint(request: Request, actor: ActorDep, alert_id: str, body: AlertAction) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        return ObjectRead.of(alerts.acknowledge(session, node, alert_id=alert_id, note=body.note, actor=actor))


@router.post("/alerts/{alert_id}/assign", response_model=ObjectRead, responses=ERRORS)
def assign_endpoint(request: Request, actor: ActorDep, alert_id: str, body: AlertAssign) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        row = alerts.assign(session, node, alert_id=alert_id, note=body.note, actor=actor, assignee=body.assignee)
        return ObjectRead.of(row)


@router.post("/alerts/{alert_id}/close", response_model=ObjectRead, responses=ERRORS)
def close_endpoint(request: Request, actor: ActorDep, alert_id: str, body: AlertAction) -> ObjectRead:
    node = node_of(request)
    with node.db.write() as session:
        return ObjectRead.of(alerts.close(session, node, alert_id=alert_id, note=body.note, actor=actor))
