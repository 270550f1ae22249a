"""Watch rules and the alerts they raise: a watch officer's rules, matched against detected events and positions.

A rule (``x-mitra-maritime-watch-rule``) names vessels (MMSIs, IMO numbers, a name pattern, flags; none: any
vessel), areas of interest (none: anywhere) and event types with thresholds on the events' details (none: any
event), or watches its vessels for any position (``watch_seen``). Each hit is an alert (``x-mitra-maritime-alert``)
under an id derived from the rule and the event (or the vessel's first position seen), so evaluating twice never
doubles; it holds the vessel's positions around the hit as evidence (at most :data:`EVIDENCE_CAP`, the cap and the
total said in the alert) and a history of who raised, acknowledged, assigned and closed it, each with a note. The
rule's owner and assignee are told by a notice of kind ``alert``; the live map draws alerts (``live.draws``).

Rules and alerts are stored objects: every change is a new version through the store (audited, policy-checked);
only this node's alerts are worked here, a partner's alert is read-only. Nothing here imports the web.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from mitra.core.access import may, permit
from mitra.core.identity import User
from mitra.core.notices import post
from mitra.core.objects import StixObject, actor_label
from mitra.core.stix import HandlingInput, to_policy_handling
from mitra.foundation.errors import Forbidden, InvalidInput, NotFound
from mitra.foundation.timestamps import format_timestamp, now_utc, timestamp_or_none
from mitra.pillars.maritime import live
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.pillars.maritime.flags import flag_code, flag_of
from mitra.pillars.maritime.service import NumberedPage, areas_in, page_slice
from mitra.pillars.maritime.types import ALERT_STATUSES, MARITIME_ALERT, MARITIME_EVENT, WATCH_RULE
from mitra.pillars.maritime.vessels import Box, in_box
from mitra.policy import TLP_LEVELS, Action, Actor, Decision, Release, decide

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from sqlalchemy.orm import Session

    from mitra.node import Node

RULE_TYPE = WATCH_RULE.name
ALERT_TYPE = MARITIME_ALERT.name
EVENT_TYPE = MARITIME_EVENT.name
EVIDENCE_CAP = 200  # positions an alert holds as evidence at most (the nearest in time to the hit); stated in it
EVIDENCE_HOURS = 2.0  # the evidence window: this long before the hit's start to this long after its end
SEEN = "vessel_seen"  # the event type of an alert a watched vessel's position raised

# The thresholds each detector event type can be held to: threshold -> the key of the event's ``details`` it reads
# (see ais/detect.py). "min_" holds when the detail is at least the value, "max_" when it is at most the value.
EVENT_THRESHOLDS: dict[str, dict[str, str]] = {
    "ais_gap": {"min_hours": "hours", "min_offshore_nm": "offshore_nm", "min_distance_nm": "distance_nm"},
    "likely_disabling": {"min_hours": "hours", "min_offshore_nm": "offshore_nm", "min_distance_nm": "distance_nm"},
    "loitering": {"min_hours": "hours", "min_offshore_nm": "offshore_nm"},
    "encounter": {"min_hours": "hours", "max_distance_m": "min_distance_m"},
    "close_rendezvous": {"min_hours": "hours", "max_distance_m": "min_distance_m"},
    "impossible_jump": {"min_speed_kn": "implied_kn", "min_distance_nm": "distance_nm"},
    "identity_conflict": {"min_speed_kn": "implied_kn", "min_distance_nm": "distance_nm"},
    "area_entry": {"min_hours": "dwell_hours"},
    "area_dwell": {"min_hours": "dwell_hours"},
    "speed_band": {"min_speed_kn": "max_sog", "min_minutes": "minutes"},
    "port_visit": {"min_hours": "hours"},
}
_TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")


# ----- what a watch officer types -------------------------------------------------------------------------------------


class EventCondition(BaseModel):
    """One event type a rule fires on, with the thresholds its details must meet (none: any event of the type)."""

    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(description=f"One of: {', '.join(EVENT_THRESHOLDS)}")
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="e.g. {'min_hours': 12}; the names each event type takes are documented"
    )

    @field_validator("event_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EVENT_THRESHOLDS:
            raise ValueError(f"{value!r} is not a detected event type ({', '.join(EVENT_THRESHOLDS)})")
        return value

    @model_validator(mode="after")
    def _known_thresholds(self) -> EventCondition:
        allowed = EVENT_THRESHOLDS[self.event_type]
        for name, value in self.thresholds.items():
            if name not in allowed:
                raise ValueError(f"{self.event_type} takes the thresholds {', '.join(sorted(allowed))}, not {name!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name}: {value} is not a number of 0 or more")
        return self


class WatchRuleInput(BaseModel):
    """A watch rule as a watch officer gives it; areas and the assignee are checked against the node as it is saved."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    active: bool = True
    vessel_mmsis: list[int] = Field(default_factory=list, max_length=1000, description="9-digit MMSIs")
    vessel_imos: list[int] = Field(default_factory=list, max_length=1000, description="7-digit IMO numbers")
    vessel_name_pattern: str = Field(
        default="", max_length=100, description="a case-insensitive glob on the names the vessel broadcast: 'OCEAN*'"
    )
    vessel_flags: list[str] = Field(
        default_factory=list, max_length=300, description="flags as ISO 3166-1 codes (MY or MYS), from the MMSI's MID"
    )
    areas: list[str] = Field(default_factory=list, max_length=50, description="names of areas of interest")
    event_rules: list[EventCondition] = Field(default_factory=list, max_length=30)
    watch_seen: bool = Field(default=False, description="any position of a watched vessel raises an alert")
    assignee: str = Field(default="", max_length=64, description="a person of this node told of each alert too")
    share_with: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="partner nations (ISO 3166-1 alpha-3) each alert is released to as it is raised: a standing "
        "release, saved by a release officer",
    )

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a rule needs a name")
        return value.strip()

    @field_validator("vessel_mmsis")
    @classmethod
    def _mmsis(cls, values: list[int]) -> list[int]:
        for value in values:
            if not 0 < value <= 999_999_999:
                raise ValueError(f"{value} is not an MMSI (a number of up to nine digits)")
        return sorted(set(values))

    @field_validator("vessel_imos")
    @classmethod
    def _imos(cls, values: list[int]) -> list[int]:
        for value in values:
            if not 1_000_000 <= value <= 9_999_999:
                raise ValueError(f"{value} is not an IMO number (seven digits)")
        return sorted(set(values))

    @field_validator("vessel_name_pattern", "description", "assignee")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @field_validator("vessel_flags")
    @classmethod
    def _flags(cls, values: list[str]) -> list[str]:
        codes = []
        for value in values:
            code = flag_code(value)
            if code is None:
                raise ValueError(f"{value!r} is not a flag an MMSI can carry (an ISO 3166-1 code such as MY or MYS)")
            codes.append(code)
        return sorted(set(codes))

    @field_validator("share_with")
    @classmethod
    def _nations(cls, values: list[str]) -> list[str]:
        codes = [v.strip().upper() for v in values if v.strip()]
        for code in codes:
            if len(code) != 3 or not code.isalpha():
                raise ValueError(f"{code!r} is not a nation's code (three letters, such as MYS)")
        return sorted(set(codes))

    @field_validator("areas")
    @classmethod
    def _areas(cls, values: list[str]) -> list[str]:
        names = [v.strip() for v in values if v.strip()]
        return sorted(set(names))

    @model_validator(mode="after")
    def _narrows(self) -> WatchRuleInput:
        if self.watch_seen and not self.has_vessels:
            raise ValueError("watch_seen: watching for any position needs vessels to watch (MMSI, IMO, name or flag)")
        if not (self.has_vessels or self.areas or self.event_rules or self.watch_seen):
            raise ValueError("name vessels, areas or event types: a rule with none would match every event")
        types = [c.event_type for c in self.event_rules]
        repeated = sorted({t for t in types if types.count(t) > 1})
        if repeated:
            raise ValueError(f"event_rules: {', '.join(repeated)} given more than once")
        return self

    @property
    def has_vessels(self) -> bool:
        return bool(self.vessel_mmsis or self.vessel_imos or self.vessel_name_pattern or self.vessel_flags)


def input_problems(error: ValidationError) -> dict[str, str]:
    """Each wrong field of a rule (the first thing wrong with it), for a form to say beside the field."""
    found: dict[str, str] = {}
    for item in error.errors():
        where = item.get("loc") or ()
        name = str(where[0]) if where else "form"
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        found.setdefault(name, message)
    return found


def rule_input(**values: Any) -> WatchRuleInput:
    """A :class:`WatchRuleInput` from keyword values; a wrong value is :class:`InvalidInput` naming the field."""
    try:
        return WatchRuleInput(**values)
    except ValidationError as exc:
        raise InvalidInput("; ".join(f"{k}: {v}" for k, v in input_problems(exc).items())) from None


# ----- watch rules ----------------------------------------------------------------------------------------------------


def area_names(session: Session, node: Node, actor: Actor) -> list[str]:
    """The names of the areas of interest a rule may name, sorted."""
    return sorted(areas_in(session, node, actor))


def assignable_people(session: Session, node: Node) -> list[str]:
    """Usernames of the node's active people who may work an alert (analysts, release officers, admins)."""
    users = session.scalars(
        select(User).where(User.active.is_(True), User.nation == node.nation).order_by(User.username)
    )
    return [u.username for u in users if may(u.actor(), Action.UPDATE, nation=node.nation)]


def node_problems(session: Session, node: Node, actor: Actor, data: WatchRuleInput) -> dict[str, str]:
    """What is wrong with a rule given this node: areas it does not know, an assignee who is not one of its people."""
    found: dict[str, str] = {}
    known = set(area_names(session, node, actor))
    unknown = [name for name in data.areas if name not in known]
    if unknown:
        found["areas"] = (
            f"{', '.join(unknown)}: no such area of interest (upload it on /maritime/areas first, or pick one of "
            f"{', '.join(sorted(known))})"
        )
    if data.assignee and data.assignee not in assignable_people(session, node):
        found["assignee"] = f"{data.assignee!r} is not a person of this node who may work alerts"
    strangers = [n for n in data.share_with if n not in node.partners]
    if strangers:
        found["share_with"] = f"{', '.join(strangers)}: not a partner of this node ({', '.join(node.partners)})"
    return found


def _checked(session: Session, node: Node, actor: Actor, data: WatchRuleInput) -> None:
    problems = node_problems(session, node, actor, data)
    if problems:
        raise InvalidInput("; ".join(f"{k}: {v}" for k, v in problems.items()))
    refused = share_refusals(node, actor, data.share_with)
    if refused:
        raise Forbidden(
            "share_with: a rule whose alerts are released as they are raised is a standing release, saved by a "
            "release officer: " + "; ".join(f"{nation}: {why.reason}" for nation, why in refused.items())
        )


def share_refusals(
    node: Node, approver: Actor, nations: Iterable[str], *, tlp: str | None = None, red: Sequence[str] = ()
) -> dict[str, Decision]:
    """The policy's refusals to let ``approver`` release an alert of this node (marked ``tlp``, the node's default
    unless given, originated by the approver's agency) to each of ``nations`` it refuses, by nation (a page words
    each in the person's language)."""
    marking = to_policy_handling(
        _handling(node, approver, tlp=tlp, red=red), held_by=node.nation, revoked=False, withdrawn=False
    )
    refused: dict[str, Decision] = {}
    for nation in nations:
        decision = decide(approver, marking, Release(to=nation))
        if not decision.allowed:
            refused[nation] = decision
    return refused


def _rule_body(data: WatchRuleInput, *, owner: str, shared_by: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": RULE_TYPE, "name": data.name, "active": data.active, "owner": owner}
    optional: dict[str, Any] = {
        "description": data.description,
        "assignee": data.assignee,
        "vessel_mmsis": data.vessel_mmsis,
        "vessel_imos": data.vessel_imos,
        "vessel_name_pattern": data.vessel_name_pattern,
        "vessel_flags": data.vessel_flags,
        "areas": data.areas,
        "event_rules": [
            {"event_type": c.event_type, **({"thresholds": dict(c.thresholds)} if c.thresholds else {})}
            for c in data.event_rules
        ],
    }
    body.update({k: v for k, v in optional.items() if v})
    if data.watch_seen:
        body["watch_seen"] = True
    if data.share_with:
        body["share_with"] = list(data.share_with)
        body["shared_by"] = shared_by  # whose standing release it is: the release officer who saved it
    return body


def rule_as_input(obj: Mapping[str, Any]) -> WatchRuleInput:
    """A stored rule as the input that would write it again (to edit it, or patch a field)."""
    return WatchRuleInput.model_validate(rule_fields(obj))


def rule_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A stored rule's fields as :class:`WatchRuleInput` takes them."""
    names = set(WatchRuleInput.model_fields)
    values = {k: v for k, v in obj.items() if k in names}
    values.setdefault("watch_seen", False)
    return values


def _handling(node: Node, actor: Actor, *, tlp: str | None = None, red: Sequence[str] = ()) -> HandlingInput:
    if actor.agency is None:
        raise Forbidden("a rule or an alert is originated by a person's agency; this account has none")
    return HandlingInput(
        tlp=tlp or node.settings.default_tlp.lower(),
        originator_nation=node.nation,
        originator_agency=actor.agency,
        red_recipients=tuple(sorted(set(red))),
    )


def create_rule(session: Session, node: Node, *, data: WatchRuleInput, actor: Actor) -> StixObject:
    """A new watch rule, owned by ``actor`` (who needs to create objects: an analyst, a release officer, an admin).

    It is marked with the node's default TLP and releasable to no partner: a rule is this node's watch.
    """
    permit(actor, Action.CREATE, nation=node.nation)
    _checked(session, node, actor, data)
    who = actor.username or actor_label(actor)
    body = _rule_body(data, owner=who, shared_by=who)
    return node.store.create(session, obj=body, handling=_handling(node, actor), actor=actor)


def get_rule(session: Session, node: Node, *, rule_id: str, actor: Actor) -> StixObject:
    """One rule ``actor`` may see; NotFound for anything else."""
    row = node.store.get(session, object_id=rule_id, actor=actor)
    if row.type != RULE_TYPE:
        raise NotFound(f"{rule_id} is not a watch rule")
    return row


def update_rule(session: Session, node: Node, *, rule_id: str, data: WatchRuleInput, actor: Actor) -> StixObject:
    """A new version of this node's rule with ``data`` (the owner stays who created it)."""
    row = get_rule(session, node, rule_id=rule_id, actor=actor)
    _own(node, row, "watch rule")
    _checked(session, node, actor, data)
    old = row.as_stix()
    body = _rule_body(data, owner=str(old.get("owner")), shared_by=actor.username or actor_label(actor))
    changes: dict[str, Any] = {k: body.get(k) for k in {*body, *_RULE_FIELDS} if k != "type"}
    changes = {k: v for k, v in changes.items() if old.get(k) != v}
    if not changes:
        return row
    return node.store.new_version(session, object_id=rule_id, changes=changes, actor=actor)


_RULE_FIELDS = (
    "description",
    "assignee",
    "vessel_mmsis",
    "vessel_imos",
    "vessel_name_pattern",
    "vessel_flags",
    "areas",
    "event_rules",
    "watch_seen",
    "share_with",
    "shared_by",
)


def patch_rule(session: Session, node: Node, *, rule_id: str, changes: Mapping[str, Any], actor: Actor) -> StixObject:
    """Change some fields of a rule (the others kept); every field is checked as on creation."""
    row = get_rule(session, node, rule_id=rule_id, actor=actor)
    merged = rule_fields(row.as_stix()) | dict(changes)
    return update_rule(session, node, rule_id=rule_id, data=rule_input(**merged), actor=actor)


def set_rule_active(session: Session, node: Node, *, rule_id: str, active: bool, actor: Actor) -> StixObject:
    """Disable a rule (it raises nothing more; its alerts stay) or enable it again."""
    row = get_rule(session, node, rule_id=rule_id, actor=actor)
    _own(node, row, "watch rule")
    if row.as_stix().get("active") is active:
        return row
    return node.store.new_version(session, object_id=rule_id, changes={"active": active}, actor=actor)


def list_rules(session: Session, node: Node, *, actor: Actor) -> list[StixObject]:
    """Every watch rule ``actor`` may see (latest versions), active first, then by name."""
    rows = list(node.store.iter_visible(session, actor=actor, types=[RULE_TYPE]))
    return sorted(rows, key=lambda r: (r.as_stix().get("active") is not True, str(r.as_stix().get("name", ""))))


def _own(node: Node, row: StixObject, what: str) -> None:
    if row.originator_nation != node.nation:
        raise Forbidden(f"{row.id} is {row.originator_nation}'s {what}: it is read-only here, worked by its node")


# ----- matching -------------------------------------------------------------------------------------------------------


@dataclass
class RuleMatcher:
    """One rule, ready to match: its vessel filter, its areas' shapes and its event conditions."""

    row: StixObject
    obj: dict[str, Any]
    areas: dict[str, BaseGeometry]
    missing_areas: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, row: StixObject, known: Mapping[str, BaseGeometry]) -> RuleMatcher:
        obj = row.as_stix()
        names = [str(n) for n in obj.get("areas") or ()]
        return cls(
            row,
            obj,
            {n: known[n] for n in names if n in known},
            [n for n in names if n not in known],
        )

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def mmsis(self) -> frozenset[int]:
        return frozenset(int(m) for m in self.obj.get("vessel_mmsis") or ())

    @property
    def needs_identity(self) -> bool:
        return bool(self.obj.get("vessel_imos") or self.obj.get("vessel_name_pattern"))

    @property
    def has_vessels(self) -> bool:
        keys = ("vessel_mmsis", "vessel_imos", "vessel_name_pattern", "vessel_flags")
        return any(self.obj.get(k) for k in keys)

    def vessel_matches(self, mmsi: int, identity: VesselIdentity | None) -> bool:
        """Any of the rule's vessel filters holds (no filter: every vessel)."""
        if not self.has_vessels:
            return True
        if mmsi in self.mmsis:
            return True
        flags = self.obj.get("vessel_flags") or ()
        if flags and flag_of(mmsi) in flags:
            return True
        if identity is None:
            return False
        imos = {int(i) for i in self.obj.get("vessel_imos") or ()}
        if imos & identity.imos:
            return True
        pattern = str(self.obj.get("vessel_name_pattern") or "").casefold()
        return bool(pattern) and any(fnmatch.fnmatchcase(name.casefold(), pattern) for name in identity.names)

    def place_matches(self, lat: Any, lon: Any) -> bool:
        """Inside one of the rule's areas (no areas: anywhere); a rule whose every area is gone matches nowhere."""
        if not self.obj.get("areas"):
            return True
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            return False
        point = Point(lon, lat)
        return any(shape.covers(point) for shape in self.areas.values())

    def event_matches(self, event: Mapping[str, Any]) -> bool:
        """The event's type is one the rule names and its details meet the thresholds (no types named: any event,
        unless the rule only watches for positions)."""
        conditions = self.obj.get("event_rules") or ()
        if not conditions:
            return self.obj.get("watch_seen") is not True
        for condition in conditions:
            if condition.get("event_type") == event.get("event_type"):
                return meets_thresholds(event, condition.get("thresholds") or {})
        return False


def meets_thresholds(event: Mapping[str, Any], thresholds: Mapping[str, Any]) -> bool:
    """Every threshold holds for the event's details; a detail the event lacks meets no threshold."""
    keys = EVENT_THRESHOLDS.get(str(event.get("event_type")), {})
    details = event.get("details") if isinstance(event.get("details"), Mapping) else {}
    assert isinstance(details, Mapping)
    for name, limit in thresholds.items():
        key = keys.get(name)
        value = details.get(key) if key else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if name.startswith("max_") and not value <= limit:
            return False
        if name.startswith("min_") and not value >= limit:
            return False
    return True


@dataclass(frozen=True)
class VesselIdentity:
    """What a vessel broadcast of itself (AIS static reports): every IMO number and name it carried."""

    imos: frozenset[int]
    names: frozenset[str]


def vessel_identities(store: PositionStore, mmsis: Iterable[int]) -> dict[int, VesselIdentity]:
    """Each MMSI's IMO numbers and names from the static reports held (those without any are left out)."""
    wanted = sorted(set(mmsis))
    if not wanted:
        return {}
    with store.reading(datasets=("static",)) as con:
        con.register("wanted", {"mmsi": np.asarray(wanted, dtype=np.int64)})
        rows = con.execute(
            """
            SELECT s.mmsi, list(DISTINCT nullif(s.imo, 0)), list(DISTINCT nullif(trim(s.name), ''))
            FROM all_static s SEMI JOIN wanted w ON w.mmsi = s.mmsi GROUP BY s.mmsi
            """
        ).fetchall()
    return {
        int(mmsi): VesselIdentity(
            frozenset(int(i) for i in imos if i is not None), frozenset(str(n) for n in names if n is not None)
        )
        for mmsi, imos, names in rows
    }


def _active_rules(session: Session, node: Node, actor: Actor) -> list[RuleMatcher]:
    """This node's active rules ``actor`` may see (a partner's rule, if one was released here, is its node's)."""
    rows = [
        row
        for row in node.store.iter_visible(session, actor=actor, types=[RULE_TYPE])
        if row.originator_nation == node.nation and row.as_stix().get("active") is True
    ]
    if not rows:
        return []
    known = areas_in(session, node, actor)
    return [RuleMatcher.of(row, known) for row in rows]


def watches_positions(session: Session, node: Node, *, actor: Actor) -> bool:
    """Whether an active rule of this node watches its vessels' positions (``watch_seen``): a read, so that the
    live feed takes the write lock for a batch's positions only when a rule may raise an alert from them."""
    for row in node.store.iter_visible(session, actor=actor, types=[RULE_TYPE]):
        obj = row.as_stix()
        if row.originator_nation == node.nation and obj.get("active") is True and obj.get("watch_seen") is True:
            return True
    return False


# ----- evidence -------------------------------------------------------------------------------------------------------


def _stamp(value: datetime) -> str:
    moment = value.astimezone(UTC) if value.tzinfo else value
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{moment.microsecond:06d}Z" if moment.microsecond else f"{text}Z"


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def evidence_of(
    store: PositionStore,
    *,
    mmsi: int,
    start: datetime,
    end: datetime | None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, Any]:
    """The vessel's positions from :data:`EVIDENCE_HOURS` before ``start`` to as long after ``end`` (or ``start``):
    at most :data:`EVIDENCE_CAP`, the nearest in time to ``start`` when there are more, in time order; with the
    cap and how many there are in all, so a cut is said, never silent. ``con``: the store opened already (one
    evaluation's alerts read it once)."""
    if con is None:
        with store.reading(datasets=("positions",)) as opened:
            return evidence_of(store, mmsi=mmsi, start=start, end=end, con=opened)
    low = _naive(start) - timedelta(hours=EVIDENCE_HOURS)
    high = _naive(end or start) + timedelta(hours=EVIDENCE_HOURS)
    window = [mmsi, low, high]
    where = "mmsi = $1 AND ts BETWEEN $2 AND $3"
    total_row = con.execute(f"SELECT count(*) FROM positions WHERE {where}", window).fetchone()  # noqa: S608 - fixed
    rows = con.execute(
        f"""
        SELECT ts, lat, lon, sog FROM (
            SELECT ts, lat, lon, sog FROM positions WHERE {where}
            ORDER BY abs(epoch(ts) - epoch($4::TIMESTAMP)), ts LIMIT $5
        ) ORDER BY ts
        """,  # noqa: S608 - a fixed condition, values bound
        [*window, _naive(start), EVIDENCE_CAP],
    ).fetchall()
    positions = []
    for ts_value, lat, lon, sog in rows:
        if lat is None or lon is None:
            continue
        fix: dict[str, Any] = {"ts": _stamp(ts_value), "lat": float(lat), "lon": float(lon)}
        if sog is not None and math.isfinite(sog):
            fix["sog"] = float(sog)
        positions.append(fix)
    evidence: dict[str, Any] = {
        "cap": EVIDENCE_CAP,
        "total": int(total_row[0]) if total_row else 0,
        "window_start": _stamp(low),
        "window_end": _stamp(high),
    }
    if positions:
        evidence["positions"] = positions
    return evidence


class _Evidence:
    """The positions store, opened for an evaluation's first alert and kept open for the rest of its alerts."""

    def __init__(self, store: PositionStore) -> None:
        self.store = store
        self._stack = ExitStack()
        self._con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> _Evidence:
        return self

    def __exit__(self, *_: object) -> None:
        self._stack.close()

    def of(self, *, mmsi: int, start: datetime, end: datetime | None) -> dict[str, Any]:
        if self._con is None:
            self._con = self._stack.enter_context(self.store.reading(datasets=("positions",)))
        return evidence_of(self.store, mmsi=mmsi, start=start, end=end, con=self._con)


# ----- raising alerts -------------------------------------------------------------------------------------------------


def alert_id(node: Node, rule_id: str, key: str) -> str:
    """Deterministic: the same rule and event (or first sighting) give the same alert on every evaluation."""
    return node.seed_id(ALERT_TYPE, f"{rule_id}:{key}")


def _held(session: Session, node: Node, object_id: str) -> StixObject | None:
    try:
        return node.store.latest_row(session, object_id)
    except NotFound:
        return None


def _standing_share(
    session: Session, node: Node, rule: RuleMatcher, *, tlp: str, red: Sequence[str]
) -> tuple[Actor | None, list[str], dict[str, str]]:
    """The rule's standing release for one alert: the release officer who saved it (None if the rule shares
    nothing or they are not an active person here), the nations the policy lets them release the alert to now (they
    may have lost the role, or the alert be TLP:RED), and why not to the others."""
    nations = [str(n) for n in rule.obj.get("share_with") or ()]
    if not nations:
        return None, [], {}
    name = str(rule.obj.get("shared_by") or "")
    user = session.scalar(select(User).where(User.username == name, User.nation == node.nation)) if name else None
    if user is None or not user.active:
        gone = f"{name or 'nobody'} who saved the rule's sharing is not an active person of this node"
        return None, [], dict.fromkeys(nations, gone)
    approver = user.actor()
    refused = share_refusals(node, approver, nations, tlp=tlp, red=red)
    return approver, [n for n in nations if n not in refused], {n: why.reason for n, why in refused.items()}


def _strictest(node: Node, rows: Iterable[StixObject | None]) -> tuple[str, list[str]]:
    """The strictest TLP of the node's default and ``rows`` (the rule, the event), with the RED recipients."""
    levels = [node.settings.default_tlp.lower()]
    red: list[str] = []
    for row in rows:
        if row is None:
            continue
        marking = row.marking()
        levels.append(marking.tlp)
        if marking.tlp == "red":
            red.extend(marking.red_recipients)
    known = [t for t in levels if t in TLP_LEVELS and t in _TLP_ORDER]
    return max(known, key=_TLP_ORDER.index), red


def _words(event_type: str) -> str:
    return "vessel seen" if event_type == SEEN else event_type.replace("_", " ")


def _raise(
    session: Session,
    node: Node,
    actor: Actor,
    *,
    rule: RuleMatcher,
    object_id: str,
    event_row: StixObject | None,
    mmsi: int,
    event_type: str,
    lat: Any,
    lon: Any,
    start: datetime,
    end: datetime | None,
    evidence: _Evidence,
    note: str,
) -> str:
    stamp = _stamp(start)
    owner = str(rule.obj.get("owner") or "")
    assignee = str(rule.obj.get("assignee") or "")
    title = f"{rule.obj.get('name')}: {_words(event_type)}, MMSI {mmsi:09d}, {stamp}"
    body: dict[str, Any] = {
        "type": ALERT_TYPE,
        "id": object_id,
        "name": title[:300],
        "rule_ref": rule.id,
        "rule_name": str(rule.obj.get("name"))[:200],
        "event_type": event_type,
        "mmsi": mmsi,
        "start": stamp,
        "status": "open",
        "evidence": evidence.of(mmsi=mmsi, start=start, end=end),
        "history": [{"at": format_timestamp(now_utc()), "by": actor_label(actor), "action": "raised", "note": note}],
    }
    if event_row is not None:
        body["event_ref"] = event_row.id
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        body["lat"], body["lon"] = float(lat), float(lon)
    if owner:
        body["owner"] = owner
    if assignee:
        body["assignee"] = assignee
    tlp, red = _strictest(node, (rule.row, event_row))
    handling = _handling(node, actor, tlp=tlp, red=red)
    by, shared, unshared = _standing_share(session, node, rule, tlp=tlp, red=red)
    if unshared:
        body["history"][0]["note"] += "; not shared: " + "; ".join(f"{n}: {why}" for n, why in unshared.items())
    if by is not None and shared:
        actor = node.operator(username=actor.username or actor_label(actor), agency=by.agency)  # the officer's agency
        handling = replace(_handling(node, actor, tlp=tlp, red=red), releasable_to=tuple(shared))
        rule_said = f"watch rule {rule.id}: its alerts released as raised, as {by.username} saved it"
        node.store.create(session, obj=body, handling=handling, actor=actor, release_rule=rule_said)
    else:
        node.store.create(session, obj=body, handling=handling, actor=actor)
    post(
        session,
        kind="alert",
        recipients=[name for name in (owner, assignee) if name],
        object_id=object_id,
        subject=title,
        link=f"/maritime/alerts/{object_id}",
        detail={"rule": str(rule.obj.get("name")), "mmsi": f"{mmsi:09d}", "event_type": _words(event_type)},
        key=f"alert:{object_id}",
    )
    return object_id


def evaluate_events(session: Session, node: Node, *, events: Sequence[Mapping[str, Any]], actor: Actor) -> list[str]:
    """Match stored ``x-mitra-maritime-event`` bodies just created or updated against this node's active rules
    ``actor`` may see; raise an alert for each new hit (its id from the rule and the event: evaluating twice never
    doubles). An event now withdrawn closes the open alerts it raised, with a note saying so. The ids raised."""
    events = [e for e in events if e.get("type", EVENT_TYPE) == EVENT_TYPE and isinstance(e.get("id"), str)]
    if not events:
        return []
    withdrawn = [e for e in events if e.get("status") == "withdrawn"]
    if withdrawn:
        _close_withdrawn(session, node, actor, withdrawn)
    rules = _active_rules(session, node, actor)
    if not rules:
        return []
    store = PositionStore.for_settings(node.settings)
    live_events = [e for e in events if e.get("status") != "withdrawn"]
    identities: dict[int, VesselIdentity] = {}
    if any(r.needs_identity for r in rules):
        identities = vessel_identities(store, (int(e["mmsi"]) for e in live_events if isinstance(e.get("mmsi"), int)))
    raised: list[str] = []
    with _Evidence(store) as evidence:
        for event in live_events:
            mmsi = event.get("mmsi")
            start = timestamp_or_none(event.get("start"), where="event start")
            if not isinstance(mmsi, int) or start is None:
                continue
            end = timestamp_or_none(event.get("end"), where="event end")
            event_row: StixObject | None = None
            for rule in rules:
                if not (
                    rule.event_matches(event)
                    and rule.vessel_matches(mmsi, identities.get(mmsi))
                    and rule.place_matches(event.get("lat"), event.get("lon"))
                ):
                    continue
                object_id = alert_id(node, rule.id, str(event["id"]))
                if _held(session, node, object_id) is not None:
                    continue
                event_row = event_row or _held(session, node, str(event["id"]))
                if event_row is None:
                    continue  # not stored (an evaluation is of stored events only)
                raised.append(
                    _raise(
                        session,
                        node,
                        actor,
                        rule=rule,
                        object_id=object_id,
                        event_row=event_row,
                        mmsi=mmsi,
                        event_type=str(event.get("event_type")),
                        lat=event.get("lat"),
                        lon=event.get("lon"),
                        start=start,
                        end=end,
                        evidence=evidence,
                        note=f"raised by the rule on the event {event.get('name') or event['id']}",
                    )
                )
    return raised


def _close_withdrawn(session: Session, node: Node, actor: Actor, events: Sequence[Mapping[str, Any]]) -> None:
    """Close each open alert raised by one of these (now withdrawn) events, whatever its rule's state now."""
    rules = [
        row.id
        for row in node.store.iter_visible(session, actor=actor, types=[RULE_TYPE])
        if row.originator_nation == node.nation
    ]
    for event in events:
        for rule_id in rules:
            row = _held(session, node, alert_id(node, rule_id, str(event["id"])))
            if row is None or row.as_stix().get("status") == "closed" or row.originator_nation != node.nation:
                continue
            _work(
                session,
                node,
                row,
                actor,
                action="closed",
                note=f"closed: the event {event['id']} was withdrawn (later data disproved it)",
                status="closed",
            )


def evaluate_positions(session: Session, node: Node, *, rows: pa.Table, actor: Actor) -> list[str]:
    """ "Watched vessel seen": newly stored positions (a table with mmsi, ts, lat, lon, sog at least) of a vessel a
    ``watch_seen`` rule watches (inside one of its areas, if it names any) raise an alert, at most one open alert
    per vessel per rule; it starts at the vessel's first such position in ``rows``. The ids raised."""
    rules = [r for r in _active_rules(session, node, actor) if r.obj.get("watch_seen") is True]
    if not rules or rows.num_rows == 0:
        return []
    import pyarrow.compute as pc

    store = PositionStore.for_settings(node.settings)
    mmsis = [int(m) for m in pc.unique(rows["mmsi"]).to_pylist() if m is not None]
    identities = vessel_identities(store, mmsis) if any(r.needs_identity for r in rules) else {}
    watched = {rule.id: {m for m in mmsis if rule.vessel_matches(m, identities.get(m))} for rule in rules}
    wanted = sorted(set().union(*watched.values()))
    if not wanted:
        return []
    fixes = rows.filter(pc.is_in(rows["mmsi"], value_set=_int_array(wanted))).select(["mmsi", "ts", "lat", "lon"])
    first: dict[tuple[str, int], tuple[datetime, float, float]] = {}
    for fix in sorted((f for f in fixes.to_pylist() if f["ts"] is not None), key=lambda f: (f["ts"], f["mmsi"])):
        for rule in rules:
            mmsi = int(fix["mmsi"])
            if mmsi in watched[rule.id] and (rule.id, mmsi) not in first and rule.place_matches(fix["lat"], fix["lon"]):
                first[(rule.id, mmsi)] = (fix["ts"], fix["lat"], fix["lon"])
    if not first:
        return []
    open_ones = _open_seen(session, node, actor)
    by_id = {rule.id: rule for rule in rules}
    raised: list[str] = []
    with _Evidence(store) as evidence:
        for (rule_id, mmsi), (when, lat, lon) in sorted(first.items(), key=lambda item: (item[1][0], item[0])):
            if (rule_id, mmsi) in open_ones:
                continue
            start = when if when.tzinfo else when.replace(tzinfo=UTC)
            object_id = alert_id(node, rule_id, f"seen:{mmsi}:{_stamp(start)}")
            if _held(session, node, object_id) is not None:
                continue
            raised.append(
                _raise(
                    session,
                    node,
                    actor,
                    rule=by_id[rule_id],
                    object_id=object_id,
                    event_row=None,
                    mmsi=mmsi,
                    event_type=SEEN,
                    lat=lat,
                    lon=lon,
                    start=start,
                    end=None,
                    evidence=evidence,
                    note=f"watched vessel {mmsi:09d} seen at {_stamp(start)}",
                )
            )
            open_ones.add((rule_id, mmsi))
    return raised


def _int_array(values: list[int]) -> Any:
    import pyarrow as pa

    return pa.array(values, type=pa.int64())


def _open_seen(session: Session, node: Node, actor: Actor) -> set[tuple[str, int]]:
    """(rule, vessel) of this node's "seen" alerts not closed yet."""
    held: set[tuple[str, int]] = set()
    for row in node.store.iter_visible(session, actor=actor, types=[ALERT_TYPE]):
        obj = row.as_stix()
        if (
            row.originator_nation == node.nation
            and obj.get("event_type") == SEEN
            and "event_ref" not in obj
            and obj.get("status") != "closed"
        ):
            held.add((str(obj.get("rule_ref")), int(obj.get("mmsi", -1))))
    return held


def raise_alerts(node: Node, actor: Actor, *, events: Sequence[Mapping[str, Any]]) -> list[str]:
    """:func:`evaluate_events` in a transaction of its own, after events were recorded (``mitra ais detect``, the
    live feed): the ids of the alerts raised."""
    if not events:
        return []
    with node.db.write() as session:
        return evaluate_events(session, node, events=events, actor=actor)


# ----- working alerts -------------------------------------------------------------------------------------------------


def get_alert(session: Session, node: Node, *, alert_id: str, actor: Actor) -> StixObject:
    """One alert ``actor`` may see (this node's or a partner's); NotFound for anything else."""
    row = node.store.get(session, object_id=alert_id, actor=actor)
    if row.type != ALERT_TYPE:
        raise NotFound(f"{alert_id} is not a maritime alert")
    return row


def _work(
    session: Session,
    node: Node,
    row: StixObject,
    actor: Actor,
    *,
    action: str,
    note: str,
    status: str | None = None,
    assignee: str | None = None,
) -> StixObject:
    obj = row.as_stix()
    entry: dict[str, Any] = {"at": format_timestamp(now_utc()), "by": actor_label(actor), "action": action}
    if note:
        entry["note"] = note
    if assignee:
        entry["assignee"] = assignee
    changes: dict[str, Any] = {"history": [*(obj.get("history") or []), entry]}
    if status is not None:
        changes["status"] = status
    if assignee:
        changes["assignee"] = assignee
    return node.store.new_version(session, object_id=row.id, changes=changes, actor=actor)


def _workable(session: Session, node: Node, alert_id: str, actor: Actor, note: str) -> StixObject:
    permit(actor, Action.UPDATE, nation=node.nation)
    if len(note) > 2000:
        raise InvalidInput(f"note: {len(note)} characters; 2000 at most")
    row = get_alert(session, node, alert_id=alert_id, actor=actor)
    if row.originator_nation != node.nation:
        raise Forbidden(
            f"{alert_id} is {row.originator_nation}'s alert: it is read-only here (its node acknowledges, assigns "
            "and closes it)"
        )
    return row


def acknowledge(session: Session, node: Node, *, alert_id: str, note: str, actor: Actor) -> StixObject:
    """An open alert is seen to: acknowledged, with a note (who and when are kept in its history)."""
    row = _workable(session, node, alert_id, actor, note)
    status = row.as_stix().get("status")
    if status != "open":
        raise InvalidInput(f"status: {alert_id} is {status}; only an open alert is acknowledged")
    return _work(session, node, row, actor, action="acknowledged", note=note.strip(), status="acknowledged")


def assign(session: Session, node: Node, *, alert_id: str, note: str, actor: Actor, assignee: str) -> StixObject:
    """Give an alert that is not closed to a person of this node who may work it; they are told by a notice."""
    row = _workable(session, node, alert_id, actor, note)
    obj = row.as_stix()
    if obj.get("status") == "closed":
        raise InvalidInput(f"status: {alert_id} is closed; a closed alert is not assigned")
    assignee = assignee.strip()
    if assignee not in assignable_people(session, node):
        raise InvalidInput(f"assignee: {assignee!r} is not a person of this node who may work alerts")
    worked = _work(session, node, row, actor, action="assigned", note=note.strip(), assignee=assignee)
    post(
        session,
        kind="alert",
        recipients=[assignee],
        object_id=alert_id,
        subject=f"Assigned to you: {obj.get('name')}",
        link=f"/maritime/alerts/{alert_id}",
        detail={"rule": str(obj.get("rule_name", "")), "mmsi": f"{int(obj.get('mmsi', 0)):09d}"},
        key=f"alert:{alert_id}:assigned:{assignee}:{format_timestamp(worked.modified)}",
    )
    return worked


def close(session: Session, node: Node, *, alert_id: str, note: str, actor: Actor) -> StixObject:
    """Close an open or acknowledged alert; the note (what was found, what was done) is required."""
    row = _workable(session, node, alert_id, actor, note)
    if row.as_stix().get("status") == "closed":
        raise InvalidInput(f"status: {alert_id} is closed already")
    if not note.strip():
        raise InvalidInput("note: say why the alert is closed (what was found, what was done)")
    return _work(session, node, row, actor, action="closed", note=note.strip(), status="closed")


# ----- reading alerts -------------------------------------------------------------------------------------------------


AlertListing = NumberedPage[StixObject]  # one numbered page of alerts


def list_alerts(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    status: str | None = None,
    mine: bool = False,
    rule_id: str | None = None,
    mmsi: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AlertListing:
    """The alerts ``actor`` may see (this node's and a partner's), newest hit first, filtered; page ``page``
    (1-based; past the end: the last). ``mine``: those the person owns (through the rule) or is assigned."""
    if page < 1 or per_page < 1:
        raise InvalidInput(f"page: {page} is not a page number (1 or more)")
    if status is not None and status not in ALERT_STATUSES:
        raise InvalidInput(f"status: {status!r} is not one of {', '.join(ALERT_STATUSES)}")
    matched: list[StixObject] = []
    for row in node.store.iter_visible(session, actor=actor, types=[ALERT_TYPE]):
        obj = row.as_stix()
        if status is not None and obj.get("status") != status:
            continue
        if mine and actor.username not in (obj.get("owner"), obj.get("assignee")):
            continue
        if rule_id is not None and obj.get("rule_ref") != rule_id:
            continue
        if mmsi is not None and obj.get("mmsi") != mmsi:
            continue
        matched.append(row)
    matched.sort(key=lambda r: (str(r.as_stix().get("start", "")), r.id), reverse=True)
    shown, page = page_slice(matched, page=page, per_page=per_page)
    return AlertListing(shown, len(matched), page, per_page)


MAX_ALERTS_ON_MAP = 1000  # alerts the picture draws at most (newest hit first); the total is given beside


def picture_alerts(
    session: Session,
    node: Node,
    *,
    actor: Actor,
    since: datetime | None,
    until: datetime | None,
    box: Box | None,
) -> tuple[list[dict[str, Any]], int]:
    """The alerts not closed that ``actor`` may see, hit in the window (and box), as the map draws them, newest
    first (at most :data:`MAX_ALERTS_ON_MAP`), and how many there are: a reloaded map shows what the live one did."""
    drawn: list[dict[str, Any]] = []
    for row in node.store.iter_visible(session, actor=actor, types=[ALERT_TYPE]):
        obj = row.as_stix()
        if obj.get("status") == "closed" or not isinstance(obj.get("lat"), int | float):
            continue
        if not isinstance(obj.get("lon"), int | float) or not in_box(box, float(obj["lat"]), float(obj["lon"])):
            continue
        start = timestamp_or_none(obj.get("start"), where="alert")
        if start is None or (since is not None and start < since) or (until is not None and start > until):
            continue
        view = alert_draw(obj, row)
        if view is not None:
            drawn.append(
                {**view["alert"], "received": row.originator_nation != node.nation, "originator": row.originator_nation}
            )
    drawn.sort(key=lambda a: (str(a.get("start") or ""), a["id"]), reverse=True)
    return drawn[:MAX_ALERTS_ON_MAP], len(drawn)


def alert_draw(obj: dict[str, Any], row: StixObject) -> dict[str, Any] | None:
    """An alert as the live map draws it (``kind`` alert): where, what, its state and its page."""
    return {
        "kind": "alert",
        "alert": {
            "id": obj["id"],
            "title": obj.get("name"),
            "status": obj.get("status"),
            "mmsi": obj.get("mmsi"),
            "event_type": obj.get("event_type"),
            "start": obj.get("start"),
            "lat": obj.get("lat"),
            "lon": obj.get("lon"),
            "tlp": row.tlp,
            "url": f"/maritime/alerts/{obj['id']}",
        },
    }


live.draws(ALERT_TYPE, alert_draw)
