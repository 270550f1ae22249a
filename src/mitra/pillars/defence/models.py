"""Typed views over the defence pillar's STIX objects, as the services, pages and API read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mitra.core.objects import StixObject
from mitra.pillars.defence.sipri import delivery_span
from mitra.pillars.defence.vocabulary import capability_label


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int))
    return ()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class Marked:
    """Where an object comes from and how it is marked, for showing beside it."""

    tlp: str
    originator: str
    received: bool

    @classmethod
    def of(cls, row: StixObject) -> Marked:
        return cls(
            tlp=row.tlp, originator=f"{row.originator_nation}/{row.originator_agency}", received=row.source == "partner"
        )


def is_organisation(obj: dict[str, Any]) -> bool:
    """An identity belongs to the registry if it is an organisation in the defence sector."""
    sectors = obj.get("sectors")
    return (
        obj.get("type") == "identity"
        and obj.get("identity_class") == "organization"
        and isinstance(sectors, list)
        and "defense" in sectors
    )


@dataclass(frozen=True, slots=True)
class OrganisationView:
    id: str
    name: str
    kind: str
    country: str | None
    aliases: tuple[str, ...]
    capabilities: tuple[str, ...]
    platforms: tuple[str, ...]
    certifications: tuple[str, ...]
    description: str
    marked: Marked

    @classmethod
    def of(cls, row: StixObject) -> OrganisationView:
        obj = row.as_stix()
        return cls(
            id=row.id,
            name=str(obj.get("name", row.id)),
            kind=str(obj.get("x_mitra_org_kind") or "company"),
            country=_text(obj.get("x_mitra_country")),
            aliases=_strings(obj.get("x_mitra_aliases")),
            capabilities=_strings(obj.get("x_mitra_capabilities")),
            platforms=_strings(obj.get("x_mitra_platforms")),
            certifications=_strings(obj.get("x_mitra_certifications")),
            description=str(obj.get("description") or ""),
            marked=Marked.of(row),
        )


@dataclass(frozen=True, slots=True)
class AgreementView:
    id: str
    name: str
    kind: str
    status: str
    party_names: tuple[str, ...]
    party_refs: tuple[str, ...]
    date_signed: str | None
    valid_until: str | None
    amends_ref: str | None
    capabilities: tuple[str, ...]
    platforms: tuple[str, ...]
    description: str
    marked: Marked

    @classmethod
    def of(cls, row: StixObject) -> AgreementView:
        obj = row.as_stix()
        return cls(
            id=row.id,
            name=str(obj.get("name", row.id)),
            kind=str(obj.get("agreement_kind", "")),
            status=str(obj.get("status", "")),
            party_names=_strings(obj.get("party_names")),
            party_refs=_strings(obj.get("party_refs")),
            date_signed=_text(obj.get("date_signed")),
            valid_until=_text(obj.get("valid_until")),
            amends_ref=_text(obj.get("amends_ref")),
            capabilities=_strings(obj.get("capabilities")),
            platforms=_strings(obj.get("platforms")),
            description=str(obj.get("description") or ""),
            marked=Marked.of(row),
        )


@dataclass(frozen=True, slots=True)
class MeetingView:
    id: str
    name: str
    body_name: str
    number: int | None
    meeting_date: str
    venue: str | None
    outcomes: tuple[str, ...]
    agreement_refs: tuple[str, ...]
    marked: Marked

    @classmethod
    def of(cls, row: StixObject) -> MeetingView:
        obj = row.as_stix()
        return cls(
            id=row.id,
            name=str(obj.get("name", row.id)),
            body_name=str(obj.get("body_name", "")),
            number=_int(obj.get("number")),
            meeting_date=str(obj.get("meeting_date", "")),
            venue=_text(obj.get("venue")),
            outcomes=_strings(obj.get("outcomes")),
            agreement_refs=_strings(obj.get("agreement_refs")),
            marked=Marked.of(row),
        )


@dataclass(frozen=True, slots=True)
class OpportunityView:
    id: str
    name: str
    kind: str
    seeking_nation: str
    capabilities: tuple[str, ...]
    platforms: tuple[str, ...]
    certifications: tuple[str, ...]
    status: str
    closes: str | None
    description: str
    marked: Marked

    @classmethod
    def of(cls, row: StixObject) -> OpportunityView:
        obj = row.as_stix()
        return cls(
            id=row.id,
            name=str(obj.get("name", row.id)),
            kind=str(obj.get("opportunity_kind", "")),
            seeking_nation=str(obj.get("seeking_nation", row.originator_nation)),
            capabilities=_strings(obj.get("capabilities")),
            platforms=_strings(obj.get("platforms")),
            certifications=_strings(obj.get("certifications")),
            status=str(obj.get("status") or "open"),
            closes=_text(obj.get("closes")),
            description=str(obj.get("description") or ""),
            marked=Marked.of(row),
        )

    @property
    def capability_labels(self) -> list[str]:
        return [capability_label(c) for c in self.capabilities]


@dataclass(frozen=True, slots=True)
class Edition:
    """One edition of an exercise; None means unknown, never guessed."""

    year: int
    year_uncertain: bool
    edition: int | None
    host: str | None
    venue: str | None
    start: str | None
    end: str | None
    note: str

    @classmethod
    def of(cls, value: dict[str, Any]) -> Edition:
        return cls(
            year=int(value["year"]),
            year_uncertain=bool(value.get("year_uncertain", False)),
            edition=_int(value.get("edition")),
            host=_text(value.get("host")),
            venue=_text(value.get("venue")),
            start=_text(value.get("start")),
            end=_text(value.get("end")),
            note=str(value.get("note") or ""),
        )

    @property
    def year_text(self) -> str:
        return f"{self.year}?" if self.year_uncertain else str(self.year)


@dataclass(frozen=True, slots=True)
class ExerciseView:
    id: str
    name: str
    aliases: tuple[str, ...]
    service: str
    nations: tuple[str, ...]
    editions: tuple[Edition, ...]
    description: str
    marked: Marked

    @classmethod
    def of(cls, row: StixObject) -> ExerciseView:
        obj = row.as_stix()
        raw = obj.get("editions")
        editions = tuple(
            sorted(
                (Edition.of(e) for e in raw if isinstance(e, dict) and isinstance(e.get("year"), int))
                if isinstance(raw, list)
                else (),
                key=lambda e: e.year,
            )
        )
        return cls(
            id=row.id,
            name=str(obj.get("name", row.id)),
            aliases=_strings(obj.get("aliases")),
            service=str(obj.get("service", "")),
            nations=_strings(obj.get("nations")),
            editions=editions,
            description=str(obj.get("description") or ""),
            marked=Marked.of(row),
        )


@dataclass(frozen=True, slots=True)
class LessonView:
    id: str
    exercise_ref: str
    edition_year: int | None
    kind: str
    statement: str
    status: str | None
    due: str | None
    commitment_refs: tuple[str, ...]
    marked: Marked

    @classmethod
    def of(cls, row: StixObject) -> LessonView:
        obj = row.as_stix()
        return cls(
            id=row.id,
            exercise_ref=str(obj.get("exercise_ref", "")),
            edition_year=_int(obj.get("edition_year")),
            kind=str(obj.get("lesson_kind", "")),
            statement=str(obj.get("statement", "")),
            status=_text(obj.get("status")),
            due=_text(obj.get("due")),
            commitment_refs=_strings(obj.get("commitment_refs")),
            marked=Marked.of(row),
        )


@dataclass(frozen=True, slots=True)
class ArmsTransferView:
    id: str
    recipient: str
    supplier: str
    year_of_order: int | None
    order_year_uncertain: bool
    number_ordered: int | None
    weapon_designation: str
    weapon_description: str
    number_delivered: int | None
    years_of_delivery: tuple[int, ...]
    delivery_years_uncertain: bool
    deal_status: str
    comments: str
    tiv_delivered: float | None
    source: str

    @classmethod
    def of(cls, row: StixObject) -> ArmsTransferView:
        obj = row.as_stix()
        years = obj.get("years_of_delivery")
        tiv = obj.get("tiv_delivered")
        return cls(
            id=row.id,
            recipient=str(obj.get("recipient", "")),
            supplier=str(obj.get("supplier", "")),
            year_of_order=_int(obj.get("year_of_order")),
            order_year_uncertain=bool(obj.get("order_year_uncertain", False)),
            number_ordered=_int(obj.get("number_ordered")),
            weapon_designation=str(obj.get("weapon_designation", "")),
            weapon_description=str(obj.get("weapon_description", "")),
            number_delivered=_int(obj.get("number_delivered")),
            years_of_delivery=tuple(y for y in years if isinstance(y, int)) if isinstance(years, list) else (),
            delivery_years_uncertain=bool(obj.get("delivery_years_uncertain", False)),
            deal_status=str(obj.get("deal_status", "")),
            comments=str(obj.get("comments", "")),
            tiv_delivered=float(tiv) if isinstance(tiv, int | float) else None,
            source=str(obj.get("source", "")),
        )

    @property
    def delivered_span(self) -> str:
        return delivery_span(self.years_of_delivery, uncertain=self.delivery_years_uncertain)


__all__ = [
    "AgreementView",
    "ArmsTransferView",
    "Edition",
    "ExerciseView",
    "LessonView",
    "Marked",
    "MeetingView",
    "OpportunityView",
    "OrganisationView",
    "is_organisation",
]
