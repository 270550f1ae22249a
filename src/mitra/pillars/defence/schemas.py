"""Request and response bodies of the defence pillar's REST API and forms."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, field_validator

NationCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
TlpLevel = Literal["clear", "green", "amber", "amber+strict", "red"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
ObjectId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*--[0-9a-f-]{36}$")]
_PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def check_partial_date(value: str | None) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a real date), or nothing."""
    if value is None or value == "":
        return None
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if len(value) == 10:
        date.fromisoformat(value)
    return value


class HandlingChoice(BaseModel):
    """The marking a person chooses for a new object; the originator is always their own agency."""

    tlp: TlpLevel = "green"
    releasable_to: list[NationCode] = Field(default_factory=list, max_length=10)
    orcon: StrictBool = True


class OrganisationCreate(BaseModel):
    name: Name
    kind: str = "company"
    country: NationCode | None = None
    aliases: list[ShortText] = Field(default_factory=list, max_length=20)
    capabilities: list[str] = Field(default_factory=list, max_length=30)
    platforms: list[ShortText] = Field(default_factory=list, max_length=40)
    certifications: list[ShortText] = Field(default_factory=list, max_length=30)
    description: LongText = ""
    handling: HandlingChoice = Field(default_factory=HandlingChoice)


class AgreementCreate(BaseModel):
    name: Name
    kind: str
    status: str
    party_names: list[ShortText] = Field(min_length=1, max_length=20)
    party_refs: list[ObjectId] = Field(default_factory=list, max_length=20)
    date_signed: str | None = None
    valid_until: str | None = None
    amends_ref: ObjectId | None = None
    capabilities: list[str] = Field(default_factory=list, max_length=30)
    platforms: list[ShortText] = Field(default_factory=list, max_length=40)
    description: LongText = ""
    handling: HandlingChoice = Field(default_factory=HandlingChoice)

    _dates = field_validator("date_signed", "valid_until")(check_partial_date)


class OpportunityCreate(BaseModel):
    name: Name
    kind: str
    capabilities: list[str] = Field(min_length=1, max_length=30)
    platforms: list[ShortText] = Field(default_factory=list, max_length=40)
    certifications: list[ShortText] = Field(default_factory=list, max_length=30)
    status: str = "open"
    closes: str | None = None
    description: LongText = ""
    handling: HandlingChoice = Field(default_factory=HandlingChoice)

    _dates = field_validator("closes")(check_partial_date)


class EditionIn(BaseModel):
    year: StrictInt = Field(ge=1950, le=2100)
    year_uncertain: StrictBool = False
    edition: StrictInt | None = Field(default=None, ge=1, le=1000)
    host: NationCode | None = None
    venue: ShortText | None = None
    start: date | None = None
    end: date | None = None
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class ExerciseCreate(BaseModel):
    name: Name
    aliases: list[ShortText] = Field(default_factory=list, max_length=20)
    service: str
    nations: list[NationCode] = Field(default_factory=list, max_length=10)
    editions: list[EditionIn] = Field(default_factory=list, max_length=100)
    description: LongText = ""
    handling: HandlingChoice = Field(default_factory=HandlingChoice)


class LessonCreate(BaseModel):
    exercise_ref: ObjectId
    edition_year: StrictInt | None = Field(default=None, ge=1950, le=2100)
    kind: Literal["lesson", "follow-up"]
    statement: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    status: Literal["open", "in-progress", "done"] | None = None
    due: date | None = None
    commitment_refs: list[ObjectId] = Field(default_factory=list, max_length=20)
    handling: HandlingChoice = Field(default_factory=HandlingChoice)


class MarkedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    tlp: str
    originator: str
    received: bool


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: str
    country: str | None
    aliases: list[str]
    capabilities: list[str]
    platforms: list[str]
    certifications: list[str]
    description: str
    marked: MarkedRead


class AgreementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: str
    status: str
    party_names: list[str]
    party_refs: list[str]
    date_signed: str | None
    valid_until: str | None
    amends_ref: str | None
    capabilities: list[str]
    platforms: list[str]
    description: str
    marked: MarkedRead


class OpportunityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    kind: str
    seeking_nation: str
    capabilities: list[str]
    platforms: list[str]
    certifications: list[str]
    status: str
    closes: str | None
    description: str
    marked: MarkedRead


class ReasonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    factor: str
    points: float
    text: str


class MatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    organisation: OrganisationRead
    score: float
    reasons: list[ReasonRead]


class SearchHitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    organisation: OrganisationRead
    matched: list[str]


class EditionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    year: int
    year_uncertain: bool
    edition: int | None
    host: str | None
    venue: str | None
    start: str | None
    end: str | None
    note: str


class ExerciseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    aliases: list[str]
    service: str
    nations: list[str]
    editions: list[EditionRead]
    description: str
    marked: MarkedRead


class LessonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    exercise_ref: str
    edition_year: int | None
    kind: str
    statement: str
    status: str | None
    due: str | None
    commitment_refs: list[str]
    marked: MarkedRead


class ArmsTransferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    recipient: str
    supplier: str
    year_of_order: int | None
    order_year_uncertain: bool
    number_ordered: int | None
    weapon_designation: str
    weapon_description: str
    number_delivered: int | None
    years_of_delivery: list[int]
    delivery_years_uncertain: bool
    deal_status: str
    comments: str
    tiv_delivered: float | None
    source: str


class CapabilityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    label: str
    description: str
