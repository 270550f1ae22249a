"""Request and response bodies of the maritime REST API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mitra.core.schemas import HandlingIn, IsoDateTime, PageRead

Category = Literal[
    "piracy",
    "armed-robbery",
    "smuggling",
    "iuu-fishing",
    "irregular-migration",
    "maritime-incident",
    "hybrid-threat",
    "pollution",
]
Severity = Literal["CAT 1", "CAT 2", "CAT 3", "CAT 4"]


class IncidentCreate(BaseModel):
    model_config = ConfigDict(strict=True)  # what the OpenAPI schema refuses, the API refuses too

    name: str = Field(min_length=1, max_length=300)
    category: Category
    severity: Severity | None = None
    attempted: bool = False
    occurred_at: IsoDateTime
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    vessel_name: str | None = Field(default=None, max_length=200)
    vessel_imo: str | None = Field(default=None, pattern=r"^\d{7}$")
    vessel_mmsi: str | None = Field(default=None, pattern=r"^\d{9}$")
    description: str = Field(default="", max_length=20000)
    handling: HandlingIn


class IncidentRead(BaseModel):
    """An incident as listed: the object's properties as stored, with its TLP; ``severity`` always present."""

    model_config = ConfigDict(extra="allow")  # every other property of the object, as it is

    id: str
    severity: Severity | None = Field(
        description=(
            "ReCAAP ISC's category of significance (CAT 1 most significant); null: not graded, the source "
            "gave no grade (NGA ASAM and IMB never do; ReCAAP does not grade attempted incidents)"
        )
    )
    tlp: str = Field(description="The incident's TLP 2.0 level")
    held_by: list[str] = Field(
        description=(
            "The nations whose copies of this public record the incident stands for, this node's first: each node "
            "derives its own object from a record (an NGA ASAM reference, a source's record number), and a "
            "partner's copy of the same record is not listed as a second incident"
        )
    )


class IncidentPage(PageRead[IncidentRead]):
    total: int = Field(description="How many incidents match the filters, on every page")


class AreaUpload(BaseModel):
    model_config = ConfigDict(strict=True)

    geojson: dict[str, Any] = Field(description="A GeoJSON FeatureCollection, Feature or (Multi)Polygon")
    name: str | None = Field(default=None, max_length=200, description="Name for a single unnamed geometry")
    handling: HandlingIn


class StatsRow(BaseModel):
    grouping: Literal["area", "asam_subregion"]
    name: str
    year: int
    count: int


class StatsRead(BaseModel):
    total: int
    rows: list[StatsRow]
