"""Request bodies of the defence pillar's REST API and forms.

Responses are the typed views of :mod:`models` (and the service's ``Match`` and ``SearchHit``):
FastAPI serialises those dataclasses as they are, so there is no second copy of their fields here.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, StringConstraints, field_validator

from mitra.core.schemas import HandlingIn, NationCode, kept_home

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


class OrganisationCreate(BaseModel):
    name: Name
    kind: str = "company"
    country: NationCode | None = None
    aliases: list[ShortText] = Field(default_factory=list, max_length=20)
    capabilities: list[str] = Field(default_factory=list, max_length=30)
    platforms: list[ShortText] = Field(default_factory=list, max_length=40)
    certifications: list[ShortText] = Field(default_factory=list, max_length=30)
    description: LongText = ""
    handling: HandlingIn = Field(default_factory=kept_home)


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
    handling: HandlingIn = Field(default_factory=kept_home)

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
    handling: HandlingIn = Field(default_factory=kept_home)

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
    handling: HandlingIn = Field(default_factory=kept_home)


class LessonCreate(BaseModel):
    exercise_ref: ObjectId
    edition_year: StrictInt | None = Field(default=None, ge=1950, le=2100)
    kind: Literal["lesson", "follow-up"]
    statement: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    status: Literal["open", "in-progress", "done"] | None = None
    due: date | None = None
    commitment_refs: list[ObjectId] = Field(default_factory=list, max_length=20)
    handling: HandlingIn = Field(default_factory=kept_home)
