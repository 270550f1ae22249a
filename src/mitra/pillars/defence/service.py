"""The defence pillar's logic: registry, agreements, opportunities and matching, exercises, SIPRI import.

Every function takes the caller's session and never commits; reads go through the object store,
so the policy engine decides what each person sees (a match or a reason never rests on an object
the viewer may not see).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.core.access import permit
from mitra.core.catalogue import COMMITMENT  # lessons follow up the Dialogue's commitments
from mitra.core.objects import ObjectStore, StixObject
from mitra.core.paging import Key
from mitra.core.schemas import HandlingIn
from mitra.core.stix import HandlingInput, nation_object_id
from mitra.foundation.canonical import canonical_json
from mitra.foundation.errors import Forbidden, InvalidInput, NotFound
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.pillars.defence.models import (
    AgreementView,
    ArmsTransferView,
    Edition,
    ExerciseView,
    LessonView,
    MeetingView,
    OpportunityView,
    OrganisationView,
    edition_problem,
    is_organisation,
)
from mitra.pillars.defence.schemas import (
    AgreementCreate,
    EditionIn,
    ExerciseCreate,
    LessonCreate,
    OpportunityCreate,
    OrganisationCreate,
)
from mitra.pillars.defence.sipri import SOURCE, SipriParse, SipriRow
from mitra.pillars.defence.types import AGREEMENT, ARMS_TRANSFER, EXERCISE, LESSON, MEETING, OPPORTUNITY
from mitra.pillars.defence.vocabulary import (
    ACTIVE_AGREEMENT_STATUSES,
    AGREEMENT_KINDS,
    AGREEMENT_STATUSES,
    OPPORTUNITY_KINDS,
    OPPORTUNITY_STATUSES,
    ORGANISATION_KINDS,
    SERVICES,
    capability_label,
    check_capabilities,
    check_choice,
    fold,
    platform_family,
    platform_label,
    platform_search_terms,
)
from mitra.policy import Action, Actor

# Weights of the match score (out of 100); docs/defence.md explains them.
CAPABILITY_POINTS = 40.0
PLATFORM_POINTS = 30.0
CERTIFICATION_POINTS = 15.0
AGREEMENT_POINTS = 10.0
AGREEMENT_COVERS_POINTS = 5.0


# Each list's order, ending with the id so that it is total: the services sort by it, the edges page by it.
def organisation_order(o: OrganisationView) -> Key:
    return (o.name.lower(), o.id)


def agreement_order(a: AgreementView) -> Key:
    return (a.date_signed or "9999", a.name, a.id)


def opportunity_order(o: OpportunityView) -> Key:
    return (o.name.lower(), o.id)


def exercise_order(e: ExerciseView) -> Key:
    return (e.name.lower(), e.id)


def lesson_order(lesson: LessonView) -> Key:
    return (lesson.edition_year or 0, lesson.kind, lesson.statement, lesson.id)


def transfer_order(t: ArmsTransferView) -> Key:
    return (t.year_of_order or 0, t.recipient, t.supplier, t.weapon_designation, t.id)


def _handling(choice: HandlingIn, *, store: ObjectStore, actor: Actor) -> HandlingInput:
    return HandlingInput(
        tlp=choice.tlp,
        originator_nation=store.nation,
        originator_agency=actor.agency or "",
        releasable_to=tuple(sorted(set(choice.releasable_to))),
        orcon=choice.orcon,
        red_recipients=tuple(sorted(set(choice.red_recipients))),
    )


def _require_visible(
    session: Session, *, store: ObjectStore, actor: Actor, object_id: str, types: tuple[str, ...], where: str
) -> StixObject:
    """The object behind a reference a person typed, if it exists, they may see it, and its type fits."""
    try:
        row = store.get(session, object_id=object_id, actor=actor)
    except (NotFound, Forbidden):
        raise InvalidInput(f"{where}: {object_id} is not an object you may see") from None
    if types and row.type not in types:
        raise InvalidInput(f"{where}: {object_id} is a {row.type}, expected {' or '.join(types)}")
    return row


# ----- organisations --------------------------------------------------------------------


def list_organisations(session: Session, *, store: ObjectStore, actor: Actor) -> list[OrganisationView]:
    rows = store.iter_visible(session, actor=actor, types=("identity",))
    views = [OrganisationView.of(r) for r in rows if is_organisation(r.as_stix())]
    return sorted(views, key=organisation_order)


def create_organisation(
    session: Session, *, store: ObjectStore, data: OrganisationCreate, actor: Actor
) -> OrganisationView:
    obj: dict[str, Any] = {
        "type": "identity",
        "name": data.name,
        "identity_class": "organization",
        "sectors": ["defense"],
        "x_mitra_org_kind": check_choice(data.kind, ORGANISATION_KINDS, where="kind"),
        "x_mitra_capabilities": check_capabilities(data.capabilities, where="capabilities"),
        "x_mitra_platforms": list(dict.fromkeys(data.platforms)),
        "x_mitra_certifications": list(dict.fromkeys(data.certifications)),
        "x_mitra_aliases": list(dict.fromkeys(data.aliases)),
    }
    if data.country:
        obj["x_mitra_country"] = data.country
    if data.description:
        obj["description"] = data.description
    row = store.create(session, obj=obj, handling=_handling(data.handling, store=store, actor=actor), actor=actor)
    return OrganisationView.of(row)


@dataclass(frozen=True, slots=True)
class SearchHit:
    organisation: OrganisationView
    matched: list[str]


def _search_index(org: OrganisationView) -> list[tuple[str, str]]:
    """(folded term, what it is) pairs that a query token may match."""
    terms: list[tuple[str, str]] = []
    for name in (org.name, *org.aliases):
        terms.append((fold(name), f"name {name}"))
        terms.extend((fold(word), f"name {name}") for word in re.split(r"[\s()/,]+", name) if word)
    for capability in org.capabilities:
        what = f"capability {capability_label(capability)}"
        terms.append((fold(capability), what))
        terms.extend((fold(word), what) for word in re.split(r"[\s()/,]+", capability_label(capability)) if word)
    for platform in org.platforms:
        terms.extend((term, f"platform {platform}") for term in platform_search_terms(platform))
    return [(t, w) for t, w in terms if t]


def search_organisations(session: Session, *, store: ObjectStore, actor: Actor, query: str) -> list[SearchHit]:
    """Organisations matching every word of ``query`` in a name, alias, capability or platform.

    A word matches a term it begins (after folding case and punctuation), so "Su-30" finds
    an organisation supporting the Su-30MKM and "MRO" one with the MRO capability.
    """
    tokens = [fold(t) for t in re.split(r"[\s,;]+", query)]
    tokens = [t for t in tokens if t]
    if not tokens:
        return []
    hits: list[SearchHit] = []
    for org in list_organisations(session, store=store, actor=actor):
        index = _search_index(org)
        matched: list[str] = []
        for token in tokens:
            what = next((w for term, w in index if term.startswith(token)), None)
            if what is None:
                break
            matched.append(what)
        else:
            hits.append(SearchHit(org, list(dict.fromkeys(matched))))
    return hits


# ----- agreements and meetings -----------------------------------------------------------


def list_agreements(session: Session, *, store: ObjectStore, actor: Actor) -> list[AgreementView]:
    views = [AgreementView.of(r) for r in store.iter_visible(session, actor=actor, types=(AGREEMENT.name,))]
    return sorted(views, key=agreement_order)


def create_agreement(session: Session, *, store: ObjectStore, data: AgreementCreate, actor: Actor) -> AgreementView:
    for index, ref in enumerate(data.party_refs):
        _require_visible(
            session, store=store, actor=actor, object_id=ref, types=("identity",), where=f"party_refs[{index}]"
        )
    if data.amends_ref:
        _require_visible(
            session, store=store, actor=actor, object_id=data.amends_ref, types=(AGREEMENT.name,), where="amends_ref"
        )
    obj: dict[str, Any] = {
        "type": AGREEMENT.name,
        "name": data.name,
        "agreement_kind": check_choice(data.kind, AGREEMENT_KINDS, where="kind"),
        "status": check_choice(data.status, AGREEMENT_STATUSES, where="status"),
        "party_names": list(data.party_names),
        "party_refs": list(dict.fromkeys(data.party_refs)),
        "capabilities": check_capabilities(data.capabilities, where="capabilities"),
        "platforms": list(dict.fromkeys(data.platforms)),
    }
    for key in ("date_signed", "valid_until", "amends_ref"):
        if getattr(data, key):
            obj[key] = getattr(data, key)
    if data.description:
        obj["description"] = data.description
    row = store.create(session, obj=obj, handling=_handling(data.handling, store=store, actor=actor), actor=actor)
    return AgreementView.of(row)


def list_meetings(session: Session, *, store: ObjectStore, actor: Actor) -> list[MeetingView]:
    rows = store.iter_visible(session, actor=actor, types=(MEETING.name,))
    return sorted((MeetingView.of(r) for r in rows), key=lambda m: m.meeting_date)


# ----- opportunities and matching ---------------------------------------------------------


def list_opportunities(session: Session, *, store: ObjectStore, actor: Actor) -> list[OpportunityView]:
    rows = store.iter_visible(session, actor=actor, types=(OPPORTUNITY.name,))
    return sorted((OpportunityView.of(r) for r in rows), key=opportunity_order)


def get_opportunity(session: Session, *, store: ObjectStore, actor: Actor, opportunity_id: str) -> OpportunityView:
    row = store.get(session, object_id=opportunity_id, actor=actor)
    if row.type != OPPORTUNITY.name:
        raise NotFound(f"{opportunity_id} is not an opportunity")
    return OpportunityView.of(row)


def create_opportunity(
    session: Session, *, store: ObjectStore, data: OpportunityCreate, actor: Actor
) -> OpportunityView:
    obj: dict[str, Any] = {
        "type": OPPORTUNITY.name,
        "name": data.name,
        "opportunity_kind": check_choice(data.kind, OPPORTUNITY_KINDS, where="kind"),
        "seeking_nation": store.nation,
        "capabilities": check_capabilities(data.capabilities, where="capabilities"),
        "platforms": list(dict.fromkeys(data.platforms)),
        "certifications": list(dict.fromkeys(data.certifications)),
        "status": check_choice(data.status, OPPORTUNITY_STATUSES, where="status"),
    }
    if data.closes:
        obj["closes"] = data.closes
    if data.description:
        obj["description"] = data.description
    row = store.create(session, obj=obj, handling=_handling(data.handling, store=store, actor=actor), actor=actor)
    return OpportunityView.of(row)


@dataclass(frozen=True, slots=True)
class Reason:
    factor: str  # capabilities, platforms, certifications, agreements
    points: float
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    organisation: OrganisationView
    score: float
    reasons: list[Reason] = field(default_factory=list)


def _party_to(agreement: AgreementView, org: OrganisationView) -> bool:
    if org.id in agreement.party_refs:
        return True
    names = {fold(n) for n in (org.name, *org.aliases)}
    return any(fold(p) in names for p in agreement.party_names)


def score_match(opportunity: OpportunityView, org: OrganisationView, agreements: list[AgreementView]) -> Match:
    """How well ``org`` fits ``opportunity``, out of 100, with one reason per contributing factor."""
    reasons: list[Reason] = []
    needed = list(opportunity.capabilities)
    shared = [c for c in needed if c in org.capabilities]
    if shared and needed:
        points = CAPABILITY_POINTS * len(shared) / len(needed)
        labels = ", ".join(capability_label(c) for c in shared)
        reasons.append(Reason("capabilities", points, f"has {len(shared)} of {len(needed)} needed: {labels}"))
    wanted = {platform_family(p): p for p in opportunity.platforms}
    supported = {platform_family(p): p for p in org.platforms}
    common = [family for family in wanted if family in supported]
    if common and wanted:
        points = PLATFORM_POINTS * len(common) / len(wanted)
        names = ", ".join(f"{platform_label(f)} ({supported[f]})" for f in common)
        reasons.append(Reason("platforms", points, f"supports {len(common)} of {len(wanted)} platforms: {names}"))
    required = {fold(c): c for c in opportunity.certifications}
    held = {fold(c) for c in org.certifications}
    certified = [c for key, c in required.items() if key in held]
    if certified and required:
        points = CERTIFICATION_POINTS * len(certified) / len(required)
        reasons.append(Reason("certifications", points, f"holds {', '.join(certified)}"))
    active = [a for a in agreements if a.status in ACTIVE_AGREEMENT_STATUSES and _party_to(a, org)]
    if active:
        points = AGREEMENT_POINTS
        covering = [
            a
            for a in active
            if {platform_family(p) for p in a.platforms} & set(wanted) or set(a.capabilities) & set(needed)
        ]
        if covering:
            points += AGREEMENT_COVERS_POINTS
        names = "; ".join(f"{a.name} ({a.date_signed or 'date unknown'})" for a in active)
        text = f"party to {names}" + (" — covering this work" if covering else "")
        reasons.append(Reason("agreements", points, text))
    return Match(org, round(sum(r.points for r in reasons), 1), reasons)


def match_opportunity(session: Session, *, store: ObjectStore, actor: Actor, opportunity_id: str) -> list[Match]:
    """Organisations on the other side that could take the opportunity, best first, with reasons.

    An organisation qualifies by sharing at least one needed capability or platform; the other
    factors only rank. Only objects ``actor`` may see are considered, as candidates and as reasons.
    """
    opportunity = get_opportunity(session, store=store, actor=actor, opportunity_id=opportunity_id)
    agreements = list_agreements(session, store=store, actor=actor)
    matches: list[Match] = []
    for org in list_organisations(session, store=store, actor=actor):
        if org.country == opportunity.seeking_nation:
            continue
        match = score_match(opportunity, org, agreements)
        if any(r.factor in ("capabilities", "platforms") for r in match.reasons):
            matches.append(match)
    return sorted(matches, key=lambda m: (-m.score, m.organisation.name.lower()))


# ----- exercises and lessons ---------------------------------------------------------------


def list_exercises(session: Session, *, store: ObjectStore, actor: Actor) -> list[ExerciseView]:
    rows = store.iter_visible(session, actor=actor, types=(EXERCISE.name,))
    return sorted((ExerciseView.of(r) for r in rows), key=exercise_order)


def _edition(value: EditionIn) -> dict[str, Any]:
    problem = edition_problem(value.year, value.start, value.end)
    if problem:
        raise InvalidInput(f"editions {value.year}: {problem}")
    return asdict(
        Edition(
            year=value.year,
            year_uncertain=value.year_uncertain,
            edition=value.edition,
            host=value.host,
            venue=value.venue,
            start=value.start.isoformat() if value.start else None,
            end=value.end.isoformat() if value.end else None,
            note=value.note,
        )
    )


def create_exercise(session: Session, *, store: ObjectStore, data: ExerciseCreate, actor: Actor) -> ExerciseView:
    years = [e.year for e in data.editions]
    if len(years) != len(set(years)):
        raise InvalidInput("editions: one edition per year")
    obj: dict[str, Any] = {
        "type": EXERCISE.name,
        "name": data.name,
        "aliases": list(dict.fromkeys(data.aliases)),
        "service": check_choice(data.service, SERVICES, where="service"),
        "nations": list(dict.fromkeys(data.nations)),
        "editions": [_edition(e) for e in sorted(data.editions, key=lambda e: e.year)],
    }
    if data.description:
        obj["description"] = data.description
    row = store.create(session, obj=obj, handling=_handling(data.handling, store=store, actor=actor), actor=actor)
    return ExerciseView.of(row)


def add_edition(
    session: Session, *, store: ObjectStore, exercise_id: str, edition: EditionIn, actor: Actor
) -> ExerciseView:
    """A new version of the exercise with ``edition`` added (or replacing the same year's)."""
    row = _require_visible(
        session, store=store, actor=actor, object_id=exercise_id, types=(EXERCISE.name,), where="exercise"
    )
    current = ExerciseView.of(row)
    editions = [asdict(e) for e in current.editions if e.year != edition.year]
    editions.append(_edition(edition))
    editions.sort(key=lambda e: int(e["year"]))
    updated = store.new_version(session, object_id=exercise_id, changes={"editions": editions}, actor=actor)
    return ExerciseView.of(updated)


def list_lessons(
    session: Session, *, store: ObjectStore, actor: Actor, exercise_id: str | None = None
) -> list[LessonView]:
    lessons = [LessonView.of(r) for r in store.iter_visible(session, actor=actor, types=(LESSON.name,))]
    if exercise_id is not None:
        lessons = [lesson for lesson in lessons if lesson.exercise_ref == exercise_id]
    return sorted(lessons, key=lesson_order)


def create_lesson(session: Session, *, store: ObjectStore, data: LessonCreate, actor: Actor) -> LessonView:
    """Record a lesson or follow-up; every commitment it cites must exist and be visible to ``actor``."""
    exercise = ExerciseView.of(
        _require_visible(
            session, store=store, actor=actor, object_id=data.exercise_ref, types=(EXERCISE.name,), where="exercise_ref"
        )
    )
    if data.edition_year is not None and data.edition_year not in {e.year for e in exercise.editions}:
        raise InvalidInput(f"edition_year: {exercise.name} has no {data.edition_year} edition")
    for index, ref in enumerate(data.commitment_refs):
        _require_visible(
            session, store=store, actor=actor, object_id=ref, types=(COMMITMENT,), where=f"commitment_refs[{index}]"
        )
    obj: dict[str, Any] = {
        "type": LESSON.name,
        "exercise_ref": data.exercise_ref,
        "lesson_kind": data.kind,
        "statement": data.statement,
        "commitment_refs": list(dict.fromkeys(data.commitment_refs)),
    }
    if data.edition_year is not None:
        obj["edition_year"] = data.edition_year
    if data.status:
        obj["status"] = data.status
    if data.due:
        obj["due"] = data.due.isoformat()
    row = store.create(session, obj=obj, handling=_handling(data.handling, store=store, actor=actor), actor=actor)
    return LessonView.of(row)


# ----- SIPRI arms transfers ----------------------------------------------------------------


def list_transfers(
    session: Session,
    *,
    store: ObjectStore,
    actor: Actor,
    recipient: str | None = None,
    supplier: str | None = None,
    text: str | None = None,
) -> list[ArmsTransferView]:
    views = one_per_deal(
        [ArmsTransferView.of(r) for r in store.iter_visible(session, actor=actor, types=(ARMS_TRANSFER.name,))],
        prefer=store.nation,
    )
    if recipient:
        views = [v for v in views if v.recipient.lower() == recipient.lower()]
    if supplier:
        views = [v for v in views if v.supplier.lower() == supplier.lower()]
    if text:
        needle = fold(text)
        views = [v for v in views if needle in fold(f"{v.weapon_designation} {v.weapon_description} {v.comments}")]
    return sorted(views, key=transfer_order)


def transfer_object(row: SipriRow, *, object_id: str) -> dict[str, Any]:
    """The STIX object of one SIPRI deal (without id-independent timestamps)."""
    obj: dict[str, Any] = {
        "type": ARMS_TRANSFER.name,
        "id": object_id,
        "name": f"{row.recipient} ← {row.supplier}: {row.weapon_designation} ({row.year_of_order or 'year unknown'})",
        "recipient": row.recipient,
        "supplier": row.supplier,
        "year_of_order": row.year_of_order,
        "order_year_uncertain": row.order_year_uncertain,
        "number_ordered": row.number_ordered,
        "number_ordered_uncertain": row.number_ordered_uncertain,
        "weapon_designation": row.weapon_designation,
        "weapon_description": row.weapon_description,
        "number_delivered": row.number_delivered,
        "number_delivered_uncertain": row.number_delivered_uncertain,
        "years_of_delivery": list(row.years_of_delivery),
        "delivery_years_uncertain": row.delivery_years_uncertain,
        "deal_status": row.status,
        "comments": row.comments,
        "tiv_per_unit": row.tiv_per_unit,
        "tiv_total_order": row.tiv_total_order,
        "tiv_delivered": row.tiv_delivered,
        "source": SOURCE,
    }
    return {k: v for k, v in obj.items() if v is not None}


def one_per_deal(views: list[ArmsTransferView], *, prefer: str) -> list[ArmsTransferView]:
    """Each SIPRI deal once: both nodes import the register and a partner's copies arrive beside the node's own.

    The register may list one deal twice (two identical lines, kept as two objects); so the n-th copy of a deal
    from each nation is one row, this node's copy standing for it, ``held_by`` naming the nations."""
    by_deal: dict[tuple[object, ...], dict[str, list[ArmsTransferView]]] = {}
    for view in views:
        by_deal.setdefault(view.deal_key, {}).setdefault(view.held_by[0], []).append(view)
    rows = []
    for copies in by_deal.values():
        nations = sorted(copies, key=lambda n: (n != prefer, n))
        for index in range(max(len(c) for c in copies.values())):
            holders = tuple(n for n in nations if index < len(copies[n]))
            rows.append(replace(copies[holders[0]][index], held_by=holders))
    return rows


def transfer_id(nation: str, key: str) -> str:
    return nation_object_id(nation, ARMS_TRANSFER.name, f"sipri:{key}")


_STAMP_KEYS = frozenset({"created", "modified", "spec_version", "object_marking_refs", "extensions"})


def _content(obj: dict[str, Any]) -> str:
    return canonical_json({k: v for k, v in obj.items() if k not in _STAMP_KEYS})  # 1.0 and 1 are one number


def import_sipri(
    session: Session,
    *,
    store: ObjectStore,
    parsed: SipriParse,
    actor: Actor,
    tlp: str = "clear",
    releasable_to: tuple[str, ...] = (),
    where: str = "SIPRI file",
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Store each parsed deal as an ``x-mitra-arms-transfer``; re-importing the same file changes nothing."""
    permit(actor, Action.IMPORT, nation=store.nation)
    report = ImportReport(source=where, unit="line", read=len(parsed.rows) + len(parsed.problems))
    for problem in parsed.problems:
        report.reject(problem.message, problem.line)
    for row in parsed.rows:
        for name in ("recipient", "supplier", "weapon_designation", "weapon_description", "comments"):
            if "\ufffd" in getattr(row, name):  # shown as it is: what the character was is not known
                report.note(f"{name}: a character was lost before the file was published (U+FFFD)", row.line)
    seen: dict[str, int] = {}
    wanted: list[dict[str, Any]] = []
    for row in parsed.rows:
        seen[row.key] = seen.get(row.key, 0) + 1
        key = row.key if seen[row.key] == 1 else f"{row.key}#{seen[row.key]}"
        wanted.append(transfer_object(row, object_id=transfer_id(store.nation, key)))
    held: dict[str, StixObject] = {}
    ids = [o["id"] for o in wanted]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(StixObject).where(StixObject.id.in_(chunk), StixObject.is_latest.is_(True))
        held.update({r.id: r for r in session.scalars(query)})
    stamp = format_timestamp(now_utc())
    writes: list[dict[str, Any]] = []
    for obj in wanted:
        previous = held.get(obj["id"])
        if previous is None:
            writes.append({**obj, "spec_version": "2.1", "created": stamp, "modified": stamp})
        elif _content(previous.as_stix()) == _content(obj):
            report.count("unchanged")
        else:
            before = previous.as_stix()
            writes.append({**obj, "spec_version": "2.1", "created": before["created"], "modified": stamp})
        if on_progress is not None:
            on_progress(1)
    if writes:
        default = HandlingInput(
            tlp=tlp,
            originator_nation=store.nation,
            originator_agency=actor.agency or "",
            releasable_to=releasable_to,
            orcon=False,
        )
        stored = store.import_objects(session, writes, actor=actor, default_handling=default, where=where)
        stored.read = 0  # its objects are the rows counted above
        report.merge(stored)
    return report
