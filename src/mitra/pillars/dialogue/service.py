"""The Dialogue register: reading it through policy, deriving status, writing sessions, commitments, updates.

Takes the caller's session and never commits. Every read goes through ``node.store`` with the actor, so
what a person sees (and what counts into progress) is what policy lets them see.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from mitra.core.access import permit
from mitra.core.objects import SOURCE_PARTNER, StixObject
from mitra.core.schemas import HandlingIn, kept_home
from mitra.core.stix import HandlingInput
from mitra.exchange.partners import partner_actor
from mitra.foundation.errors import Forbidden, InvalidInput, NotFound
from mitra.foundation.timestamps import parse_date, parse_partial_date
from mitra.pillars.dialogue.compliance import DueItem, Lag, Score, as_percentage, measure_lag, score_year
from mitra.pillars.dialogue.intake import RegisterFacts
from mitra.pillars.dialogue.models import (
    MILESTONE_STATUSES,
    STANDING_AREAS,
    STATUS_WORDS,
    STRENGTHS,
    CommitmentView,
    Evidence,
    Indicator,
    Milestone,
    SessionView,
    UpdateView,
    check_area_key,
    session_line,
)
from mitra.pillars.dialogue.types import AREA, COMMITMENT, CONFLICT, EVENT, SERIES, SESSION, UPDATE
from mitra.policy import Action, Actor, Export, decide, named_in_lists

if TYPE_CHECKING:
    from mitra.node import Node

COMMITMENT_STATUSES = ("not started", "in progress", "overdue", "conflict", "met")


def _all_rows(node: Node, session: Session, actor: Actor, types: Sequence[str]) -> list[StixObject]:
    """Every latest version of ``types`` that ``actor`` may see; revoked (withdrawn) objects are not in the register."""
    return list(node.store.iter_visible(session, actor=actor, types=types))


def _areas(area_rows: Sequence[StixObject]) -> dict[str, str]:
    """The standing areas, then the user-added ones (a standing key is never renamed)."""
    areas = dict(STANDING_AREAS)
    for row in area_rows:
        obj = row.as_stix()
        areas.setdefault(str(obj["key"]), str(obj["name"]))
    return areas


# ----- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceView:
    """An evidence link as this viewer may see it: the linked object's label only when policy allows."""

    evidence: Evidence
    visible: bool
    label: str | None = None
    type: str | None = None
    tlp: str | None = None

    @property
    def counted(self) -> bool:
        return self.visible and self.evidence.counts_toward is not None


@dataclass(frozen=True)
class UpdateState:
    """An update with its evidence as this viewer sees it; ``not_shared_with``: partners it does not go to
    (the policy's ``Export`` denies it), so each side's record says where the two records differ."""

    update: UpdateView
    evidence: tuple[EvidenceView, ...]
    tlp: str = "green"
    not_shared_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class MilestoneState:
    key: str
    title: str
    due_date: str | None
    party: str
    stored_status: str
    by_nation: dict[str, tuple[str, str, str]]  # nation -> (status, update id, update date)
    status: str  # the agreed status, or "conflict"
    overdue: bool

    @property
    def conflict(self) -> bool:
        return self.status == "conflict"


@dataclass(frozen=True)
class IndicatorState:
    key: str
    name: str
    unit: str
    baseline: float
    targets: dict[int, float]
    actuals: dict[int, float]  # all sides together
    by_nation: dict[str, dict[int, float]]


@dataclass(frozen=True)
class CommitmentState:
    """A commitment with everything derived from its updates, for one viewer, as of ``today``."""

    commitment: CommitmentView
    area_name: str
    milestones: tuple[MilestoneState, ...]
    indicators: tuple[IndicatorState, ...]
    updates: tuple[UpdateState, ...]
    status: str
    lag: Lag
    not_shared_with: tuple[str, ...] = ()  # partners the commitment itself does not go to

    @property
    def conflicts(self) -> list[MilestoneState]:
        return [m for m in self.milestones if m.conflict]

    def update_not_shared(self, update_id: str) -> tuple[str, ...]:
        """The partners an update of this commitment (a milestone's report, say) does not go to."""
        return next((u.not_shared_with for u in self.updates if u.update.id == update_id), ())


@dataclass(frozen=True)
class NextSession:
    number: int
    due: date
    host_nation: str
    overdue: bool
    days_overdue: int


@dataclass(frozen=True)
class Register:
    """Everything of the Dialogue a viewer may see."""

    series: list[dict[str, Any]]
    sessions: list[SessionView]
    commitments: list[CommitmentState]
    areas: dict[str, str]
    events: list[dict[str, Any]]
    recorded_conflicts: list[dict[str, Any]]
    today: date
    next_session: NextSession | None
    nations: tuple[str, ...]  # the partnership's two nations, each scored and reported
    tlps: dict[str, str] = field(default_factory=dict)  # every object read, by id: its TLP (a report's marking)

    def commitment(self, object_id: str) -> CommitmentState:
        state = next((s for s in self.commitments if s.commitment.id == object_id), None)
        if state is None:
            raise NotFound(f"no commitment {object_id}")
        return state

    def facts(self) -> RegisterFacts:
        """What a document read by the intake may contradict."""
        return RegisterFacts(events=self.events, sessions=self.sessions, areas=self.areas)

    def by_area(self) -> list[tuple[str, str, list[CommitmentState]]]:
        grouped: dict[str, list[CommitmentState]] = {}
        for state in self.commitments:
            grouped.setdefault(state.commitment.area, []).append(state)
        return [(key, self.areas.get(key, key), grouped[key]) for key in self.areas if key in grouped]

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(COMMITMENT_STATUSES, 0)
        for state in self.commitments:
            counts[state.status] += 1
        return counts


def load_register(session: Session, node: Node, actor: Actor, *, today: date) -> Register:
    """Read the register as ``actor`` may see it (partners read only through TAXII)."""
    permit(actor, Action.READ_DATA, nation=node.nation)
    rows = _all_rows(node, session, actor, (SERIES, SESSION, AREA, COMMITMENT, UPDATE, CONFLICT, EVENT))
    by_type: dict[str, list[StixObject]] = {}
    for row in rows:
        by_type.setdefault(row.type, []).append(row)
    areas = _areas(by_type.get(AREA, []))
    sessions = sorted(
        (SessionView.of(r.as_stix(), originator=r.originator_nation) for r in by_type.get(SESSION, [])),
        key=lambda s: (s.number, s.date),
    )
    updates = sorted(
        (
            UpdateView.of(r.as_stix(), originator=r.originator_nation, received=r.source == SOURCE_PARTNER)
            for r in by_type.get(UPDATE, [])
        ),
        key=lambda u: (u.date, u.id),
    )
    evidence_views = _resolve_evidence(session, node, actor, [e for u in updates for e in u.evidence])
    sharing = {row.id: (row.tlp, not_shared_with(node, row)) for row in rows}
    commitments = [
        CommitmentView.of(r.as_stix(), originator=r.originator_nation, tlp=r.tlp) for r in by_type.get(COMMITMENT, [])
    ]
    commitments.sort(key=lambda c: (list(areas).index(c.area) if c.area in areas else len(areas), c.announced or ""))
    states = [
        derive_state(
            c,
            [u for u in updates if u.commitment_ref == c.id],
            evidence_views,
            area_name=areas.get(c.area, c.area),
            today=today,
            sharing=sharing,
        )
        for c in commitments
    ]
    series = [r.as_stix() for r in by_type.get(SERIES, [])]
    return Register(
        series=series,
        sessions=sessions,
        commitments=states,
        areas=areas,
        events=sorted((r.as_stix() for r in by_type.get(EVENT, [])), key=lambda e: str(e["start_date"])),
        recorded_conflicts=[r.as_stix() for r in by_type.get(CONFLICT, [])],
        today=today,
        next_session=next_session(series, sessions, today=today, nations=node.partnership),
        nations=node.partnership,
        tlps={row.id: row.tlp for row in rows},
    )


def not_shared_with(node: Node, row: StixObject) -> tuple[str, ...]:
    """The partners ``row`` does not go to, as the policy's ``Export`` decides for each partner's account.

    A partner that originated the object holds it already and is never named.
    """
    handling = row.handling(held_by=node.nation)
    return tuple(
        nation
        for nation in node.partners
        if nation != row.originator_nation and not decide(partner_actor(nation), handling, Export()).allowed
    )


def _resolve_evidence(session: Session, node: Node, actor: Actor, links: Sequence[Evidence]) -> dict[str, EvidenceView]:
    """Each linked object's view for ``actor``, decided by the store's policy check (as ``get`` decides it)."""
    views: dict[str, EvidenceView] = {}
    for link in links:
        if link.ref in views:
            continue
        try:
            row = node.store.latest_row(session, link.ref)
        except NotFound:
            row = None
        if row is None or not node.store.decide_view(row, actor).allowed:
            views[link.ref] = EvidenceView(link, visible=False)
            continue
        obj = row.as_stix()
        name = obj.get("name") or obj.get("abstract") or obj.get("summary") or row.id
        shown = named_in_lists(row.handling(held_by=node.nation))  # the policy's rule (RED: on its own page only)
        label = str(name) if shown else f"TLP:{row.tlp.upper()} object (open it to see it)"
        views[link.ref] = EvidenceView(link, visible=True, label=label, type=row.type, tlp=row.tlp)
    return views


def derive_state(
    commitment: CommitmentView,
    updates: Sequence[UpdateView],
    evidence_views: dict[str, EvidenceView],
    *,
    area_name: str,
    today: date,
    sharing: dict[str, tuple[str, tuple[str, ...]]] | None = None,
) -> CommitmentState:
    """Milestone statuses per side (conflicts kept), indicator actuals, overall status, lag.

    ``sharing``: each object id's TLP and the partners it does not go to (see :func:`not_shared_with`).
    """
    shared = sharing or {}
    update_states = tuple(
        UpdateState(
            u,
            tuple(replace(evidence_views.get(e.ref, EvidenceView(e, visible=False)), evidence=e) for e in u.evidence),
            *shared.get(u.id, ("green", ())),
        )
        for u in updates
    )
    milestones = tuple(_milestone_state(m, updates, today=today) for m in commitment.milestones)
    indicators = tuple(_indicator_state(i, update_states) for i in commitment.indicators)
    if milestones and all(m.status == "met" for m in milestones):
        status = "met"
    elif any(m.conflict for m in milestones):
        status = "conflict"
    elif any(m.overdue for m in milestones):
        status = "overdue"
    elif commitment.delivered:
        status = "met"
    elif updates:
        status = "in progress"
    else:
        status = "not started"
    lag = measure_lag(
        announced=_optional_partial(commitment.announced, "announced"),
        terms_of_reference=_optional_partial(commitment.terms_of_reference, "terms_of_reference"),
        delivered=_optional_partial(commitment.delivered, "delivered"),
        today=today,
    )
    return CommitmentState(
        commitment,
        area_name,
        milestones,
        indicators,
        update_states,
        status,
        lag,
        shared.get(commitment.id, (commitment.tlp, ()))[1],
    )


def _optional_partial(value: str | None, name: str) -> date | None:
    return parse_partial_date(value, where=name) if value else None


def _milestone_state(milestone: Milestone, updates: Sequence[UpdateView], *, today: date) -> MilestoneState:
    by_nation: dict[str, tuple[str, str, str]] = {}
    for update in updates:  # sorted by date: the latest report of each side wins
        if update.milestone_key == milestone.key and update.milestone_status:
            by_nation[update.nation] = (update.milestone_status, update.id, update.date)
    reported = {status for status, _, _ in by_nation.values()}
    if len(reported) > 1:
        status = "conflict"
    elif reported:
        status = reported.pop()
    else:
        status = milestone.status
    due = milestone.due()
    overdue = due is not None and due < today and status not in ("met", "conflict")
    return MilestoneState(
        key=milestone.key,
        title=milestone.title,
        due_date=milestone.due_date,
        party=milestone.party,
        stored_status=milestone.status,
        by_nation=by_nation,
        status=status,
        overdue=overdue,
    )


def _indicator_state(indicator: Indicator, updates: Sequence[UpdateState]) -> IndicatorState:
    actuals: dict[int, float] = {int(y): v for y, v in indicator.actuals.items()}
    by_nation: dict[str, dict[int, float]] = {}
    for state in updates:
        update = state.update
        gained = sum(v for k, v in update.indicator_values if k == indicator.key)
        gained += sum(
            e.evidence.amount for e in state.evidence if e.counted and e.evidence.counts_toward == indicator.key
        )
        if gained:
            actuals[update.year] = actuals.get(update.year, 0.0) + gained
            per = by_nation.setdefault(update.nation, {})
            per[update.year] = per.get(update.year, 0.0) + gained
    return IndicatorState(
        key=indicator.key,
        name=indicator.name,
        unit=indicator.unit,
        baseline=indicator.baseline,
        targets={int(y): v for y, v in indicator.targets.items()},
        actuals=dict(sorted(actuals.items())),
        by_nation=by_nation,
    )


def next_session(
    series: Sequence[dict[str, Any]], sessions: Sequence[SessionView], *, today: date, nations: Sequence[str]
) -> NextSession | None:
    """The next session of an annual series: due a year after the last one; overdue if none recorded by then."""
    if not series:
        return None
    rotation = [str(n) for n in series[0].get("host_rotation") or nations]
    if not sessions:
        first = parse_date(series[0].get("first_session_date", today.isoformat()), where="first_session_date")
        return NextSession(1, first, rotation[0], today > first, max((today - first).days, 0))
    last = sessions[-1]
    held = parse_date(last.date, where="date")
    try:
        due = held.replace(year=held.year + 1)
    except ValueError:  # 29 February
        due = held.replace(year=held.year + 1, day=28)
    number = last.number + 1
    return NextSession(number, due, rotation[(number - 1) % len(rotation)], today > due, max((today - due).days, 0))


# ----- compliance ----------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceCell:
    nation: str
    year: int
    score: Score


@dataclass(frozen=True)
class ComplianceRow:
    state: CommitmentState
    cells: tuple[ComplianceCell, ...]

    def percentage(self, nation: str) -> float | None:
        return as_percentage([c.score.value for c in self.cells if c.nation == nation])


def compliance(register: Register, *, years: Sequence[int]) -> list[ComplianceRow]:
    """Score each commitment per nation per year (only years from its announcement up to today)."""
    rows: list[ComplianceRow] = []
    for state in register.commitments:
        start = state.lag.announced.year if state.lag.announced else min(years, default=register.today.year)
        cells = [
            ComplianceCell(nation, year, _score(state, nation, year))
            for year in years
            if start <= year <= register.today.year
            for nation in register.nations
        ]
        rows.append(ComplianceRow(state, tuple(cells)))
    return rows


def nation_percentage(rows: Sequence[ComplianceRow], nation: str, year: int | None = None) -> float | None:
    return as_percentage(
        [c.score.value for r in rows for c in r.cells if c.nation == nation and (year is None or c.year == year)]
    )


def _score(state: CommitmentState, nation: str, year: int) -> Score:
    end = date(year, 12, 31)
    due: list[DueItem] = []
    for milestone in state.commitment.milestones:
        if milestone.party not in (nation, "both"):
            continue
        due_day = milestone.due()
        if due_day is None or due_day > end:
            continue
        reported = milestone.status
        for item in state.updates:
            u = item.update
            if (
                u.nation == nation
                and u.milestone_key == milestone.key
                and u.milestone_status
                and u.date <= end.isoformat()
            ):
                reported = u.milestone_status
        due.append(DueItem(milestone.title, reported == "met", reported_not_met=reported == "notMet"))
    for indicator in state.indicators:
        if year in indicator.targets:
            actual = indicator.by_nation.get(nation, {}).get(year, 0.0)
            due.append(DueItem(indicator.name, actual >= indicator.targets[year]))
    mine = [s for s in state.updates if s.update.nation == nation and s.update.year == year]
    evidenced = [s for s in mine if any(e.visible for e in s.evidence)]
    return score_year(due=due, updates_in_year=len(mine), evidenced_updates_in_year=len(evidenced))


# ----- writing -------------------------------------------------------------------------


def _handling(node: Node, actor: Actor, choice: HandlingIn | None) -> HandlingInput:
    """The marking a person chose (TLP:GREEN, kept home, if none): the originator is this node and their agency.

    Making it releasable is a release: the store asks the policy, which lets release officers only.
    """
    chosen = choice or kept_home()
    return HandlingInput(
        tlp=chosen.tlp,
        originator_nation=node.nation,
        originator_agency=actor.agency or "",
        releasable_to=tuple(chosen.releasable_to),
        orcon=chosen.orcon,
        red_recipients=tuple(chosen.red_recipients),
    )


def known_areas(session: Session, node: Node, actor: Actor) -> dict[str, str]:
    return _areas(_all_rows(node, session, actor, (AREA,)))


def add_area(
    *, session: Session, node: Node, actor: Actor, key: str, name: str, handling: HandlingIn | None = None
) -> StixObject:
    permit(actor, Action.CREATE, nation=node.nation)
    check_area_key(key)
    if not name.strip():
        raise InvalidInput("name: an area needs a name")
    if key in known_areas(session, node, actor):
        raise InvalidInput(f"key: area {key!r} exists already")
    return node.store.create(
        session,
        obj={"type": AREA, "key": key, "name": name.strip()},
        handling=_handling(node, actor, handling),
        actor=actor,
    )


# An evidence link as given has the stored link's shape.
EvidenceInput = Evidence


@dataclass(frozen=True)
class UpdateInput:
    commitment_ref: str
    summary: str
    date: str
    milestone_key: str | None = None
    milestone_status: str | None = None
    indicator_values: tuple[tuple[str, float], ...] = ()
    evidence: tuple[EvidenceInput, ...] = ()
    handling: HandlingIn | None = None


class UpdateInvalid(InvalidInput):
    """Every problem of a progress update at once, by field (``summary``, ``date``, ``milestone_key``,
    ``milestone_status``, ``indicator_values``, ``evidence``, ``commitment_ref``), each naming the value."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems.items()))
        self.problems = dict(problems)


def _problem_text(exc: InvalidInput, name: str) -> str:
    """A parser's ``"name: what is wrong"`` without the field name, to stand beside that field."""
    text = str(exc)
    return text[len(name) + 2 :] if text.startswith(f"{name}: ") else text


def _checked_evidence(
    session: Session, node: Node, actor: Actor, evidence: Sequence[Evidence], indicator_keys: Sequence[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Evidence links as stored, and what is wrong with each (an object the actor may not see counts as none)."""
    links: list[dict[str, Any]] = []
    wrong: list[str] = []
    for index, link in enumerate(evidence):
        where = f"evidence[{index}]"
        try:
            node.store.get(session, object_id=link.ref, actor=actor)
        except (NotFound, Forbidden):
            wrong.append(f"{where}.ref: no object {link.ref!r} that you may see on this node")
        if link.counts_toward is not None and link.counts_toward not in indicator_keys:
            wrong.append(
                f"{where}.counts_toward: {link.counts_toward!r} is not one of {indicator_keys or 'no indicators'}"
            )
        if link.amount <= 0:
            wrong.append(f"{where}.amount: must be positive")
        entry: dict[str, Any] = {"ref": link.ref, "relation": link.relation or "supports"}
        if link.counts_toward:
            entry["counts_toward"] = link.counts_toward
            entry["amount"] = link.amount
        links.append(entry)
    return links, wrong


def check_update(
    *, session: Session, node: Node, actor: Actor, data: UpdateInput, today: date
) -> tuple[dict[str, Any], dict[str, str]]:
    """The update's body as it would be stored, and every problem with ``data`` by field (empty when none)."""
    problems: dict[str, str] = {}
    try:
        row = node.store.get(session, object_id=data.commitment_ref, actor=actor)
    except (NotFound, Forbidden):
        raise UpdateInvalid({"commitment_ref": f"no commitment {data.commitment_ref} that you may see"}) from None
    if row.type != COMMITMENT:
        raise UpdateInvalid({"commitment_ref": f"{data.commitment_ref} is a {row.type}, not a commitment"})
    commitment = CommitmentView.of(row.as_stix(), originator=row.originator_nation, tlp=row.tlp)
    if not data.summary.strip():
        problems["summary"] = "say what happened"
    when: date | None = None
    try:
        when = parse_date(data.date, where="date")
    except InvalidInput as exc:
        problems["date"] = _problem_text(exc, "date") if data.date.strip() else "give the day it happened"
    if when is not None and when > today:
        problems["date"] = f"{data.date} is in the future; record progress once it has happened"
    body: dict[str, Any] = {
        "type": UPDATE,
        "name": f"{node.nation} update {when.isoformat() if when else data.date}: {data.summary.strip()[:120]}",
        "commitment_ref": commitment.id,
        "date": when.isoformat() if when else data.date,
        "nation": node.nation,
        "summary": data.summary.strip(),
    }
    if data.milestone_key or data.milestone_status:
        keys = [m.key for m in commitment.milestones]
        if data.milestone_key not in keys:
            titles = ", ".join(f"{m.key} ({m.title})" for m in commitment.milestones) or "none"
            problems["milestone_key"] = (
                f"{data.milestone_key!r} is not a milestone of this commitment; choose one of: {titles}"
                if data.milestone_key
                else "choose the milestone this status is for"
            )
        if data.milestone_status not in MILESTONE_STATUSES:
            words = ", ".join(f"{STATUS_WORDS[s]} ({s})" for s in MILESTONE_STATUSES)
            problems["milestone_status"] = (
                f"{data.milestone_status!r} is not a milestone status; choose one of: {words}"
                if data.milestone_status
                else f"choose the milestone's status: {words}"
            )
        body["milestone_key"] = data.milestone_key
        body["milestone_status"] = data.milestone_status
    indicator_keys = [i.key for i in commitment.indicators]
    values = []
    for index, (key, value) in enumerate(data.indicator_values):
        if key not in indicator_keys:
            problems["indicator_values"] = f"[{index}].key: {key!r} is not one of {indicator_keys or 'none'}"
        values.append({"key": key, "value": value})
    if values:
        body["indicator_values"] = values
    links, wrong = _checked_evidence(session, node, actor, data.evidence, indicator_keys)
    if wrong:
        problems["evidence"] = "; ".join(wrong)
    if links:
        body["evidence"] = links
    return body, problems


def add_update(*, session: Session, node: Node, actor: Actor, data: UpdateInput, today: date) -> StixObject:
    """A progress update from this node's side: a new dated object, never an overwrite.

    :class:`UpdateInvalid` names every problem at once, and nothing is stored.
    """
    permit(actor, Action.CREATE, nation=node.nation)
    body, problems = check_update(session=session, node=node, actor=actor, data=data, today=today)
    if problems:
        raise UpdateInvalid(problems)
    return node.store.create(session, obj=body, handling=_handling(node, actor, data.handling), actor=actor)


@dataclass(frozen=True)
class MilestoneInput:
    key: str
    title: str
    due_date: str | None = None
    party: str = "both"


@dataclass(frozen=True)
class IndicatorInput:
    key: str
    name: str
    unit: str = "count"
    baseline: float = 0.0
    targets: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CommitmentInput:
    area: str
    text: str
    strength: str
    verifiable: bool = True
    session_ref: str | None = None
    source: str = ""
    owners: dict[str, str] = field(default_factory=dict)
    milestones: tuple[MilestoneInput, ...] = ()
    indicators: tuple[IndicatorInput, ...] = ()
    announced: str | None = None
    terms_of_reference: str | None = None
    delivered: str | None = None
    handling: HandlingIn | None = None


def _commitment_body(session: Session, node: Node, actor: Actor, data: CommitmentInput) -> dict[str, Any]:
    areas = known_areas(session, node, actor)
    if data.area not in areas:
        raise InvalidInput(f"area: {data.area!r} is not a known area ({', '.join(areas)}); add it first")
    if data.strength not in STRENGTHS:
        raise InvalidInput(f"strength: {data.strength!r} is not one of {list(STRENGTHS)}")
    if not data.text.strip():
        raise InvalidInput("text: give the commitment's verbatim text")
    if data.session_ref:
        try:
            row = node.store.get(session, object_id=data.session_ref, actor=actor)
        except (NotFound, Forbidden):
            raise InvalidInput(f"session_ref: no session {data.session_ref} that you may see") from None
        if row.type != SESSION:
            raise InvalidInput(f"session_ref: {data.session_ref} is not a dialogue session")
    stages = [
        (name, str(getattr(data, name)).strip())
        for name in ("announced", "terms_of_reference", "delivered")
        if getattr(data, name)
    ]
    for name, value in stages:
        parse_partial_date(value, where=name)
    for (earlier, first), (later, then) in itertools.pairwise(stages):
        known = min(len(first), len(then))  # compared at the coarser precision: "2015-11" vs "2015-11-20" is fine
        if then[:known] < first[:known]:
            raise InvalidInput(f"{later}: {then} is before {earlier} {first}")
    milestones = checked_milestones(node, [vars(m) for m in data.milestones])
    indicators = checked_indicators([vars(i) for i in data.indicators])
    body: dict[str, Any] = {
        "type": COMMITMENT,
        "name": data.text.strip()[:300],
        "area": data.area,
        "text": data.text.strip(),
        "strength": data.strength,
        "verifiable": data.verifiable,
        "source": data.source,
        "owners": dict(data.owners),
        "milestones": milestones,
        "indicators": indicators,
    }
    for name in ("session_ref", "announced", "terms_of_reference", "delivered"):
        if getattr(data, name):
            body[name] = getattr(data, name)
    return body


def checked_milestones(node: Node, items: Any) -> list[dict[str, Any]]:
    """A commitment's milestones as stored, each checked (a new commitment's and a revision's alike):
    a bad one is refused here, never stored to break the register for every reader later."""
    if not isinstance(items, list):
        raise InvalidInput("milestones: a list of {key, title, due_date, party}")
    milestones = []
    for index, m in enumerate(items):
        where = f"milestones[{index}]"
        if not isinstance(m, dict):
            raise InvalidInput(f"{where}: an object with key, title, due_date and party")
        key, due, party = str(m.get("key") or "").strip(), m.get("due_date"), m.get("party", "both")
        if not key:
            raise InvalidInput(f"{where}.key: empty")
        if due:
            parse_date(str(due), where=f"{where}.due_date")
        if party not in (*node.partnership, "both"):
            raise InvalidInput(f"{where}.party: {party!r} is not {', '.join(node.partnership)} or both")
        status = m.get("status", "scheduled")
        if status not in MILESTONE_STATUSES:
            raise InvalidInput(f"{where}.status: {status!r} is not one of {', '.join(MILESTONE_STATUSES)}")
        title = str(m.get("title") or key)
        milestones.append({"key": key, "title": title, "due_date": due or None, "party": party, "status": status})
    if len({m["key"] for m in milestones}) != len(milestones):
        raise InvalidInput("milestones: keys must be unique")
    return milestones


def checked_indicators(items: Any) -> list[dict[str, Any]]:
    """A commitment's indicators as stored, each checked: a key, a numeric baseline, targets by year."""
    if not isinstance(items, list):
        raise InvalidInput("indicators: a list of {key, name, unit, baseline, targets}")
    indicators = []
    for index, i in enumerate(items):
        where = f"indicators[{index}]"
        if not isinstance(i, dict):
            raise InvalidInput(f"{where}: an object with key, name, unit, baseline and targets")
        key = str(i.get("key") or "").strip()
        if not key:
            raise InvalidInput(f"{where}.key: empty")
        baseline, targets = i.get("baseline", 0), i.get("targets") or {}
        if isinstance(baseline, bool) or not isinstance(baseline, int | float):
            raise InvalidInput(f"{where}.baseline: {baseline!r} is not a number")
        if not isinstance(targets, dict):
            raise InvalidInput(f"{where}.targets: an object of year -> target")
        for year, target in targets.items():
            if not (isinstance(year, str) and year.isdigit() and len(year) == 4):
                raise InvalidInput(f"{where}.targets: {year!r} is not a year")
            if isinstance(target, bool) or not isinstance(target, int | float):
                raise InvalidInput(f"{where}.targets[{year}]: {target!r} is not a number")
        name, unit = str(i.get("name") or key), str(i.get("unit") or "count")
        indicators.append({"key": key, "name": name, "unit": unit, "baseline": baseline, "targets": dict(targets)})
    return indicators


def add_commitment(*, session: Session, node: Node, actor: Actor, data: CommitmentInput) -> StixObject:
    permit(actor, Action.CREATE, nation=node.nation)
    body = _commitment_body(session, node, actor, data)
    return node.store.create(session, obj=body, handling=_handling(node, actor, data.handling), actor=actor)


def revise_commitment(
    *, session: Session, node: Node, actor: Actor, object_id: str, changes: dict[str, Any]
) -> StixObject:
    """A new version of a commitment this node originated (text, strength, dates, milestones...)."""
    permit(actor, Action.UPDATE, nation=node.nation)
    latest = node.store.get(session, object_id=object_id, actor=actor)
    if latest.type != COMMITMENT:
        raise InvalidInput(f"{object_id} is not a commitment")
    current = latest.as_stix()
    allowed = {"text", "strength", "verifiable", "owners", "announced", "terms_of_reference", "delivered", "area"}
    unknown = set(changes) - allowed - {"milestones", "indicators"}
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]}: cannot be changed here")
    merged = CommitmentInput(
        area=str(changes.get("area", current["area"])),
        text=str(changes.get("text", current["text"])),
        strength=str(changes.get("strength", current["strength"])),
        verifiable=bool(changes.get("verifiable", current.get("verifiable", True))),
        session_ref=current.get("session_ref"),
        source=str(current.get("source", "")),
        owners=dict(changes.get("owners", current.get("owners") or {})),
        announced=changes.get("announced", current.get("announced")),
        terms_of_reference=changes.get("terms_of_reference", current.get("terms_of_reference")),
        delivered=changes.get("delivered", current.get("delivered")),
    )
    body = _commitment_body(session, node, actor, merged)
    body.pop("milestones")
    body.pop("indicators")
    if "milestones" in changes:
        body["milestones"] = checked_milestones(node, changes["milestones"])
    if "indicators" in changes:
        body["indicators"] = checked_indicators(changes["indicators"])
    return node.store.new_version(session, object_id=object_id, changes=body, actor=actor)


@dataclass(frozen=True)
class SessionInput:
    number: int
    date: str
    venue: str
    host_nation: str
    co_chairs: tuple[dict[str, str], ...] = ()
    delegations: dict[str, list[str]] = field(default_factory=dict)
    agenda: tuple[str, ...] = ()
    readout_text: str = ""
    source_url: str = ""
    handling: HandlingIn | None = None


def add_session(*, session: Session, node: Node, actor: Actor, data: SessionInput) -> StixObject:
    """Record a session of the series (the host's node records it); the readout is hashed (SHA-256)."""
    permit(actor, Action.CREATE, nation=node.nation)
    series = _all_rows(node, session, actor, (SERIES,))
    if not series:
        raise InvalidInput("series_ref: no dialogue series on this node yet (seed or sync first)")
    parse_date(data.date, where="date")
    if data.number < 1:
        raise InvalidInput("number: sessions are numbered from 1")
    if data.host_nation not in node.partnership:
        raise InvalidInput(f"host_nation: {data.host_nation!r} is not one of {list(node.partnership)}")
    if not data.venue.strip():
        raise InvalidInput("venue: where was it held?")
    for row in _all_rows(node, session, actor, (SESSION,)):
        if int(row.as_stix()["number"]) == data.number:
            raise InvalidInput(f"number: session {data.number} is recorded already ({row.id})")
    body: dict[str, Any] = {
        "type": SESSION,
        "name": f"Security Dialogue session {data.number}, {data.venue.strip()}, {data.date}",
        "series_ref": series[0].id,
        "number": data.number,
        "date": data.date,
        "venue": data.venue.strip(),
        "host_nation": data.host_nation,
        "co_chairs": [dict(c) for c in data.co_chairs],
        "delegations": dict(data.delegations),
        "agenda": list(data.agenda),
        "readout": {
            "text": data.readout_text,
            "source_url": data.source_url,
            "sha256": hashlib.sha256(data.readout_text.encode()).hexdigest(),
        },
    }
    return node.store.create(session, obj=body, handling=_handling(node, actor, data.handling), actor=actor)


def record_conflict(
    *,
    session: Session,
    node: Node,
    actor: Actor,
    subject: str,
    register_says: str,
    source_says: str,
    source: str,
    refs: Sequence[str] = (),
    handling: HandlingIn | None = None,
) -> StixObject:
    """Keep a disagreement between a document and the register on record (the register is not changed)."""
    permit(actor, Action.CREATE, nation=node.nation)
    body = {
        "type": CONFLICT,
        "name": f"Conflict: {subject}",
        "subject": subject,
        "register_says": register_says,
        "source_says": source_says,
        "source": source,
        "refs": list(refs),
    }
    return node.store.create(session, obj=body, handling=_handling(node, actor, handling), actor=actor)


def commitment_versions(session: Session, node: Node, actor: Actor, object_id: str) -> list[StixObject]:
    return node.store.versions(session, object_id=object_id, actor=actor)


def years_with_data(register: Register) -> list[int]:
    """The years a report has something to say about: sessions, announcements and later stages, milestones due,
    updates, and every year the register scores (:func:`year_window`)."""
    years = set(year_window(register)) if register.commitments else set()
    years |= {int(s.date[:4]) for s in register.sessions}
    for state in register.commitments:
        c = state.commitment
        years |= {int(str(v)[:4]) for v in (c.announced, c.terms_of_reference, c.delivered) if v}
        years |= {int(m.due_date[:4]) for m in state.milestones if m.due_date}
        years |= {u.update.year for u in state.updates}
    return sorted(years)


def year_window(register: Register) -> list[int]:
    """Years the register scores: from the 1st session's year (this year when none is recorded) to this one."""
    first = int(register.sessions[0].date[:4]) if register.sessions else register.today.year
    return list(range(min(first, register.today.year), register.today.year + 1))


TimelineEntry = tuple[str, str, str, str | None]  # date, kind, text, link


def timeline(register: Register) -> list[TimelineEntry]:
    """Partnership events, sessions, announcements, milestones, updates and the next session, by date."""
    entries: list[TimelineEntry] = [
        (str(e["start_date"]), "partnership", str(e["name"]), None) for e in register.events
    ]
    entries += [(s.date, "session", session_line(s), None) for s in register.sessions]
    for state in register.commitments:
        c = state.commitment
        link = f"/dialogue/commitments/{c.id}"
        for when, kind in (
            (c.announced, "announced"),
            (c.terms_of_reference, "terms of reference"),
            (c.delivered, "delivered"),
        ):
            if when:
                entries.append((when, kind, c.text, link))
        for m in state.milestones:
            if m.due_date:
                entries.append(
                    (
                        m.due_date,
                        f"milestone due ({STATUS_WORDS.get(m.status, m.status)})",
                        f"{m.title}: {c.text}",
                        link,
                    )
                )
        for u in state.updates:
            entries.append((u.update.date, f"update from {u.update.nation}", u.update.summary, link))
    nxt = register.next_session
    if nxt:
        label = f"session {nxt.number} due (host {nxt.host_nation})" + (" - OVERDUE" if nxt.overdue else "")
        entries.append((nxt.due.isoformat(), "next session", label, None))
    return sorted(entries, key=lambda e: e[0])


@dataclass(frozen=True)
class ConflictInput:
    subject: str
    register_says: str
    source_says: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntakeAcceptance:
    """What a person accepted of the intake's proposals for one document, as the page or the API gives it.

    Commitments without a ``session_ref`` cite the accepted session (if one is) or none.
    """

    source: str  # what the created objects say they came from (a URL, or the document's digest)
    session: SessionInput | None = None
    session_ref: str | None = None
    commitments: tuple[CommitmentInput, ...] = ()
    conflicts: tuple[ConflictInput, ...] = ()


def accept_intake(*, session: Session, node: Node, actor: Actor, accepted: IntakeAcceptance) -> list[str]:
    """Create the session, commitments and recorded conflicts a person accepted, in one transaction; their ids."""
    created: list[str] = []
    session_ref = accepted.session_ref
    if accepted.session is not None:
        row = add_session(session=session, node=node, actor=actor, data=accepted.session)
        created.append(row.id)
        session_ref = session_ref or row.id
    for commitment in accepted.commitments:
        data = replace(commitment, session_ref=commitment.session_ref or session_ref, source=accepted.source)
        created.append(add_commitment(session=session, node=node, actor=actor, data=data).id)
    for conflict in accepted.conflicts:
        row = record_conflict(
            session=session,
            node=node,
            actor=actor,
            subject=conflict.subject,
            register_says=conflict.register_says,
            source_says=conflict.source_says,
            source=accepted.source,
            refs=conflict.refs,
        )
        created.append(row.id)
    return created
