"""The economy pillar's typed results: tables that name their sources, concentrations, supply risk.

Every result is a :class:`Table` (or carries one) that names its sources, so pages, CSV, REST and CLI show
the same figures with the same provenance.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from mitra.foundation.words import Said


@dataclass(frozen=True)
class Table:
    """A table as shown on a page and exported as CSV, with where its figures come from."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    said: Said | None = None  # the title as words to be said in the reader's language (``title`` is its English)

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if v is None else v for v in row])
        for source in self.sources:
            writer.writerow([f"# source: {source}"])
        for note in self.notes:
            writer.writerow([f"# note: {note}"])
        return out.getvalue()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
            "sources": list(self.sources),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Concentration:
    """An HHI with what it was computed on."""

    value: float
    basis: str  # "quantity" or "value"
    stage: str  # "mine", "refinery", "trade (imports)"
    dataset: str
    year: int
    holders: int
    excluded: tuple[str, ...]
    sources: tuple[str, ...]

    def describe(self) -> str:
        return f"HHI {self.value:,.0f} by {self.basis}, {self.stage}, {self.dataset} {self.year}"


@dataclass(frozen=True)
class RiskResult:
    material: str
    importer: str
    year: int
    production_hhi: Concentration
    hhi_wgi_global: float
    hhi_wgi_sourcing: float
    import_reliance: float | None
    eol_rir: float
    eol_source: str
    substitution_index: float
    supply_risk: float | None
    geopolrisk: float | None
    governance_missing: tuple[str, ...] = field(default=())
