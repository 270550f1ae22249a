"""Bodies of the economy REST API (``/api/v1/economy``): what each endpoint answers, typed for the OpenAPI spec."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mitra.core.schemas import ImportReportRead
from mitra.pillars.economy.materials import Material
from mitra.pillars.economy.models import Concentration, Table


class MaterialRead(BaseModel):
    key: str
    name: str
    hs_codes: list[str]
    hs_note: str
    stage: str

    @classmethod
    def of(cls, material: Material) -> MaterialRead:
        return cls(
            key=material.key,
            name=material.name,
            hs_codes=list(material.hs_codes),
            hs_note=material.hs_note,
            stage=material.stage,
        )


class TableInfoRead(BaseModel):
    name: str
    description: str


class TableRead(BaseModel):
    """A table with its sources; each row maps a column to its value (``null`` when the source has none)."""

    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    sources: list[str]
    notes: list[str]

    @classmethod
    def of(cls, table: Table) -> TableRead:
        return cls.model_validate(table.as_dict())


class ConcentrationRead(BaseModel):
    hhi: float = Field(description="Herfindahl-Hirschman index, 0-10,000")
    basis: str
    stage: str
    dataset: str
    holders: int
    excluded: list[str]
    sources: list[str]

    @classmethod
    def of(cls, found: Concentration) -> ConcentrationRead:
        return cls(
            hhi=round(found.value, 2),
            basis=found.basis,
            stage=found.stage,
            dataset=found.dataset,
            holders=found.holders,
            excluded=list(found.excluded),
            sources=list(found.sources),
        )


class ConcentrationsRead(BaseModel):
    material: str
    year: int
    results: list[ConcentrationRead]


class ImportsRead(BaseModel):
    reports: list[ImportReportRead]
