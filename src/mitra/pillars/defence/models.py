"""Typed views over the defence pillar's STIX objects, as the services, pages and API read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mitra.core.objects import StixObject
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import parse_date
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
    # The nations whose copies of this SIPRI deal the row stands for (each node imports the register itself).
    held_by: tuple[str, ...] = ()

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
            held_by=(row.originator_nation,),
        )

    @property
    def deal_key(self) -> tuple[object, ...]:
        """What identifies the deal in SIPRI's register (the importer's key), whoever holds the copy."""
        return (
            self.recipient,
            self.supplier,
            self.year_of_order,
            self.number_ordered,
            self.weapon_designation,
            self.weapon_description,
            self.comments,
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


# ----- the types' own rules (beyond their JSON Schemas), applied by the store on every door ----------


def _real_partial_date(value: Any, where: str) -> None:
    """A ``YYYY-MM-DD`` must be a day of the calendar (the schema checks the shape)."""
    if isinstance(value, str) and len(value) == 10:
        parse_date(value, where=where)


def check_agreement(obj: Mapping[str, Any], where: str) -> None:
    """Dates are real days, and an agreement is not valid until before it was signed."""
    for name in ("date_signed", "valid_until"):
        _real_partial_date(obj.get(name), f"{where} {name}")
    signed, until = obj.get("date_signed"), obj.get("valid_until")
    if isinstance(signed, str) and isinstance(until, str) and until < signed[: len(until)]:
        raise InvalidInput(f"{where}: valid_until {until} is before date_signed {signed}")


def check_meeting(obj: Mapping[str, Any], where: str) -> None:
    _real_partial_date(obj.get("meeting_date"), f"{where} meeting_date")


def check_opportunity(obj: Mapping[str, Any], where: str) -> None:
    _real_partial_date(obj.get("closes"), f"{where} closes")


def edition_problem(year: int, start: date | None, end: date | None) -> str | None:
    """What is wrong with one edition's dates (end before start, a date not near its year), or None."""
    if start and end and end < start:
        return f"end {end} is before start {start}"
    for moment in (start, end):
        if moment and abs(moment.year - year) > 1:
            return f"date {moment} is not in that year"
    return None


def check_exercise(obj: Mapping[str, Any], where: str) -> None:
    """One edition per year; each edition's dates real days, in order, in (about) its year."""
    years: set[int] = set()
    for index, edition in enumerate(obj.get("editions") or ()):
        at = f"{where} editions[{index}]"
        year = edition["year"]
        if year in years:
            raise InvalidInput(f"{at}: a second edition of {year} (one edition per year)")
        years.add(year)
        start, end = (
            parse_date(edition[name], where=f"{at}.{name}") if edition.get(name) else None for name in ("start", "end")
        )
        problem = edition_problem(year, start, end)
        if problem:
            raise InvalidInput(f"{at}: {problem}")


def check_lesson(obj: Mapping[str, Any], where: str) -> None:
    if obj.get("due") is not None:
        parse_date(obj["due"], where=f"{where} due")
